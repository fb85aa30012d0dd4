/* What the card writers (card_fat32.c, card_exfat.c) and the planner (card_layout.c)
 * share, inside the core only: the MBR, zeroing a range in bounded chunks, and the
 * exFAT up-case table whose size the plan needs before anything is written. */
#ifndef DISKIMAGER_CARD_INTERNAL_H
#define DISKIMAGER_CARD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "diskimager/card_format.h"

/* The largest buffer a writer holds, whatever the drive's size. */
#define DI_CARD_ZERO_CHUNK (1024u * 1024)

/* The MBR (sector_size bytes in out): one partition at partition_start of
 * partition_sectors, of type 0x0C (FAT32, LBA) or 0x07 (exFAT) as layout->fs says. */
void di_card_mbr_sector(const di_card_layout *layout, uint8_t *out);

/* Zeros over [from, to) bytes of the drive, in chunks of zero_buf (DI_CARD_ZERO_CHUNK
 * bytes, all zero). */
di_status di_card_write_zeros(di_card_write_fn write, void *ctx, const uint8_t *zero_buf,
                              uint64_t from, uint64_t to, di_error *error);

/* The exFAT up-case table in its compressed form, into out (NULL: only measured; else
 * as long as a first call returned); returns its length in bytes, a few KiB. */
size_t di_card_exfat_upcase_table(uint8_t *out);

/* exFAT's 32-bit checksum (boot region, up-case table): rotate right, add the byte. */
static inline uint32_t di_card_exfat_checksum_add(uint32_t sum, uint8_t byte)
{
    return ((sum & 1) ? 0x80000000u : 0) + (sum >> 1) + byte;
}

#endif
