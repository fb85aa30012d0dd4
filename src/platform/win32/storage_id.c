/* Where a path's bytes are stored, as Windows tells it (drives.h): the facts are
 * gathered here, read-only and without locking anything; disk_facts.c decides. */
#include "diskimager/drives.h"

#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <winioctl.h>

#include "disk_facts.h"
#include "drive_path.h"
#include "utf16.h"

bool di_storage_id_of(const char *path, di_storage_id *id)
{
    memset(id, 0, sizeof *id);
    if (!path || !path[0]) return false;
    di_win_storage_facts facts;
    memset(&facts, 0, sizeof facts);
    unsigned number;
    facts.physical = di_physical_drive_number(path, &number);
    facts.physical_number = number;
    wchar_t *wpath = di_utf8_to_utf16(path);
    if (!wpath) return false;
    /* No data access: enough for the queries, needs no administrator, and a drive is
     * not woken up for it. Folders need the backup flag to open at all. */
    HANDLE h = CreateFileW(wpath, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (h == INVALID_HANDLE_VALUE)
        h = CreateFileW(wpath, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    free(wpath);
    if (h == INVALID_HANDLE_VALUE) return di_win_storage_id(&facts, id);
    DWORD got = 0;
    STORAGE_DEVICE_NUMBER device;
    if (DeviceIoControl(h, IOCTL_STORAGE_GET_DEVICE_NUMBER, NULL, 0, &device, sizeof device, &got,
                        NULL) &&
        got >= sizeof facts.device_number) {
        memcpy(facts.device_number, &device, sizeof facts.device_number);
        facts.device_number_len = sizeof facts.device_number;
    } else {
        uint8_t buf[8 + 24 * 8];
        if (DeviceIoControl(h, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, NULL, 0, buf, sizeof buf,
                            &got, NULL)) {
            int n = di_parse_disk_extents(buf, got, facts.extents, 8);
            facts.extent_count = n < 0 ? 0 : n > 8 ? 8 : n;
        }
    }
    BY_HANDLE_FILE_INFORMATION info;
    if (GetFileInformationByHandle(h, &info)) {
        facts.file = true;
        facts.volume_serial = info.dwVolumeSerialNumber;
        facts.file_index = (uint64_t)info.nFileIndexHigh << 32 | info.nFileIndexLow;
    }
    CloseHandle(h);
    return di_win_storage_id(&facts, id);
}
