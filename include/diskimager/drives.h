/* What the system says about drives: enumeration for `list`, and the facts a
 * confirmation prompt names. Platform code. */
#ifndef DISKIMAGER_DRIVES_H
#define DISKIMAGER_DRIVES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/status.h"

typedef struct di_drive_info {
    char path[DI_PATH_MAX];     /* /dev/sdb, \\.\E: */
    char model[128];            /* vendor and model, "" if unknown */
    char serial[128];           /* the drive's serial number, trimmed; "" if unknown */
    char bus[16];               /* "usb", "mmc", "sata", "nvme", "virtio", "" */
    char mounts[DI_TEXT_MAX];   /* mount points or drive letters, comma separated */
    uint64_t size;
    uint32_t sector_size;
    bool removable;             /* removable media or a USB/SD/MMC bus */
    bool system;                /* holds the running system: never written */
    bool is_block_device;       /* false for a regular file */
    bool read_only;             /* write-protected: a card's lock switch, a read-only device */
    bool no_medium;             /* a reader with no card in it: never offered as a target */
    bool busy_mounts;           /* mounts holds file systems the OS will not let go of
                                   (Linux: unmount first); Windows dismounts its volumes */
    bool exists;
    bool is_folder;             /* a folder, not a file (its size is then 0) */
} di_drive_info;

/* Lists drives: removable ones, or every disk with all. Caller frees *drives. A reader
 * with no card is listed with no_medium set: never a target. Each front end names a
 * drive from these facts in its own words. */
di_status di_drive_list(bool all, di_drive_info **drives, size_t *count, di_error *error);

/* Why the list leaves a drive out, as data: a DI_REASON_SKIP_* (reasons/platform.def)
 * whose {0} is the folder when there is one, else the code (an error or a drive type). */
typedef struct di_skip_why {
    di_reason reason;       /* DI_REASON_NONE: not left out */
    unsigned code;
    char folder[260];       /* a subst drive's folder, "C:\work" */
} di_skip_why;

/* The English of why ("a network drive", "a subst drive for the folder C:\work"), for
 * `list --all` and the log. Returns out. */
char *di_skip_text(const di_skip_why *why, char *out, size_t size);

/* A drive the list leaves out, and why. */
typedef struct di_drive_skip {
    char path[64];
    di_skip_why why;
} di_drive_skip;

/* di_drive_list that also returns what it left out (caller frees *skipped). */
di_status di_drive_list_skipped(bool all, di_drive_info **drives, size_t *count,
                                di_drive_skip **skipped, size_t *skipped_count, di_error *error);

/* True when the file at file_path (or, for a file still to be made, its folder) is
 * stored on the device at device_path: on it, one of its partitions or volumes. An
 * image written onto the drive that holds it, or a Read into a file on the drive being
 * read, would destroy itself. False when not, or when it cannot be told. */
bool di_file_is_on_device(const char *file_path, const char *device_path);

/* Facts about one path (a device or a regular file). */
di_status di_drive_describe(const char *path, di_drive_info *info, di_error *error);

/* Where a path's bytes are stored, to tell whether two names reach the same storage
 * whatever their spelling (a link in /dev/disk/by-id, \\.\E: on \\.\PhysicalDrive2).
 * on[]: the disks it lies on (Linux: the whole disk's device number, major << 32 |
 * minor; Windows: the disk number) and the partition on each (0: the whole disk, or a
 * partition not known). file: stored in a file (a regular file; a Linux loop device or a
 * Wine drive letter backed by one), told by its file system and its number there. */
#define DI_STORAGE_EXTENTS_MAX 8
typedef struct di_storage_extent {
    uint64_t disk;
    uint32_t partition;
} di_storage_extent;

typedef struct di_storage_id {
    unsigned count;
    di_storage_extent on[DI_STORAGE_EXTENTS_MAX];
    bool file;
    uint64_t file_volume;
    uint64_t file_index;
} di_storage_id;

/* The platform's facts for path (nothing is opened for writing, nothing locked). False,
 * with an empty id, when it cannot tell (a path that does not exist). */
bool di_storage_id_of(const char *path, di_storage_id *id);

/* How two stored things lie to each other: apart, the same, the first a partition or
 * volume of the second (or the second of the first), or sharing a disk otherwise (a
 * volume spanning disks). Unknown ids are apart. Pure (src/core/drive_identity.c). */
typedef enum di_storage_relation {
    DI_STORAGE_APART = 0,
    DI_STORAGE_SAME,
    DI_STORAGE_FIRST_INSIDE,
    DI_STORAGE_SECOND_INSIDE,
    DI_STORAGE_SHARED
} di_storage_relation;
di_storage_relation di_storage_relate(const di_storage_id *first, const di_storage_id *second);

/* A Write from source to target: refused (DI_ERR_USAGE, a reason naming both) when the
 * source is the target, lies on it or holds it; DI_OK when they are apart, or when it
 * cannot be told. The request layer and the job both ask (drive_identity.c). */
di_status di_source_apart(const char *source, const char *target, di_error *error);

#endif
