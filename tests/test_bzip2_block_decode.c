/* Our own bzip2 block decoder against libbz2: every block of streams of levels 1 and 9
 * (random bytes, text, long runs, all byte values, one byte, 2..6 Huffman groups, long
 * codes, several blocks) decoded alone, its output taken in steps of 1, 7, 4096 bytes
 * and at once, compared with libbz2's decode of the whole stream; a block read from a
 * ring where it wraps; one flipped bit never a silent wrong success; a block cut short
 * needs more bits (and nothing past the cut is read: the bits sit in a buffer of just
 * that size); garbage after a magic is corrupt; a randomised block is unsupported; a
 * block bigger than its level allows is corrupt. */
#include <bzlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bz2_compress.h"
#include "check.h"
#include "core/codec/bzip2_block_decode.h"
#include "core/codec/bzip2_blocks.h"
#include "core/codec/decoder.h"

#define KiB ((size_t)1 << 10)
#define STREAM_HEADER_BITS 32u      /* "BZh" and the level */

/* ---- data ---- */

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

typedef enum data_kind {
    DATA_RANDOM,        /* incompressible: many MTF values, six groups */
    DATA_TEXT,          /* words */
    DATA_RUNS,          /* runs of 1..600 equal bytes: RLE counts, RUNA/RUNB */
    DATA_ONE_BYTE,      /* a single value over and over (a block of zeros) */
    DATA_ALL_VALUES,    /* 0..255 again and again */
    DATA_SKEWED         /* few values often, all values rarely: codes of 12..17 bits */
} data_kind;

static const char *const words[] = {"disk ", "image ", "card ", "write ", "sector ",
                                    "bzip2 ", "block ", "magic ", "\n", "the "};

static unsigned char skewed_byte(void)
{
    uint32_t r = rnd();
    if (r % 4096 == 0) return (unsigned char)rnd();
    unsigned v = 0;
    while (v < 30 && (r >> v & 1)) v++;
    return (unsigned char)('a' + v);
}

static unsigned char *make_data(data_kind kind, size_t len, uint64_t seed)
{
    unsigned char *d = malloc(len ? len : 1);
    rng_state = seed;
    for (size_t i = 0; i < len;) {
        switch (kind) {
        case DATA_RANDOM: d[i++] = (unsigned char)rnd(); break;
        case DATA_TEXT: {
            const char *w = words[rnd() % 10];
            for (size_t k = 0; w[k] && i < len; k++) d[i++] = (unsigned char)w[k];
            break;
        }
        case DATA_RUNS: {
            size_t run = 1 + rnd() % (rnd() % 4 ? 8 : 600);
            unsigned char b = (unsigned char)(rnd() % 5);
            for (size_t k = 0; k < run && i < len; k++) d[i++] = b;
            break;
        }
        case DATA_ONE_BYTE: d[i++] = 0x5a; break;
        case DATA_ALL_VALUES: d[i] = (unsigned char)i; i++; break;
        case DATA_SKEWED: d[i++] = skewed_byte(); break;
        }
    }
    return d;
}

/* ---- blocks ---- */

typedef struct block_span {
    uint64_t start, end;      /* the block's magic, the next magic */
} block_span;

/* The blocks of a one-stream file, by their magics (a magic by chance inside a block
 * would split it: none happens in these files, which the decode checks). */
static size_t find_blocks(const unsigned char *comp, size_t len, block_span *spans, size_t max)
{
    bz2_scanner sc;
    bz2_scanner_init(&sc);
    size_t n = 0;
    uint64_t from = STREAM_HEADER_BITS, at;
    bz2_magic kind;
    while (bz2_scanner_find(&sc, comp, len, from, &at, &kind)) {
        if (n) spans[n - 1].end = at;
        if (kind == BZ2_STREAM_END) break;
        if (n < max) spans[n++] = (block_span){at, 0};
        from = at + 1;
    }
    return n;
}

/* The header's group count: after the magic, CRC, randomised bit, origPtr and the maps. */
static unsigned group_count(const unsigned char *comp, uint64_t start)
{
    bz2_bytes src = {comp, 0};
    uint64_t bit = start + 48 + 32 + 1 + 24;
    unsigned ranges = bz2_bits(&src, bit, 16);
    bit += 16;
    for (unsigned i = 0; i < 16; i++)
        if (ranges >> i & 1) bit += 16;
    return bz2_bits(&src, bit, 3);
}

/* Outputs the parsed block in steps of step bytes into out (room for cap). */
static bz2_block_status output_all(bz2_block_decoder *d, size_t step, unsigned char *out,
                                   size_t cap, size_t *total)
{
    bz2_block_status st;
    *total = 0;
    do {
        size_t room = cap - *total < step ? cap - *total : step, n;
        st = bz2_block_output(d, out + *total, room, &n);
        *total += n;
        if (st == BZ2_BLOCK_MORE_OUTPUT && room == 0) break;   /* more than expected */
    } while (st == BZ2_BLOCK_MORE_OUTPUT);
    return st;
}

/* Every block of the stream decoded alone, in steps of step bytes, equals plain. */
static void check_stream(const unsigned char *plain, size_t len, int level, size_t step,
                         unsigned *groups_seen)
{
    size_t comp_len;
    unsigned char *comp = bz2_compress(plain, len, level, &comp_len);
    block_span spans[64];
    size_t blocks = find_blocks(comp, comp_len, spans, 64);
    bz2_block_decoder *d = bz2_block_decoder_new();
    unsigned char *out = malloc(len + 1);
    bz2_bytes src = {comp, 0};
    size_t done = 0;
    for (size_t b = 0; b < blocks; b++) {
        if (groups_seen) *groups_seen |= 1u << group_count(comp, spans[b].start);
        uint64_t end = 0;
        bz2_block_status st = bz2_block_parse(d, &src, spans[b].start, spans[b].end,
                                              (char)('0' + level), &end);
        CHECK_U64(st, BZ2_BLOCK_OK);
        CHECK_U64(end, spans[b].end);
        if (st != BZ2_BLOCK_OK) break;
        size_t n;
        st = output_all(d, step, out + done, len + 1 - done, &n);
        CHECK_U64(st, BZ2_BLOCK_OK);
        if (memcmp(out + done, plain + done, n) != 0) {
            check_failures++;
            fprintf(stderr, "block %zu of %zu differs (level %d, step %zu)\n", b, blocks,
                    level, step);
        }
        done += n;
    }
    CHECK_U64(done, len);
    free(out);
    bz2_block_decoder_free(d);
    free(comp);
}

static void check_kind(data_kind kind, size_t len, unsigned *groups_seen)
{
    static const size_t steps[] = {1, 7, 4096, (size_t)64 << 20};
    unsigned char *plain = make_data(kind, len, 1234 + len);
    for (int level = 1; level <= 9; level += 8)
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++)
            if (steps[s] > 1 || len <= 400 * KiB) check_stream(plain, len, level, steps[s], groups_seen);
    free(plain);
}

static void test_matches_libbz2(void)
{
    check_kind(DATA_RANDOM, 300 * KiB, NULL);
    check_kind(DATA_TEXT, 1200 * KiB, NULL);          /* several blocks at level 1 */
    check_kind(DATA_RUNS, 800 * KiB, NULL);
    check_kind(DATA_ONE_BYTE, 3000 * KiB, NULL);      /* 45 bytes per byte in the block */
    check_kind(DATA_ALL_VALUES, 100 * KiB, NULL);
    check_kind(DATA_SKEWED, 500 * KiB, NULL);
    check_kind(DATA_RANDOM, 1, NULL);
    check_kind(DATA_ONE_BYTE, 4, NULL);              /* four equal bytes, a count of 0 */
    check_kind(DATA_ONE_BYTE, 5, NULL);
}

/* bzip2 picks 2 groups for under 200 symbols, up to 6 for 2400 and more. */
static void test_every_group_count(void)
{
    static const size_t sizes[] = {60, 150, 400, 900, 2000, 5000, 30000};
    unsigned seen = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_kind(DATA_RANDOM, sizes[i], &seen);
    CHECK_U64(seen, 0x7cu);   /* 2, 3, 4, 5 and 6 */
}

/* The caller's ring: the block's bits wrap from its end to its start. */
static void test_block_in_ring(void)
{
    size_t len = 200 * KiB, comp_len;
    unsigned char *plain = make_data(DATA_TEXT, len, 7);
    unsigned char *comp = bz2_compress(plain, len, 9, &comp_len);
    block_span span;
    CHECK_U64(find_blocks(comp, comp_len, &span, 1), 1);
    size_t ring_size = comp_len + 100, shift = ring_size - comp_len / 2;
    unsigned char *ring = malloc(ring_size);
    memset(ring, 0xa5, ring_size);
    for (size_t i = 0; i < comp_len; i++) ring[(shift + i) % ring_size] = comp[i];
    bz2_bytes src = {ring, ring_size};
    bz2_block_decoder *d = bz2_block_decoder_new();
    uint64_t end;
    CHECK_U64(bz2_block_parse(d, &src, span.start + shift * 8, span.end + shift * 8, '9', &end),
              BZ2_BLOCK_OK);
    CHECK_U64(end, span.end + shift * 8);
    unsigned char *out = malloc(len);
    size_t n;
    CHECK_U64(output_all(d, 1 << 20, out, len, &n), BZ2_BLOCK_OK);
    CHECK_U64(n, len);
    CHECK(memcmp(out, plain, len) == 0);
    free(out);
    bz2_block_decoder_free(d);
    free(ring);
    free(comp);
    free(plain);
}

/* One bit flipped anywhere in a block: corrupt, needs more, or a CRC that fails; a
 * success must be the right output. */
static void test_flipped_bit_detected(void)
{
    size_t len = 30 * KiB, comp_len;
    unsigned char *plain = make_data(DATA_TEXT, len, 99);
    unsigned char *comp = bz2_compress(plain, len, 9, &comp_len);
    block_span span;
    CHECK_U64(find_blocks(comp, comp_len, &span, 1), 1);
    bz2_block_decoder *d = bz2_block_decoder_new();
    unsigned char *out = malloc(len + 1);
    unsigned detected = 0, flips = 0;
    rng_state = 5;
    for (uint64_t bit = span.start + 48; bit < span.end; bit += 1 + rnd() % 97, flips++) {
        comp[bit >> 3] ^= (unsigned char)(0x80u >> (bit & 7));
        bz2_bytes src = {comp, 0};
        bz2_block_status st = bz2_block_parse(d, &src, span.start, (uint64_t)comp_len * 8, '9', NULL);
        size_t n = 0;
        if (st == BZ2_BLOCK_OK) st = output_all(d, 4096, out, len + 1, &n);
        if (st == BZ2_BLOCK_OK) {
            CHECK(n == len && memcmp(out, plain, len) == 0);
        } else {
            CHECK(st == BZ2_BLOCK_CORRUPT || st == BZ2_BLOCK_NEED_MORE ||
                  st == BZ2_BLOCK_BAD_CRC || st == BZ2_BLOCK_UNSUPPORTED ||
                  st == BZ2_BLOCK_MORE_OUTPUT);   /* output past plain's length */
            detected++;
        }
        comp[bit >> 3] ^= (unsigned char)(0x80u >> (bit & 7));
    }
    CHECK(detected >= flips * 9 / 10);
    free(out);
    bz2_block_decoder_free(d);
    free(comp);
    free(plain);
}

/* The block's bits cut at end: copied into a buffer of just the bytes holding them, so
 * a read past them is caught by the sanitizers and valgrind. */
static bz2_block_status parse_cut(bz2_block_decoder *d, const unsigned char *comp,
                                  uint64_t start, uint64_t end)
{
    size_t bytes = (size_t)((end + 7) / 8 - start / 8);
    unsigned char *copy = malloc(bytes ? bytes : 1);
    memcpy(copy, comp + start / 8, bytes);
    bz2_bytes src = {copy, 0};
    bz2_block_status st = bz2_block_parse(d, &src, start % 8, end - start / 8 * 8, '9', NULL);
    free(copy);
    return st;
}

static void test_cut_block_needs_more(void)
{
    size_t len = 100 * KiB, comp_len;
    unsigned char *plain = make_data(DATA_SKEWED, len, 3);
    unsigned char *comp = bz2_compress(plain, len, 9, &comp_len);
    block_span span;
    CHECK_U64(find_blocks(comp, comp_len, &span, 1), 1);
    bz2_block_decoder *d = bz2_block_decoder_new();
    uint64_t size = span.end - span.start;
    for (uint64_t cut = 0; cut < size; cut += cut < 2000 ? 1 : 1 + cut / 50)
        CHECK_U64(parse_cut(d, comp, span.start, span.start + cut), BZ2_BLOCK_NEED_MORE);
    for (uint64_t cut = size - 64; cut < size; cut++)
        CHECK_U64(parse_cut(d, comp, span.start, span.start + cut), BZ2_BLOCK_NEED_MORE);
    CHECK_U64(parse_cut(d, comp, span.start, span.end), BZ2_BLOCK_OK);
    bz2_block_decoder_free(d);
    free(comp);
    free(plain);
}

/* A magic, a CRC, a clear randomised bit, then random bytes. */
static void test_garbage_is_corrupt(void)
{
    size_t len = 256 * KiB;
    unsigned char *buf = malloc(len);
    bz2_block_decoder *d = bz2_block_decoder_new();
    static const unsigned char magic[6] = {0x31, 0x41, 0x59, 0x26, 0x53, 0x59};
    for (uint64_t seed = 1; seed <= 200; seed++) {
        rng_state = seed;
        for (size_t i = 0; i < len; i++) buf[i] = (unsigned char)rnd();
        memcpy(buf, magic, 6);
        buf[10] &= 0x7f;
        bz2_bytes src = {buf, 0};
        /* Random code lengths may over-subscribe: left to libbz2, which refuses it. */
        bz2_block_status st = bz2_block_parse(d, &src, 0, (uint64_t)len * 8, '9', NULL);
        CHECK(st == BZ2_BLOCK_CORRUPT || st == BZ2_BLOCK_UNSUPPORTED);
    }
    /* No magic at start_bit. */
    bz2_bytes src = {buf + 1, 0};
    CHECK_U64(bz2_block_parse(d, &src, 0, (uint64_t)(len - 1) * 8, '9', NULL), BZ2_BLOCK_CORRUPT);
    size_t n;
    CHECK_U64(bz2_block_output(d, buf, len, &n), BZ2_BLOCK_CORRUPT);
    CHECK_U64(n, 0);
    bz2_block_decoder_free(d);
    free(buf);
}

static void test_randomised_and_oversized(void)
{
    size_t len = 300 * KiB, comp_len;
    unsigned char *plain = make_data(DATA_RANDOM, len, 11);
    unsigned char *comp = bz2_compress(plain, len, 9, &comp_len);
    block_span span;
    CHECK_U64(find_blocks(comp, comp_len, &span, 1), 1);
    bz2_block_decoder *d = bz2_block_decoder_new();
    bz2_bytes src = {comp, 0};
    /* 300 KiB in a block: too big for level 1 or 3, fine for 4. */
    CHECK_U64(bz2_block_parse(d, &src, span.start, span.end, '1', NULL), BZ2_BLOCK_CORRUPT);
    CHECK_U64(bz2_block_parse(d, &src, span.start, span.end, '3', NULL), BZ2_BLOCK_CORRUPT);
    CHECK_U64(bz2_block_parse(d, &src, span.start, span.end, '4', NULL), BZ2_BLOCK_OK);
    CHECK_U64(bz2_block_parse(d, &src, span.start, span.end, '0', NULL), BZ2_BLOCK_CORRUPT);
    uint64_t flag = span.start + 48 + 32;
    comp[flag >> 3] |= (unsigned char)(0x80u >> (flag & 7));
    CHECK_U64(bz2_block_parse(d, &src, span.start, span.end, '9', NULL), BZ2_BLOCK_UNSUPPORTED);
    bz2_block_decoder_free(d);
    free(comp);
    free(plain);
}

/* Streams made by a tiny encoder of the format (one block each, "BZh9" then the block
 * from bit 32 to the end magic). UNUSED_OVERSUB: "hello world", with a second Huffman
 * table whose lengths over-subscribe (all 1) and that no selector picks: libbz2 decodes
 * it. COUNT_MISSING: "BCAAAA" before the initial RLE and its CRC: four equal bytes
 * with no count byte after them, which libbz2 refuses. */
static const unsigned char UNUSED_OVERSUB[] = {
    0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0x44, 0xf7, 0x13, 0x78,
    0x00, 0x00, 0x01, 0x91, 0x80, 0x40, 0x00, 0x06, 0x44, 0x90, 0x80, 0x20, 0x00, 0x21,
    0x81, 0x00, 0x40, 0x0c, 0xcc, 0xbb, 0xb4, 0x76, 0xf7, 0x8b, 0xb9, 0x22, 0x9c, 0x28,
    0x48, 0x22, 0x7b, 0x89, 0xbc, 0x00};
static const unsigned char COUNT_MISSING[] = {
    0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0x27, 0x18, 0xa6, 0xf3,
    0x00, 0x00, 0x02, 0x04, 0x00, 0x38, 0x00, 0x20, 0x00, 0x21, 0x08, 0x10, 0x8d, 0x06,
    0xe2, 0xee, 0x48, 0xa7, 0x0a, 0x12, 0x04, 0xe3, 0x14, 0xde, 0x60};

/* The whole stream through the parallel decoder (2 threads); its output in out. */
static codec_result decode_parallel(const unsigned char *in, size_t len, unsigned char *out,
                                    size_t cap, size_t *made)
{
    decoder *dec = decoder_new_bzip2(2);
    CHECK(dec != NULL);
    if (!dec) return CODEC_FAILED;
    codec_buffers io = {.in = in, .in_len = len, .input_ended = true, .out = out, .out_len = cap};
    codec_failure why;
    codec_result r = dec->ops->step(dec, &io, &why);
    for (unsigned i = 0; r == CODEC_MORE && i < 1000; i++) {
        io.in += io.in_used;
        io.in_len -= io.in_used;
        io.out += io.out_made;
        io.out_len -= io.out_made;
        *made += io.out_made;
        io.in_used = io.out_made = 0;
        r = dec->ops->step(dec, &io, &why);
    }
    *made += io.out_made;
    decoder_free(dec);
    return r;
}

static void test_like_libbz2_on_odd_blocks(void)
{
    unsigned char out[64];
    unsigned int n = sizeof out;
    size_t made = 0;
    /* Over-subscribed lengths: ours leaves the block to libbz2, and the file decodes. */
    CHECK_U64(BZ2_bzBuffToBuffDecompress((char *)out, &n, (char *)UNUSED_OVERSUB,
                                         sizeof UNUSED_OVERSUB, 0, 0), BZ_OK);
    CHECK(n == 11 && memcmp(out, "hello world", 11) == 0);
    bz2_block_decoder *d = bz2_block_decoder_new();
    bz2_bytes src = {UNUSED_OVERSUB, 0};
    CHECK_U64(bz2_block_parse(d, &src, 32, 297, '9', NULL), BZ2_BLOCK_UNSUPPORTED);
    CHECK_U64(decode_parallel(UNUSED_OVERSUB, sizeof UNUSED_OVERSUB, out, sizeof out, &made),
              CODEC_END);
    CHECK(made == 11 && memcmp(out, "hello world", 11) == 0);

    /* A last run of four without its count: refused, by libbz2 and by ours. */
    n = sizeof out;
    CHECK(BZ2_bzBuffToBuffDecompress((char *)out, &n, (char *)COUNT_MISSING,
                                     sizeof COUNT_MISSING, 0, 0) != BZ_OK);
    src = (bz2_bytes){COUNT_MISSING, 0};
    uint64_t end = 0;
    CHECK_U64(bz2_block_parse(d, &src, 32, 227, '9', &end), BZ2_BLOCK_OK);
    CHECK_U64(end, 227);
    size_t written = 0;
    CHECK_U64(bz2_block_output(d, out, sizeof out, &written), BZ2_BLOCK_CORRUPT);
    CHECK_U64(written, 6);
    CHECK_U64(bz2_block_output(d, out, sizeof out, &written), BZ2_BLOCK_CORRUPT);
    CHECK_U64(written, 0);
    made = 0;
    CHECK_U64(decode_parallel(COUNT_MISSING, sizeof COUNT_MISSING, out, sizeof out, &made),
              CODEC_FAILED);
    bz2_block_decoder_free(d);
}

static const test_case tests[] = {
    {"matches_libbz2", test_matches_libbz2},
    {"every_group_count", test_every_group_count},
    {"block_in_ring", test_block_in_ring},
    {"flipped_bit_detected", test_flipped_bit_detected},
    {"cut_block_needs_more", test_cut_block_needs_more},
    {"garbage_is_corrupt", test_garbage_is_corrupt},
    {"randomised_and_oversized", test_randomised_and_oversized},
    {"like_libbz2_on_odd_blocks", test_like_libbz2_on_odd_blocks},
};
TEST_MAIN(tests)
