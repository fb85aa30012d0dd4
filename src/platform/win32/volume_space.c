/* The file system a file is to be made on (include/diskimager/volumes.h): the name of
 * the file system its folder is on (GetVolumeInformationByHandleW, or
 * GetVolumeInformationW on GetVolumePathNameW's root) and what this user may still write
 * there (GetDiskFreeSpaceExW, quotas included). */
#include "diskimager/volumes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "utf16.h"

/* FAT, FAT12, FAT16, FAT32 (not exFAT): a file's size is 32 bits there. */
static int is_fat(const wchar_t *name)
{
    return _wcsicmp(name, L"FAT") == 0 || _wcsicmp(name, L"FAT12") == 0 ||
           _wcsicmp(name, L"FAT16") == 0 || _wcsicmp(name, L"FAT32") == 0;
}

di_status di_volume_space_of(const char *path, di_volume_space *out, di_error *error)
{
    memset(out, 0, sizeof *out);
    out->max_file_bytes = DI_NO_FILE_LIMIT;
    di_status st = DI_OK;
    wchar_t *wide = di_utf8_to_utf16(path), *full = NULL, *folder = NULL, *root = NULL;
    if (!wide) {
        st = di_error_why(error, DI_ERR_USAGE, DI_OP_INSPECT_VOLUME, path,
                          DI_REASON_NOT_VALID_UTF8, DI_NO_ARGS);
        goto out;
    }
    DWORD n = GetFullPathNameW(wide, 0, NULL, NULL);
    full = n ? malloc((n + 2) * sizeof *full) : NULL;
    folder = n ? malloc((n + 2) * sizeof *folder) : NULL;
    root = n ? malloc((n + 2) * sizeof *root) : NULL;
    if (!full || !folder || !root || !GetFullPathNameW(wide, n + 2, full, NULL)) {
        st = di_error_why_code(error, DI_ERR_OPEN, DI_OP_INSPECT_VOLUME, path, (int)GetLastError(),
                               DI_REASON_NONE, DI_NO_ARGS);
        goto out;
    }
    WIN32_FILE_ATTRIBUTE_DATA attributes;
    if (GetFileAttributesExW(full, GetFileExInfoStandard, &attributes)) {
        if (attributes.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            st = di_error_why(error, DI_ERR_USAGE, DI_OP_INSPECT_VOLUME, path,
                              DI_REASON_IS_A_FOLDER, DI_NO_ARGS);
            goto out;
        }
        /* What replacing it frees: its size on the disk (less for a compressed or sparse
         * file), else its length. */
        DWORD high = 0, low = GetCompressedFileSizeW(full, &high);
        if (low == INVALID_FILE_SIZE && GetLastError() != NO_ERROR) {
            high = attributes.nFileSizeHigh;
            low = attributes.nFileSizeLow;
        }
        out->existing_bytes = ((uint64_t)high << 32) | low;
    }
    /* The folder, with its trailing backslash (GetDiskFreeSpaceExW wants one on a share). */
    wcscpy(folder, full);
    wchar_t *cut = wcsrchr(folder, L'\\');
    if (cut) cut[1] = L'\0';
    /* The file system of the folder itself, by a handle to it: that follows mounted
     * folders and links as the file's creation will. (GetVolumeInformationW on the
     * volume's root would do too, but Wine then reads the device for its label and
     * prints a complaint on stderr when it cannot.) */
    HANDLE dir = CreateFileW(folder, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE |
                             FILE_SHARE_DELETE, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (dir == INVALID_HANDLE_VALUE) {
        st = di_error_why_code(error, DI_ERR_OPEN, DI_OP_INSPECT_VOLUME, path, (int)GetLastError(),
                               DI_REASON_NONE, DI_NO_ARGS);
        goto out;
    }
    wchar_t fs_name[MAX_PATH + 1] = L"";
    BOOL named = GetVolumeInformationByHandleW(dir, NULL, 0, NULL, NULL, NULL, fs_name, MAX_PATH + 1);
    CloseHandle(dir);
    if (!named && GetVolumePathNameW(full, root, n + 2))
        named = GetVolumeInformationW(root, NULL, 0, NULL, NULL, NULL, fs_name, MAX_PATH + 1);
    if (named) {
        di_utf16_to_utf8(fs_name, out->fs_name, sizeof out->fs_name);
        if (is_fat(fs_name)) out->max_file_bytes = DI_FAT_FILE_MAX;
    }
    ULARGE_INTEGER available;
    if (!GetDiskFreeSpaceExW(folder, &available, NULL, NULL)) {
        st = di_error_why_code(error, DI_ERR_OPEN, DI_OP_INSPECT_VOLUME, path, (int)GetLastError(),
                               DI_REASON_NONE, DI_NO_ARGS);
        goto out;
    }
    out->free_bytes = available.QuadPart;
out:
    free(wide);
    free(full);
    free(folder);
    free(root);
    return st;
}
