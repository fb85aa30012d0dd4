/* Drives on Windows, for now by drive letter: removable volumes as \\.\X:. The
 * physical-disk enumeration (SetupAPI, storage properties, volume extents) comes with
 * the GUI's drive layer. */
#include "diskimager/drives.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <winioctl.h>

#include "utf16.h"

static uint64_t volume_size(const wchar_t *device)
{
    HANDLE h = CreateFileW(device, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) return 0;
    uint64_t size = 0;
    GET_LENGTH_INFORMATION length;
    DWORD got;
    LARGE_INTEGER fsize;
    if (DeviceIoControl(h, IOCTL_DISK_GET_LENGTH_INFO, NULL, 0, &length, sizeof length, &got, NULL))
        size = (uint64_t)length.Length.QuadPart;
    else if (GetFileSizeEx(h, &fsize))
        size = (uint64_t)fsize.QuadPart;
    CloseHandle(h);
    return size;
}

static void describe_letter(wchar_t letter, UINT type, di_drive_info *info)
{
    wchar_t device[8] = L"\\\\.\\X:";
    device[4] = letter;
    memset(info, 0, sizeof *info);
    snprintf(info->path, sizeof info->path, "\\\\.\\%c:", (char)letter);
    snprintf(info->mounts, sizeof info->mounts, "%c:", (char)letter);
    info->exists = true;
    info->is_block_device = true;
    info->removable = type == DRIVE_REMOVABLE;
    info->sector_size = 512;
    info->size = volume_size(device);
}

di_status di_drive_list(bool all, di_drive_info **drives, size_t *count, di_error *error)
{
    (void)error;
    *drives = calloc(26, sizeof **drives);
    *count = 0;
    if (!*drives) return di_error_set(error, DI_ERR_NO_MEMORY, "list drives", "", 0, NULL);
    DWORD mask = GetLogicalDrives();
    for (int i = 0; i < 26; i++) {
        if (!(mask & (1u << i))) continue;
        wchar_t root[4] = L"X:\\";
        root[0] = (wchar_t)(L'A' + i);
        UINT type = GetDriveTypeW(root);
        if (type != DRIVE_REMOVABLE && !(all && type == DRIVE_FIXED)) continue;
        describe_letter(root[0], type, &(*drives)[(*count)++]);
    }
    return DI_OK;
}

di_status di_drive_describe(const char *path, di_drive_info *info, di_error *error)
{
    memset(info, 0, sizeof *info);
    snprintf(info->path, sizeof info->path, "%s", path);
    /* \\.\X: is a volume; anything else is a file. */
    if (strlen(path) == 6 && path[0] == '\\' && path[1] == '\\' && path[2] == '.' &&
        path[3] == '\\' && path[5] == ':') {
        wchar_t root[4] = L"X:\\";
        root[0] = (wchar_t)(unsigned char)path[4];
        UINT type = GetDriveTypeW(root);
        if (type == DRIVE_NO_ROOT_DIR || type == DRIVE_UNKNOWN)
            return di_error_set(error, DI_ERR_OPEN, "inspect", path, 0, "no such drive");
        describe_letter(root[0], type, info);
        snprintf(info->path, sizeof info->path, "%s", path);
        return DI_OK;
    }
    wchar_t *wpath = di_utf8_to_utf16(path);
    if (!wpath) return di_error_set(error, DI_ERR_OPEN, "inspect", path, 0, "invalid UTF-8");
    WIN32_FILE_ATTRIBUTE_DATA data;
    if (GetFileAttributesExW(wpath, GetFileExInfoStandard, &data)) {
        info->exists = true;
        info->size = ((uint64_t)data.nFileSizeHigh << 32) | data.nFileSizeLow;
    }
    free(wpath);
    return DI_OK;
}
