/* Drives on Windows: physical disks (\\.\PhysicalDriveN) with their bus, model, size,
 * sector size and the volumes and letters on them, the system disk left out; and,
 * where that route is missing (Wine, old systems), removable lettered volumes (\\.\E:)
 * that no listed disk already covers. The decisions live in disk_facts.c. */
#include "diskimager/drives.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>
#include <windows.h>
#include <winioctl.h>

#include "disk_facts.h"
#include "drive_path.h"
#include "diskimager/units.h"
#include "drive_probe.h"
#include "utf16.h"
#include "win_disks.h"

#define MAX_DISKS 64
#define MAX_VOLUMES 64

static HANDLE open_for_query(const wchar_t *path)
{
    /* No access rights: enough for the query IOCTLs, and needs no administrator. */
    return CreateFileW(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
}

static bool query_disk(uint32_t number, di_disk_facts *disk)
{
    wchar_t path[64];
    swprintf(path, 64, L"\\\\.\\PhysicalDrive%u", (unsigned)number);
    HANDLE h = open_for_query(path);
    if (h == INVALID_HANDLE_VALUE) return false;
    memset(disk, 0, sizeof *disk);
    disk->number = number;
    STORAGE_PROPERTY_QUERY query;
    memset(&query, 0, sizeof query);
    query.PropertyId = StorageDeviceProperty;
    query.QueryType = PropertyStandardQuery;
    uint8_t buf[1024];
    DWORD got = 0;
    bool ok = DeviceIoControl(h, IOCTL_STORAGE_QUERY_PROPERTY, &query, sizeof query, buf,
                              sizeof buf, &got, NULL) &&
              di_parse_storage_descriptor(buf, got, &disk->storage);
    DWORD size_error = 0;
    if (ok && DeviceIoControl(h, IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, NULL, 0, buf, sizeof buf, &got,
                              NULL))
        di_parse_geometry_ex(buf, got, &disk->size, &disk->sector_size);
    else if (ok)
        size_error = GetLastError();
    GET_LENGTH_INFORMATION length;
    if (ok && DeviceIoControl(h, IOCTL_DISK_GET_LENGTH_INFO, NULL, 0, &length, sizeof length, &got,
                              NULL))
        disk->size = (uint64_t)length.Length.QuadPart;
    else if (ok && !disk->size)
        size_error = GetLastError();
    if (!disk->sector_size) disk->sector_size = 512;
    CloseHandle(h);
    if (ok && disk->size == 0) {
        /* A card reader with an empty slot answers ERROR_NOT_READY: it is listed as "no
         * card"; another disk without a size is left out, saying why. */
        bool removable = di_disk_offer_for(disk) == DI_OFFER_REMOVABLE;
        disk->no_medium = di_sizeless_disk_verdict(removable, size_error, &disk->skip) ==
                          DI_PROBE_NO_MEDIUM;
    }
    return ok;
}

/* "\\?\Volume{...}\" -> the NT device name "\Device\HarddiskVolume3". */
static bool volume_device_name(const wchar_t *volume, wchar_t *out, DWORD size)
{
    wchar_t name[MAX_PATH];
    size_t n = wcslen(volume);
    if (n < 5 || n >= MAX_PATH) return false;
    wcscpy(name, volume + 4);
    name[n - 5] = L'\0'; /* drop "\\?\" and the trailing backslash */
    return QueryDosDeviceW(name, out, size) != 0;
}

static bool read_registry_string(HKEY root, const wchar_t *key, const wchar_t *value,
                                 wchar_t *out, DWORD bytes)
{
    DWORD type = 0;
    LSTATUS st = RegGetValueW(root, key, value, RRF_RT_REG_SZ | RRF_RT_REG_MULTI_SZ, &type, out,
                              &bytes);
    return st == ERROR_SUCCESS;
}

/* Letters of volumes holding a page file, from the list Windows keeps of them. */
static void page_file_letters(char *letters, size_t size)
{
    wchar_t files[2048];
    letters[0] = '\0';
    if (!read_registry_string(HKEY_LOCAL_MACHINE,
                              L"SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Memory Management",
                              L"ExistingPageFiles", files, sizeof files))
        return;
    /* Entries like "\??\C:\pagefile.sys", NUL-separated. */
    for (const wchar_t *p = files; *p; p += wcslen(p) + 1) {
        const wchar_t *colon = wcschr(p, L':');
        if (colon && colon > p && strlen(letters) + 1 < size) {
            size_t n = strlen(letters);
            letters[n] = (char)towupper(colon[-1]);
            letters[n + 1] = '\0';
        }
    }
}

static void query_volume(const wchar_t *volume, const wchar_t *windows_volume,
                         const wchar_t *boot_device, const char *page_letters,
                         di_volume_facts *facts)
{
    memset(facts, 0, sizeof *facts);
    wchar_t paths[1024];
    DWORD got = 0;
    if (GetVolumePathNamesForVolumeNameW(volume, paths, 1024, &got)) {
        for (const wchar_t *p = paths; *p; p += wcslen(p) + 1) {
            if (p[1] == L':' && p[2] == L'\\' && p[3] == L'\0') {
                size_t n = strlen(facts->letters);
                if (n < DI_MAX_LETTERS) facts->letters[n] = (char)towupper(p[0]);
            }
        }
    }
    facts->holds_windows = _wcsicmp(volume, windows_volume) == 0;
    wchar_t device[MAX_PATH];
    facts->is_boot = boot_device[0] && volume_device_name(volume, device, MAX_PATH) &&
                     _wcsicmp(device, boot_device) == 0;
    for (const char *l = facts->letters; *l; l++)
        if (strchr(page_letters, *l)) facts->has_page_file = true;

    wchar_t handle_path[MAX_PATH];
    size_t n = wcslen(volume);
    if (n >= MAX_PATH) return;
    wcscpy(handle_path, volume);
    if (n && handle_path[n - 1] == L'\\') handle_path[n - 1] = L'\0';
    di_utf16_to_utf8(handle_path, facts->path, sizeof facts->path);
    HANDLE h = open_for_query(handle_path);
    if (h == INVALID_HANDLE_VALUE) return;
    uint8_t buf[8 + 24 * 8];
    if (DeviceIoControl(h, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, NULL, 0, buf, sizeof buf, &got,
                        NULL)) {
        int count = di_parse_disk_extents(buf, got, facts->extents, 8);
        facts->extent_count = count > 8 ? 8 : (count < 0 ? 0 : count);
    }
    CloseHandle(h);
}

int di_win_enumerate(di_disk_facts *disks, int max_disks, di_volume_facts *volumes,
                     int max_volumes, int *volume_count)
{
    /* An empty reader or CD drive must not bring up "There is no disk in the drive". */
    DWORD old_mode = 0;
    BOOL mode_set = SetThreadErrorMode(SEM_FAILCRITICALERRORS | SEM_NOOPENFILEERRORBOX, &old_mode);
    int disk_count = 0;
    for (uint32_t n = 0; n < MAX_DISKS && disk_count < max_disks; n++)
        if (query_disk(n, &disks[disk_count])) disk_count++;

    wchar_t windows_dir[MAX_PATH], mount[MAX_PATH], windows_volume[MAX_PATH] = L"";
    if (GetWindowsDirectoryW(windows_dir, MAX_PATH) &&
        GetVolumePathNameW(windows_dir, mount, MAX_PATH))
        GetVolumeNameForVolumeMountPointW(mount, windows_volume, MAX_PATH);
    wchar_t boot_device[MAX_PATH] = L"";
    read_registry_string(HKEY_LOCAL_MACHINE, L"SYSTEM\\Setup", L"SystemPartition", boot_device,
                         sizeof boot_device);
    char page_letters[DI_MAX_LETTERS + 1];
    page_file_letters(page_letters, sizeof page_letters);

    *volume_count = 0;
    wchar_t volume[MAX_PATH];
    HANDLE find = FindFirstVolumeW(volume, MAX_PATH);
    if (find != INVALID_HANDLE_VALUE) {
        do {
            if (*volume_count >= max_volumes) break;
            query_volume(volume, windows_volume, boot_device, page_letters,
                         &volumes[(*volume_count)++]);
        } while (FindNextVolumeW(find, volume, MAX_PATH));
        FindVolumeClose(find);
    }
    di_map_volumes_to_disks(disks, disk_count, volumes, *volume_count);
    if (mode_set) SetThreadErrorMode(old_mode, NULL);
    return disk_count;
}

uint64_t di_win_handle_size(HANDLE h)
{
    GET_LENGTH_INFORMATION length;
    DWORD got;
    LARGE_INTEGER size;
    if (DeviceIoControl(h, IOCTL_DISK_GET_LENGTH_INFO, NULL, 0, &length, sizeof length, &got, NULL))
        return (uint64_t)length.Length.QuadPart;
    return GetFileSizeEx(h, &size) ? (uint64_t)size.QuadPart : 0;
}

/* 0 with *error GetLastError() when the size cannot be learned (an empty reader:
 * ERROR_NOT_READY). */
static uint64_t volume_size(const wchar_t *device, unsigned *error)
{
    *error = 0;
    HANDLE h = CreateFileW(device, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        *error = GetLastError();
        return 0;
    }
    uint64_t size = di_win_handle_size(h);
    if (size == 0) *error = GetLastError();
    CloseHandle(h);
    return size;
}

static void describe_disk(const di_disk_facts *disk, di_drive_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->path, sizeof info->path, "\\\\.\\PhysicalDrive%u", (unsigned)disk->number);
    snprintf(info->model, sizeof info->model, "%s%s%s", disk->storage.vendor,
             disk->storage.vendor[0] && disk->storage.product[0] ? " " : "", disk->storage.product);
    snprintf(info->serial, sizeof info->serial, "%s", disk->storage.serial);
    snprintf(info->bus, sizeof info->bus, "%s", di_bus_name(disk->storage.bus_type));
    for (const char *l = disk->letters; *l; l++) {
        size_t n = strlen(info->mounts);
        snprintf(info->mounts + n, sizeof info->mounts - n, "%s%c:", n ? ", " : "", *l);
    }
    info->size = disk->size;
    info->sector_size = disk->sector_size;
    info->removable = di_disk_offer_for(disk) == DI_OFFER_REMOVABLE;
    info->system = disk->system;
    info->no_medium = disk->no_medium;
    info->is_block_device = true;
    info->exists = true;
}

/* What the drive list asks about a lettered drive, as far as drive_probe.c says it is
 * worth asking: its type and DOS device first, then (disks only) its device number
 * and size. */
static void probe_letter(char letter, char windows_letter, bool show_all, di_letter_probe *p)
{
    memset(p, 0, sizeof *p);
    p->letter = letter;
    p->holds_windows = letter == windows_letter;
    wchar_t root[4] = {(wchar_t)letter, L':', L'\\', 0}, name[3] = {(wchar_t)letter, L':', 0};
    wchar_t device[8] = L"\\\\.\\X:", target[MAX_PATH];
    device[4] = (wchar_t)letter;
    p->drive_type = GetDriveTypeW(root);
    if (QueryDosDeviceW(name, target, MAX_PATH))
        di_utf16_to_utf8(target, p->dos_device, sizeof p->dos_device);
    if (!di_letter_worth_opening(p, show_all)) return;
    HANDLE h = open_for_query(device);
    if (h == INVALID_HANDLE_VALUE) {
        p->open_error = GetLastError();
        return;
    }
    p->opened = true;
    STORAGE_DEVICE_NUMBER number;
    DWORD got = 0;
    p->number_ok = DeviceIoControl(h, IOCTL_STORAGE_GET_DEVICE_NUMBER, NULL, 0, &number,
                                   sizeof number, &got, NULL) != 0;
    if (!p->number_ok) p->number_error = GetLastError();
    CloseHandle(h);
    if (p->number_ok) p->size = volume_size(device, &p->size_error);
}

static void describe_letter(const di_letter_probe *p, bool no_medium, di_drive_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->path, sizeof info->path, "\\\\.\\%c:", p->letter);
    snprintf(info->mounts, sizeof info->mounts, "%c:", p->letter);
    info->exists = true;
    info->is_block_device = true;
    info->removable = p->drive_type == DRIVE_REMOVABLE;
    info->no_medium = no_medium;
    info->sector_size = 512;
    info->size = p->size;
}

static bool letter_on_listed_disk(char letter, const di_disk_facts *disks, int count)
{
    for (int d = 0; d < count; d++)
        if (strchr(disks[d].letters, letter)) return true;
    return false;
}

static void note_skip(di_drive_skip *skipped, size_t *n, size_t cap, const char *path,
                      const di_skip_why *why)
{
    if (!skipped || *n >= cap) return;
    snprintf(skipped[*n].path, sizeof skipped[*n].path, "%s", path);
    skipped[*n].why = *why;
    (*n)++;
}

static void note_skip_for(di_drive_skip *skipped, size_t *n, size_t cap, const char *path,
                          di_reason reason)
{
    di_skip_why why = {.reason = reason};
    note_skip(skipped, n, cap, path, &why);
}

static char windows_letter(void)
{
    wchar_t windows_dir[MAX_PATH];
    return GetWindowsDirectoryW(windows_dir, MAX_PATH) ? (char)towupper(windows_dir[0]) : 0;
}

di_status di_drive_list_skipped(bool all, di_drive_info **drives, size_t *count,
                                di_drive_skip **skipped, size_t *skipped_count, di_error *error)
{
    *count = 0;
    const size_t skip_cap = MAX_DISKS + 26;
    size_t skips = 0;
    di_drive_skip *skip_list = skipped ? calloc(skip_cap, sizeof *skip_list) : NULL;
    di_disk_facts *disks = calloc(MAX_DISKS, sizeof *disks);
    di_volume_facts *volumes = calloc(MAX_VOLUMES, sizeof *volumes);
    *drives = calloc(MAX_DISKS + 26, sizeof **drives);
    if (!disks || !volumes || !*drives || (skipped && !skip_list)) {
        free(disks);
        free(volumes);
        free(*drives);
        free(skip_list);
        *drives = NULL;
        return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_LIST_DRIVES, "",
                            DI_REASON_NONE, DI_NO_ARGS);
    }
    /* Probing an empty reader, a CD drive or a dead share must not bring up "There is no
     * disk in the drive" or "Windows cannot access" boxes. */
    DWORD old_mode = 0;
    BOOL mode_set = SetThreadErrorMode(SEM_FAILCRITICALERRORS | SEM_NOOPENFILEERRORBOX, &old_mode);
    int volume_count = 0;
    int disk_count = di_win_enumerate(disks, MAX_DISKS, volumes, MAX_VOLUMES, &volume_count);
    for (int d = 0; d < disk_count; d++) {
        char path[64];
        snprintf(path, sizeof path, "\\\\.\\PhysicalDrive%u", (unsigned)disks[d].number);
        di_disk_offer offer = di_disk_offer_for(&disks[d]);
        if (offer == DI_OFFER_NEVER) {
            note_skip_for(skip_list, &skips, skip_cap, path, DI_REASON_SKIP_HOLDS_SYSTEM_VOLUMES);
        } else if (disks[d].skip.reason != DI_REASON_NONE && !disks[d].no_medium) {
            note_skip(skip_list, &skips, skip_cap, path, &disks[d].skip);
        } else if (offer == DI_OFFER_FIXED && !all) {
            note_skip_for(skip_list, &skips, skip_cap, path, DI_REASON_SKIP_FIXED_DISK);
        } else {
            describe_disk(&disks[d], &(*drives)[(*count)++]);
        }
    }
    /* The fallback route: lettered volumes that no physical disk accounts for. On
     * Windows these are mostly not disks at all (drive_probe.c); under Wine, every
     * drive. */
    char system_letter = windows_letter();
    DWORD mask = GetLogicalDrives();
    for (int i = 0; i < 26; i++) {
        char letter = (char)('A' + i);
        if (!(mask & (1u << i)) || letter_on_listed_disk(letter, disks, disk_count)) continue;
        di_letter_probe probe;
        probe_letter(letter, system_letter, all, &probe);
        di_skip_why why;
        char path[8];
        di_probe_verdict verdict = di_letter_verdict(&probe, all, &why);
        snprintf(path, sizeof path, "%c:", letter);
        if (verdict == DI_PROBE_SKIP) note_skip(skip_list, &skips, skip_cap, path, &why);
        else describe_letter(&probe, verdict == DI_PROBE_NO_MEDIUM, &(*drives)[(*count)++]);
    }
    if (mode_set) SetThreadErrorMode(old_mode, NULL);
    free(disks);
    free(volumes);
    if (skipped) {
        *skipped = skip_list;
        *skipped_count = skips;
    }
    return DI_OK;
}

di_status di_drive_list(bool all, di_drive_info **drives, size_t *count, di_error *error)
{
    return di_drive_list_skipped(all, drives, count, NULL, NULL, error);
}

di_status di_drive_describe(const char *path, di_drive_info *info, di_error *error)
{
    memset(info, 0, sizeof *info);
    snprintf(info->path, sizeof info->path, "%s", path);
    unsigned number;
    if (di_physical_drive_number(path, &number)) {
        di_disk_facts *disks = calloc(MAX_DISKS, sizeof *disks);
        di_volume_facts *volumes = calloc(MAX_VOLUMES, sizeof *volumes);
        int vc = 0, dc = disks && volumes ? di_win_enumerate(disks, MAX_DISKS, volumes, MAX_VOLUMES, &vc) : 0;
        di_status st = di_error_why(error, DI_ERR_OPEN, DI_OP_INSPECT, path,
                                    DI_REASON_NO_SUCH_DISK, DI_NO_ARGS);
        for (int d = 0; d < dc; d++) {
            if (disks[d].number != number) continue;
            describe_disk(&disks[d], info);
            snprintf(info->path, sizeof info->path, "%s", path);
            st = DI_OK;
        }
        free(disks);
        free(volumes);
        return st;
    }
    if (strlen(path) == 6 && path[0] == '\\' && path[1] == '\\' && path[2] == '.' &&
        path[3] == '\\' && path[5] == ':') {
        di_letter_probe probe;
        DWORD old_mode = 0;
        BOOL mode_set =
            SetThreadErrorMode(SEM_FAILCRITICALERRORS | SEM_NOOPENFILEERRORBOX, &old_mode);
        probe_letter((char)towupper((unsigned char)path[4]), windows_letter(), true, &probe);
        if (mode_set) SetThreadErrorMode(old_mode, NULL);
        if (probe.drive_type == DRIVE_NO_ROOT_DIR || probe.drive_type == DRIVE_UNKNOWN)
            return di_error_why(error, DI_ERR_OPEN, DI_OP_INSPECT, path,
                                DI_REASON_NO_SUCH_DRIVE, DI_NO_ARGS);
        describe_letter(&probe, di_letter_verdict(&probe, true, NULL) == DI_PROBE_NO_MEDIUM,
                        info);
        info->system = probe.holds_windows;
        snprintf(info->path, sizeof info->path, "%s", path);
        return DI_OK;
    }
    wchar_t *wpath = di_utf8_to_utf16(path);
    if (!wpath) return di_error_why(error, DI_ERR_OPEN, DI_OP_INSPECT, path,
                                    DI_REASON_INVALID_UTF8, DI_NO_ARGS);
    WIN32_FILE_ATTRIBUTE_DATA data;
    if (GetFileAttributesExW(wpath, GetFileExInfoStandard, &data)) {
        info->exists = true;
        info->is_folder = (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
        info->size = info->is_folder ? 0 : ((uint64_t)data.nFileSizeHigh << 32) | data.nFileSizeLow;
    }
    free(wpath);
    return DI_OK;
}

/* The drive letter of the volume a path is on ('\0' when it has none), from its folder
 * when the file does not exist yet. */
static char volume_letter_of(const char *path)
{
    wchar_t *wide = di_utf8_to_utf16(path);
    if (!wide) return '\0';
    wchar_t full[MAX_PATH], mount[MAX_PATH];
    char letter = '\0';
    if (GetFullPathNameW(wide, MAX_PATH, full, NULL) && GetVolumePathNameW(full, mount, MAX_PATH) &&
        mount[0] && mount[1] == L':')
        letter = (char)towupper(mount[0]);
    free(wide);
    return letter;
}

bool di_file_is_on_device(const char *file_path, const char *device_path)
{
    char letter = volume_letter_of(file_path);
    if (!letter) return false;
    char target_letter;
    unsigned disk_number;
    if (sscanf(device_path, "\\\\.\\%c:", &target_letter) == 1 && device_path[5] == ':' &&
        device_path[6] == '\0')
        return (char)toupper((unsigned char)target_letter) == letter;
    if (!di_physical_drive_number(device_path, &disk_number)) return false;
    di_disk_facts *disks = calloc(MAX_DISKS, sizeof *disks);
    di_volume_facts *volumes = calloc(MAX_VOLUMES, sizeof *volumes);
    int volume_count = 0;
    if (disks && volumes) di_win_enumerate(disks, MAX_DISKS, volumes, MAX_VOLUMES, &volume_count);
    bool on = false;
    for (int v = 0; v < volume_count && !on; v++) {
        if (!strchr(volumes[v].letters, letter)) continue;
        for (int e = 0; e < volumes[v].extent_count; e++)
            if (volumes[v].extents[e].disk_number == disk_number) on = true;
    }
    free(disks);
    free(volumes);
    return on;
}
