/* A Read's own bmap (issue 15): the maker against a map computed here block by block
 * (ranges and each range's SHA-256), whatever pieces the bytes arrive in; its text read
 * back by our strict parser, which checks the file's own checksum; a bmap too long for
 * its ranges stretched, still correct; the sparse output leaving every zero block
 * unwritten; and READ jobs with make_bmap: the image's bytes, the bmap beside it (the
 * inner name for a compressed one), holes where the image is zero (Linux), a Write with
 * that bmap writing only its ranges, and no bmap left by a failed or cancelled read. */
#ifndef _WIN32
#define _GNU_SOURCE /* SEEK_DATA */
#endif
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diskimager/bmap.h"
#include "diskimager/device.h"
#include "diskimager/job.h"
#include "fault_device.h"
#include "job_runner.h"
#include "test_files.h"

#ifndef _WIN32
#include <fcntl.h>
#include <unistd.h>
#endif

#define BLOCK DI_BMAP_BLOCK_SIZE
#define MiB (1024ull * 1024ull)

/* ---- images in memory, and their map computed the plain way ---- */

typedef struct ref_range {
    uint64_t first, last;
    char hex[DI_HASH_HEX_MAX];
} ref_range;

static bool block_has_data(const unsigned char *image, size_t size, uint64_t block)
{
    size_t start = (size_t)block * BLOCK, end = start + BLOCK < size ? start + BLOCK : size;
    for (size_t i = start; i < end; i++)
        if (image[i]) return true;
    return false;
}

/* The map of image: its runs of blocks holding data, each with its SHA-256. */
static size_t reference_map(const unsigned char *image, size_t size, ref_range *out, size_t max)
{
    uint64_t blocks = (size + BLOCK - 1) / BLOCK;
    size_t count = 0;
    for (uint64_t b = 0; b < blocks; b++) {
        if (!block_has_data(image, size, b)) continue;
        uint64_t last = b;
        while (last + 1 < blocks && block_has_data(image, size, last + 1)) last++;
        if (count < max) {
            ref_range *r = &out[count];
            r->first = b;
            r->last = last;
            size_t start = (size_t)b * BLOCK;
            size_t end = (size_t)(last + 1) * BLOCK < size ? (size_t)(last + 1) * BLOCK : size;
            di_hasher *h = di_hasher_new(DI_HASH_SHA256);
            di_hasher_update(h, image + start, end - start);
            di_hasher_final_hex(h, r->hex);
            di_hasher_free(h);
        }
        count++;
        b = last;
    }
    return count;
}

static void hex_of(const unsigned char *digest, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[2 * n] = '\0';
}

/* The parsed bmap says what the reference says. */
static bool map_is(const di_bmap *b, const unsigned char *image, size_t size)
{
    enum { MAX = 4096 };
    ref_range *ref = calloc(MAX, sizeof *ref);
    size_t count = reference_map(image, size, ref, MAX);
    bool ok = b->image_size == size && b->block_size == BLOCK &&
              b->blocks_count == (size + BLOCK - 1) / BLOCK &&
              (b->has_checksums || count == 0) &&
              b->checksum_alg == DI_HASH_SHA256 && b->range_count == count;
    uint64_t mapped = 0;
    for (size_t i = 0; ok && i < count; i++) {
        char hex[DI_HASH_HEX_MAX];
        hex_of(b->ranges[i].digest, 32, hex);
        ok = b->ranges[i].first == ref[i].first && b->ranges[i].last == ref[i].last &&
             strcmp(hex, ref[i].hex) == 0;
        mapped += ref[i].last - ref[i].first + 1;
        if (!ok)
            fprintf(stderr, "  range %zu: %llu-%llu %s, expected %llu-%llu %s\n", i,
                    (unsigned long long)b->ranges[i].first, (unsigned long long)b->ranges[i].last,
                    hex, (unsigned long long)ref[i].first, (unsigned long long)ref[i].last,
                    ref[i].hex);
    }
    ok = ok && b->mapped_blocks == mapped;
    if (!ok && b->range_count != count)
        fprintf(stderr, "  %zu ranges, expected %zu\n", b->range_count, count);
    free(ref);
    return ok;
}

/* The maker's text for image, given in pieces of `piece` bytes (0: all at once). */
static char *make_text(const unsigned char *image, size_t size, size_t piece, size_t *len)
{
    di_bmap_maker *m = di_bmap_maker_new();
    for (size_t at = 0; at < size;) {
        size_t n = piece && size - at > piece ? piece : size - at;
        CHECK(di_bmap_maker_add(m, image + at, n));
        at += n;
    }
    char *text = NULL;
    CHECK(di_bmap_maker_finish(m, &text, len));
    CHECK_U64(di_bmap_maker_image_size(m), size);
    di_bmap_maker_free(m);
    return text;
}

typedef struct pattern {
    const char *name;
    size_t size;
    void (*fill)(unsigned char *image, size_t size);
} pattern;

static void fill_none(unsigned char *image, size_t size)
{
    (void)image;
    (void)size;
}

static void fill_all(unsigned char *image, size_t size)
{
    for (size_t i = 0; i < size; i++) image[i] = (unsigned char)(i * 7 + 1) | 1;
}

/* Data, holes and the hard cases: a block whose only byte is its first or its last, a
 * block that begins with zeros, single blocks, runs, a partial last block. */
static void fill_mixed(unsigned char *image, size_t size)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < size; i++) {
        size_t block = i / BLOCK, at = i % BLOCK;
        bool data = block % 7 == 0 || block % 7 == 1 || block % 11 == 5 || block == 20 ||
                    (block % 13 == 9 && at >= BLOCK - 100);
        if (block % 17 == 3) data = at == 0;
        if (block % 19 == 4) data = at == BLOCK - 1;
        x = x * 1103515245u + 12345u;
        image[i] = data ? (unsigned char)((x >> 16) | 1) : 0;
    }
}

static void fill_tail(unsigned char *image, size_t size)
{
    image[size - 1] = 0x5a; /* only the image's last byte */
}

static void fill_head(unsigned char *image, size_t size)
{
    (void)size;
    image[0] = 0xeb;
}

static const pattern patterns[] = {
    {"zeros", 64 * BLOCK, fill_none},
    {"all data", 20 * BLOCK + 300, fill_all},
    {"mixed", 200 * BLOCK, fill_mixed},
    {"mixed, partial last block", 200 * BLOCK + 1234, fill_mixed},
    {"mixed, 512-byte sectors", 100 * BLOCK + 512 * 5, fill_mixed},
    {"last byte only", 33 * BLOCK + 7, fill_tail},
    {"first byte only", 5 * BLOCK, fill_head},
    {"one byte", 1, fill_all},
    {"less than a block", BLOCK - 1, fill_mixed},
};

static void maps_as_computed_block_by_block(void)
{
    static const size_t pieces[] = {0, 1, 511, 1000, BLOCK, BLOCK + 1, 3 * BLOCK - 5, MiB};
    for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
        const pattern *pat = &patterns[p];
        unsigned char *image = calloc(1, pat->size);
        pat->fill(image, pat->size);
        size_t len0 = 0;
        char *first = make_text(image, pat->size, 0, &len0);
        di_bmap b;
        di_error e;
        di_error_clear(&e);
        if (di_bmap_parse(first, len0, "made.bmap", &b, &e) != DI_OK) {
            check_failures++;
            fprintf(stderr, "%s: our own bmap refused: reason %d at %llu\n", pat->name,
                    (int)e.reason, (unsigned long long)e.offset);
        } else {
            if (!map_is(&b, image, pat->size)) {
                check_failures++;
                fprintf(stderr, "%s: the map differs\n", pat->name);
            }
            di_bmap_free(&b);
        }
        /* The same text whatever pieces the bytes come in. */
        for (size_t i = 1; i < sizeof pieces / sizeof pieces[0]; i++) {
            size_t len = 0;
            char *text = make_text(image, pat->size, pieces[i], &len);
            if (len != len0 || memcmp(text, first, len) != 0) {
                check_failures++;
                fprintf(stderr, "%s: pieces of %zu give another text\n", pat->name, pieces[i]);
            }
            free(text);
        }
        free(first);
        free(image);
    }
}

/* bmaptool's rule: the SHA-256 of the file with the value written as 64 zeros. */
static void checks_its_own_checksum(void)
{
    unsigned char *image = calloc(1, 50 * BLOCK);
    fill_mixed(image, 50 * BLOCK);
    size_t len = 0;
    char *text = make_text(image, 50 * BLOCK, 0, &len);
    const char *open = strstr(text, "<BmapFileChecksum> ");
    CHECK(open != NULL);
    if (!open) return;
    open += strlen("<BmapFileChecksum> ");
    char stored[65];
    memcpy(stored, open, 64);
    stored[64] = '\0';
    char *zeroed = malloc(len);
    memcpy(zeroed, text, len);
    memset(zeroed + (open - text), '0', 64);
    di_hasher *h = di_hasher_new(DI_HASH_SHA256);
    char hex[DI_HASH_HEX_MAX];
    di_hasher_update(h, zeroed, len);
    di_hasher_final_hex(h, hex);
    di_hasher_free(h);
    CHECK_STR(stored, hex);
    CHECK(strstr(text, "<bmap version=\"2.0\">") != NULL);
    CHECK(strstr(text, "<ChecksumType> sha256 </ChecksumType>") != NULL);
    /* A byte changed anywhere: our parser (as bmaptool) says the file is damaged. */
    char *p = strstr(text, "<Range chksum=\"");
    CHECK(p != NULL);
    if (p) {
        p += strlen("<Range chksum=\"");
        *p = *p == 'a' ? 'b' : 'a';
        di_bmap b;
        di_error e;
        di_error_clear(&e);
        CHECK_U64(di_bmap_parse(text, len, "made.bmap", &b, &e), DI_ERR_USAGE);
        CHECK_U64(e.reason, DI_REASON_BMAP_FILE_DAMAGED);
    }
    free(zeroed);
    free(text);
    free(image);
}

/* More ranges than a map keeps: the last one runs to the end, and the file is still
 * correct (its zero blocks mapped with their checksum) and within the parser's bounds. */
static void stretches_the_last_range_past_its_bound(void)
{
    di_bmap_maker *m = di_bmap_maker_new();
    unsigned char pair[2 * BLOCK];
    memset(pair, 0, sizeof pair);
    for (size_t i = 0; i < BLOCK; i++) pair[i] = (unsigned char)(i | 1);
    uint64_t pairs = DI_BMAP_MAKE_RANGES_MAX + 10;
    di_hasher *tail = di_hasher_new(DI_HASH_SHA256);
    for (uint64_t i = 0; i < pairs; i++) {
        CHECK(di_bmap_maker_add(m, pair, sizeof pair));
        /* The stretched range begins at the last pair that opens a range. */
        if (i >= DI_BMAP_MAKE_RANGES_MAX - 1) di_hasher_update(tail, pair, sizeof pair);
    }
    char expected_tail[DI_HASH_HEX_MAX];
    di_hasher_final_hex(tail, expected_tail);
    di_hasher_free(tail);
    char *text = NULL;
    size_t len = 0;
    CHECK(di_bmap_maker_finish(m, &text, &len));
    CHECK(di_bmap_maker_stretched(m));
    CHECK_U64(di_bmap_maker_range_count(m), DI_BMAP_MAKE_RANGES_MAX);
    CHECK(len <= DI_BMAP_FILE_MAX);
    di_bmap b;
    di_error e;
    di_error_clear(&e);
    CHECK_U64(di_bmap_parse(text, len, "many.bmap", &b, &e), DI_OK);
    if (b.range_count == DI_BMAP_MAKE_RANGES_MAX) {
        const di_bmap_range *last = &b.ranges[b.range_count - 1];
        CHECK_U64(last->first, 2 * (uint64_t)(DI_BMAP_MAKE_RANGES_MAX - 1));
        CHECK_U64(last->last, 2 * pairs - 1);
        char hex[DI_HASH_HEX_MAX];
        hex_of(last->digest, 32, hex);
        CHECK_STR(hex, expected_tail);
        CHECK_U64(b.ranges[0].first, 0);
        CHECK_U64(b.ranges[0].last, 0);
        CHECK_U64(b.mapped_blocks, (DI_BMAP_MAKE_RANGES_MAX - 1) + (last->last - last->first + 1));
    }
    di_bmap_free(&b);
    free(text);
    di_bmap_maker_free(m);
}

static void names_the_bmap_after_the_image_inside(void)
{
    char out[256];
    di_bmap_path_for_image("pi.img", out, sizeof out);
    CHECK_STR(out, "pi.img.bmap");
    di_bmap_path_for_image("dir/pi.img.xz", out, sizeof out);
    CHECK_STR(out, "dir/pi.img.bmap");
    di_bmap_path_for_image("card.gz", out, sizeof out);
    CHECK_STR(out, "card.bmap");
    di_bmap_path_for_image("backup.IMG.ZST", out, sizeof out);
    CHECK_STR(out, "backup.IMG.bmap");
    di_bmap_path_for_image("card", out, sizeof out);
    CHECK_STR(out, "card.bmap");
}

/* ---- the sparse output, over a device in memory that records what it was given ---- */

typedef struct mem_device {
    di_device base;
    unsigned char *data, *touched;
    size_t room;
    unsigned writes;
} mem_device;

static di_status mem_read_at(di_device *dev, void *buf, size_t len, uint64_t offset,
                             size_t *done, di_error *error)
{
    (void)error;
    mem_device *m = (mem_device *)dev;
    size_t n = offset >= dev->size ? 0 : (size_t)(dev->size - offset) < len ? (size_t)(dev->size - offset) : len;
    memcpy(buf, m->data + offset, n);
    *done = n;
    return DI_OK;
}

static di_status mem_write_at(di_device *dev, const void *buf, size_t len, uint64_t offset,
                              size_t *done, di_error *error)
{
    (void)error;
    mem_device *m = (mem_device *)dev;
    /* Half of every request of more than a block, as a short write would. */
    if (len > BLOCK && m->writes % 2) len = len / 2;
    memcpy(m->data + offset, buf, len);
    memset(m->touched + offset, 1, len);
    if (offset + len > dev->size) dev->size = offset + len;
    m->writes++;
    *done = len;
    return DI_OK;
}

static di_status mem_flush(di_device *dev, di_error *error)
{
    (void)dev;
    (void)error;
    return DI_OK;
}

static di_status mem_set_size(di_device *dev, uint64_t size, di_error *error)
{
    (void)error;
    dev->size = size;
    return DI_OK;
}

static void mem_close(di_device *dev)
{
    (void)dev; /* the test owns it */
}

static const di_device_ops mem_ops = {
    .read_at = mem_read_at, .write_at = mem_write_at, .flush = mem_flush,
    .close = mem_close, .set_size = mem_set_size,
};

static void sparse_output_writes_only_blocks_with_data(void)
{
    size_t size = 150 * BLOCK + 700;
    unsigned char *image = calloc(1, size);
    fill_mixed(image, size);
    /* Chunks of several sizes (some not on block boundaries), written last to first as
     * several I/O threads may. */
    static const size_t chunks[] = {BLOCK, 1024, 3 * BLOCK + 512, 64 * 1024};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        mem_device mem = {.base = {.ops = &mem_ops, .kind = DI_DEVICE_FILE,
                                   .sector_size = DI_FILE_SECTOR_SIZE, .parallel_io = 1}};
        snprintf(mem.base.path, sizeof mem.base.path, "mem");
        mem.room = size;
        mem.data = calloc(1, size);
        mem.touched = calloc(1, size);
        di_device *sparse = di_sparse_output_wrap(&mem.base);
        CHECK(sparse != NULL);
        if (!sparse) return;
        CHECK_STR(sparse->path, "mem");
        CHECK_U64(sparse->kind, DI_DEVICE_FILE);
        di_error e;
        di_error_clear(&e);
        size_t count = (size + chunks[c] - 1) / chunks[c];
        for (size_t i = count; i-- > 0;) {
            size_t at = i * chunks[c], n = size - at < chunks[c] ? size - at : chunks[c];
            CHECK_U64(di_device_write_full(sparse, image + at, n, at, &e), DI_OK);
        }
        CHECK_U64(sparse->ops->set_size(sparse, size, &e), DI_OK);
        CHECK_U64(mem.base.size, size);
        CHECK(memcmp(mem.data, image, size) == 0);
        unsigned zero_blocks = 0, touched_zero_blocks = 0, untouched_data = 0;
        for (uint64_t b = 0; b < (size + BLOCK - 1) / BLOCK; b++) {
            size_t start = (size_t)b * BLOCK, end = start + BLOCK < size ? start + BLOCK : size;
            bool touched = false;
            for (size_t i = start; i < end; i++) {
                touched |= mem.touched[i];
                if (image[i] && !mem.touched[i]) untouched_data++;
            }
            if (!block_has_data(image, size, b)) {
                zero_blocks++;
                touched_zero_blocks += touched;
            }
        }
        CHECK(zero_blocks > 50);
        CHECK_U64(touched_zero_blocks, 0);
        CHECK_U64(untouched_data, 0);
        sparse->ops->close(sparse);
        free(mem.data);
        free(mem.touched);
    }
    free(image);
}

/* ---- READ jobs with make_bmap ---- */

/* A 24 MiB + 3 KiB drive (a file): data at its head, at 5 MiB, a few blocks at 20 MiB,
 * its last bytes; zeros elsewhere. */
#define DRIVE_SIZE (24 * MiB + 3072)
static const char *make_drive(const char *dir)
{
    const char *drive = test_path(dir, "drive.bin");
    CHECK(make_sparse_file(drive, DRIVE_SIZE));
    unsigned char *data = malloc(MiB);
    for (size_t i = 0; i < MiB; i++) data[i] = (unsigned char)(i * 31 + 7) | 1;
    CHECK(write_bytes_at(drive, 0, data, 200000));
    CHECK(write_bytes_at(drive, 5 * MiB, data, MiB));
    CHECK(write_bytes_at(drive, 20 * MiB + 3 * BLOCK, data, 3 * BLOCK));
    CHECK(write_bytes_at(drive, 20 * MiB + 9 * BLOCK + 100, data, 1)); /* one byte */
    CHECK(write_bytes_at(drive, DRIVE_SIZE - 10, data, 10));
    free(data);
    return drive;
}

static unsigned char *load(const char *path, size_t size)
{
    unsigned char *buf = malloc(size ? size : 1);
    CHECK(read_bytes_at(path, 0, buf, size));
    return buf;
}

static di_status read_job(const char *drive, const char *image, bool make_bmap, bool keep,
                          fault_plan *plan, job_outcome *out)
{
    di_job_spec spec = {.kind = DI_JOB_READ, .source_path = drive, .target_path = image,
                        .make_bmap = make_bmap, .keep_partial = keep,
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .buffer_size = MiB,
                        .wrap = plan ? fault_wrap : NULL, .wrap_ctx = plan};
    return run_job(&spec, out);
}

/* With the holes a Linux file system keeps: each block of the image a hole exactly
 * where it holds only zeros. */
static bool holes_are_the_zero_blocks(const char *path, const unsigned char *image, size_t size)
{
#ifdef _WIN32
    (void)path, (void)image, (void)size;
    return true; /* the Windows build runs under Wine: bmap_make_test.sh looks at the file */
#else
    int fd = open(path, O_RDONLY);
    if (fd < 0) return false;
    bool ok = true;
    for (uint64_t b = 0; ok && b < (size + BLOCK - 1) / BLOCK; b++) {
        off_t data = lseek(fd, (off_t)(b * BLOCK), SEEK_DATA);
        bool allocated = data >= 0 && (uint64_t)data < (b + 1) * BLOCK && (uint64_t)data < size;
        if (allocated != block_has_data(image, size, b)) {
            fprintf(stderr, "  block %llu: %s, holding %s\n", (unsigned long long)b,
                    allocated ? "allocated" : "a hole",
                    block_has_data(image, size, b) ? "data" : "zeros");
            ok = false;
        }
    }
    close(fd);
    return ok;
#endif
}

/* A READ with make_bmap of the drive made in dir into image_name: the bmap named
 * bmap_name beside it, mapping the drive's bytes (returned, the caller frees them). */
static unsigned char *read_with_bmap(const char *dir, const char *image_name,
                                     const char *bmap_name, char image[256], char bmap[256],
                                     job_outcome *out)
{
    const char *drive = make_drive(dir);
    snprintf(image, 256, "%s", test_path(dir, image_name));
    snprintf(bmap, 256, "%s", test_path(dir, bmap_name));
    remove_if_exists(bmap);
    CHECK_U64(read_job(drive, image, true, false, NULL, out), DI_OK);
    CHECK_STR(out->result.bmap_made, bmap);
    unsigned char *bytes = load(drive, DRIVE_SIZE);
    di_bmap b;
    di_error e;
    di_error_clear(&e);
    CHECK_U64(di_bmap_load(bmap, &b, &e), DI_OK);
    CHECK(map_is(&b, bytes, DRIVE_SIZE));
    di_bmap_free(&b);
    return bytes;
}

static void read_writes_the_image_and_its_bmap(void)
{
    const char *dir = test_dir("bmap-make");
    char image[256], bmap[256];
    job_outcome out;
    unsigned char *bytes = read_with_bmap(dir, "card.img", "card.img.bmap", image, bmap, &out);
    const char *drive = test_path(dir, "drive.bin");
    CHECK(files_equal_prefix(drive, image, DRIVE_SIZE));
    CHECK_U64(file_size_of(image), DRIVE_SIZE);
    CHECK(out.result.sparse_image);
    CHECK_U64(out.result.bmap_mapped_bytes, (200000 / BLOCK + 1 + 256 + 3 + 1 + 1) * BLOCK - (BLOCK - 3072));
    CHECK(holes_are_the_zero_blocks(image, bytes, DRIVE_SIZE));
    char md5[DI_HASH_HEX_MAX];
    CHECK(reference_hash(drive, DI_HASH_MD5, UINT64_MAX, md5));
    CHECK_STR(out.result.hashes[DI_HASH_MD5], md5);

    /* A Write with that bmap to a drive (the file shown as one) writes its ranges only:
     * the rest of the drive keeps what it held. */
    const char *target = test_path(dir, "target.bin");
    unsigned char *fill = malloc(DRIVE_SIZE);
    memset(fill, 0x5a, DRIVE_SIZE);
    CHECK(make_zero_file(target, DRIVE_SIZE));
    CHECK(write_bytes_at(target, 0, fill, DRIVE_SIZE));
    fault_plan drive_like = {.role = DI_ROLE_TARGET, .as_block_sector = 512};
    di_job_spec write = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = target,
                         .bmap_path = bmap, .wrap = fault_wrap, .wrap_ctx = &drive_like};
    CHECK_U64(run_job(&write, &out), DI_OK);
    CHECK(out.result.bmap_used);
    CHECK(drive_like.wrapped > 0);
    unsigned char *got = load(target, DRIVE_SIZE);
    size_t wrong = 0, kept = 0;
    for (size_t start = 0; start < DRIVE_SIZE; start += BLOCK) {
        bool mapped = block_has_data(bytes, DRIVE_SIZE, start / BLOCK);
        for (size_t i = start; i < start + BLOCK && i < DRIVE_SIZE; i++) {
            if (mapped && got[i] != bytes[i]) wrong++;
            if (!mapped && got[i] == 0x5a) kept++;
        }
    }
    CHECK_U64(wrong, 0);
    CHECK(kept > 20 * MiB);
    free(got);
    free(fill);
    free(bytes);

    /* Without make_bmap: no bmap, the image whole. */
    char plain[256];
    snprintf(plain, sizeof plain, "%s", test_path(dir, "plain.img"));
    remove_if_exists(test_path(dir, "plain.img.bmap"));
    CHECK_U64(read_job(drive, plain, false, false, NULL, &out), DI_OK);
    CHECK(!out.result.bmap_made[0]);
    CHECK(!out.result.sparse_image);
    CHECK(!file_exists(test_path(dir, "plain.img.bmap")));
}

static void compressed_read_maps_the_image_inside(void)
{
    const char *dir = test_dir("bmap-make-zst");
    char image[256], bmap[256];
    job_outcome out;
    free(read_with_bmap(dir, "card.img.zst", "card.img.bmap", image, bmap, &out));
    const char *drive = test_path(dir, "drive.bin");
    CHECK(!out.result.sparse_image);
    CHECK(!file_exists(test_path(dir, "card.img.zst.bmap")));
    /* The Write finds it beside the compressed image and checks each range. */
    const char *target = test_path(dir, "target.bin");
    remove_if_exists(target);
    char found[256];
    CHECK(di_bmap_find_beside(image, found, sizeof found));
    CHECK_STR(found, bmap);
    di_job_spec write = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = target,
                         .bmap_path = bmap};
    CHECK_U64(run_job(&write, &out), DI_OK);
    CHECK(out.result.bmap_used);
    CHECK(files_equal_prefix(drive, target, DRIVE_SIZE));
}

/* A read that fails or is cancelled leaves no bmap, not even the one of the image it
 * replaced; --keep-partial keeps the image, never a bmap. */
static void failed_read_leaves_no_bmap(void)
{
    const char *dir = test_dir("bmap-make-fail");
    const char *drive = make_drive(dir);
    char image[256], bmap[256];
    snprintf(image, sizeof image, "%s", test_path(dir, "card.img"));
    snprintf(bmap, sizeof bmap, "%s", test_path(dir, "card.img.bmap"));
    static const struct {
        const char *name;
        di_role role;
        bool on_write;
        fault_kind kind;
        di_status expected;
        bool keep;
    } cells[] = {
        {"EIO reading the drive", DI_ROLE_SOURCE, false, FAULT_EIO, DI_ERR_READ, false},
        {"EIO writing the image", DI_ROLE_TARGET, true, FAULT_EIO, DI_ERR_WRITE, false},
        {"disk full", DI_ROLE_TARGET, true, FAULT_NO_SPACE, DI_ERR_NO_SPACE, false},
        {"cancel", DI_ROLE_SOURCE, false, FAULT_CANCEL, DI_ERR_CANCELLED, false},
        {"EIO, keep-partial", DI_ROLE_SOURCE, false, FAULT_EIO, DI_ERR_READ, true},
        {"short write", DI_ROLE_TARGET, true, FAULT_SHORT_ONCE, DI_OK, false},
    };
    static const uint64_t at[] = {0, 5 * MiB, 24 * MiB};
    for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
        for (size_t p = 0; p < 3; p++) {
            CHECK(write_text_file(bmap, "an older image's bmap"));
            fault_plan plan = {.role = cells[c].role, .on_write = cells[c].on_write,
                               .kind = cells[c].kind, .at_offset = at[p]};
            job_outcome out;
            di_status st = read_job(drive, image, true, cells[c].keep, &plan, &out);
            if (st != cells[c].expected || plan.triggered == 0) {
                check_failures++;
                fprintf(stderr, "%s at %llu: status %d (expected %d), %u triggered: %s\n",
                        cells[c].name, (unsigned long long)at[p], (int)st,
                        (int)cells[c].expected, plan.triggered, out.message);
            }
            if (st == DI_OK) {
                CHECK(files_equal_prefix(drive, image, DRIVE_SIZE));
                di_bmap b;
                di_error e;
                CHECK_U64(di_bmap_load(bmap, &b, &e), DI_OK);
                di_bmap_free(&b);
                continue;
            }
            if (file_exists(bmap)) {
                check_failures++;
                fprintf(stderr, "%s at %llu: a bmap was left\n", cells[c].name,
                        (unsigned long long)at[p]);
            }
            CHECK(file_exists(image) == cells[c].keep);
            CHECK(!out.result.bmap_made[0]);
            remove_if_exists(image);
        }
    }
}

static const test_case tests[] = {
    {"maps_as_computed_block_by_block", maps_as_computed_block_by_block},
    {"checks_its_own_checksum", checks_its_own_checksum},
    {"stretches_the_last_range_past_its_bound", stretches_the_last_range_past_its_bound},
    {"names_the_bmap_after_the_image_inside", names_the_bmap_after_the_image_inside},
    {"sparse_output_writes_only_blocks_with_data", sparse_output_writes_only_blocks_with_data},
    {"read_writes_the_image_and_its_bmap", read_writes_the_image_and_its_bmap},
    {"compressed_read_maps_the_image_inside", compressed_read_maps_the_image_inside},
    {"failed_read_leaves_no_bmap", failed_read_leaves_no_bmap},
};
TEST_MAIN(tests)
