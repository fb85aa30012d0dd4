/* The decisions of the Windows drive layer, as pure functions over the raw structures
 * Windows returns (STORAGE_DEVICE_DESCRIPTOR, VOLUME_DISK_EXTENTS, DISK_GEOMETRY_EX),
 * so tests can feed them recorded bytes on any OS: which disks are offered, which
 * volumes and letters belong to which disk, sizes, sectors, labels. No <windows.h>. */
#ifndef DISKIMAGER_WIN32_DISK_FACTS_H
#define DISKIMAGER_WIN32_DISK_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/drives.h"

/* STORAGE_BUS_TYPE values (winioctl.h). */
enum {
    DI_BUS_UNKNOWN = 0, DI_BUS_SCSI = 1, DI_BUS_ATAPI = 2, DI_BUS_ATA = 3, DI_BUS_1394 = 4,
    DI_BUS_USB = 7, DI_BUS_RAID = 8, DI_BUS_ISCSI = 9, DI_BUS_SAS = 10, DI_BUS_SATA = 11,
    DI_BUS_SD = 12, DI_BUS_MMC = 13, DI_BUS_VIRTUAL = 14, DI_BUS_FILE_BACKED_VIRTUAL = 15,
    DI_BUS_SPACES = 16, DI_BUS_NVME = 17
};

typedef struct di_storage_info {
    char vendor[64];
    char product[64];
    char serial[64];
    unsigned bus_type;
    bool removable_media;
} di_storage_info;

/* Parses STORAGE_DEVICE_DESCRIPTOR bytes; strings are trimmed. False if malformed.
 * The serial number is "" when the drive reports none, blanks or unprintable bytes. */
bool di_parse_storage_descriptor(const uint8_t *buf, size_t len, di_storage_info *out);
/* A trimmed serial number worth comparing and showing: not empty, printable ASCII. */
bool di_serial_is_usable(const char *serial);
const char *di_bus_name(unsigned bus_type); /* "usb", "sd", "nvme", ... */

typedef struct di_disk_extent {
    uint32_t disk_number;
    uint64_t offset;
    uint64_t length;
} di_disk_extent;

/* Parses VOLUME_DISK_EXTENTS; returns the number of extents (all of them, even when
 * more than max were present: only max are stored), or -1 if malformed. */
int di_parse_disk_extents(const uint8_t *buf, size_t len, di_disk_extent *extents, int max);

/* What Windows says of where one path's bytes are stored, gathered by storage_id.c
 * (the raw structures) and made into a di_storage_id by di_win_storage_id. */
typedef struct di_win_storage_facts {
    bool physical;                /* the path is \\.\PhysicalDriveN ... */
    uint32_t physical_number;     /* ... with this N */
    /* IOCTL_STORAGE_GET_DEVICE_NUMBER's STORAGE_DEVICE_NUMBER, as returned. */
    uint8_t device_number[12];
    size_t device_number_len;     /* 0: not answered */
    /* IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, when the device number was not answered (a
     * volume spanning disks). */
    di_disk_extent extents[8];
    int extent_count;
    /* GetFileInformationByHandle: a regular file, or under Wine a drive letter backed
     * by a file. */
    bool file;
    uint32_t volume_serial;
    uint64_t file_index;
} di_win_storage_facts;

/* Parses STORAGE_DEVICE_NUMBER: a disk's (FILE_DEVICE_DISK) number and the partition on
 * it (0: the whole disk; a partition number of -1, "cannot be partitioned", is the
 * whole disk too). False for anything else (a CD-ROM's numbers are another series) or
 * a malformed structure. */
bool di_parse_device_number(const uint8_t *buf, size_t len, uint32_t *disk, uint32_t *partition);

/* The facts as a di_storage_id: the disk of \\.\PhysicalDriveN, else the device number,
 * else the volume's extents (each taken as the whole of its disk, since which partition
 * is not known); and the file identity. False when nothing is known. */
bool di_win_storage_id(const di_win_storage_facts *facts, di_storage_id *id);

/* Parses DISK_GEOMETRY_EX: the disk's size and logical sector size. */
bool di_parse_geometry_ex(const uint8_t *buf, size_t len, uint64_t *size, uint32_t *sector);

#define DI_MAX_LETTERS 26

/* One volume as the enumeration saw it. */
typedef struct di_volume_facts {
    char path[128];                    /* \\?\Volume{GUID}, UTF-8, no trailing backslash */
    char letters[DI_MAX_LETTERS + 1];  /* "EF" for E: and F:, "" if none */
    bool holds_windows;                /* the Windows directory is on it */
    bool is_boot;                      /* the boot (system) volume */
    bool has_page_file;
    di_disk_extent extents[8];
    int extent_count;
} di_volume_facts;

/* One physical disk. */
typedef struct di_disk_facts {
    uint32_t number;                   /* N of \\.\PhysicalDriveN */
    di_storage_info storage;
    uint64_t size;
    uint32_t sector_size;
    /* Filled in by di_map_volumes_to_disks: */
    char letters[DI_MAX_LETTERS + 1];
    int volume_count;
    bool system;                       /* holds Windows, the boot volume or a page file */
    /* No size learned (drive_probe.c): a reader with no card, listed as such, or a disk
     * the list skips for skip (reason NONE: not skipped). */
    bool no_medium;
    di_skip_why skip;
} di_disk_facts;

/* Gives each disk the letters of every volume with an extent on it (a volume that
 * spans disks marks each of them), and marks disks that hold Windows, the boot volume
 * or a page file as system disks. */
void di_map_volumes_to_disks(di_disk_facts *disks, int disk_count,
                             const di_volume_facts *volumes, int volume_count);

typedef enum di_disk_offer {
    DI_OFFER_NEVER = 0,      /* a system disk: never shown, refused if named */
    DI_OFFER_REMOVABLE,      /* USB, SD, MMC or removable media: shown */
    DI_OFFER_FIXED           /* a fixed disk: only with "Show all disks", confirmed twice */
} di_disk_offer;

di_disk_offer di_disk_offer_for(const di_disk_facts *disk);

/* A TRIM of one byte range (IOCTL_STORAGE_MANAGE_DATA_SET_ATTRIBUTES, DeviceDsmAction_Trim):
 * DEVICE_MANAGE_DATA_SET_ATTRIBUTES followed by one DEVICE_DATA_SET_RANGE, written into
 * out (DI_TRIM_REQUEST_BYTES). */
#define DI_TRIM_REQUEST_BYTES 48u
void di_trim_request(uint64_t offset, uint64_t length, uint8_t out[DI_TRIM_REQUEST_BYTES]);
/* A failed TRIM's Windows error: the drive or its driver cannot trim (USB readers, SD
 * hosts that pass no UNMAP or ERASE), so the drive is overwritten with zeros instead;
 * any other code is a failure to report. */
bool di_trim_unsupported(unsigned long code);

#endif
