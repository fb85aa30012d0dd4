/* Writes an exFAT card layout (card_format.h): the structures of Microsoft's exFAT
 * specification (the main boot region and its backup, 12 sectors each; one FAT; at the
 * start of the cluster heap the allocation bitmap, the up-case table and the root
 * directory holding the volume label and the entries locating the other two), in one
 * partition of type 0x07 of an MBR written last. Everything from sector 1 to the end
 * of the root directory's cluster is written (zeros where nothing is), so nothing an
 * image left there shows through. */
#include <stdlib.h>
#include <string.h>

#include "card_internal.h"
#include "diskimager/card_format.h"
#include "diskimager/le_bytes.h"

#define BOOT_REGION_SECTORS 12u   /* boot sector, 8 extended, OEM, reserved, checksum */
#define CHECKSUM_SECTOR 11u
#define ENTRY_BYTES 32u           /* a directory entry */
#define CLUSTER_END 0xFFFFFFFFu   /* a FAT chain's last entry */

/* The up-case table maps each UTF-16 code unit to its capital, so names compare
 * without regard to case. What a volume holds is what every OS compares with (and
 * hashes names with), so it need not be the specification's recommended table, only
 * consistent: this one gives the capitals of the Latin, Greek, Cyrillic, Armenian,
 * Georgian, Glagolitic and Coptic letters, of Roman numerals, circled and fullwidth
 * letters, as Unicode's simple upper-case mappings do. Each rule covers a range of
 * code units: a fixed distance to the capital, or alternating capital/small pairs. */
typedef struct case_rule {
    uint16_t first, last;
    int32_t to_capital;   /* added to a small letter; 0: pairs, first is a capital */
} case_rule;

static const case_rule case_rules[] = {
    {0x0061, 0x007A, -0x20},   /* a-z */
    {0x00E0, 0x00F6, -0x20},   /* à-ö */
    {0x00F8, 0x00FE, -0x20},   /* ø-þ */
    {0x00FF, 0x00FF, 0x79},    /* ÿ: Ÿ (U+0178) */
    {0x0100, 0x012F, 0},       /* Latin Extended-A */
    {0x0132, 0x0137, 0},
    {0x0139, 0x0148, 0},
    {0x014A, 0x0177, 0},
    {0x0179, 0x017E, 0},
    {0x01A0, 0x01A5, 0},       /* Latin Extended-B */
    {0x01CD, 0x01DC, 0},
    {0x01DE, 0x01EF, 0},
    {0x01F8, 0x021F, 0},
    {0x0222, 0x0233, 0},
    {0x03AC, 0x03AC, -0x26},   /* Greek with tonos */
    {0x03AD, 0x03AF, -0x25},
    {0x03B1, 0x03C1, -0x20},   /* α-ρ */
    {0x03C2, 0x03C2, -0x1F},   /* final ς: Σ */
    {0x03C3, 0x03CB, -0x20},   /* σ-ϋ */
    {0x03CC, 0x03CC, -0x40},
    {0x03CD, 0x03CE, -0x3F},
    {0x03E2, 0x03EF, 0},       /* Coptic letters in the Greek block */
    {0x0430, 0x044F, -0x20},   /* а-я */
    {0x0450, 0x045F, -0x50},   /* ѐ-џ */
    {0x0460, 0x0481, 0},
    {0x048A, 0x04BF, 0},
    {0x04C1, 0x04CE, 0},
    {0x04D0, 0x052F, 0},
    {0x0561, 0x0586, -0x30},   /* Armenian */
    {0x1E00, 0x1E95, 0},       /* Latin Extended Additional */
    {0x1EA0, 0x1EFF, 0},
    {0x1F00, 0x1F07, 0x08},    /* Greek Extended: the rows with plain capitals */
    {0x1F10, 0x1F15, 0x08},
    {0x1F20, 0x1F27, 0x08},
    {0x1F30, 0x1F37, 0x08},
    {0x1F40, 0x1F45, 0x08},
    {0x1F60, 0x1F67, 0x08},
    {0x2170, 0x217F, -0x10},   /* small Roman numerals */
    {0x24D0, 0x24E9, -0x1A},   /* circled a-z */
    {0x2C30, 0x2C5E, -0x30},   /* Glagolitic */
    {0x2C80, 0x2CE3, 0},       /* Coptic */
    {0x2D00, 0x2D25, -0x1C60}, /* Georgian Nuskhuri: Asomtavruli capitals */
    {0xFF41, 0xFF5A, -0x20},   /* fullwidth a-z */
};

#define CASE_RULES (sizeof case_rules / sizeof case_rules[0])

/* The code units below this are written one by one, never as a run of unchanged ones:
 * the specification's mandatory first 128, and Latin-1 and Latin Extended-A so that a
 * reader indexing the table without expanding it still compares western names right. */
#define UPCASE_PLAIN_PREFIX 0x180u
/* A run of code units mapped to themselves, written as 0xFFFF and its length, from 3 on
 * (shorter runs take no more room one by one). */
#define UPCASE_MIN_RUN 3u

/* The capital of c. *rule: the first rule that may apply, advanced as c grows (so the
 * whole table takes one pass over the rules). */
static uint32_t capital_of(uint32_t c, size_t *rule)
{
    while (*rule < CASE_RULES && case_rules[*rule].last < c) (*rule)++;
    if (*rule == CASE_RULES || c < case_rules[*rule].first) return c;
    const case_rule *r = &case_rules[*rule];
    if (r->to_capital != 0) return (uint32_t)((int32_t)c + r->to_capital);
    return (c - r->first) % 2 ? c - 1 : c;
}

static void put_entry(uint8_t *out, size_t *n, uint32_t value)
{
    if (out) di_put_le16(out + 2 * *n, (uint16_t)value);
    (*n)++;
}

size_t di_card_exfat_upcase_table(uint8_t *out)
{
    size_t n = 0, rule = 0;
    uint32_t c = 0;
    while (c < 0x10000) {
        uint32_t capital = capital_of(c, &rule);
        if (c >= UPCASE_PLAIN_PREFIX && capital == c) {
            /* The run ends at the first code unit with another capital, or at 0xFFFF
             * units, the most one length holds. */
            size_t rule_at_c = rule;
            uint32_t end = c + 1;
            while (end < 0x10000 && end - c < 0xFFFF && capital_of(end, &rule) == end) end++;
            /* 0xFFFF itself is never written as an entry: it would read as a run. */
            if (end - c >= UPCASE_MIN_RUN || end == 0x10000) {
                put_entry(out, &n, 0xFFFF);
                put_entry(out, &n, end - c);
                c = end;
                continue;
            }
            rule = rule_at_c;
        }
        put_entry(out, &n, capital);
        c++;
    }
    return 2 * n;
}

static uint32_t checksum_of(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i < len; i++) sum = di_card_exfat_checksum_add(sum, p[i]);
    return sum;
}

static uint8_t log2_of(uint32_t n)
{
    uint8_t shift = 0;
    while (n > 1) {
        n >>= 1;
        shift++;
    }
    return shift;
}

/* Clusters 2 to root_cluster: the bitmap, the up-case table, the root directory. */
static uint32_t used_clusters(const di_card_layout *l)
{
    return l->root_cluster - 1;
}

/* The main boot sector (sector_size bytes in out). */
static void boot_sector(const di_card_layout *l, uint8_t *out)
{
    memset(out, 0, l->sector_size);
    static const uint8_t jump[3] = {0xEB, 0x76, 0x90};   /* to the boot code at 120 */
    memcpy(out, jump, 3);
    memcpy(out + 3, "EXFAT   ", 8);
    /* Bytes 11 to 63 stay zero: where FAT keeps its BIOS parameter block, so no FAT
     * driver takes the volume for one of its own. */
    di_put_le64(out + 64, l->partition_start);                /* PartitionOffset */
    di_put_le64(out + 72, l->partition_sectors);              /* VolumeLength */
    di_put_le32(out + 80, l->fat_offset);
    di_put_le32(out + 84, l->fat_sectors);
    di_put_le32(out + 88, l->heap_offset);
    di_put_le32(out + 92, l->cluster_count);
    di_put_le32(out + 96, l->root_cluster);
    di_put_le32(out + 100, l->volume_id);
    di_put_le16(out + 104, 0x0100);                           /* revision 1.00 */
    di_put_le16(out + 106, 0);                                /* VolumeFlags: clean */
    out[108] = log2_of(l->sector_size);
    out[109] = log2_of(l->cluster_sectors);
    out[110] = 1;                                             /* NumberOfFats */
    out[111] = 0x80;                                          /* DriveSelect */
    out[112] = (uint8_t)((uint64_t)used_clusters(l) * 100 / l->cluster_count);
    /* Boot code: "not a bootable disk", as the FAT32 writer's, then wait for a key. */
    static const uint8_t code[] = {0xCD, 0x18, 0xEB, 0xFE};  /* int 18h; jmp $ */
    memcpy(out + 120, code, sizeof code);
    out[510] = 0x55;
    out[511] = 0xAA;
}

/* Sector i (0 to 10) of a boot region: the boot sector, 8 extended boot sectors (no
 * code, their signature in the last 4 bytes), the OEM parameters and the reserved
 * sector (zeros: no parameters). */
static void boot_region_sector(const di_card_layout *l, uint32_t i, uint8_t *out)
{
    if (i == 0) {
        boot_sector(l, out);
        return;
    }
    memset(out, 0, l->sector_size);
    if (i <= 8) di_put_le32(out + l->sector_size - 4, 0xAA550000u);
}

/* A boot region of 12 sectors at byte offset at: sectors 0 to 10, then the checksum of
 * them all (but the boot sector's VolumeFlags and PercentInUse, which change in use)
 * repeated over the 12th. */
static di_status write_boot_region(const di_card_layout *l, uint64_t at, uint8_t *sector,
                                   di_card_write_fn write, void *ctx, di_error *error)
{
    const uint32_t ss = l->sector_size;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < CHECKSUM_SECTOR; i++) {
        boot_region_sector(l, i, sector);
        for (uint32_t b = 0; b < ss; b++)
            if (i != 0 || (b != 106 && b != 107 && b != 112))
                sum = di_card_exfat_checksum_add(sum, sector[b]);
        di_status st = write(ctx, at + (uint64_t)i * ss, sector, ss, error);
        if (st != DI_OK) return st;
    }
    for (uint32_t b = 0; b < ss; b += 4) di_put_le32(sector + b, sum);
    return write(ctx, at + (uint64_t)CHECKSUM_SECTOR * ss, sector, ss, error);
}

/* FAT entry n (0 to root_cluster): the media type, a historical end mark, then a chain
 * for each of the bitmap, the up-case table and the root directory. */
static uint32_t fat_entry(const di_card_layout *l, uint32_t n)
{
    const uint32_t bitmap_last = 1 + l->bitmap_clusters;
    const uint32_t upcase_last = bitmap_last + l->upcase_clusters;
    if (n == 0) return 0xFFFFFFF8u;
    if (n == 1) return CLUSTER_END;
    if (n == bitmap_last || n == upcase_last || n == l->root_cluster) return CLUSTER_END;
    return n + 1;
}

/* The FAT's sectors that hold an entry other than free, one at a time. */
static di_status write_fat(const di_card_layout *l, uint64_t part, uint8_t *sector,
                           di_card_write_fn write, void *ctx, di_error *error)
{
    const uint32_t ss = l->sector_size, per_sector = ss / 4;
    for (uint32_t first = 0; first <= l->root_cluster; first += per_sector) {
        memset(sector, 0, ss);
        for (uint32_t n = first; n < first + per_sector && n <= l->root_cluster; n++)
            di_put_le32(sector + 4 * (n - first), fat_entry(l, n));
        uint64_t at = part + ((uint64_t)l->fat_offset + first / per_sector) * ss;
        di_status st = write(ctx, at, sector, ss, error);
        if (st != DI_OK) return st;
    }
    return DI_OK;
}

/* The allocation bitmap's sectors that hold a set bit (bit i: cluster i + 2), one at a
 * time: the clusters the metadata takes are in use. */
static di_status write_bitmap(const di_card_layout *l, uint64_t at, uint8_t *sector,
                              di_card_write_fn write, void *ctx, di_error *error)
{
    const uint32_t ss = l->sector_size, used = used_clusters(l);
    for (uint64_t first = 0; first < used; first += 8ull * ss) {
        memset(sector, 0, ss);
        for (uint64_t bit = first; bit < used && bit < first + 8ull * ss; bit++)
            sector[(bit - first) / 8] |= (uint8_t)(1u << (bit % 8));
        di_status st = write(ctx, at + first / 8, sector, ss, error);
        if (st != DI_OK) return st;
    }
    return DI_OK;
}

/* A UTF-16 directory entry's volume label: the label is FAT's characters, ASCII. */
static void label_entry(const char *label, uint8_t *out)
{
    size_t n = strlen(label);
    out[0] = n ? 0x83 : 0x03;   /* in use; or "no label" */
    out[1] = (uint8_t)n;
    for (size_t i = 0; i < n; i++) di_put_le16(out + 2 + 2 * i, (uint8_t)label[i]);
}

/* The root directory's first sector: the label, the allocation bitmap and the up-case
 * table (its checksum given); the zeros after them end the directory. */
static void root_sector(const di_card_layout *l, uint32_t upcase_sum, uint8_t *out)
{
    memset(out, 0, l->sector_size);
    label_entry(l->label, out);
    uint8_t *bitmap = out + ENTRY_BYTES;
    bitmap[0] = 0x81;                                          /* flags 0: the first bitmap */
    di_put_le32(bitmap + 20, 2);
    di_put_le64(bitmap + 24, ((uint64_t)l->cluster_count + 7) / 8);
    uint8_t *upcase = out + 2 * ENTRY_BYTES;
    upcase[0] = 0x82;
    di_put_le32(upcase + 4, upcase_sum);
    di_put_le32(upcase + 20, 2 + l->bitmap_clusters);
    di_put_le64(upcase + 24, l->upcase_bytes);
}

di_status di_card_write_exfat(const di_card_layout *l, di_card_write_fn write, void *ctx,
                              di_error *error)
{
    const uint64_t ss = l->sector_size;
    const uint64_t part = l->partition_start * ss;
    const uint64_t cluster_bytes = (uint64_t)l->cluster_sectors * ss;
    const uint64_t heap = part + (uint64_t)l->heap_offset * ss;
    const uint64_t metadata_end = heap + (uint64_t)used_clusters(l) * cluster_bytes;
    const uint64_t drive_end = l->drive_sectors * ss;
    /* The up-case table in whole sectors, zeros past its end. */
    const size_t upcase_bytes = di_card_exfat_upcase_table(NULL);
    const size_t upcase_sectors_bytes = (upcase_bytes + ss - 1) / ss * ss;
    /* Only a layout di_card_layout_plan made for exFAT: its clusters counted for this
     * very table. */
    if (l->fs != DI_CARD_FS_EXFAT || l->upcase_bytes != upcase_bytes ||
        l->root_cluster != 2 + l->bitmap_clusters + l->upcase_clusters || l->bitmap_clusters == 0)
        return di_error_why(error, DI_ERR_INTERNAL, DI_OP_FORMAT, "", DI_REASON_NONE,
                            DI_NO_ARGS);
    uint8_t *zeros = calloc(1, DI_CARD_ZERO_CHUNK);
    uint8_t *sector = malloc(ss);
    uint8_t *upcase = calloc(1, upcase_sectors_bytes);
    if (!zeros || !sector || !upcase) {
        free(zeros);
        free(sector);
        free(upcase);
        return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_FORMAT, "", DI_REASON_NONE,
                            DI_NO_ARGS);
    }
    di_card_exfat_upcase_table(upcase);
    /* Everything from the old partition table to the end of the root directory's
     * cluster first (the table gone before anything it could point at changes), then
     * the last MiB (a backup GPT, signatures at the end); the new table last. */
    uint64_t tail = drive_end > DI_CARD_ZERO_CHUNK ? drive_end - DI_CARD_ZERO_CHUNK : 0;
    if (tail < metadata_end) tail = metadata_end;
    di_status st = di_card_write_zeros(write, ctx, zeros, 0, metadata_end, error);
    if (st == DI_OK) st = di_card_write_zeros(write, ctx, zeros, tail, drive_end, error);
    /* The main boot region, then its backup: the same 12 sectors. */
    if (st == DI_OK) st = write_boot_region(l, part, sector, write, ctx, error);
    if (st == DI_OK)
        st = write_boot_region(l, part + BOOT_REGION_SECTORS * ss, sector, write, ctx, error);
    if (st == DI_OK) st = write_fat(l, part, sector, write, ctx, error);
    if (st == DI_OK) st = write_bitmap(l, heap, sector, write, ctx, error);
    if (st == DI_OK)
        st = write(ctx, heap + (uint64_t)l->bitmap_clusters * cluster_bytes, upcase,
                   upcase_sectors_bytes, error);
    if (st == DI_OK) {
        root_sector(l, checksum_of(upcase, upcase_bytes, 0), sector);
        st = write(ctx, heap + (uint64_t)(l->root_cluster - 2) * cluster_bytes, sector, ss, error);
    }
    if (st == DI_OK) {
        di_card_mbr_sector(l, sector);
        st = write(ctx, 0, sector, ss, error);
    }
    free(zeros);
    free(sector);
    free(upcase);
    return st;
}
