/* The file system a file is about to be made on: how much this user may still write
 * there, its name and the largest file it holds. A Read looks before its first byte, so
 * an image that cannot fit is refused at once instead of failing at 4 GiB or at the
 * last chunk. Implemented by each platform (statfs; GetVolumeInformationW and
 * GetDiskFreeSpaceExW). */
#ifndef DISKIMAGER_VOLUMES_H
#define DISKIMAGER_VOLUMES_H

#include <stdint.h>

#include "diskimager/status.h"

#define DI_NO_FILE_LIMIT UINT64_MAX
/* FAT12/16/32 keep a file's size in 32 bits. */
#define DI_FAT_FILE_MAX UINT64_C(0xFFFFFFFF)

typedef struct di_volume_space {
    uint64_t free_bytes;      /* what this user may still write there (after quotas; root
                                 counts the blocks reserved for it); UINT64_MAX when the
                                 file system does not tell (some FUSE ones) */
    uint64_t max_file_bytes;  /* DI_FAT_FILE_MAX on FAT12/16/32, else DI_NO_FILE_LIMIT */
    uint64_t existing_bytes;  /* the file at path as it is now (0: none); replacing it
                                 frees this much */
    char fs_name[64];         /* "vfat", "ext4", "fuse.fusefat" (Linux: mountinfo's
                                 type), "FAT32", "NTFS" (Windows) */
} di_volume_space;

/* For path, a file to be made or replaced: the facts of the file system its folder (or
 * the file itself, when it exists) is on. An error when it cannot be told (the folder
 * does not exist, path is a folder): the caller goes on without them. */
di_status di_volume_space_of(const char *path, di_volume_space *out, di_error *error);

#endif
