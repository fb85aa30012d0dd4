/* Restore's layout (card_layout.c) as a pure function: the SD specification's boundary
 * units and cluster sizes by capacity, the partition and the cluster heap on boundary
 * multiples, FATs large enough for every cluster, FAT32's cluster count, labels, and
 * each refusal. The layouts written are judged by fsck.fat, mtools and sfdisk in
 * card_format_test.sh. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "diskimager/card_format.h"

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
    /* Worded for the CLI with the size. */
    di_card_layout l;
    di_error error;
    char text[512];
    CHECK(di_card_layout_plan(10 * MIB, 512, DI_CARD_FS_AUTO, NULL, 1, &l, &error) != DI_OK);
    CHECK_CONTAINS(di_error_format(&error, text, sizeof text), "10485760 bytes");
    CHECK_CONTAINS(text, "64 MiB");
}

static const test_case tests[] = {
    {"sdhc_cards_follow_the_specification", sdhc_cards_follow_the_specification},
    {"sdxc_sizes_get_their_boundary_units", sdxc_sizes_get_their_boundary_units},
    {"small_and_odd_sizes_keep_fat32_valid", small_and_odd_sizes_keep_fat32_valid},
    {"labels", labels},
    {"refusals_say_why", refusals_say_why},
};
TEST_MAIN(tests)
