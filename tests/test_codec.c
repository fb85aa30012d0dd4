/* The codec layer on its own: magic bytes and names, the zip directory parser on
 * archives built byte by byte (hostile ones too), and every decoder and encoder driven
 * through buffers of a few bytes at a time, with corrupt and truncated input. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/codec/decoder.h"
#include "core/codec/encoder.h"
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
    CHECK(di_format_detect((const unsigned char *)"BZh91AY&SY", 10) == DI_FORMAT_BZIP2);
    CHECK(di_format_detect((const unsigned char *)"BZh0" "1AY&SY", 10) == DI_FORMAT_RAW);
    CHECK(di_format_detect((const unsigned char *)"BZh9xxxxxx", 10) == DI_FORMAT_RAW);
    CHECK(di_format_detect((const unsigned char *)"PK\x03\x04", 4) == DI_FORMAT_ZIP);
    CHECK(di_format_detect((const unsigned char *)"PK\x05\x06", 4) == DI_FORMAT_RAW);
    CHECK(di_format_detect((const unsigned char *)"\xeb\x3c\x90MSDOS", 8) == DI_FORMAT_RAW);
    CHECK(di_format_detect((const unsigned char *)"", 0) == DI_FORMAT_RAW);
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
    CHECK_CONTAINS(error.detail, "2 files (a.img, b.img)");
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
    entry bzip[] = {{"pi.img", 0, 12, 0, 3, 3, "abc", false}};
    build_zip(&b, bzip, 1);
    CHECK(find(&b, NULL, &m, &error) == DI_ERR_USAGE);
    CHECK_CONTAINS(error.detail, "method 12");

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

static codec_result dec_step(void *c, codec_buffers *io, char *m, size_t s) { return ((decoder *)c)->ops->step(c, io, m, s); }
static codec_result enc_step(void *c, codec_buffers *io, char *m, size_t s) { return ((encoder *)c)->ops->step(c, io, m, s); }

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

    /* bzip2: a corrupt stream is refused. */
    dec = decoder_new_bzip2();
    msg[0] = '\0';
    CHECK(pump(dec_step, dec, (const unsigned char *)"BZh91AY&SYgarbage-garbage-garbage", 33, back,
               PLAIN_SIZE, &back_len, 64, 64, msg, sizeof msg) == CODEC_FAILED);
    CHECK_CONTAINS(msg, "bzip2");
    decoder_free(dec);

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

static const test_case tests[] = {
    {"detect", test_detect},
    {"names", test_names},
    {"zip_members", test_zip_members},
    {"zip_hostile", test_zip_hostile},
    {"round_trips", test_round_trips},
    {"concatenated", test_concatenated},
};

TEST_MAIN(tests)
