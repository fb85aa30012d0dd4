/* The FAT fields an OS changes when it mounts a card (src/core/fat_mount_marks.c), on
 * file systems built here byte by byte as mkfs.fat lays them out: FAT12, FAT16 and
 * FAT32, in an MBR (primary and logical), a GPT with 512- and 4096-byte sectors, or
 * alone (a superfloppy); every BPB rule broken once, and random data, give nothing.
 * Then Verify Only end to end on files: a card whose only differences are a mount's
 * fails as a mismatch that says so; one more byte anywhere else makes it an ordinary
 * mismatch at that byte; a Write's read-back tolerates nothing. */
#include <stdlib.h>

#include "check.h"
#include "core/fat_mount_marks.h"
#include "core/pipeline.h"
#include "diskimager/job.h"
#include "diskimager/crc32.h"
#include "diskimager/partitions.h"
#include "job_runner.h"
#include "test_files.h"

#define MiB (1024u * 1024u)

/* ---- building file systems ---- */

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

typedef struct fat_layout {
    unsigned bits;            /* 12, 16 or 32: which BPB, which FAT[0..1] */
    uint32_t bps, spc, reserved, fats, root_entries, total, fat_size, fsinfo;
    uint8_t media;
} fat_layout;

/* mkfs.fat -F 32 -S 512 -s 1 on 4 MiB: 8032 clusters, FATs of 64 sectors. */
static fat_layout fat32_layout(void)
{
    return (fat_layout){.bits = 32, .bps = 512, .spc = 1, .reserved = 32, .fats = 2,
                        .total = 8192, .fat_size = 64, .fsinfo = 1, .media = 0xF8};
}

/* mkfs.fat -F 16 on 16 MiB: 8167 clusters of 2 KiB. */
static fat_layout fat16_layout(void)
{
    return (fat_layout){.bits = 16, .bps = 512, .spc = 4, .reserved = 4, .fats = 2,
                        .root_entries = 512, .total = 32768, .fat_size = 32, .media = 0xF8};
}

/* A 1.44 MB floppy. */
static fat_layout fat12_layout(void)
{
    return (fat_layout){.bits = 12, .bps = 512, .spc = 1, .reserved = 1, .fats = 2,
                        .root_entries = 224, .total = 2880, .fat_size = 9, .media = 0xF0};
}

/* FAT32 with 4 KiB sectors (a 4Kn card): 1014 clusters, one-sector FATs. */
static fat_layout fat32_4k_layout(void)
{
    return (fat_layout){.bits = 32, .bps = 4096, .spc = 1, .reserved = 8, .fats = 2,
                        .total = 1024, .fat_size = 1, .fsinfo = 1, .media = 0xF8};
}

static uint64_t volume_bytes(const fat_layout *f)
{
    return (uint64_t)f->total * f->bps;
}

/* The boot sector, FSINFO and both FATs' first entries, as mkfs.fat writes them. */
static void make_fat(uint8_t *vol, const fat_layout *f, uint32_t hidden)
{
    uint8_t *b = vol;
    b[0] = 0xEB;
    b[1] = f->bits == 32 ? 0x58 : 0x3C;
    b[2] = 0x90;
    memcpy(b + 3, "mkfs.fat", 8);
    put16(b + 11, f->bps);
    b[13] = (uint8_t)f->spc;
    put16(b + 14, f->reserved);
    b[16] = (uint8_t)f->fats;
    put16(b + 17, f->root_entries);
    put16(b + 19, f->bits != 32 && f->total < 65536 ? f->total : 0);
    b[21] = f->media;
    put16(b + 22, f->bits == 32 ? 0 : f->fat_size);
    put16(b + 24, 32);
    put16(b + 26, 64);
    put32(b + 28, hidden);
    put32(b + 32, f->bits == 32 || f->total >= 65536 ? f->total : 0);
    if (f->bits == 32) {
        put32(b + 36, f->fat_size);
        put32(b + 44, 2);             /* root directory cluster */
        put16(b + 48, f->fsinfo);
        put16(b + 50, 6);             /* backup boot sector */
        b[64] = 0x80;
        b[66] = 0x29;
        put32(b + 67, 0x1234ABCD);
        memcpy(b + 71, "NO NAME    FAT32   ", 19);
        uint8_t *fsi = vol + (size_t)f->fsinfo * f->bps;
        put32(fsi, 0x41615252u);
        put32(fsi + 484, 0x61417272u);
        put32(fsi + 488, f->total - f->reserved - f->fats * f->fat_size - 1);
        put32(fsi + 492, 3);
        put32(fsi + 508, 0xAA550000u);
    } else {
        b[36] = f->bits == 12 ? 0x00 : 0x80;
        b[38] = 0x29;
        put32(b + 39, 0x1234ABCD);
        memcpy(b + 43, f->bits == 12 ? "NO NAME    FAT12   " : "NO NAME    FAT16   ", 19);
    }
    b[510] = 0x55;
    b[511] = 0xAA;
    for (uint32_t i = 0; i < f->fats; i++) {
        uint8_t *fat = vol + ((size_t)f->reserved + (size_t)i * f->fat_size) * f->bps;
        static const uint8_t fat12[] = {0, 0xFF, 0xFF};
        static const uint8_t fat16[] = {0, 0xFF, 0xFF, 0xFF};
        static const uint8_t fat32[] = {0, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0x0F,
                                        0xFF, 0xFF, 0xFF, 0x0F};
        if (f->bits == 12) memcpy(fat, fat12, sizeof fat12);
        if (f->bits == 16) memcpy(fat, fat16, sizeof fat16);
        if (f->bits == 32) memcpy(fat, fat32, sizeof fat32);
        fat[0] = f->media;
    }
}

/* What the marks of that volume must be, at base in the image. */
static size_t expected_marks(const fat_layout *f, uint64_t base, di_fat_mark *out)
{
    size_t n = 0;
    out[n++] = (di_fat_mark){base + (f->bits == 32 ? 0x41 : 0x25), 1, DI_FAT_MARK_STATE};
    if (f->bits == 32)
        out[n++] = (di_fat_mark){base + (uint64_t)f->fsinfo * f->bps + 488, 8, DI_FAT_MARK_FSINFO};
    if (f->bits != 12)
        for (uint32_t i = 0; i < f->fats; i++)
            out[n++] = (di_fat_mark){base + ((uint64_t)f->reserved + (uint64_t)i * f->fat_size) * f->bps +
                                         (f->bits == 32 ? 7 : 3),
                                     1, DI_FAT_MARK_FAT_FLAGS};
    return n;
}

static void put_mbr_entry(uint8_t *sector, int slot, uint8_t type, uint32_t first, uint32_t count)
{
    uint8_t *e = sector + 446 + slot * 16;
    e[4] = type;
    put32(e + 8, first);
    put32(e + 12, count);
    sector[510] = 0x55;
    sector[511] = 0xAA;
}

/* A protective MBR, a GPT header and 128 entries, the first partition given. */
static void make_gpt(uint8_t *disk, uint64_t disk_bytes, uint32_t ss, uint64_t first_lba,
                     uint64_t last_lba)
{
    uint64_t sectors = disk_bytes / ss;
    put_mbr_entry(disk, 0, 0xEE, 1, (uint32_t)(sectors - 1));
    uint8_t *entries = disk + 2 * (size_t)ss;
    memset(entries, 0, 128 * 128);
    static const uint8_t basic_data[16] = {0xA2, 0xA0, 0xD0, 0xEB, 0xE5, 0xB9, 0x33, 0x44,
                                           0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7};
    memcpy(entries, basic_data, 16);
    memset(entries + 16, 0x5A, 16);
    put64(entries + 32, first_lba);
    put64(entries + 40, last_lba);
    uint64_t table_sectors = (128 * 128 + ss - 1) / ss;
    uint8_t *h = disk + ss;
    memset(h, 0, ss);
    memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);
    put32(h + 12, 92);
    put64(h + 24, 1);
    put64(h + 32, sectors - 1);
    put64(h + 40, 2 + table_sectors);
    put64(h + 48, sectors - 2 - table_sectors);
    memset(h + 56, 0x33, 16);
    put64(h + 72, 2);
    put32(h + 80, 128);
    put32(h + 84, 128);
    put32(h + 88, di_crc32(entries, 128 * 128));
    put32(h + 16, di_crc32(h, 92));
}

/* ---- reading them ---- */

typedef struct memdisk {
    const uint8_t *bytes;
    uint64_t size;
    uint64_t furthest;  /* the end of the furthest read asked for */
    unsigned reads;
} memdisk;

static di_status read_mem(void *ctx, uint64_t offset, void *buf, size_t len, di_error *error)
{
    memdisk *d = ctx;
    d->reads++;
    if (offset + len > d->furthest) d->furthest = offset + len;
    if (offset > d->size || len > d->size - offset)
        return di_error_set(error, DI_ERR_READ, "read", "memdisk", 0, "beyond the end");
    memcpy(buf, d->bytes + offset, len);
    return DI_OK;
}

static di_fat_marks found;

static size_t find_marks(const uint8_t *bytes, uint64_t size, uint64_t limit)
{
    memdisk d = {.bytes = bytes, .size = size};
    di_fat_find_mount_marks(read_mem, &d, size, limit, &found);
    CHECK(d.furthest <= limit);
    CHECK(d.reads < 1000);
    return found.count;
}

static void check_marks(const di_fat_mark *want, size_t n)
{
    CHECK_U64(found.count, n);
    for (size_t i = 0; i < n && i < found.count; i++) {
        CHECK_U64(found.marks[i].offset, want[i].offset);
        CHECK_U64(found.marks[i].length, want[i].length);
        CHECK_U64(found.marks[i].kind, want[i].kind);
    }
}

/* An MBR disk with one FAT32 partition at 1 MiB: the image the engine tests use. */
static uint8_t *mbr_fat32_disk(uint64_t *size)
{
    fat_layout f = fat32_layout();
    *size = MiB + volume_bytes(&f);
    uint8_t *disk = calloc(1, *size);
    if (!disk) return NULL;
    put_mbr_entry(disk, 0, 0x0C, 2048, f.total);
    make_fat(disk + MiB, &f, 2048);
    return disk;
}

static void fat32_in_an_mbr(void)
{
    uint64_t size;
    uint8_t *disk = mbr_fat32_disk(&size);
    CHECK(disk != NULL);
    if (!disk) return;
    fat_layout f = fat32_layout();
    di_fat_mark want[8];
    size_t n = expected_marks(&f, MiB, want);
    CHECK_U64(n, 4);
    CHECK_U64(find_marks(disk, size, DI_FAT_MARKS_READ_LIMIT), 4);
    check_marks(want, n);
    CHECK_U64(found.volumes, 1);
    /* The numbers themselves, not only the same formula twice. */
    CHECK_U64(found.marks[0].offset, 1048576 + 0x41);
    CHECK_U64(found.marks[1].offset, 1048576 + 512 + 488);
    CHECK_U64(found.marks[2].offset, 1048576 + 32 * 512 + 7);
    CHECK_U64(found.marks[3].offset, 1048576 + 96 * 512 + 7);
    /* A partition whose boot sector lies beyond what is read gets none. */
    CHECK_U64(find_marks(disk, size, MiB), 0);
    CHECK_U64(find_marks(disk, size, MiB + 512), 0); /* boot sector, but no FAT in reach */
    free(disk);
}

static void fat32_and_fat16_in_an_mbr_listed_out_of_order(void)
{
    fat_layout f32 = fat32_layout(), f16 = fat16_layout();
    uint64_t at16 = 2 * MiB, at32 = at16 + volume_bytes(&f16);
    uint64_t size = at32 + volume_bytes(&f32);
    uint8_t *disk = calloc(1, size);
    CHECK(disk != NULL);
    if (!disk) return;
    /* The FAT32 one first in the table, though it comes second on the disk. */
    put_mbr_entry(disk, 0, 0x0C, (uint32_t)(at32 / 512), f32.total);
    put_mbr_entry(disk, 1, 0x0E, (uint32_t)(at16 / 512), f16.total);
    make_fat(disk + at32, &f32, (uint32_t)(at32 / 512));
    make_fat(disk + at16, &f16, (uint32_t)(at16 / 512));
    di_fat_mark want[16];
    size_t n = expected_marks(&f16, at16, want);
    CHECK_U64(n, 3);
    n += expected_marks(&f32, at32, want + n);
    CHECK_U64(find_marks(disk, size, DI_FAT_MARKS_READ_LIMIT), 7);
    check_marks(want, n);
    CHECK_U64(found.volumes, 2);
    CHECK_U64(found.marks[0].offset, 2 * MiB + 0x25);
    CHECK_U64(found.marks[1].offset, 2 * MiB + 4 * 512 + 3);
    CHECK_U64(found.marks[2].offset, 2 * MiB + 36 * 512 + 3);
    free(disk);
}

static void fat16_in_a_logical_partition(void)
{
    fat_layout f16 = fat16_layout();
    uint64_t ext = MiB, logical = ext + MiB; /* the EBR at 1 MiB, its partition 1 MiB on */
    uint64_t size = logical + volume_bytes(&f16);
    uint8_t *disk = calloc(1, size);
    CHECK(disk != NULL);
    if (!disk) return;
    put_mbr_entry(disk, 0, 0x05, (uint32_t)(ext / 512), (uint32_t)((size - ext) / 512));
    put_mbr_entry(disk + ext, 0, 0x0E, (uint32_t)((logical - ext) / 512), f16.total);
    make_fat(disk + logical, &f16, (uint32_t)(logical / 512));
    di_fat_mark want[8];
    size_t n = expected_marks(&f16, logical, want);
    CHECK_U64(find_marks(disk, size, DI_FAT_MARKS_READ_LIMIT), 3);
    check_marks(want, n);
    free(disk);
}

static void fat32_in_a_gpt_of_512_and_4096_byte_sectors(void)
{
    fat_layout f = fat32_layout();
    uint64_t size = MiB + volume_bytes(&f) + MiB;
    uint8_t *disk = calloc(1, size);
    CHECK(disk != NULL);
    if (!disk) return;
    make_gpt(disk, size, 512, 2048, 2048 + f.total - 1);
    make_fat(disk + MiB, &f, 2048);
    di_fat_mark want[8];
    size_t n = expected_marks(&f, MiB, want);
    CHECK_U64(find_marks(disk, size, DI_FAT_MARKS_READ_LIMIT), 4);
    check_marks(want, n);
    free(disk);

    /* A 4Kn disk: the table in 4 KiB sectors, the file system's sectors 4 KiB too. */
    fat_layout g = fat32_4k_layout();
    size = MiB + volume_bytes(&g) + MiB;
    disk = calloc(1, size);
    CHECK(disk != NULL);
    if (!disk) return;
    make_gpt(disk, size, 4096, 256, 256 + g.total - 1);
    make_fat(disk + MiB, &g, 256);
    n = expected_marks(&g, MiB, want);
    CHECK_U64(find_marks(disk, size, DI_FAT_MARKS_READ_LIMIT), 4);
    check_marks(want, n);
    CHECK_U64(found.marks[1].offset, MiB + 4096 + 488);
    CHECK_U64(found.marks[2].offset, MiB + 8 * 4096 + 7);
    /* A damaged GPT (its header's CRC) is no table: nothing. */
    disk[4096 + 40] ^= 1;
    CHECK_U64(find_marks(disk, size, DI_FAT_MARKS_READ_LIMIT), 0);
    free(disk);
}

static void superfloppies(void)
{
    fat_layout f12 = fat12_layout(), f32 = fat32_layout(), f16 = fat16_layout();
    const fat_layout *layouts[] = {&f12, &f16, &f32};
    for (size_t i = 0; i < 3; i++) {
        uint64_t size = volume_bytes(layouts[i]);
        uint8_t *vol = calloc(1, size);
        CHECK(vol != NULL);
        if (!vol) return;
        make_fat(vol, layouts[i], 0);
        di_fat_mark want[8];
        size_t n = expected_marks(layouts[i], 0, want);
        CHECK_U64(find_marks(vol, size, DI_FAT_MARKS_READ_LIMIT), n);
        check_marks(want, n);
        /* A volume larger than the image is not this image's. */
        CHECK_U64(find_marks(vol, size - 512, DI_FAT_MARKS_READ_LIMIT), 0);
        free(vol);
    }
    CHECK_U64(expected_marks(&f12, 0, (di_fat_mark[8]){0}), 1); /* FAT12: the state byte only */
}

/* Each rule of the BPB broken once: the volume is not trusted, nothing is tolerated. */
static void every_broken_rule_gives_nothing(void)
{
    typedef struct breakage {
        const char *what;
        size_t at;       /* in the volume */
        uint32_t value;
        unsigned width;  /* 1, 2 or 4 bytes */
        size_t marks;    /* what is left: 0, or fewer marks */
    } breakage;
    const breakage cases[] = {
        {"no jump", 0, 0x00, 1, 0},
        {"no signature", 510, 0x00, 1, 0},
        {"256-byte sectors", 11, 256, 2, 0},
        {"3000-byte sectors", 11, 3000, 2, 0},
        {"8192-byte sectors", 11, 8192, 2, 0},
        {"3 sectors per cluster", 13, 3, 1, 0},
        {"0 sectors per cluster", 13, 0, 1, 0},
        {"no reserved sectors", 14, 0, 2, 0},
        {"no FAT", 16, 0, 1, 0},
        {"3 FATs", 16, 3, 1, 0},
        {"media 0x12", 21, 0x12, 1, 0},
        {"a root directory on FAT32", 17, 512, 2, 0},
        {"16-bit total on FAT32", 19, 8192, 2, 0},
        {"FAT32 version 1", 42, 1, 2, 0},
        {"root cluster 0", 44, 0, 4, 0},
        {"FATs too small for the clusters", 36, 8, 4, 0},
        {"FATs larger than the volume", 36, 5000, 4, 0},
        {"more sectors than the partition", 32, 8193, 4, 0},
        {"FSINFO beyond the reserved sectors", 48, 32, 2, 0},
        {"FAT[0] not the media byte", 32 * 512, 0xF0, 1, 0},
        {"FAT[0] not ones above it", 32 * 512 + 2, 0x00, 1, 0},
        /* These leave the volume trusted, without one mark. */
        {"FSINFO's lead signature", 512, 0, 4, 3},
        {"FSINFO's trail signature", 512 + 508, 0, 4, 3},
        {"no extended boot signature", 66, 0, 1, 3},
        {"no FSINFO sector", 48, 0, 2, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t size;
        uint8_t *disk = mbr_fat32_disk(&size);
        CHECK(disk != NULL);
        if (!disk) return;
        uint8_t *p = disk + MiB + cases[i].at;
        if (cases[i].width == 1) p[0] = (uint8_t)cases[i].value;
        if (cases[i].width == 2) put16(p, cases[i].value);
        if (cases[i].width == 4) put32(p, cases[i].value);
        size_t n = find_marks(disk, size, DI_FAT_MARKS_READ_LIMIT);
        if (n != cases[i].marks)
            fprintf(stderr, "broken rule: %s gives %zu marks, expected %zu\n", cases[i].what,
                    n, cases[i].marks);
        CHECK_U64(n, cases[i].marks);
        free(disk);
    }
    /* FAT16: a root directory that does not fill whole sectors, none at all. */
    fat_layout g = fat16_layout();
    uint8_t *vol = calloc(1, volume_bytes(&g));
    CHECK(vol != NULL);
    if (!vol) return;
    make_fat(vol, &g, 0);
    CHECK_U64(find_marks(vol, volume_bytes(&g), DI_FAT_MARKS_READ_LIMIT), 3);
    put16(vol + 17, 500);
    CHECK_U64(find_marks(vol, volume_bytes(&g), DI_FAT_MARKS_READ_LIMIT), 0);
    put16(vol + 17, 0);
    CHECK_U64(find_marks(vol, volume_bytes(&g), DI_FAT_MARKS_READ_LIMIT), 0);
    free(vol);
}

static uint32_t next_random(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/* Random sectors, also dressed as boot sectors and as an MBR pointing at them. */
static void random_data_gives_nothing(void)
{
    const size_t size = 256 * 1024;
    uint8_t *disk = malloc(size);
    CHECK(disk != NULL);
    if (!disk) return;
    uint32_t seed = 0x2545F491u;
    size_t nonzero = 0;
    for (int round = 0; round < 1000; round++) {
        for (size_t i = 0; i < size; i++) disk[i] = (uint8_t)next_random(&seed);
        if (round % 3 >= 1) { /* a jump and a signature: the BPB must be read */
            disk[0] = 0xEB;
            disk[510] = 0x55;
            disk[511] = 0xAA;
        }
        if (round % 3 == 2) { /* an MBR with a partition at 64 KiB, random there too */
            memset(disk + 446, 0, 64);
            put_mbr_entry(disk, 0, 0x0C, 128, 256);
            disk[65536] = 0xEB;
            disk[65536 + 510] = 0x55;
            disk[65536 + 511] = 0xAA;
        }
        nonzero += find_marks(disk, size, DI_FAT_MARKS_READ_LIMIT) != 0;
    }
    CHECK_U64(nonzero, 0);

    /* A trusted volume with any one byte of its boot sector, FSINFO or FAT changed:
     * whatever is found stays inside the image, ascending, never overlapping. */
    uint64_t disk_size;
    uint8_t *good = mbr_fat32_disk(&disk_size);
    CHECK(good != NULL);
    if (!good) {
        free(disk);
        return;
    }
    static const size_t regions[] = {0, 512, 32 * 512};
    for (int round = 0; round < 20000; round++) {
        size_t at = MiB + regions[round % 3] + next_random(&seed) % 512;
        uint8_t was = good[at];
        good[at] = (uint8_t)next_random(&seed);
        find_marks(good, disk_size, DI_FAT_MARKS_READ_LIMIT);
        good[at] = was;
        CHECK(found.count <= 4);
        for (size_t i = 0; i < found.count; i++) {
            CHECK(found.marks[i].offset + found.marks[i].length <= disk_size);
            if (i) CHECK(found.marks[i].offset >= found.marks[i - 1].offset + found.marks[i - 1].length);
        }
    }
    free(good);
    free(disk);
}

/* ---- the pipeline's tolerated ranges ---- */

/* Two files differing at the given offsets, compared with ranges tolerated, every
 * chunk size from one sector up and 1 to 4 I/O threads. */
static void pipeline_tolerates_only_inside_the_ranges(void)
{
    const char *dir = test_dir("fat_marks");
    const char *a = test_path(dir, "pa.img"), *b = test_path(dir, "pb.img");
    const uint64_t size = 64 * 1024 + 100;
    /* One range across the boundary of 512-, 1024- and 4096-byte chunks. */
    const pl_range tolerated[] = {{1000, 8}, {4090, 12}, {20000, 1}};
    typedef struct change_set {
        uint64_t at[4];
        size_t count;
        bool mismatch, only_tolerated;
        uint64_t offset, tolerated_bytes;
    } change_set;
    const change_set sets[] = {
        {{0}, 0, false, false, 0, 0},
        {{1000, 1007, 4095, 4096}, 4, true, true, 1000, 4},
        {{20000}, 1, true, true, 20000, 1},
        {{4089}, 1, true, false, 4089, 0},           /* just before a range */
        {{4102}, 1, true, false, 4102, 0},           /* just after it */
        {{1003, 30000}, 2, true, false, 30000, 1},   /* the tolerated one comes first */
        {{40000, 4100}, 2, true, false, 40000, 1},
        {{size - 1}, 1, true, false, size - 1, 0},
    };
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        CHECK(make_random_file(a, size, 5));
        CHECK(make_random_file(b, size, 5));
        for (size_t i = 0; i < sets[s].count; i++) {
            uint8_t byte = 0;
            FILE *f = fopen(a, "rb");
            bool ok = f && fseek(f, (long)sets[s].at[i], SEEK_SET) == 0 && fread(&byte, 1, 1, f) == 1;
            if (f) fclose(f);
            CHECK(ok);
            byte ^= 0x5A;
            CHECK(write_bytes_at(b, sets[s].at[i], &byte, 1));
        }
        for (size_t chunk = 512; chunk <= 8192; chunk *= 2) {
            for (unsigned io = 1; io <= 4; io *= 2) {
                di_open_options read_only = {.mode = DI_OPEN_READ};
                di_device *da = NULL, *db = NULL;
                di_error error;
                di_error_clear(&error);
                bool opened = di_device_open(a, &read_only, &da, &error) == DI_OK &&
                              di_device_open(b, &read_only, &db, &error) == DI_OK;
                CHECK(opened);
                if (!opened) {
                    if (da) di_device_close(da);
                    return;
                }
                atomic_bool cancel;
                atomic_init(&cancel, false);
                di_progress_state progress;
                memset(&progress, 0, sizeof progress);
                di_progress_begin_phase(&progress, DI_PHASE_VERIFYING, size);
                pl_config cfg = {.source = da, .target = db, .mode = PL_TARGET_COMPARE,
                                 .length = size, .chunk_size = chunk, .chunk_count = 4,
                                 .io_threads = io, .cancel = &cancel, .progress = &progress,
                                 .tolerated = tolerated,
                                 .tolerated_count = sizeof tolerated / sizeof tolerated[0]};
                pl_outcome out;
                di_status st = pl_run(&cfg, &out, NULL);
                CHECK_U64(st, sets[s].mismatch ? DI_ERR_MISMATCH : DI_OK);
                CHECK_U64(out.mismatch, sets[s].mismatch);
                CHECK_U64(out.mismatch_offset, sets[s].offset);
                CHECK_U64(out.mismatch_tolerated, sets[s].only_tolerated);
                /* A pass stopped by another difference may not have seen them all. */
                if (sets[s].only_tolerated || !sets[s].mismatch)
                    CHECK_U64(out.tolerated_bytes, sets[s].tolerated_bytes);
                /* Without the ranges (a Write's read-back): the first byte stops it. */
                cfg.tolerated = NULL;
                st = pl_run(&cfg, &out, NULL);
                CHECK_U64(st, sets[s].mismatch ? DI_ERR_MISMATCH : DI_OK);
                CHECK(!out.mismatch_tolerated);
                if (sets[s].count) {
                    uint64_t first = sets[s].at[0];
                    for (size_t i = 1; i < sets[s].count; i++)
                        if (sets[s].at[i] < first) first = sets[s].at[i];
                    CHECK_U64(out.mismatch_offset, first);
                }
                di_device_close(da);
                di_device_close(db);
            }
        }
    }
}

/* ---- Verify Only end to end ---- */

static bool write_file(const char *path, const uint8_t *bytes, uint64_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(bytes, 1, (size_t)size, f) == size;
    return fclose(f) == 0 && ok;
}

/* The engine's image: an MBR, a FAT32 partition at 1 MiB, its clusters random data. */
static bool make_fat_image(const char *path, uint64_t *size)
{
    uint8_t *disk = mbr_fat32_disk(size);
    if (!disk) return false;
    fat_layout f = fat32_layout();
    uint64_t data = MiB + ((uint64_t)f.reserved + f.fats * f.fat_size) * f.bps;
    uint32_t seed = 99;
    for (uint64_t i = data; i < *size; i++) disk[i] = (uint8_t)next_random(&seed);
    bool ok = write_file(path, disk, *size);
    free(disk);
    return ok;
}

static bool copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    bool ok = in && out;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
    if (in) fclose(in);
    if (out && fclose(out) != 0) ok = false;
    return ok;
}

static bool poke(const char *path, uint64_t offset, uint8_t value)
{
    return write_bytes_at(path, offset, &value, 1);
}

/* Changes the byte at offset, whatever it was. */
static bool flip(const char *path, uint64_t offset)
{
    uint8_t byte = 0;
    FILE *f = fopen(path, "rb");
    bool ok = f && fseek(f, (long)offset, SEEK_SET) == 0 && fread(&byte, 1, 1, f) == 1;
    if (f) fclose(f);
    return ok && poke(path, offset, (uint8_t)(byte ^ 0xFF));
}

#define STATE_AT (MiB + 0x41)
#define FREE_COUNT_AT (MiB + 512 + 488)
#define NEXT_FREE_AT (MiB + 512 + 492)
#define FAT1_FLAGS_AT (MiB + 32 * 512 + 7)
#define FAT2_FLAGS_AT (MiB + 96 * 512 + 7)

static void verify(const char *image, const char *device, size_t buffer, unsigned io,
                   job_outcome *out)
{
    di_job_spec spec = {.kind = DI_JOB_VERIFY, .source_path = image, .target_path = device,
                        .buffer_size = buffer, .buffer_count = 4, .io_threads = io,
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5)};
    run_job(&spec, out);
}

static void verify_of_a_mounted_card(void)
{
    const char *dir = test_dir("fat_marks");
    const char *image = test_path(dir, "card.img"), *device = test_path(dir, "card.dev");
    uint64_t size = 0;
    CHECK(make_fat_image(image, &size));
    CHECK(copy_file(image, device));
    job_outcome out;

    /* Untouched: verified. */
    verify(image, device, MiB, 2, &out);
    CHECK_U64(out.result.status, DI_OK);
    CHECK(!out.result.mismatch_from_mount);

    /* Linux mounted it: the dirty flag set, the free count and next free cluster
     * rewritten. Windows too: FAT[1]'s clean-shutdown bit cleared in both FATs. */
    CHECK(poke(device, STATE_AT, 0x01));
    CHECK(poke(device, FREE_COUNT_AT, 0x17));
    CHECK(poke(device, NEXT_FREE_AT + 1, 0x02));
    CHECK(poke(device, FAT1_FLAGS_AT, 0x07));
    CHECK(poke(device, FAT2_FLAGS_AT, 0x07));
    for (size_t buffer = 4096; buffer <= 4 * MiB; buffer *= 32) {
        for (unsigned io = 1; io <= 4; io *= 4) {
            verify(image, device, buffer, io, &out);
            CHECK_U64(out.result.status, DI_ERR_MISMATCH);
            CHECK(out.result.mismatch);
            CHECK(out.result.mismatch_from_mount);
            CHECK_U64(out.result.mismatch_offset, STATE_AT);
            CHECK_CONTAINS(out.message, "at byte 1048641");
            CHECK_U64(out.threads_after, out.threads_before);
        }
    }

    /* One byte of a file's data too, after them: an ordinary mismatch at that byte. */
    uint64_t data_at = 3 * MiB + 5;
    CHECK(flip(device, data_at));
    for (unsigned io = 1; io <= 4; io *= 4) {
        verify(image, device, MiB, io, &out);
        CHECK_U64(out.result.status, DI_ERR_MISMATCH);
        CHECK(!out.result.mismatch_from_mount);
        CHECK_U64(out.result.mismatch_offset, data_at);
    }
    /* And one before them (the MBR's boot code): that one. */
    CHECK(flip(device, 100));
    verify(image, device, MiB, 2, &out);
    CHECK_U64(out.result.status, DI_ERR_MISMATCH);
    CHECK(!out.result.mismatch_from_mount);
    CHECK_U64(out.result.mismatch_offset, 100);

    /* The boot sector's other bytes are not tolerated: the volume label, say. */
    CHECK(copy_file(image, device));
    CHECK(poke(device, STATE_AT, 0x01));
    CHECK(poke(device, MiB + 71, 'X'));
    verify(image, device, MiB, 2, &out);
    CHECK_U64(out.result.status, DI_ERR_MISMATCH);
    CHECK(!out.result.mismatch_from_mount);
    CHECK_U64(out.result.mismatch_offset, MiB + 71);
}

/* The same card against the image compressed (gzip, made by a Read into .img.gz): the
 * image's head is decoded to find its boot sectors, then again from its start. */
static void verify_of_a_mounted_card_from_a_compressed_image(void)
{
    const char *dir = test_dir("fat_marks");
    const char *image = test_path(dir, "z.img"), *device = test_path(dir, "z.dev");
    const char *gz = test_path(dir, "z.img.gz");
    uint64_t size = 0;
    CHECK(make_fat_image(image, &size));
    remove_if_exists(gz);
    di_job_spec read = {.kind = DI_JOB_READ, .source_path = image, .target_path = gz};
    job_outcome out;
    CHECK_U64(run_job(&read, &out), DI_OK);
    CHECK(copy_file(image, device));
    verify(gz, device, MiB, 2, &out);
    CHECK_U64(out.result.status, DI_OK);
    CHECK(!out.progress_exceeded_total);
    CHECK(poke(device, STATE_AT, 0x01));
    CHECK(poke(device, FREE_COUNT_AT + 2, 0x7F));
    verify(gz, device, MiB, 2, &out);
    CHECK_U64(out.result.status, DI_ERR_MISMATCH);
    CHECK(out.result.mismatch_from_mount);
    CHECK_U64(out.result.mismatch_offset, STATE_AT);
    CHECK(!out.progress_exceeded_total);
    CHECK(flip(device, size - 2));
    verify(gz, device, MiB, 2, &out);
    CHECK_U64(out.result.status, DI_ERR_MISMATCH);
    CHECK(!out.result.mismatch_from_mount);
    CHECK_U64(out.result.mismatch_offset, size - 2);
}

/* A device whose reads come back with the dirty flag set: a card a mount changed
 * between a Write and its read-back cannot be; that must stay a plain mismatch. */
typedef struct flipping_device {
    di_device base;
    di_device *inner;
} flipping_device;

static di_status flip_read_at(di_device *dev, void *buf, size_t len, uint64_t offset,
                              size_t *done, di_error *error)
{
    flipping_device *fd = (flipping_device *)dev;
    di_status st = fd->inner->ops->read_at(fd->inner, buf, len, offset, done, error);
    if (st == DI_OK && offset <= STATE_AT && STATE_AT < offset + *done)
        ((uint8_t *)buf)[STATE_AT - offset] |= 0x01;
    return st;
}

static di_status flip_write_at(di_device *dev, const void *buf, size_t len, uint64_t offset,
                               size_t *done, di_error *error)
{
    flipping_device *fd = (flipping_device *)dev;
    return fd->inner->ops->write_at(fd->inner, buf, len, offset, done, error);
}

static di_status flip_flush(di_device *dev, di_error *error)
{
    flipping_device *fd = (flipping_device *)dev;
    return fd->inner->ops->flush(fd->inner, error);
}

static void flip_close(di_device *dev)
{
    di_device_close(((flipping_device *)dev)->inner);
    free(dev);
}

static const di_device_ops flip_ops = {
    .read_at = flip_read_at, .write_at = flip_write_at, .flush = flip_flush, .close = flip_close};

static di_device *flip_wrap(di_device *inner, di_role role, void *ctx)
{
    di_role flipped = *(const di_role *)ctx;
    if (role != flipped) return inner;
    flipping_device *fd = calloc(1, sizeof *fd);
    if (!fd) return NULL;
    fd->base = *inner;
    fd->base.ops = &flip_ops;
    fd->inner = inner;
    return &fd->base;
}

static void write_read_back_tolerates_nothing(void)
{
    const char *dir = test_dir("fat_marks");
    const char *image = test_path(dir, "w.img"), *device = test_path(dir, "w.dev");
    uint64_t size = 0;
    CHECK(make_fat_image(image, &size));
    remove_if_exists(device);
    di_role role = DI_ROLE_READBACK;
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = device,
                        .verify_after_write = true, .buffer_size = MiB, .wrap = flip_wrap,
                        .wrap_ctx = &role};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_ERR_MISMATCH);
    CHECK(!out.result.mismatch_from_mount);
    CHECK_U64(out.result.mismatch_offset, STATE_AT);
    CHECK(!out.result.verified);
    /* The same device seen by Verify Only: a mount's mark. */
    role = DI_ROLE_TARGET;
    di_job_spec check = {.kind = DI_JOB_VERIFY, .source_path = image, .target_path = device,
                         .buffer_size = MiB, .wrap = flip_wrap, .wrap_ctx = &role};
    CHECK_U64(run_job(&check, &out), DI_ERR_MISMATCH);
    CHECK(out.result.mismatch_from_mount);
    CHECK_U64(out.result.mismatch_offset, STATE_AT);
}

static const test_case tests[] = {
    {"fat32_in_an_mbr", fat32_in_an_mbr},
    {"fat32_and_fat16_in_an_mbr_listed_out_of_order", fat32_and_fat16_in_an_mbr_listed_out_of_order},
    {"fat16_in_a_logical_partition", fat16_in_a_logical_partition},
    {"fat32_in_a_gpt_of_512_and_4096_byte_sectors", fat32_in_a_gpt_of_512_and_4096_byte_sectors},
    {"superfloppies", superfloppies},
    {"every_broken_rule_gives_nothing", every_broken_rule_gives_nothing},
    {"random_data_gives_nothing", random_data_gives_nothing},
    {"pipeline_tolerates_only_inside_the_ranges", pipeline_tolerates_only_inside_the_ranges},
    {"verify_of_a_mounted_card", verify_of_a_mounted_card},
    {"verify_of_a_mounted_card_from_a_compressed_image", verify_of_a_mounted_card_from_a_compressed_image},
    {"write_read_back_tolerates_nothing", write_read_back_tolerates_nothing},
};

TEST_MAIN(tests)
