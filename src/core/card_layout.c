/* The layout of a restored card (card_format.h), after the SD Association's File System
 * Specification (Part 2, version 3.00): its boundary units (BU, the erase block the
 * card's controller manages) and cluster sizes by capacity, the partition and the
 * cluster heap aligned to BU so that no cluster straddles two erase blocks. Also what
 * both writers share (card_internal.h): the MBR, zeroing, and di_card_write. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "card_internal.h"
#include "diskimager/card_format.h"
#include "diskimager/le_bytes.h"

#define MIB (1024ull * 1024)
#define GIB (1024ull * MIB)
#define FAT32_MIN_CLUSTERS 65525u
#define FAT32_MAX_CLUSTERS 0x0FFFFFF5u
#define FAT32_MIN_RESERVED 32u
#define EXFAT_BOOT_REGIONS 24u            /* main and backup boot regions, 12 sectors each */
#define EXFAT_MAX_CLUSTERS 0xFFFFFFF5u    /* 2^32 - 11 */

/* Capacity above which a row applies: its boundary unit and cluster size, in bytes. */
typedef struct size_row {
    uint64_t above;
    uint64_t boundary;
    uint32_t fat32_cluster;
    uint32_t exfat_cluster;
} size_row;

/* SDSC rows (up to 2 GB) have small boundary units; a partition still starts at 1 MiB
 * or more, which is a multiple of each. SDHC (to 32 GB): BU 4 MiB, 32 KiB clusters.
 * SDXC: BU 16, 32, 64 MiB and exFAT clusters of 128, 256, 512 KiB. FAT32 on drives
 * past 32 GB (only when asked) keeps 32 KiB clusters. */
static const size_row rows[] = {
    {0, 32 * 512, 4096, 4096},
    {64 * MIB, 64 * 512, 4096, 32768},
    {256 * MIB, 128 * 512, 4096, 32768},
    {2 * GIB, 4 * MIB, 32768, 32768},
    {32 * GIB, 16 * MIB, 32768, 128 * 1024},
    {128 * GIB, 32 * MIB, 32768, 256 * 1024},
    {512 * GIB, 64 * MIB, 32768, 512 * 1024},
};

static const size_row *row_for(uint64_t bytes)
{
    const size_row *row = &rows[0];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (bytes > rows[i].above) row = &rows[i];
    return row;
}

static uint64_t div_up(uint64_t n, uint64_t unit)
{
    return (n + unit - 1) / unit;
}

static uint64_t round_up(uint64_t n, uint64_t unit)
{
    return div_up(n, unit) * unit;
}

/* The characters a FAT short name (and so its label) may hold, besides A-Z and 0-9. */
static bool label_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
           (c != 0 && strchr("!#$%&'()-@^_`{}~", c));
}

static bool set_label(const char *label, uint64_t bytes, char out[DI_CARD_LABEL_MAX + 1])
{
    if (!label || !label[0]) {
        /* "32GB", "512MB": what the card says on its sticker (decimal units), rounded;
         * at most "2199GB" for the largest drive. */
        char text[32] = "";
        if (bytes >= 1000000000ull)
            snprintf(text, sizeof text, "%lluGB",
                     (unsigned long long)((bytes + 500000000ull) / 1000000000ull));
        else
            snprintf(text, sizeof text, "%lluMB",
                     (unsigned long long)((bytes + 500000ull) / 1000000ull));
        memcpy(out, text, DI_CARD_LABEL_MAX);
        out[DI_CARD_LABEL_MAX] = '\0';
        return true;
    }
    size_t n = strlen(label);
    if (n > DI_CARD_LABEL_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)toupper((unsigned char)label[i]);
        if (!label_char(c)) return false;
        out[i] = (char)c;
    }
    out[n] = '\0';
    /* A label that starts with a space reads as none. */
    return label[0] != ' ';
}

/* FAT32: reserved sectors and FAT size such that the cluster heap starts on a BU
 * multiple and each FAT holds an entry for every cluster. The FAT's need shrinks as
 * the FAT grows, so this settles within a few rounds; the FAT may end up a little larger
 * than needed, never smaller. */
static bool plan_fat32(di_card_layout *l)
{
    uint64_t bu = l->boundary_sectors;
    uint64_t fat = 0, reserved = FAT32_MIN_RESERVED;
    for (int round = 0; round < 64; round++) {
        uint64_t meta_end = l->partition_start + reserved + 2 * fat;
        uint64_t pad = round_up(meta_end, bu) - meta_end;
        /* The padding goes to the reserved area while its 16-bit count allows it, else
         * to the FATs (two of them: an odd sector goes to the reserved area). */
        if (reserved + pad <= 0xFFFF) {
            reserved += pad;
        } else {
            fat += pad / 2;
            reserved += pad % 2;
        }
        uint64_t heap_start = reserved + 2 * fat;
        if (heap_start >= l->partition_sectors) return false;
        uint64_t clusters = (l->partition_sectors - heap_start) / l->cluster_sectors;
        uint64_t need = round_up((clusters + 2) * 4, l->sector_size) / l->sector_size;
        if (need <= fat) {
            if (clusters < FAT32_MIN_CLUSTERS || clusters >= FAT32_MAX_CLUSTERS) return false;
            l->reserved_sectors = (uint32_t)reserved;
            l->fat_sectors = (uint32_t)fat;
            l->cluster_count = (uint32_t)clusters;
            l->heap_offset = (uint32_t)heap_start;
            return true;
        }
        fat = need;
        reserved = FAT32_MIN_RESERVED;
    }
    return false;
}

/* exFAT, as the SD specification lays out SDXC cards: the FAT half a BU into the
 * partition, the cluster heap on the first BU past the FAT's end (one BU in, unless the
 * FAT is longer than half a BU, as on a drive of FAT32's sizes formatted exFAT). The FAT
 * is sized for every cluster the partition could hold past it, then trimmed to the count
 * the heap holds: it only shrinks, so the heap stays where it was put. Then the heap's
 * first clusters: the allocation bitmap, the up-case table, the root directory. */
static bool plan_exfat(di_card_layout *l)
{
    const uint64_t bu = l->boundary_sectors, ss = l->sector_size;
    const uint64_t cluster_bytes = (uint64_t)l->cluster_sectors * ss;
    uint64_t fat_offset = round_up(EXFAT_BOOT_REGIONS, bu / 2);
    if (fat_offset >= l->partition_sectors) return false;
    uint64_t most = (l->partition_sectors - fat_offset) / l->cluster_sectors;
    uint64_t heap = round_up(fat_offset + div_up((most + 2) * 4, ss), bu);
    if (heap >= l->partition_sectors) return false;
    uint64_t clusters = (l->partition_sectors - heap) / l->cluster_sectors;
    if (clusters > EXFAT_MAX_CLUSTERS) clusters = EXFAT_MAX_CLUSTERS;
    uint64_t bitmap = div_up(div_up(clusters, 8), cluster_bytes);
    uint64_t upcase_bytes = di_card_exfat_upcase_table(NULL);
    uint64_t upcase = div_up(upcase_bytes, cluster_bytes);
    /* The metadata, and a cluster at least for the user's files. */
    if (bitmap + upcase + 1 >= clusters) return false;
    l->fat_offset = (uint32_t)fat_offset;
    l->fat_sectors = (uint32_t)div_up((clusters + 2) * 4, ss);
    l->heap_offset = (uint32_t)heap;
    l->cluster_count = (uint32_t)clusters;
    l->bitmap_clusters = (uint32_t)bitmap;
    l->upcase_clusters = (uint32_t)upcase;
    l->upcase_bytes = (uint32_t)upcase_bytes;
    l->root_cluster = (uint32_t)(2 + bitmap + upcase);
    return true;
}

di_status di_card_layout_plan(uint64_t drive_bytes, uint32_t sector_size, di_card_fs fs,
                              const char *label, uint32_t volume_id, di_card_layout *layout,
                              di_error *error)
{
    memset(layout, 0, sizeof *layout);
    if (fs == DI_CARD_FS_AUTO) {
        di_card_fs picked = drive_bytes > 32 * GIB ? DI_CARD_FS_EXFAT : DI_CARD_FS_FAT32;
        di_status st = di_card_layout_plan(drive_bytes, sector_size, picked, label, volume_id,
                                           layout, error);
        /* A small drive of 4096-byte sectors cannot hold FAT32's 65525 clusters: exFAT
         * can, and a card that size comes with some file system. */
        if (st == DI_OK || error->reason != DI_REASON_CARD_FAT32_TOO_SMALL) return st;
        return di_card_layout_plan(drive_bytes, sector_size, DI_CARD_FS_EXFAT, label, volume_id,
                                   layout, error);
    }
    if (sector_size != 512 && sector_size != 4096)
        return di_error_why(error, DI_ERR_USAGE, DI_OP_FORMAT, "", DI_REASON_CARD_SECTOR_SIZE,
                            DI_ARGS(di_number(sector_size)));
    if (drive_bytes < 64 * MIB)
        return di_error_why(error, DI_ERR_TOO_SMALL, DI_OP_FORMAT, "", DI_REASON_CARD_TOO_SMALL,
                            DI_ARGS(di_number(drive_bytes), di_size(drive_bytes)));
    if (drive_bytes > DI_CARD_MAX_BYTES)
        return di_error_why(error, DI_ERR_USAGE, DI_OP_FORMAT, "", DI_REASON_CARD_TOO_LARGE,
                            DI_ARGS(di_number(drive_bytes), di_size(drive_bytes)));
    if (!set_label(label, drive_bytes, layout->label))
        return di_error_why(error, DI_ERR_USAGE, DI_OP_FORMAT, "", DI_REASON_CARD_LABEL_INVALID,
                            DI_ARGS(di_text(label ? label : "")));
    const size_row *row = row_for(drive_bytes);
    layout->fs = fs;
    layout->sector_size = sector_size;
    layout->drive_sectors = drive_bytes / sector_size;
    layout->volume_id = volume_id;
    /* A partition starts at 1 MiB at least (and at a BU): room for the MBR alone, where
     * every tool since Windows Vista aligns. */
    uint64_t boundary = row->boundary < MIB ? MIB : row->boundary;
    layout->boundary_sectors = boundary / sector_size;
    layout->partition_start = layout->boundary_sectors;
    layout->partition_sectors = layout->drive_sectors - layout->partition_start;
    /* The MBR (and FAT32) counts sectors in 32 bits. */
    if (layout->partition_sectors > 0xFFFFFFFFull) layout->partition_sectors = 0xFFFFFFFFull;
    uint32_t cluster = fs == DI_CARD_FS_EXFAT ? row->exfat_cluster : row->fat32_cluster;
    if (cluster < sector_size) cluster = sector_size;
    layout->cluster_sectors = cluster / sector_size;
    if (fs == DI_CARD_FS_FAT32) {
        /* A drive just past a row's start may hold too few clusters of its size: halve
         * the cluster until FAT32's minimum count fits. */
        while (!plan_fat32(layout)) {
            if (layout->cluster_sectors == 1)
                return di_error_why(error, DI_ERR_TOO_SMALL, DI_OP_FORMAT, "",
                                    DI_REASON_CARD_FAT32_TOO_SMALL,
                                    DI_ARGS(di_number(drive_bytes), di_size(drive_bytes)));
            layout->cluster_sectors /= 2;
        }
    } else if (!plan_exfat(layout)) {
        /* Not met from 64 MiB up: the metadata takes a few BU at most. */
        return di_error_why(error, DI_ERR_INTERNAL, DI_OP_FORMAT, "", DI_REASON_NONE, DI_NO_ARGS);
    }
    return DI_OK;
}

void di_card_mbr_sector(const di_card_layout *l, uint8_t *out)
{
    memset(out, 0, l->sector_size);
    di_put_le32(out + 440, l->volume_id ^ 0x5A5A5A5Au);  /* disk signature */
    uint8_t *e = out + 446;
    /* CHS fields marking LBA-only: no geometry is made up for a card. */
    static const uint8_t chs_lba[3] = {0xFE, 0xFF, 0xFF};
    memcpy(e + 1, chs_lba, 3);
    e[4] = l->fs == DI_CARD_FS_EXFAT ? 0x07 : 0x0C;   /* exFAT (as NTFS); FAT32, LBA */
    memcpy(e + 5, chs_lba, 3);
    di_put_le32(e + 8, (uint32_t)l->partition_start);
    di_put_le32(e + 12, (uint32_t)l->partition_sectors);
    out[510] = 0x55;
    out[511] = 0xAA;
}

di_status di_card_write_zeros(di_card_write_fn write, void *ctx, const uint8_t *zero_buf,
                              uint64_t from, uint64_t to, di_error *error)
{
    while (from < to) {
        size_t n = to - from < DI_CARD_ZERO_CHUNK ? (size_t)(to - from) : DI_CARD_ZERO_CHUNK;
        di_status st = write(ctx, from, zero_buf, n, error);
        if (st != DI_OK) return st;
        from += n;
    }
    return DI_OK;
}

di_status di_card_write(const di_card_layout *l, di_card_write_fn write, void *ctx,
                        di_error *error)
{
    if (l->fs == DI_CARD_FS_EXFAT) return di_card_write_exfat(l, write, ctx, error);
    return di_card_write_fat32(l, write, ctx, error);
}
