/* Writes a FAT32 card layout (card_format.h): the structures of Microsoft's FAT
 * specification (boot sector, FSInfo, their backups at sector 6 and 7, two FATs, the
 * root directory in cluster 2 holding the volume label), in one partition of an MBR
 * written last. Everything between the MBR and the cluster heap is written (zeros where
 * nothing is), so nothing an image left there shows through. */
#include <stdlib.h>
#include <string.h>

#include "card_internal.h"
#include "diskimager/card_format.h"
#include "diskimager/le_bytes.h"

static void label_field(uint8_t *p, const char *label)
{
    memset(p, ' ', DI_CARD_LABEL_MAX);
    memcpy(p, label, strlen(label));
}

/* The partition's boot sector (sector_size bytes in out). */
static void boot_sector(const di_card_layout *l, uint8_t *out)
{
    memset(out, 0, l->sector_size);
    static const uint8_t jump[3] = {0xEB, 0x58, 0x90};
    memcpy(out, jump, 3);
    memcpy(out + 3, "MSWIN4.1", 8);
    di_put_le16(out + 11, l->sector_size);
    out[13] = (uint8_t)l->cluster_sectors;
    di_put_le16(out + 14, l->reserved_sectors);
    out[16] = 2;                                   /* FATs */
    out[21] = 0xF8;                                /* media: fixed */
    di_put_le16(out + 24, 63);                           /* sectors per track, heads: as */
    di_put_le16(out + 26, 255);                          /* every formatter writes them */
    di_put_le32(out + 28, (uint32_t)l->partition_start); /* hidden sectors */
    di_put_le32(out + 32, (uint32_t)l->partition_sectors);
    di_put_le32(out + 36, l->fat_sectors);
    di_put_le32(out + 44, 2);                            /* root directory cluster */
    di_put_le16(out + 48, 1);                            /* FSInfo sector */
    di_put_le16(out + 50, 6);                            /* backup boot sector */
    out[64] = 0x80;                                /* drive number */
    out[66] = 0x29;                                /* extended boot signature */
    di_put_le32(out + 67, l->volume_id);
    label_field(out + 71, l->label);
    memcpy(out + 82, "FAT32   ", 8);
    /* Boot code: "not a bootable disk", as formatters write, then wait for a key. */
    static const uint8_t code[] = {0xCD, 0x18, 0xEB, 0xFE};  /* int 18h; jmp $ */
    memcpy(out + 90, code, sizeof code);
    out[510] = 0x55;
    out[511] = 0xAA;
}

static void fsinfo_sector(const di_card_layout *l, uint8_t *out)
{
    memset(out, 0, l->sector_size);
    di_put_le32(out, 0x41615252u);
    di_put_le32(out + 484, 0x61417272u);
    di_put_le32(out + 488, l->cluster_count - 1);        /* free: all but the root's */
    di_put_le32(out + 492, 3);                           /* next free cluster */
    di_put_le32(out + 508, 0xAA550000u);
}

di_status di_card_write_fat32(const di_card_layout *l, di_card_write_fn write, void *ctx,
                              di_error *error)
{
    const uint64_t ss = l->sector_size;
    const uint64_t part = l->partition_start * ss;
    const uint64_t heap = part + ((uint64_t)l->reserved_sectors + 2ull * l->fat_sectors) * ss;
    const uint64_t cluster_bytes = (uint64_t)l->cluster_sectors * ss;
    const uint64_t drive_end = l->drive_sectors * ss;
    uint8_t *zeros = calloc(1, DI_CARD_ZERO_CHUNK);
    uint8_t *sector = malloc(ss);
    if (!zeros || !sector) {
        free(zeros);
        free(sector);
        return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_FORMAT, "", DI_REASON_NONE,
                            DI_NO_ARGS);
    }
    /* Everything from the old partition table to the end of the root directory's
     * cluster first (the table gone before anything it could point at changes), then
     * the last MiB (a backup GPT, signatures at the end); the new table last. */
    uint64_t tail = drive_end > DI_CARD_ZERO_CHUNK ? drive_end - DI_CARD_ZERO_CHUNK : 0;
    if (tail < heap + cluster_bytes) tail = heap + cluster_bytes;
    di_status st = di_card_write_zeros(write, ctx, zeros, 0, heap + cluster_bytes, error);
    if (st == DI_OK) st = di_card_write_zeros(write, ctx, zeros, tail, drive_end, error);
    /* Boot sector and FSInfo, and their backups at sectors 6 and 7. */
    for (uint64_t copy = 0; st == DI_OK && copy <= 6; copy += 6) {
        boot_sector(l, sector);
        st = write(ctx, part + copy * ss, sector, ss, error);
        if (st != DI_OK) break;
        fsinfo_sector(l, sector);
        st = write(ctx, part + (copy + 1) * ss, sector, ss, error);
        if (st != DI_OK) break;
        /* Sector 2 (and 8) of the boot region ends with the signature too. */
        memset(sector, 0, ss);
        sector[ss - 2] = 0x55;
        sector[ss - 1] = 0xAA;
        st = write(ctx, part + (copy + 2) * ss, sector, ss, error);
    }
    /* Each FAT's first sector: the media entry, the end-of-chain mark (clean, no I/O
     * errors), and the root directory's one cluster, ended. */
    for (uint32_t fat = 0; st == DI_OK && fat < 2; fat++) {
        memset(sector, 0, ss);
        di_put_le32(sector, 0x0FFFFFF8u);
        di_put_le32(sector + 4, 0x0FFFFFFFu);
        di_put_le32(sector + 8, 0x0FFFFFFFu);
        uint64_t at = part + ((uint64_t)l->reserved_sectors + (uint64_t)fat * l->fat_sectors) * ss;
        st = write(ctx, at, sector, ss, error);
    }
    /* The root directory: the volume label's entry. */
    if (st == DI_OK) {
        memset(sector, 0, ss);
        label_field(sector, l->label);
        sector[11] = 0x08;
        st = write(ctx, heap, sector, ss, error);
    }
    if (st == DI_OK) {
        di_card_mbr_sector(l, sector);
        st = write(ctx, 0, sector, ss, error);
    }
    free(zeros);
    free(sector);
    return st;
}
