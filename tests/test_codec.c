/* The codec layer on its own: magic bytes and names, the zip directory parser on
 * archives built byte by byte (hostile ones too), and every decoder and encoder driven
 * through buffers of a few bytes at a time, with corrupt and truncated input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/codec/decoder.h"
#include "core/codec/encoder.h"
#include "core/codec/tar_archive.h"
#include "core/codec/zip_archive.h"
#include "diskimager/compression.h"

/* ---- magic bytes and names ---- */

static void test_detect(void)
{
    CHECK(di_format_detect((const unsigned char *)"\x1f\x8b\x08\x00", 4) == DI_FORMAT_GZIP);
    CHECK(di_format_detect((const unsigned char *)"\x1f\x8b\x07\x00", 4) == DI_FORMAT_RAW);
    CHECK(di_format_detect((const unsigned char *)"\xfd" "7zXZ\0\0", 7) == DI_FORMAT_XZ);
    CHECK(di_format_detect((const unsigned char *)"\xfd" "7zXZ", 5) == DI_FORMAT_RAW);
    CHECK(di_format_detect((const unsigned char *)"\x28\xb5\x2f\xfd\x00", 5) == DI_FORMAT_ZSTD);
    /* A zstd file may begin with a skippable frame (pzstd's): any of 0x184D2A50..5F. */
    CHECK(di_format_detect((const unsigned char *)"\x50\x2a\x4d\x18", 4) == DI_FORMAT_ZSTD);
    CHECK(di_format_detect((const unsigned char *)"\x5f\x2a\x4d\x18", 4) == DI_FORMAT_ZSTD);
    CHECK(di_format_detect((const unsigned char *)"\x60\x2a\x4d\x18", 4) == DI_FORMAT_RAW);
    CHECK(di_format_detect((const unsigned char *)"BZh91AY&SY", 10) == DI_FORMAT_BZIP2);
    CHECK(di_format_detect((const unsigned char *)"BZh0" "1AY&SY", 10) == DI_FORMAT_RAW);
    CHECK(di_format_detect((const unsigned char *)"BZh9xxxxxx", 10) == DI_FORMAT_RAW);
    CHECK(di_format_detect((const unsigned char *)"PK\x03\x04", 4) == DI_FORMAT_ZIP);
    CHECK(di_format_detect((const unsigned char *)"PK\x05\x06", 4) == DI_FORMAT_RAW);
    CHECK(di_format_detect((const unsigned char *)"\xeb\x3c\x90MSDOS", 8) == DI_FORMAT_RAW);
    CHECK(di_format_detect((const unsigned char *)"", 0) == DI_FORMAT_RAW);

    /* Recognised and refused: each by its own signature. */
    CHECK(di_format_detect((const unsigned char *)"\x04\x22\x4d\x18\x64", 5) == DI_FORMAT_LZ4);
    CHECK(di_format_detect((const unsigned char *)"\x89LZO\0\r\n\x1a\n", 9) == DI_FORMAT_LZO);
    CHECK(di_format_detect((const unsigned char *)"\x89LZO\0\r\n", 7) == DI_FORMAT_RAW);
    CHECK(di_format_detect((const unsigned char *)"LZIP\x01", 5) == DI_FORMAT_LZIP);
    CHECK(di_format_detect((const unsigned char *)"\x1f\x9d\x90", 3) == DI_FORMAT_COMPRESS);
    CHECK(di_format_detect((const unsigned char *)"7z\xbc\xaf\x27\x1c", 6) == DI_FORMAT_7Z);
    CHECK(di_format_detect((const unsigned char *)"Rar!\x1a\x07\x01", 7) == DI_FORMAT_RAR);
    CHECK(di_format_detect((const unsigned char *)"QFI\xfb\0\0\0\x03", 8) == DI_FORMAT_QCOW);
    CHECK(di_format_detect((const unsigned char *)"conectix", 8) == DI_FORMAT_VHD);
    CHECK(di_format_detect((const unsigned char *)"vhdxfile", 8) == DI_FORMAT_VHDX);
    CHECK(di_format_detect((const unsigned char *)"KDMV\x01", 5) == DI_FORMAT_VMDK);
    unsigned char block[512];
    memset(block, 0, sizeof block);
    memcpy(block + 64, "\x7f\x10\xda\xbe", 4);
    CHECK(di_format_detect(block, sizeof block) == DI_FORMAT_VDI);
    memset(block, 0, sizeof block);
    memcpy(block + 257, "ustar\0" "00", 8);
    CHECK(di_format_detect(block, sizeof block) == DI_FORMAT_TAR);
    CHECK(di_format_detect(block, 260) == DI_FORMAT_RAW); /* too short to tell */
    CHECK(di_format_detect(block, 262) == DI_FORMAT_RAW); /* byte 262 not there */
    memcpy(block + 257, "ustar  \0", 8);
    CHECK(di_format_detect(block, sizeof block) == DI_FORMAT_TAR);
    memcpy(block + 257, "ustarX", 6);
    CHECK(di_format_detect(block, sizeof block) == DI_FORMAT_RAW);

    /* A DMG by its trailer, not its start. */
    memset(block, 0, sizeof block);
    memcpy(block, "koly\0\0\0\x04\0\0\x02\0", 12);
    CHECK(di_format_detect_tail(block, sizeof block) == DI_FORMAT_DMG);
    CHECK(di_format_detect_tail(block, 511) == DI_FORMAT_RAW);
    block[7] = 3;
    CHECK(di_format_detect_tail(block, sizeof block) == DI_FORMAT_RAW);

    for (int f = DI_FORMAT_RAW; f < DI_FORMAT_COUNT; f++) {
        CHECK(strcmp(di_format_name((di_format)f), "unknown") != 0);
        CHECK(di_format_decodable((di_format)f) == (f <= DI_FORMAT_TAR));
    }
    CHECK(di_format_is_archive(DI_FORMAT_ZIP) && di_format_is_archive(DI_FORMAT_TAR));
    CHECK(!di_format_is_archive(DI_FORMAT_GZIP));
}

static void test_names(void)
{
    CHECK(di_format_for_output("back.img.gz") == DI_FORMAT_GZIP);
    CHECK(di_format_for_output("C:\\Backups\\CARD.IMG.XZ") == DI_FORMAT_XZ);
    CHECK(di_format_for_output("card.img.zst") == DI_FORMAT_ZSTD);
    CHECK(di_format_for_output("card.img.bz2") == DI_FORMAT_RAW); /* read only */
    CHECK(di_format_for_output("card.img") == DI_FORMAT_RAW);
    char inner[64];
    di_format_inner_name("dir/pi.img.xz", inner, sizeof inner);
    CHECK_STR(inner, "dir/pi.img");
    di_format_inner_name("pi.ZIP", inner, sizeof inner);
    CHECK_STR(inner, "pi");
    di_format_inner_name("pi.img", inner, sizeof inner);
    CHECK_STR(inner, "pi.img");
    di_format_inner_name(".gz", inner, sizeof inner);
    CHECK_STR(inner, ".gz");

    static const char *const images[] = {"pi.img", "dir/PI.IMG", "ubuntu.iso", "a.raw", "fw.bin",
                                         "core.wic", "x.sdcard", "y.hddimg", "z.dsk",
                                         "pi.img.xz", "pi.img.zip", "deep/dir/card.wic.bz2"};
    for (size_t i = 0; i < sizeof images / sizeof images[0]; i++)
        CHECK(di_name_looks_like_image(images[i]));
    static const char *const others[] = {"README", "pi.bmap", "SHA256SUMS", ".img", "dir/.img",
                                         "img", "pi.img.sha256", "manifest.json", "pi.imgx",
                                         "pi.xz"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        CHECK(!di_name_looks_like_image(others[i]));
}

/* ---- tar headers ---- */

static void tar_block(unsigned char block[512], const char *name, const char *prefix,
                      uint64_t size, char type)
{
    memset(block, 0, 512);
    snprintf((char *)block, 100, "%s", name);
    snprintf((char *)block + 100, 8, "0000644");
    snprintf((char *)block + 124, 12, "%011llo", (unsigned long long)size);
    block[156] = (unsigned char)type;
    memcpy(block + 257, "ustar\0" "00", 8);
    if (prefix) snprintf((char *)block + 345, 155, "%s", prefix);
    memset(block + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++) sum += block[i];
    snprintf((char *)block + 148, 8, "%06o", sum);
}

static void test_tar_headers(void)
{
    unsigned char block[512];
    tar_header h;
    tar_block(block, "pi.img", NULL, 4194304, '0');
    tar_parse_header(block, &h);
    CHECK(h.kind == TAR_HEADER_FILE);
    CHECK_STR(h.name, "pi.img");
    CHECK_U64(h.size, 4194304);

    tar_block(block, "pi.img", "some/long/folder", 5, '\0');
    tar_parse_header(block, &h);
    CHECK(h.kind == TAR_HEADER_FILE);
    CHECK_STR(h.name, "some/long/folder/pi.img");

    static const struct { char type; tar_header_kind kind; } kinds[] = {
        {'7', TAR_HEADER_FILE}, {'S', TAR_HEADER_SPARSE}, {'L', TAR_HEADER_LONG_NAME},
        {'x', TAR_HEADER_PAX}, {'5', TAR_HEADER_OTHER}, {'2', TAR_HEADER_OTHER},
        {'g', TAR_HEADER_OTHER}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        tar_block(block, "x", NULL, 0, kinds[i].type);
        tar_parse_header(block, &h);
        CHECK(h.kind == kinds[i].kind);
    }

    /* A size of 8 GiB and more: GNU base-256. */
    tar_block(block, "big.img", NULL, 0, '0');
    memset(block + 124, 0, 12);
    block[124] = 0x80;
    block[124 + 7] = 0x02; /* 2 << 32 = 8 GiB */
    memset(block + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++) sum += block[i];
    snprintf((char *)block + 148, 8, "%06o", sum);
    tar_parse_header(block, &h);
    CHECK(h.kind == TAR_HEADER_FILE);
    CHECK_U64(h.size, 8ull << 30);

    /* A wrong checksum, a size that is no number, a block of zeros. */
    tar_block(block, "pi.img", NULL, 5, '0');
    block[0] = 'q';
    tar_parse_header(block, &h);
    CHECK(h.kind == TAR_HEADER_BAD);
    tar_block(block, "pi.img", NULL, 5, '0');
    block[130] = '9';
    tar_parse_header(block, &h);
    CHECK(h.kind == TAR_HEADER_BAD);
    memset(block, 0, sizeof block);
    tar_parse_header(block, &h);
    CHECK(h.kind == TAR_HEADER_END);

    /* Random damage: a kind, never a crash, and never a name without its NUL. */
    srand(11);
    for (int round = 0; round < 20000; round++) {
        tar_block(block, "pi.img", "folder", 12345, '0');
        for (int k = 0; k < 1 + round % 6; k++) block[(size_t)rand() % 512] = (unsigned char)rand();
        tar_parse_header(block, &h);
        CHECK(memchr(h.name, '\0', sizeof h.name) != NULL);
    }
}

/* ---- zip archives built byte by byte ---- */

typedef struct blob {
    unsigned char bytes[8192];
    size_t len;
} blob;

static void put(blob *b, const void *data, size_t n)
{
    memcpy(b->bytes + b->len, data, n);
    b->len += n;
}
static void put16(blob *b, unsigned v) { unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)}; put(b, x, 2); }
static void put32(blob *b, uint32_t v) { put16(b, v & 0xffffu); put16(b, v >> 16); }
static void put64(blob *b, uint64_t v) { put32(b, (uint32_t)v); put32(b, (uint32_t)(v >> 32)); }

typedef struct entry {
    const char *name;
    uint16_t flags, method;
    uint32_t crc, csize, usize;
    const char *data;
    bool zip64;               /* sizes and offset in a zip64 extra field */
} entry;

/* Local headers and data, then the central directory and its end record. */
static void build_zip(blob *b, const entry *entries, int count)
{
    uint32_t offsets[8];
    b->len = 0;
    for (int i = 0; i < count; i++) {
        const entry *e = &entries[i];
        offsets[i] = (uint32_t)b->len;
        put32(b, 0x04034b50u); put16(b, 20); put16(b, e->flags); put16(b, e->method);
        put32(b, 0); put32(b, e->crc); put32(b, e->csize); put32(b, e->usize);
        put16(b, (unsigned)strlen(e->name)); put16(b, 0);
        put(b, e->name, strlen(e->name));
        put(b, e->data, strlen(e->data));
    }
    size_t cd_start = b->len;
    for (int i = 0; i < count; i++) {
        const entry *e = &entries[i];
        put32(b, 0x02014b50u); put16(b, 20); put16(b, 20); put16(b, e->flags); put16(b, e->method);
        put32(b, 0); put32(b, e->crc);
        put32(b, e->zip64 ? 0xffffffffu : e->csize); put32(b, e->zip64 ? 0xffffffffu : e->usize);
        put16(b, (unsigned)strlen(e->name)); put16(b, e->zip64 ? 28 : 0); put16(b, 0);
        put16(b, 0); put16(b, 0); put32(b, 0);
        put32(b, e->zip64 ? 0xffffffffu : offsets[i]);
        put(b, e->name, strlen(e->name));
        if (e->zip64) {
            put16(b, 1); put16(b, 24);
            put64(b, e->usize); put64(b, e->csize); put64(b, offsets[i]);
        }
    }
    size_t cd_size = b->len - cd_start;
    put32(b, 0x06054b50u); put16(b, 0); put16(b, 0); put16(b, (unsigned)count);
    put16(b, (unsigned)count); put32(b, (uint32_t)cd_size); put32(b, (uint32_t)cd_start);
    put16(b, 0);
}

static di_status read_blob(void *ctx, uint64_t offset, void *buf, size_t len, di_error *error)
{
    const blob *b = ctx;
    if (offset > b->len || b->len - offset < len) {
        di_error_set(error, DI_ERR_READ, "read", "test.zip", 0, "past the end");
        di_error_at(error, offset);
        return DI_ERR_READ;
    }
    memcpy(buf, b->bytes + offset, len);
    return DI_OK;
}

static di_status find(blob *b, const char *wanted, zip_member *m, di_error *error)
{
    di_error_clear(error);
    return zip_find_member(read_blob, b, "test.zip", b->len, wanted, m, error);
}

static void test_zip_members(void)
{
    static blob b;
    zip_member m;
    di_error error;
    entry one[] = {{"pi.img", 0, 0, 0x1234, 5, 5, "hello", false}};
    build_zip(&b, one, 1);
    CHECK(find(&b, NULL, &m, &error) == DI_OK);
    CHECK_STR(m.name, "pi.img");
    CHECK_U64(m.data_offset, 30 + 6);
    CHECK_U64(m.size, 5);
    CHECK_U64(m.crc32, 0x1234);
    CHECK(memcmp(b.bytes + m.data_offset, "hello", 5) == 0);

    entry two[] = {{"dir/", 0, 0, 0, 0, 0, "", false},
                   {"a.img", 0, 8, 1, 3, 9, "abc", false},
                   {"b.img", 0, 0, 2, 4, 4, "wxyz", false}};
    build_zip(&b, two, 3);
    CHECK(find(&b, NULL, &m, &error) == DI_ERR_USAGE);
    CHECK_CONTAINS(error.detail, "2 disk images (a.img, b.img)");
    CHECK(find(&b, "b.img", &m, &error) == DI_OK);
    CHECK(memcmp(b.bytes + m.data_offset, "wxyz", 4) == 0);
    CHECK(find(&b, "c.img", &m, &error) == DI_ERR_USAGE);
    CHECK_CONTAINS(error.detail, "no file called c.img");
    unsigned count = 0;
    CHECK(zip_list_members(read_blob, &b, "test.zip", b.len, NULL, NULL, &count, &error) == DI_OK);
    CHECK_U64(count, 2);

    entry locked[] = {{"pi.img", 1, 8, 0, 3, 3, "abc", false}};
    build_zip(&b, locked, 1);
    CHECK(find(&b, NULL, &m, &error) == DI_ERR_USAGE);
    CHECK_CONTAINS(error.detail, "encrypted");
    /* Methods we do not decode are refused by name; those we do are taken. */
    static const struct { unsigned method; const char *name; } refused[] = {
        {9, "Deflate64 (zip method 9)"}, {98, "PPMd (zip method 98)"}, {6, "Implode"},
        {77, "an unknown method 77 (zip method 77)"}};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        entry e[] = {{"pi.img", 0, refused[i].method, 0, 3, 3, "abc", false}};
        build_zip(&b, e, 1);
        CHECK(find(&b, NULL, &m, &error) == DI_ERR_USAGE);
        CHECK_CONTAINS(error.detail, refused[i].name);
    }
    static const unsigned taken[] = {0, 8, 12, 14, 93, 95};
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
        entry e[] = {{"pi.img", 0, taken[i], 0, 3, 3, "abc", false}};
        build_zip(&b, e, 1);
        CHECK(find(&b, NULL, &m, &error) == DI_OK);
        CHECK_U64(m.method, taken[i]);
    }

    /* The image among other files: the one named like an image, litter ignored. */
    entry mixed[] = {{"pkg/README", 0, 0, 0, 3, 3, "abc", false},
                     {"pkg/.DS_Store", 0, 0, 0, 3, 3, "abc", false},
                     {"pkg/.meta/image.bmap", 0, 0, 0, 3, 3, "abc", false},
                     {"pkg/card.wic", 0, 0, 0, 4, 4, "wxyz", false},
                     {"__MACOSX/pkg/._card.wic", 0, 0, 0, 3, 3, "abc", false}};
    build_zip(&b, mixed, 5);
    CHECK(find(&b, NULL, &m, &error) == DI_OK);
    CHECK_STR(m.name, "pkg/card.wic");
    CHECK(find(&b, "pkg/README", &m, &error) == DI_OK); /* named: taken as it is */
    entry litter[] = {{".DS_Store", 0, 0, 0, 3, 3, "abc", false},
                      {"firmware", 0, 0, 0, 4, 4, "wxyz", false}};
    build_zip(&b, litter, 2);
    CHECK(find(&b, NULL, &m, &error) == DI_OK); /* the only file, whatever its name */
    CHECK_STR(m.name, "firmware");
    entry none[] = {{"foo", 0, 0, 0, 3, 3, "abc", false}, {"hello/world", 0, 0, 0, 3, 3, "abc", false}};
    build_zip(&b, none, 2);
    CHECK(find(&b, NULL, &m, &error) == DI_ERR_USAGE);
    CHECK_CONTAINS(error.detail, "no file in the archive looks like a disk image");
    CHECK_CONTAINS(error.detail, "foo, hello/world");
    entry empty[] = {{"dir/", 0, 0, 0, 0, 0, "", false}};
    build_zip(&b, empty, 1);
    CHECK(find(&b, NULL, &m, &error) == DI_ERR_USAGE);
    CHECK_CONTAINS(error.detail, "holds no file");

    entry big[] = {{"pi.img", 0, 0, 7, 5, 5, "hello", true}};
    build_zip(&b, big, 1);
    CHECK(find(&b, NULL, &m, &error) == DI_OK);
    CHECK_U64(m.size, 5);
    CHECK(memcmp(b.bytes + m.data_offset, "hello", 5) == 0);
}

static void test_zip_hostile(void)
{
    static blob b;
    zip_member m;
    di_error error;
    entry one[] = {{"pi.img", 0, 0, 0x1234, 5, 5, "hello", false}};
    build_zip(&b, one, 1);
    size_t good = b.len;

    b.len = good - 3; /* the end record cut */
    CHECK(find(&b, NULL, &m, &error) == DI_ERR_READ);
    CHECK_CONTAINS(error.detail, "no end of central directory");
    CHECK(error.has_offset);

    build_zip(&b, one, 1);
    b.bytes[good - 6] = 0xf0; /* central directory offset beyond the file */
    CHECK(find(&b, NULL, &m, &error) == DI_ERR_READ);
    CHECK_CONTAINS(error.detail, "out of the file");

    build_zip(&b, one, 1);
    b.bytes[30 + 6 + 5 + 28] = 0xff; /* a name length running past the directory */
    CHECK(find(&b, NULL, &m, &error) == DI_ERR_READ);

    entry liar[] = {{"pi.img", 0, 0, 0, 5000, 5000, "hello", false}};
    build_zip(&b, liar, 1);
    CHECK(find(&b, NULL, &m, &error) == DI_ERR_READ);
    CHECK_CONTAINS(error.detail, "runs past the end");

    /* Random damage anywhere: an error or a member inside the file, never a crash
     * (the sanitizer build watches every access). */
    srand(7);
    for (int round = 0; round < 3000; round++) {
        build_zip(&b, one, 1);
        for (int k = 0; k < 1 + round % 4; k++) b.bytes[(size_t)rand() % b.len] = (unsigned char)rand();
        if (find(&b, NULL, &m, &error) == DI_OK)
            CHECK(m.data_offset + m.compressed_size <= b.len);
    }
}

/* ---- decoders and encoders through tiny buffers ---- */

#define PLAIN_SIZE 300000

static unsigned char *make_plain(void)
{
    unsigned char *p = malloc(PLAIN_SIZE);
    uint32_t x = 12345;
    for (size_t i = 0; i < PLAIN_SIZE; i++) {
        x = x * 1103515245u + 12345u;
        /* Compressible but not trivial: runs, text and noise. */
        p[i] = i % 5000 < 2000 ? 0 : i % 7 == 0 ? (unsigned char)(x >> 24) : (unsigned char)("disk"[i % 4]);
    }
    return p;
}

/* Runs a codec step by step, in_step input bytes and out_step output bytes at a time. */
typedef codec_result (*step_fn)(void *codec, codec_buffers *io, char *msg, size_t size);

static codec_result pump(step_fn step, void *codec, const unsigned char *in, size_t in_len,
                         unsigned char *out, size_t out_cap, size_t *out_len, size_t in_step,
                         size_t out_step, char *msg, size_t msg_size)
{
    size_t in_pos = 0, made = 0;
    unsigned stalls = 0;
    for (;;) {
        size_t n_in = in_len - in_pos < in_step ? in_len - in_pos : in_step;
        size_t n_out = out_cap - made < out_step ? out_cap - made : out_step;
        codec_buffers io = {.in = in + in_pos, .in_len = n_in,
                            .input_ended = in_pos + n_in == in_len,
                            .out = out + made, .out_len = n_out};
        codec_result r = step(codec, &io, msg, msg_size);
        in_pos += io.in_used;
        made += io.out_made;
        *out_len = made;
        if (r != CODEC_MORE) return r;
        if (io.in_used == 0 && io.out_made == 0 && ++stalls > 3) return CODEC_MORE; /* wants more, has none */
        if (io.in_used || io.out_made) stalls = 0;
    }
}

/* The steps, their failure in English in m. */
static codec_result dec_step(void *c, codec_buffers *io, char *m, size_t s)
{
    codec_failure why;
    codec_result r = ((decoder *)c)->ops->step(c, io, &why);
    if (r == CODEC_FAILED) codec_failure_english(&why, m, s);
    return r;
}

static codec_result enc_step(void *c, codec_buffers *io, char *m, size_t s)
{
    codec_failure why;
    codec_result r = ((encoder *)c)->ops->step(c, io, &why);
    if (r == CODEC_FAILED) codec_failure_english(&why, m, s);
    return r;
}

static decoder *decoder_for(di_format f)
{
    switch (f) {
    case DI_FORMAT_GZIP: return decoder_new_gzip();
    case DI_FORMAT_XZ: return decoder_new_xz(2);
    default: return decoder_new_zstd();
    }
}

static encoder *encoder_for(di_format f)
{
    switch (f) {
    case DI_FORMAT_GZIP: return encoder_new_gzip();
    case DI_FORMAT_XZ: return encoder_new_xz(2);
    default: return encoder_new_zstd(2, PLAIN_SIZE);
    }
}

static void test_round_trips(void)
{
    unsigned char *plain = make_plain();
    size_t cap = PLAIN_SIZE + 65536;
    unsigned char *packed = malloc(cap), *back = malloc(PLAIN_SIZE + 16);
    const di_format formats[] = {DI_FORMAT_GZIP, DI_FORMAT_XZ, DI_FORMAT_ZSTD};
    const size_t steps[][2] = {{1, 1}, {7, 3}, {4096, 13}, {PLAIN_SIZE, PLAIN_SIZE}};
    char msg[256];
    for (size_t f = 0; f < 3; f++) {
        encoder *enc = encoder_for(formats[f]);
        size_t packed_len = 0;
        CHECK(pump(enc_step, enc, plain, PLAIN_SIZE, packed, cap, &packed_len, 65536, 4096, msg,
                   sizeof msg) == CODEC_END);
        encoder_free(enc);
        CHECK(packed_len > 0 && packed_len < PLAIN_SIZE / 2);
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
            /* One byte at a time through xz's threads is slow and proves nothing more. */
            if (formats[f] == DI_FORMAT_XZ && steps[s][0] == 1) continue;
            decoder *dec = decoder_for(formats[f]);
            size_t back_len = 0;
            codec_result r = pump(dec_step, dec, packed, packed_len, back, PLAIN_SIZE + 16,
                                  &back_len, steps[s][0], steps[s][1], msg, sizeof msg);
            decoder_free(dec);
            CHECK(r == CODEC_END);
            CHECK_U64(back_len, PLAIN_SIZE);
            CHECK(memcmp(back, plain, PLAIN_SIZE) == 0);
        }
        /* Truncated: the decoder wants more and ends nowhere. */
        decoder *dec = decoder_for(formats[f]);
        size_t back_len = 0;
        CHECK(pump(dec_step, dec, packed, packed_len - 9, back, PLAIN_SIZE + 16, &back_len, 4096,
                   4096, msg, sizeof msg) != CODEC_END);
        decoder_free(dec);
        /* Corrupt in the middle: a failure naming the format (or, rarely for gzip, the
         * end check). */
        packed[packed_len / 2] ^= 0x55;
        packed[packed_len / 2 + 1] ^= 0xaa;
        dec = decoder_for(formats[f]);
        msg[0] = '\0';
        CHECK(pump(dec_step, dec, packed, packed_len, back, PLAIN_SIZE + 16, &back_len, 4096, 4096,
                   msg, sizeof msg) == CODEC_FAILED);
        CHECK_CONTAINS(msg, di_format_name(formats[f]));
        decoder_free(dec);
    }
    free(plain);
    free(packed);
    free(back);
}

static void test_concatenated(void)
{
    /* Two gzip members and trailing zeros, as gzip -d accepts them. */
    unsigned char *plain = make_plain();
    size_t cap = PLAIN_SIZE + 65536, a_len = 0, b_len = 0, back_len = 0;
    unsigned char *packed = malloc(cap + 64), *back = malloc(PLAIN_SIZE + 16);
    char msg[256];
    encoder *enc = encoder_new_gzip();
    pump(enc_step, enc, plain, 1000, packed, cap, &a_len, 4096, 4096, msg, sizeof msg);
    encoder_free(enc);
    enc = encoder_new_gzip();
    pump(enc_step, enc, plain + 1000, PLAIN_SIZE - 1000, packed + a_len, cap - a_len, &b_len, 4096,
         4096, msg, sizeof msg);
    encoder_free(enc);
    memset(packed + a_len + b_len, 0, 64);
    decoder *dec = decoder_new_gzip();
    CHECK(pump(dec_step, dec, packed, a_len + b_len + 64, back, PLAIN_SIZE + 16, &back_len, 999, 777,
               msg, sizeof msg) == CODEC_END);
    decoder_free(dec);
    CHECK_U64(back_len, PLAIN_SIZE);
    CHECK(memcmp(back, plain, PLAIN_SIZE) == 0);

    /* bzip2: a corrupt stream is refused, on one thread and on several. */
    for (unsigned threads = 1; threads <= 2; threads++) {
        dec = decoder_new_bzip2(threads);
        msg[0] = '\0';
        CHECK(pump(dec_step, dec, (const unsigned char *)"BZh91AY&SYgarbage-garbage-garbage", 33,
                   back, PLAIN_SIZE, &back_len, 64, 64, msg, sizeof msg) == CODEC_FAILED);
        CHECK_CONTAINS(msg, "bzip2");
        decoder_free(dec);
    }

    /* Stored zip data: copied, ending with the input. */
    dec = decoder_new_stored();
    CHECK(pump(dec_step, dec, plain, 5000, back, PLAIN_SIZE, &back_len, 333, 100, msg,
               sizeof msg) == CODEC_END);
    CHECK_U64(back_len, 5000);
    CHECK(memcmp(back, plain, 5000) == 0);
    decoder_free(dec);
    free(plain);
    free(packed);
    free(back);
}

/* One step of dec over in (all of it, input ended): its result, why in *why. */
static codec_result step_all(decoder *dec, const void *in, size_t len, codec_failure *why)
{
    static unsigned char out[65536];
    codec_result r = CODEC_MORE;
    size_t pos = 0;
    for (int i = 0; i < 100 && r == CODEC_MORE; i++) {
        codec_buffers io = {.in = (const unsigned char *)in + pos, .in_len = len - pos,
                            .input_ended = true, .out = out, .out_len = sizeof out};
        r = dec->ops->step(dec, &io, why);
        pos += io.in_used;
        if (r == CODEC_MORE && io.in_used == 0 && io.out_made == 0) break;
    }
    decoder_free(dec);
    return r;
}

/* Each decoder says why it failed as data: the reason, the codec's name, the number or
 * the library's own words; worded as the CLI words it. */
static void test_failure_reasons(void)
{
    codec_failure why;
    char text[512];
    /* xz: not its format; a stream whose data is damaged. */
    CHECK_U64(step_all(decoder_new_xz(1), "not xz at all, just text", 24, &why), CODEC_FAILED);
    CHECK_U64(why.reason, DI_REASON_CODEC_NOT_ITS_FORMAT);
    CHECK_STR(why.codec, "xz");
    codec_failure_english(&why, text, sizeof text);
    CHECK_CONTAINS(text, "xz: not in the xz format (0 bytes of the image decoded before it)");
    /* bzip2 on one thread and on two: garbage after a valid header is corrupt; a header
     * that is none is not its format. */
    for (unsigned threads = 1; threads <= 2; threads++) {
        CHECK_U64(step_all(decoder_new_bzip2(threads), "BZh91AY&SYgarbage-garbage-garbage", 33,
                           &why), CODEC_FAILED);
        CHECK_U64(why.reason, DI_REASON_CODEC_CORRUPT);
        CHECK_STR(why.codec, "bzip2");
        CHECK_U64(step_all(decoder_new_bzip2(threads), "BZx9garbage", 11, &why), CODEC_FAILED);
        CHECK_U64(why.reason, DI_REASON_CODEC_NOT_ITS_FORMAT);
    }
    /* gzip: zlib's own words for a bad header, kept as the library's text. */
    static const unsigned char bad_gzip[] = {0x1f, 0x8b, 0x09, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4};
    CHECK_U64(step_all(decoder_new_gzip(), bad_gzip, sizeof bad_gzip, &why), CODEC_FAILED);
    CHECK_U64(why.reason, DI_REASON_CODEC_LIBRARY_SAYS);
    CHECK_STR(why.codec, "gzip");
    CHECK(why.library_text[0] != '\0');
    /* zstd: ZSTD_getErrorName's words. */
    static const unsigned char bad_zstd[] = {0x28, 0xb5, 0x2f, 0xfd, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                                             0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK_U64(step_all(decoder_new_zstd(), bad_zstd, sizeof bad_zstd, &why), CODEC_FAILED);
    CHECK_U64(why.reason, DI_REASON_CODEC_LIBRARY_SAYS);
    CHECK_STR(why.codec, "zstd");
    /* zip LZMA: the properties' size is in the header, as a number. */
    static const unsigned char bad_props[] = {9, 20, 7, 0, 0x5d, 0, 0, 1, 0, 0};
    CHECK_U64(step_all(decoder_new_zip_lzma(100), bad_props, sizeof bad_props, &why), CODEC_FAILED);
    CHECK_U64(why.reason, DI_REASON_ZIP_LZMA_PROPERTIES_SIZE);
    CHECK(why.has_number);
    CHECK_U64(why.number, 7);
    codec_failure_english(&why, text, sizeof text);
    CHECK_CONTAINS(text, "zip LZMA: the properties are 7 bytes, not 5");
    /* ... and the data ending inside that header. */
    CHECK_U64(step_all(decoder_new_zip_lzma(100), bad_props, 4, &why), CODEC_FAILED);
    CHECK_U64(why.reason, DI_REASON_ZIP_LZMA_HEADER_CUT);
}

static const test_case tests[] = {
    {"detect", test_detect},
    {"names", test_names},
    {"tar_headers", test_tar_headers},
    {"zip_members", test_zip_members},
    {"zip_hostile", test_zip_hostile},
    {"round_trips", test_round_trips},
    {"concatenated", test_concatenated},
    {"failure_reasons", test_failure_reasons},
};

TEST_MAIN(tests)
