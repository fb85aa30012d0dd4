/* Restore: a drive made one partition as a new card comes (issue 14). The layout is
 * decided here, the same on every OS, as the SD Association's File System
 * Specification lays out cards: the partition and the cluster heap start on erase-block
 * (boundary unit) multiples, the cluster sizes it gives per capacity. Then the
 * metadata is written through a callback: the MBR last, so an interrupted restore
 * leaves no table that points at a half-made file system. */
#ifndef DISKIMAGER_CARD_FORMAT_H
#define DISKIMAGER_CARD_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/status.h"

typedef enum di_card_fs {
    DI_CARD_FS_AUTO = 0,   /* FAT32 up to 32 GiB, exFAT above */
    DI_CARD_FS_FAT32,
    DI_CARD_FS_EXFAT
} di_card_fs;

#define DI_CARD_LABEL_MAX 11   /* FAT's 11 bytes */

typedef struct di_card_layout {
    uint32_t sector_size;        /* the drive's logical sector */
    uint64_t drive_sectors;
    uint64_t boundary_sectors;   /* erase-block boundary unit (BU) */
    uint64_t partition_start;    /* sectors from the drive's start: a BU multiple */
    uint64_t partition_sectors;
    di_card_fs fs;
    uint32_t cluster_sectors;
    /* FAT32: sectors before the first FAT, each FAT's sectors; the cluster heap starts
     * at partition_start + reserved_sectors + 2 * fat_sectors, a BU multiple.
     * exFAT: reserved_sectors is 0, fat_sectors the one FAT's length (FatLength). */
    uint32_t reserved_sectors;
    uint32_t fat_sectors;
    uint32_t cluster_count;
    /* Sectors from the partition's start to the cluster heap (both file systems), a BU
     * multiple of the drive since the partition starts on one. */
    uint32_t heap_offset;
    /* exFAT (Microsoft's exFAT specification): its one FAT starts fat_offset sectors into
     * the partition, half a BU in, as the SD specification places it; the heap starts on
     * the first BU past the FAT's end (one BU in, unless the FAT is longer than half a
     * BU). The cluster heap opens with the allocation bitmap (cluster 2, bitmap_clusters
     * long), then the up-case table (upcase_clusters, upcase_bytes of them used), then
     * the root directory's one cluster (root_cluster), each chained in the FAT. */
    uint32_t fat_offset;
    uint32_t bitmap_clusters;
    uint32_t upcase_clusters;
    uint32_t upcase_bytes;
    uint32_t root_cluster;
    uint32_t volume_id;
    char label[DI_CARD_LABEL_MAX + 1];   /* upper case; FAT32 pads it with spaces, exFAT
                                            stores it in UTF-16 with its length */
} di_card_layout;

/* The largest drive restored: the MBR (and FAT32) address at most 2^32 sectors of 512
 * bytes. */
#define DI_CARD_MAX_BYTES (2ull << 40)

/* Pure. The layout for a drive of drive_bytes with sector_size-byte sectors (512 or
 * 4096), fs (AUTO: as the specification picks), label (NULL or "": the default from the
 * size, "32GB"; else up to 11 characters FAT allows, upper-cased), volume_id (the
 * serial number the volume gets; the caller picks it, from the time). DI_OK, or a
 * refusal: too small (under 64 MiB), too large, a label FAT cannot hold, a file system
 * that does not fit (FAT32 needs 65525 clusters). */
di_status di_card_layout_plan(uint64_t drive_bytes, uint32_t sector_size, di_card_fs fs,
                              const char *label, uint32_t volume_id, di_card_layout *layout,
                              di_error *error);

/* The sector size a layout is planned with before the drive is opened, from the one the
 * system reports (0: not known): 4096 for a 4Kn drive, else 512. The job plans again
 * from the drive it opens. */
static inline uint32_t di_card_sector_for(uint32_t reported)
{
    return reported == 4096 ? 4096 : 512;
}

/* Writes len bytes at offset (a multiple of the sector size) of the drive. The writers
 * write offset 0 twice: the old partition table erased first, the new one last; the
 * caller fences those two writes with flushes, so neither overtakes the others. */
typedef di_status (*di_card_write_fn)(void *ctx, uint64_t offset, const void *buf, size_t len,
                                      di_error *error);

/* Writes the FAT32 layout: zeros over the first 1 MiB before the partition and over the
 * drive's last 1 MiB (the backup GPT and stale signatures an image leaves), the boot
 * sectors, FSInfo and their backups, both FATs, the root directory with the label, then
 * the MBR. Memory: one buffer of at most 1 MiB. */
di_status di_card_write_fat32(const di_card_layout *layout, di_card_write_fn write, void *ctx,
                              di_error *error);

/* Writes the exFAT layout: zeros over the drive's last 1 MiB and from sector 1 to the
 * end of the metadata clusters, the main and backup boot regions, the FAT, the
 * allocation bitmap, the up-case table, the root directory with the label, then the MBR
 * (type 0x07). Memory: buffers of at most 1 MiB, whatever the drive's size. */
di_status di_card_write_exfat(const di_card_layout *layout, di_card_write_fn write, void *ctx,
                              di_error *error);

/* Writes the layout's file system: di_card_write_fat32 or di_card_write_exfat, as
 * layout->fs says. */
di_status di_card_write(const di_card_layout *layout, di_card_write_fn write, void *ctx,
                        di_error *error);

#endif
