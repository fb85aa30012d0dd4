/* Restore's layout (card_layout.c) as a pure function: the SD specification's boundary
 * units and cluster sizes by capacity, the partition and the cluster heap on boundary
 * multiples, FATs large enough for every cluster, FAT32's cluster count, exFAT's FAT and
 * heap offsets, labels, and each refusal. Then what the exFAT writer (card_exfat.c)
 * puts on a small drive held in memory: boot regions and their checksum, the FAT's
 * chains, the bitmap, the up-case table, the root directory, the MBR last. The layouts
 * written are judged by fsck.fat, fsck.exfat, mtools, exfat-fuse and sfdisk in
 * card_format_test.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/card_internal.h"
#include "diskimager/card_format.h"
#include "diskimager/le_bytes.h"

#define MIB (1024ull * 1024)
#define GIB (1024ull * MIB)

static di_card_layout plan(uint64_t bytes, uint32_t sector, di_card_fs fs, const char *label)
{
    di_card_layout l;
    di_error error;
    di_status st = di_card_layout_plan(bytes, sector, fs, label, 1, &l, &error);
    CHECK_U64(st, DI_OK);
    return l;
}

static di_reason refusal(uint64_t bytes, uint32_t sector, di_card_fs fs, const char *label)
{
    di_card_layout l;
    di_error error;
    di_error_clear(&error);
    if (di_card_layout_plan(bytes, sector, fs, label, 1, &l, &error) == DI_OK) return DI_REASON_NONE;
    return error.reason;
}

/* What every FAT32 layout must be, whatever the size. */
static void check_fat32(const di_card_layout *l, uint64_t bytes)
{
    uint64_t heap = l->partition_start + l->reserved_sectors + 2ull * l->fat_sectors;
    CHECK(l->fs == DI_CARD_FS_FAT32);
    CHECK_U64(l->partition_start % l->boundary_sectors, 0);
    CHECK_U64(heap % l->boundary_sectors, 0);
    CHECK(l->partition_start * l->sector_size >= MIB);
    CHECK(l->partition_start + l->partition_sectors <= bytes / l->sector_size);
    CHECK(l->reserved_sectors >= 32 && l->reserved_sectors <= 0xFFFF);
    /* Each FAT holds an entry for every cluster plus the two reserved ones. */
    CHECK((uint64_t)l->fat_sectors * l->sector_size >= ((uint64_t)l->cluster_count + 2) * 4);
    CHECK(l->cluster_count >= 65525 && l->cluster_count < 0x0FFFFFF5u);
    /* Every cluster counted lies inside the partition, and no whole one is left out. */
    uint64_t heap_in_part = heap - l->partition_start;
    uint64_t fits = (l->partition_sectors - heap_in_part) / l->cluster_sectors;
    CHECK_U64(l->cluster_count, fits);
}

static void sdhc_cards_follow_the_specification(void)
{
    /* 8 GB SDHC: 32 KiB clusters, 4 MiB boundary units, the partition at 4 MiB. */
    di_card_layout l = plan(7948206080ull, 512, DI_CARD_FS_AUTO, NULL);
    check_fat32(&l, 7948206080ull);
    CHECK_U64(l.cluster_sectors, 64);
    CHECK_U64(l.boundary_sectors, 8192);
    CHECK_U64(l.partition_start, 8192);
    CHECK_STR(l.label, "8GB");   /* decimal, as on the card */
    /* 32 GiB is still FAT32 by default; a byte more is exFAT (SDXC). */
    l = plan(32 * GIB, 512, DI_CARD_FS_AUTO, NULL);
    check_fat32(&l, 32 * GIB);
    CHECK_STR(l.label, "34GB");
    l = plan(32 * GIB + MIB, 512, DI_CARD_FS_AUTO, NULL);
    CHECK(l.fs == DI_CARD_FS_EXFAT);
    CHECK_U64(l.cluster_sectors, 256);     /* 128 KiB */
    CHECK_U64(l.boundary_sectors, 32768);  /* 16 MiB */
}

static void sdxc_sizes_get_their_boundary_units(void)
{
    di_card_layout l = plan(200 * GIB, 512, DI_CARD_FS_EXFAT, NULL);
    CHECK_U64(l.cluster_sectors, 512);     /* 256 KiB */
    CHECK_U64(l.boundary_sectors, 65536);  /* 32 MiB */
    l = plan(1024 * GIB, 512, DI_CARD_FS_EXFAT, NULL);
    CHECK_U64(l.cluster_sectors, 1024);    /* 512 KiB */
    CHECK_U64(l.boundary_sectors, 131072); /* 64 MiB */
    /* FAT32 when asked for on an SDXC-sized drive: 32 KiB clusters, the same BU. */
    l = plan(64 * GIB, 512, DI_CARD_FS_FAT32, NULL);
    check_fat32(&l, 64 * GIB);
    CHECK_U64(l.cluster_sectors, 64);
    CHECK_U64(l.boundary_sectors, 32768);
    /* 2 TiB: the largest, 2^32 sectors; a BU (64 MiB) too large for the reserved count
     * alone to reach, so the FATs take the padding. */
    l = plan(2048 * GIB, 512, DI_CARD_FS_FAT32, NULL);
    check_fat32(&l, 2048 * GIB);
    CHECK_U64(l.partition_sectors, (1ull << 32) - 131072);
}

static void small_and_odd_sizes_keep_fat32_valid(void)
{
    /* 64 MiB: 512-byte clusters so FAT32 has its 65525 clusters. */
    di_card_layout l = plan(64 * MIB, 512, DI_CARD_FS_AUTO, NULL);
    check_fat32(&l, 64 * MIB);
    CHECK_U64(l.cluster_sectors, 1);
    CHECK_U64(l.partition_start, 2048);
    CHECK_STR(l.label, "67MB");
    /* Just past 2 GiB, 32 KiB clusters are too few (the partition and the FATs take
     * 8 MiB): halved until they fit. */
    l = plan(2 * GIB + 4 * MIB, 512, DI_CARD_FS_AUTO, NULL);
    check_fat32(&l, 2 * GIB + 4 * MIB);
    CHECK_U64(l.cluster_sectors, 32);
    /* 4096-byte sectors. */
    l = plan(1 * GIB, 4096, DI_CARD_FS_AUTO, NULL);
    check_fat32(&l, 1 * GIB);
    CHECK_U64(l.partition_start, 256);
    l = plan(16 * GIB, 4096, DI_CARD_FS_AUTO, NULL);
    check_fat32(&l, 16 * GIB);
    CHECK_U64(l.cluster_sectors, 8);
    CHECK_U64(l.boundary_sectors, 1024);
    /* Every size from 64 MiB to 40 GiB in uneven steps, both sector sizes. */
    for (uint64_t bytes = 64 * MIB; bytes <= 40 * GIB; bytes += 37 * MIB + 4096 * 3) {
        for (uint32_t sector = 512; sector <= 4096; sector *= 8) {
            di_card_layout any;
            di_error error;
            if (di_card_layout_plan(bytes, sector, DI_CARD_FS_FAT32, NULL, 1, &any, &error) != DI_OK) {
                /* Only a small 4Kn drive may be refused: too few 4 KiB clusters. */
                CHECK(sector == 4096 && bytes < 300 * MIB);
                CHECK_U64(error.reason, DI_REASON_CARD_FAT32_TOO_SMALL);
                continue;
            }
            check_fat32(&any, bytes);
        }
    }
}

static void labels(void)
{
    di_card_layout l = plan(1 * GIB, 512, DI_CARD_FS_AUTO, "boot");
    CHECK_STR(l.label, "BOOT");
    l = plan(1 * GIB, 512, DI_CARD_FS_AUTO, "PI_DATA 01");
    CHECK_STR(l.label, "PI_DATA 01");
    l = plan(1 * GIB, 512, DI_CARD_FS_AUTO, "");
    CHECK_STR(l.label, "1GB");
    CHECK_U64(refusal(1 * GIB, 512, DI_CARD_FS_AUTO, "TWELVE CHARS"), DI_REASON_CARD_LABEL_INVALID);
    CHECK_U64(refusal(1 * GIB, 512, DI_CARD_FS_AUTO, "a/b"), DI_REASON_CARD_LABEL_INVALID);
    CHECK_U64(refusal(1 * GIB, 512, DI_CARD_FS_AUTO, "a.b"), DI_REASON_CARD_LABEL_INVALID);
    CHECK_U64(refusal(1 * GIB, 512, DI_CARD_FS_AUTO, " LEADING"), DI_REASON_CARD_LABEL_INVALID);
    CHECK_U64(refusal(1 * GIB, 512, DI_CARD_FS_AUTO, "caf\xc3\xa9"), DI_REASON_CARD_LABEL_INVALID);
}

static void refusals_say_why(void)
{
    CHECK_U64(refusal(64 * MIB - 512, 512, DI_CARD_FS_AUTO, NULL), DI_REASON_CARD_TOO_SMALL);
    CHECK_U64(refusal(2048 * GIB + 512, 512, DI_CARD_FS_AUTO, NULL), DI_REASON_CARD_TOO_LARGE);
    CHECK_U64(refusal(1 * GIB, 1024, DI_CARD_FS_AUTO, NULL), DI_REASON_CARD_SECTOR_SIZE);
    CHECK_U64(refusal(64 * MIB, 4096, DI_CARD_FS_FAT32, NULL), DI_REASON_CARD_FAT32_TOO_SMALL);
    /* Asked for nothing in particular, such a drive gets exFAT. */
    di_card_layout small = plan(64 * MIB, 4096, DI_CARD_FS_AUTO, NULL);
    CHECK_U64(small.fs, DI_CARD_FS_EXFAT);
    /* Worded for the CLI with the size. */
    di_card_layout l;
    di_error error;
    char text[512];
    CHECK(di_card_layout_plan(10 * MIB, 512, DI_CARD_FS_AUTO, NULL, 1, &l, &error) != DI_OK);
    CHECK_CONTAINS(di_error_format(&error, text, sizeof text), "10485760 bytes");
    CHECK_CONTAINS(text, "64 MiB");
}

/* What every exFAT layout must be, whatever the size. */
static void check_exfat(const di_card_layout *l, uint64_t bytes)
{
    const uint64_t bu = l->boundary_sectors;
    const uint64_t cluster_bytes = (uint64_t)l->cluster_sectors * l->sector_size;
    CHECK(l->fs == DI_CARD_FS_EXFAT);
    CHECK_U64(l->partition_start % bu, 0);
    CHECK(l->partition_start * l->sector_size >= MIB);
    CHECK(l->partition_start + l->partition_sectors <= bytes / l->sector_size);
    CHECK(l->partition_sectors <= 0xFFFFFFFFull);   /* the MBR's 32-bit count */
    /* The FAT on a half-BU past both boot regions, the heap on a BU of the drive past
     * the FAT's end. */
    CHECK(l->fat_offset >= 24);
    CHECK_U64(l->fat_offset % (bu / 2), 0);
    CHECK_U64((l->partition_start + l->heap_offset) % bu, 0);
    CHECK((uint64_t)l->fat_offset + l->fat_sectors <= l->heap_offset);
    /* The FAT holds an entry for every cluster plus the two reserved ones, and no more
     * sectors than that needs. */
    CHECK((uint64_t)l->fat_sectors * l->sector_size >= ((uint64_t)l->cluster_count + 2) * 4);
    CHECK(((uint64_t)l->fat_sectors - 1) * l->sector_size < ((uint64_t)l->cluster_count + 2) * 4);
    /* ClusterCount is exactly what the heap holds (the specification's definition). */
    CHECK_U64(l->cluster_count, (l->partition_sectors - l->heap_offset) / l->cluster_sectors);
    CHECK(l->cluster_sectors * l->sector_size <= 32 * MIB);
    /* The bitmap, the up-case table and the root directory, in that order from cluster 2,
     * each in whole clusters large enough for it. */
    CHECK((uint64_t)l->bitmap_clusters * cluster_bytes >= ((uint64_t)l->cluster_count + 7) / 8);
    CHECK(((uint64_t)l->bitmap_clusters - 1) * cluster_bytes < ((uint64_t)l->cluster_count + 7) / 8);
    CHECK((uint64_t)l->upcase_clusters * cluster_bytes >= l->upcase_bytes);
    CHECK(l->upcase_bytes > 0);
    CHECK_U64(l->root_cluster, 2 + l->bitmap_clusters + l->upcase_clusters);
    CHECK(l->root_cluster < l->cluster_count + 2);
}

static void sdxc_cards_get_the_specifications_exfat_layout(void)
{
    /* A 64 GB SDXC card (124735488 sectors): 128 KiB clusters, 16 MiB boundary units,
     * the partition at 16 MiB, the FAT half a unit in, the heap one unit in. */
    const uint64_t card64 = 124735488ull * 512;
    di_card_layout l = plan(card64, 512, DI_CARD_FS_AUTO, NULL);
    check_exfat(&l, card64);
    CHECK_U64(l.cluster_sectors, 256);
    CHECK_U64(l.boundary_sectors, 32768);
    CHECK_U64(l.partition_start, 32768);
    CHECK_U64(l.fat_offset, 16384);
    CHECK_U64(l.heap_offset, 32768);
    CHECK_U64(l.partition_sectors, 124735488ull - 32768);
    CHECK_U64(l.cluster_count, (124735488ull - 32768 - 32768) / 256);
    CHECK_U64(l.fat_sectors, ((uint64_t)l.cluster_count + 2) * 4 / 512 + 1);
    CHECK_U64(l.bitmap_clusters, 1);
    CHECK_U64(l.upcase_clusters, 1);
    CHECK_U64(l.root_cluster, 4);
    CHECK_STR(l.label, "64GB");
    /* 200 GiB: 256 KiB clusters, 32 MiB units; 2 TiB: 512 KiB and 64 MiB, the partition
     * reaching the MBR's last sector. */
    l = plan(200 * GIB, 512, DI_CARD_FS_AUTO, NULL);
    check_exfat(&l, 200 * GIB);
    CHECK_U64(l.cluster_sectors, 512);
    CHECK_U64(l.fat_offset, 32768);
    CHECK_U64(l.heap_offset, 65536);
    l = plan(2048 * GIB, 512, DI_CARD_FS_AUTO, NULL);
    check_exfat(&l, 2048 * GIB);
    CHECK_U64(l.cluster_sectors, 1024);
    CHECK_U64(l.heap_offset, 131072);
    CHECK_U64(l.partition_start + l.partition_sectors, 1ull << 32);
    /* 4096-byte sectors: the same bytes, an eighth of the sectors. */
    l = plan(200 * GIB, 4096, DI_CARD_FS_AUTO, NULL);
    check_exfat(&l, 200 * GIB);
    CHECK_U64(l.cluster_sectors, 64);
    CHECK_U64(l.boundary_sectors, 8192);
    CHECK_U64(l.fat_offset, 4096);
    CHECK_U64(l.heap_offset, 8192);
}

static void exfat_when_asked_fits_every_size(void)
{
    /* 64 MiB: 4 KiB clusters, the partition and the heap on 1 MiB. */
    di_card_layout l = plan(64 * MIB, 512, DI_CARD_FS_EXFAT, NULL);
    check_exfat(&l, 64 * MIB);
    CHECK_U64(l.cluster_sectors, 8);
    CHECK_U64(l.partition_start, 2048);
    CHECK_U64(l.fat_offset, 1024);
    CHECK_U64(l.heap_offset, 2048);
    l = plan(64 * MIB, 4096, DI_CARD_FS_EXFAT, NULL);
    check_exfat(&l, 64 * MIB);
    CHECK_U64(l.cluster_sectors, 1);
    CHECK_U64(l.partition_start, 256);
    /* 1 GiB: 32 KiB clusters. */
    l = plan(1 * GIB, 4096, DI_CARD_FS_EXFAT, NULL);
    check_exfat(&l, 1 * GIB);
    CHECK_U64(l.cluster_sectors, 8);
    /* 32 GiB exFAT (SDHC's 4 MiB units, 32 KiB clusters): a 4 MiB FAT does not end
     * before the first unit, so the heap starts on the second. */
    l = plan(32 * GIB, 512, DI_CARD_FS_EXFAT, NULL);
    check_exfat(&l, 32 * GIB);
    CHECK_U64(l.boundary_sectors, 8192);
    CHECK_U64(l.fat_offset, 4096);
    CHECK(l.fat_sectors > 4096);
    CHECK_U64(l.heap_offset, 2 * 8192);
    /* Every size from 64 MiB to 2 TiB in uneven steps, both sector sizes, exFAT when
     * asked and by default above 32 GiB. */
    for (uint64_t bytes = 64 * MIB; bytes <= 2048 * GIB; bytes += bytes / 7 + 4096 * 5) {
        for (uint32_t sector = 512; sector <= 4096; sector *= 8) {
            di_card_layout any = plan(bytes, sector, DI_CARD_FS_EXFAT, NULL);
            check_exfat(&any, bytes);
            if (bytes > 32 * GIB) {
                di_card_layout automatic = plan(bytes, sector, DI_CARD_FS_AUTO, NULL);
                CHECK(automatic.fs == DI_CARD_FS_EXFAT);
                CHECK_U64(automatic.heap_offset, any.heap_offset);
            }
        }
    }
    di_card_layout last = plan(2048 * GIB, 4096, DI_CARD_FS_EXFAT, NULL);
    check_exfat(&last, 2048 * GIB);
}

/* The up-case table expanded (0xFFFF n: the next n code units map to themselves) into
 * capital[65536]; returns the code units it covers. */
static uint32_t expand_upcase(const uint8_t *table, size_t bytes, uint16_t *capital)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < 0x10000; i++) capital[i] = (uint16_t)i;
    for (size_t i = 0; i + 1 < bytes; i += 2) {
        uint16_t v = di_le16(table + i);
        if (v == 0xFFFF && i + 3 < bytes) {
            i += 2;
            c += di_le16(table + i);
        } else {
            if (c < 0x10000) capital[c] = v;
            c++;
        }
    }
    return c;
}

static void upcase_table_maps_small_letters_to_capitals(void)
{
    size_t bytes = di_card_exfat_upcase_table(NULL);
    uint8_t *table = malloc(bytes);
    uint16_t *capital = malloc(0x10000 * sizeof *capital);
    CHECK(table && capital);
    if (!table || !capital) goto out;
    CHECK_U64(di_card_exfat_upcase_table(table), bytes);
    /* Small: a few KiB, within one cluster of the smallest size used. */
    CHECK(bytes <= 4096);
    /* It covers every code unit, up to 0xFFFF and not past it (Linux's exfat refuses a
     * table that ends early and takes its own). */
    CHECK_U64(expand_upcase(table, bytes, capital), 0x10000);
    /* The first 0x180 entries written one by one, as readers that do not expand the
     * table index it. */
    for (uint32_t c = 0; c < 0x180; c++) CHECK_U64(di_le16(table + 2 * c), capital[c]);
    CHECK_U64(capital['a'], 'A');
    CHECK_U64(capital['z'], 'Z');
    CHECK_U64(capital['A'], 'A');
    CHECK_U64(capital['_'], '_');
    CHECK_U64(capital[0xE9], 0xC9);     /* é */
    CHECK_U64(capital[0xF7], 0xF7);     /* ÷ has no capital */
    CHECK_U64(capital[0xFF], 0x178);    /* ÿ */
    CHECK_U64(capital[0x101], 0x100);   /* ā */
    CHECK_U64(capital[0x100], 0x100);
    CHECK_U64(capital[0x13A], 0x139);   /* ĺ: the pairs that start on an odd unit */
    CHECK_U64(capital[0x3C9], 0x3A9);   /* ω */
    CHECK_U64(capital[0x3C2], 0x3A3);   /* final ς */
    CHECK_U64(capital[0x44F], 0x42F);   /* я */
    CHECK_U64(capital[0x451], 0x401);   /* ё */
    CHECK_U64(capital[0x1EA1], 0x1EA0); /* ạ */
    CHECK_U64(capital[0xFF41], 0xFF21); /* fullwidth a */
    CHECK_U64(capital[0x4E2D], 0x4E2D); /* 中 */
    CHECK_U64(capital[0xFFFF], 0xFFFF);
    /* No capital is itself a small letter mapped elsewhere. */
    for (uint32_t c = 0; c < 0x10000; c++) CHECK_U64(capital[capital[c]], capital[c]);
out:
    free(table);
    free(capital);
}

/* A drive in memory: its first `held` bytes kept, writes past them allowed only as zeros
 * in the drive's last MiB. */
typedef struct memory_drive {
    uint8_t *bytes;
    uint64_t held, size;
    uint64_t last_offset;   /* of the last write */
    size_t largest;         /* the largest write */
    int stray;              /* writes outside what is held but not zeros in the tail */
} memory_drive;

static di_status memory_write(void *ctx, uint64_t offset, const void *buf, size_t len,
                              di_error *error)
{
    (void)error;
    memory_drive *d = ctx;
    const uint8_t *p = buf;
    d->last_offset = offset;
    if (len > d->largest) d->largest = len;
    for (size_t i = 0; i < len; i++) {
        uint64_t at = offset + i;
        if (at < d->held)
            d->bytes[at] = p[i];
        else if (p[i] != 0 || at < d->size - MIB || at >= d->size)
            d->stray++;
    }
    return DI_OK;
}

static uint32_t region_checksum(const uint8_t *region, uint32_t ss)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < 11 * ss; i++)
        if (i != 106 && i != 107 && i != 112) sum = di_card_exfat_checksum_add(sum, region[i]);
    return sum;
}

/* Writes the exFAT layout of bytes with sector-byte sectors into memory (up to a
 * cluster past the root directory's kept, garbage there before) and checks every
 * structure. */
static void exfat_written(uint64_t bytes, uint32_t sector, const char *label, const char *want)
{
    di_card_layout l = plan(bytes, sector, DI_CARD_FS_EXFAT, label);
    uint64_t held = ((uint64_t)l.partition_start + l.heap_offset) * sector +
                    (uint64_t)l.root_cluster * l.cluster_sectors * sector;
    memory_drive d = {malloc(held), held, bytes, 1, 0, 0};
    CHECK(d.bytes != NULL);
    if (!d.bytes) return;
    memset(d.bytes, 0xA5, d.held);   /* what an image left */
    di_error error;
    CHECK_U64(di_card_write(&l, memory_write, &d, &error), DI_OK);
    CHECK_U64(d.stray, 0);
    CHECK_U64(d.last_offset, 0);                  /* the MBR last */
    CHECK(d.largest <= DI_CARD_ZERO_CHUNK);       /* bounded memory */
    const uint32_t ss = sector;
    const uint8_t *mbr = d.bytes;
    const uint8_t *part = d.bytes + l.partition_start * ss;
    /* The MBR: one partition of type 0x07 at the planned start and size. */
    CHECK_U64(mbr[446 + 4], 0x07);
    CHECK_U64(di_le32(mbr + 446 + 8), l.partition_start);
    CHECK_U64(di_le32(mbr + 446 + 12), l.partition_sectors);
    CHECK_U64(di_le16(mbr + 510), 0xAA55);
    CHECK_U64(mbr[462 + 4], 0);                   /* no second partition */
    /* Nothing left of the image between the MBR and the partition. */
    for (uint64_t i = ss; i < l.partition_start * ss; i++)
        if (d.bytes[i] != 0) {
            CHECK_U64(i, 0);
            break;
        }
    /* The boot sector's fields. */
    CHECK(memcmp(part + 3, "EXFAT   ", 8) == 0);
    for (int i = 11; i < 64; i++) CHECK_U64(part[i], 0);
    CHECK_U64(di_le64(part + 64), l.partition_start);
    CHECK_U64(di_le64(part + 72), l.partition_sectors);
    CHECK_U64(di_le32(part + 80), l.fat_offset);
    CHECK_U64(di_le32(part + 84), l.fat_sectors);
    CHECK_U64(di_le32(part + 88), l.heap_offset);
    CHECK_U64(di_le32(part + 92), l.cluster_count);
    CHECK_U64(di_le32(part + 96), l.root_cluster);
    CHECK_U64(di_le32(part + 100), 1);            /* the volume id plan() gave */
    CHECK_U64(di_le16(part + 104), 0x0100);
    CHECK_U64(di_le16(part + 106), 0);
    CHECK_U64(1u << part[108], ss);
    CHECK_U64(1u << part[109], l.cluster_sectors);
    CHECK_U64(part[110], 1);
    CHECK_U64(part[111], 0x80);
    CHECK(part[112] <= 100);
    CHECK_U64(di_le16(part + 510), 0xAA55);
    /* Extended boot sectors end with their signature; the checksum sector repeats the
     * checksum of sectors 0 to 10; the backup region is the same 12 sectors. */
    for (uint32_t s = 1; s <= 8; s++) CHECK_U64(di_le32(part + (s + 1) * ss - 4), 0xAA550000u);
    uint32_t sum = region_checksum(part, ss);
    for (uint32_t i = 0; i < ss; i += 4) CHECK_U64(di_le32(part + 11 * ss + i), sum);
    CHECK(memcmp(part, part + 12 * ss, 12 * ss) == 0);
    /* The FAT: media, end mark, then the chains of the bitmap, the up-case table and
     * the root directory, each ended; free after them. */
    const uint8_t *fat = part + (uint64_t)l.fat_offset * ss;
    CHECK_U64(di_le32(fat), 0xFFFFFFF8u);
    CHECK_U64(di_le32(fat + 4), 0xFFFFFFFFu);
    uint32_t upcase_first = 2 + l.bitmap_clusters;
    for (uint32_t n = 2; n <= l.root_cluster; n++) {
        bool last = n == upcase_first - 1 || n == l.root_cluster - 1 || n == l.root_cluster;
        CHECK_U64(di_le32(fat + 4 * n), last ? 0xFFFFFFFFu : n + 1);
    }
    CHECK_U64(di_le32(fat + 4 * (l.root_cluster + 1)), 0);
    /* The bitmap: the clusters the metadata takes, in use; the rest free. */
    const uint64_t cluster_bytes = (uint64_t)l.cluster_sectors * ss;
    const uint8_t *heap = part + (uint64_t)l.heap_offset * ss;
    uint32_t used = l.root_cluster - 1;
    for (uint32_t bit = 0; bit < used + 16; bit++)
        CHECK_U64((heap[bit / 8] >> (bit % 8)) & 1, bit < used);
    /* The root directory: the label, the bitmap, the up-case table with its checksum. */
    const uint8_t *root = heap + (uint64_t)(l.root_cluster - 2) * cluster_bytes;
    size_t n = strlen(want);
    CHECK_U64(root[0], 0x83);
    CHECK_U64(root[1], n);
    for (size_t i = 0; i < n; i++) CHECK_U64(di_le16(root + 2 + 2 * i), (uint8_t)want[i]);
    CHECK_U64(root[32], 0x81);
    CHECK_U64(di_le32(root + 32 + 20), 2);
    CHECK_U64(di_le64(root + 32 + 24), ((uint64_t)l.cluster_count + 7) / 8);
    CHECK_U64(root[64], 0x82);
    CHECK_U64(di_le32(root + 64 + 20), upcase_first);
    CHECK_U64(di_le64(root + 64 + 24), l.upcase_bytes);
    const uint8_t *upcase = heap + (uint64_t)l.bitmap_clusters * cluster_bytes;
    uint32_t upcase_sum = 0;
    for (uint32_t i = 0; i < l.upcase_bytes; i++)
        upcase_sum = di_card_exfat_checksum_add(upcase_sum, upcase[i]);
    CHECK_U64(di_le32(root + 64 + 4), upcase_sum);
    /* The rest of the root directory (its end) and past the metadata: zeros. */
    for (uint64_t i = 96; i < cluster_bytes; i++)
        if (root[i] != 0) {
            CHECK_U64(i, 0);
            break;
        }
    free(d.bytes);
}

static void exfat_structures_as_written(void)
{
    exfat_written(64 * MIB, 512, NULL, "67MB");
    exfat_written(64 * MIB, 4096, "pi data", "PI DATA");
    exfat_written(1 * GIB, 4096, "BOOT", "BOOT");
    exfat_written(3 * GIB, 512, "ELEVEN CHAR", "ELEVEN CHAR");
}

/* A boot region checksum worked by hand: the boot sector's VolumeFlags and
 * PercentInUse are left out, so a mount marking the volume dirty keeps it valid. */
static void boot_checksum_leaves_out_the_changing_fields(void)
{
    di_card_layout l = plan(64 * MIB, 512, DI_CARD_FS_EXFAT, NULL);
    memory_drive d = {malloc(4 * MIB), 4 * MIB, 64 * MIB, 1, 0, 0};
    CHECK(d.bytes != NULL);
    if (!d.bytes) return;
    di_error error;
    CHECK_U64(di_card_write_exfat(&l, memory_write, &d, &error), DI_OK);
    uint8_t *part = d.bytes + l.partition_start * 512;
    uint32_t before = region_checksum(part, 512);
    part[106] ^= 0x02;   /* VolumeDirty */
    part[112] = 57;
    CHECK_U64(region_checksum(part, 512), before);
    part[100] ^= 1;      /* the serial number counts */
    CHECK(region_checksum(part, 512) != before);
    /* The checksum itself, by the specification's rotate-and-add, over one byte. */
    CHECK_U64(di_card_exfat_checksum_add(0, 0x41), 0x41);
    CHECK_U64(di_card_exfat_checksum_add(1, 0), 0x80000000u);
    CHECK_U64(di_card_exfat_checksum_add(0x80000000u, 2), 0x40000002u);
    free(d.bytes);
}

static void write_dispatches_on_the_file_system(void)
{
    di_card_layout l = plan(1 * GIB, 512, DI_CARD_FS_FAT32, NULL);
    memory_drive d = {malloc(4 * MIB), 4 * MIB, 1 * GIB, 1, 0, 0};
    CHECK(d.bytes != NULL);
    if (!d.bytes) return;
    di_error error;
    /* FAT32's root directory lies past the 4 MiB kept: only the MBR and the boot
     * sector are looked at. */
    d.held = l.partition_start * 512 + 512;
    CHECK_U64(di_card_write(&l, memory_write, &d, &error), DI_OK);
    CHECK_U64(d.bytes[446 + 4], 0x0C);
    CHECK(memcmp(d.bytes + l.partition_start * 512 + 82, "FAT32   ", 8) == 0);
    /* The exFAT writer refuses a layout not planned for exFAT, writing nothing. */
    d.last_offset = 1;
    CHECK_U64(di_card_write_exfat(&l, memory_write, &d, &error), DI_ERR_INTERNAL);
    CHECK_U64(d.last_offset, 1);
    free(d.bytes);
}

static const test_case tests[] = {
    {"sdhc_cards_follow_the_specification", sdhc_cards_follow_the_specification},
    {"sdxc_sizes_get_their_boundary_units", sdxc_sizes_get_their_boundary_units},
    {"small_and_odd_sizes_keep_fat32_valid", small_and_odd_sizes_keep_fat32_valid},
    {"labels", labels},
    {"refusals_say_why", refusals_say_why},
    {"sdxc_cards_get_the_specifications_exfat_layout", sdxc_cards_get_the_specifications_exfat_layout},
    {"exfat_when_asked_fits_every_size", exfat_when_asked_fits_every_size},
    {"upcase_table_maps_small_letters_to_capitals", upcase_table_maps_small_letters_to_capitals},
    {"exfat_structures_as_written", exfat_structures_as_written},
    {"boot_checksum_leaves_out_the_changing_fields", boot_checksum_leaves_out_the_changing_fields},
    {"write_dispatches_on_the_file_system", write_dispatches_on_the_file_system},
};
TEST_MAIN(tests)
