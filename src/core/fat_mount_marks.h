/* Where an OS leaves its marks on a FAT file system just by mounting it: the bytes of
 * an image that a card holding the image may differ in after it was plugged in, with
 * no file touched. Verify Only tells such a card from one that was written wrong.
 * A pure function over the image's bytes (read through a callback), untrusted as any
 * card's: a boot sector counts only when its BPB adds up. Internal to the core. */
#ifndef DISKIMAGER_FAT_MOUNT_MARKS_H
#define DISKIMAGER_FAT_MOUNT_MARKS_H

#include <stddef.h>
#include <stdint.h>

#include "diskimager/partitions.h"

typedef enum di_fat_mark_kind {
    /* The boot sector's BS_Reserved1 (0x25 on FAT12/16, 0x41 on FAT32): Linux sets bit 0
     * (FAT_STATE_DIRTY) while the volume is mounted, Windows bit 0 and 1 (dirty, scan
     * surface) when it was not shut down cleanly. */
    DI_FAT_MARK_STATE = 0,
    /* FSINFO's FSI_Free_Count and FSI_Nxt_Free (bytes 488..495 of its sector): hints
     * every OS rewrites when it frees or allocates a cluster, or recounts them. */
    DI_FAT_MARK_FSINFO,
    /* The byte of FAT[1] holding ClnShutBitMask and HrdErrBitMask (FAT16: bits 15, 14;
     * FAT32: bits 27, 26), in each FAT copy: Windows clears the first while mounted. */
    DI_FAT_MARK_FAT_FLAGS
} di_fat_mark_kind;

typedef struct di_fat_mark {
    uint64_t offset;  /* in the image */
    uint32_t length;
    di_fat_mark_kind kind;
} di_fat_mark;

/* A state byte, an FSINFO and two FAT copies per volume; one volume per partition, or
 * the whole image (a "superfloppy": no partition table, a boot sector at byte 0). */
#define DI_FAT_MARKS_MAX (4 * (DI_MAX_PARTITIONS + 1))
/* What is read of the image to find them: boot sectors and FSINFO sectors beyond this
 * are not looked at (the volumes they belong to get no marks). */
#define DI_FAT_MARKS_READ_LIMIT (64ull * 1024 * 1024)

typedef struct di_fat_marks {
    unsigned volumes;   /* FAT volumes found */
    size_t count;
    di_fat_mark marks[DI_FAT_MARKS_MAX];  /* ascending, never overlapping */
} di_fat_marks;

/* Finds the marks of every FAT volume in an image of image_size bytes (UINT64_MAX:
 * unknown), read through read (any offset and length; nothing at or beyond read_limit
 * is asked for). A read that fails, a table that does not parse, a boot sector that is
 * not a valid FAT one: no marks from there, never an error. */
void di_fat_find_mount_marks(di_table_read_fn read, void *ctx, uint64_t image_size,
                             uint64_t read_limit, di_fat_marks *out);

/* A FAT boot sector's marks, the volume starting at volume_offset in the image and
 * volume_size bytes long (UINT64_MAX: unknown). boot holds the first 512 bytes of the
 * volume. Returns the number of marks added to out (0: not a FAT boot sector we
 * trust). The FSINFO sector and the first FAT's first sector are read through read
 * when they lie below read_limit. */
size_t di_fat_volume_marks(const uint8_t boot[512], uint64_t volume_offset,
                           uint64_t volume_size, di_table_read_fn read, void *ctx,
                           uint64_t read_limit, di_fat_marks *out);

#endif
