/* bzip2 decoded on several threads: the bit-level pieces (magics found at every bit
 * offset, bits re-aligned), then the decoder against libbz2's own single-thread decode
 * on files of every level, several streams, trailing bytes, blocks of zeros (memory
 * bounded), chance magics inside compressed data (the merge), corrupt, cut and
 * CRC-damaged files, one-byte buffers, and a decoder freed while its workers run. */
#include <bzlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bz2_compress.h"
#include "check.h"
#include "core/codec/bzip2_blocks.h"
#include "core/codec/bzip2_parallel.h"
#include "core/codec/decoder.h"
#include "diskimager/threads.h"

#define MiB ((size_t)1 << 20)

/* ---- data ---- */

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

typedef enum data_kind { DATA_TEXT, DATA_RANDOM, DATA_MIXED } data_kind;

/* Text-like words (compresses well), random bytes, or runs, zeros and random pieces. */
static unsigned char *make_data(data_kind kind, size_t len, uint64_t seed)
{
    static const char *const words[] = {"disk ", "image ", "card ", "write ", "sector ",
                                        "bzip2 ", "block ", "magic ", "\n", "the "};
    unsigned char *d = malloc(len ? len : 1);
    rng_state = seed;
    for (size_t i = 0; i < len;) {
        if (kind == DATA_RANDOM) {
            d[i++] = (unsigned char)rnd();
        } else if (kind == DATA_TEXT) {
            const char *w = words[rnd() % 10];
            for (size_t k = 0; w[k] && i < len; k++) d[i++] = (unsigned char)w[k];
        } else {
            size_t run = 1 + rnd() % 20000;
            unsigned what = rnd() % 3;
            unsigned char fill = (unsigned char)(what == 0 ? 0 : rnd());
            for (size_t k = 0; k < run && i < len; k++)
                d[i++] = what == 2 ? (unsigned char)rnd() : fill;
        }
    }
    return d;
}

/* count bytes of zeros, compressed by streaming (too many to hold). */
static unsigned char *compress_zeros(size_t count, int level, size_t *out_len)
{
    static unsigned char zeros[1 << 16];
    size_t cap = 1 << 20;
    unsigned char *out = malloc(cap);
    bz_stream bz;
    memset(&bz, 0, sizeof bz);
    CHECK(BZ2_bzCompressInit(&bz, level, 0, 0) == BZ_OK);
    size_t fed = 0, made = 0;
    int rc;
    do {
        if (bz.avail_in == 0 && fed < count) {
            size_t n = count - fed < sizeof zeros ? count - fed : sizeof zeros;
            bz.next_in = (char *)zeros;
            bz.avail_in = (unsigned)n;
            fed += n;
        }
        bz.next_out = (char *)out + made;
        bz.avail_out = (unsigned)(cap - made);
        rc = BZ2_bzCompress(&bz, fed == count && bz.avail_in == 0 ? BZ_FINISH : BZ_RUN);
        made = cap - bz.avail_out;
        CHECK(made < cap);
    } while (rc == BZ_RUN_OK || rc == BZ_FINISH_OK);
    CHECK(rc == BZ_STREAM_END);
    BZ2_bzCompressEnd(&bz);
    *out_len = made;
    return out;
}

/* ---- driving a decoder ---- */

typedef struct run_result {
    codec_result result;    /* CODEC_MORE: it wanted more input at the end (cut short) */
    size_t out_len;
    char message[256];
} run_result;

/* Feeds in_step bytes at a time into out_step bytes of room, as the stream source does
 * (what is not used is offered again). */
static run_result run_decoder(decoder *dec, const unsigned char *in, size_t in_len,
                              unsigned char *out, size_t out_cap, size_t in_step, size_t out_step)
{
    run_result r = {.result = CODEC_MORE};
    size_t pos = 0;
    unsigned stalls = 0;
    for (;;) {
        size_t n_in = in_len - pos < in_step ? in_len - pos : in_step;
        size_t n_out = out_cap - r.out_len < out_step ? out_cap - r.out_len : out_step;
        codec_buffers io = {.in = in + pos, .in_len = n_in, .input_ended = pos + n_in == in_len,
                            .out = out + r.out_len, .out_len = n_out};
        codec_failure why;
        codec_result c = dec->ops->step(dec, &io, &why);
        if (c == CODEC_FAILED) codec_failure_english(&why, r.message, sizeof r.message);
        CHECK(io.in_used <= n_in && io.out_made <= n_out);
        pos += io.in_used;
        r.out_len += io.out_made;
        if (c != CODEC_MORE) {
            r.result = c;
            return r;
        }
        if (io.in_used == 0 && io.out_made == 0) {
            if (++stalls > 3) return r;   /* wants more, has none */
        } else {
            stalls = 0;
        }
    }
}

static run_result decode(unsigned threads, const unsigned char *in, size_t in_len,
                         unsigned char *out, size_t out_cap, size_t in_step, size_t out_step)
{
    decoder *dec = decoder_new_bzip2(threads);
    CHECK(dec != NULL);
    /* More than one thread: the parallel decoder (it alone reports its memory). */
    CHECK((bzip2_parallel_peak_memory(dec) > 0) == (threads > 1));
    run_result r = run_decoder(dec, in, in_len, out, out_cap, in_step, out_step);
    decoder_free(dec);
    return r;
}

/* The parallel decoder gives what libbz2 on one thread gives: the same bytes, the same
 * ending (end, failure, or wanting more), failures naming the same reason. */
static void check_like_serial(const char *what, const unsigned char *in, size_t in_len,
                              size_t out_cap, unsigned threads, size_t in_step, size_t out_step,
                              const unsigned char *expected, size_t expected_len,
                              size_t may_lack)
{
    unsigned char *a = malloc(out_cap + 1), *b = malloc(out_cap + 1);
    run_result serial = decode(1, in, in_len, a, out_cap, 1 << 20, 1 << 20);
    run_result par = decode(threads, in, in_len, b, out_cap, in_step, out_step);
    bool same = serial.result == par.result && par.out_len <= serial.out_len &&
                serial.out_len - par.out_len <= may_lack && memcmp(a, b, par.out_len) == 0;
    if (par.result == CODEC_FAILED) same = same && strcmp(serial.message, par.message) == 0;
    if (expected) same = same && par.out_len == expected_len && memcmp(b, expected, expected_len) == 0;
    if (!same)
        fprintf(stderr, "%s (%u threads, steps %zu/%zu): serial %d, %zu bytes, \"%s\"; "
                "parallel %d, %zu bytes, \"%s\"\n", what, threads, in_step, out_step,
                (int)serial.result, serial.out_len, serial.message, (int)par.result,
                par.out_len, par.message);
    CHECK(same);
    free(a);
    free(b);
}

static void check_same_as_serial(const char *what, const unsigned char *in, size_t in_len,
                                 size_t out_cap, unsigned threads, size_t in_step,
                                 size_t out_step, const unsigned char *expected,
                                 size_t expected_len)
{
    check_like_serial(what, in, in_len, out_cap, threads, in_step, out_step, expected,
                      expected_len, 0);
}

/* ---- the bit level ---- */

static void put_bits(unsigned char *buf, uint64_t bit, uint64_t value, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        uint64_t b = bit + i;
        unsigned v = (unsigned)(value >> (count - 1 - i)) & 1;
        buf[b / 8] = (unsigned char)((buf[b / 8] & ~(0x80u >> (b % 8))) | (v << (7 - b % 8)));
    }
}

static void test_scanner_finds_magics_at_every_shift(void)
{
    bz2_scanner sc;
    bz2_scanner_init(&sc);
    unsigned char buf[256];
    rng_state = 7;
    for (unsigned trial = 0; trial < 2000; trial++) {
        for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)rnd();
        uint64_t at = rnd() % (sizeof buf * 8 - 48);
        bool eos = trial % 2;
        put_bits(buf, at, eos ? BZ2_END_MAGIC : BZ2_BLOCK_MAGIC, 48);
        uint64_t found = 0;
        bz2_magic kind = BZ2_NO_MAGIC;
        /* Random bytes hold no magic by chance (2^-48 a position): the planted one is first. */
        CHECK(bz2_scanner_find(&sc, buf, sizeof buf, 0, &found, &kind));
        CHECK_U64(found, at);
        CHECK(kind == (eos ? BZ2_STREAM_END : BZ2_BLOCK));
        const bz2_bytes src = {buf, 0};
        CHECK(bz2_magic_at(&src, at) == kind);
        CHECK(bz2_magic_at(&src, at + 1) == BZ2_NO_MAGIC);
        /* Not found past it, nor when it does not lie whole inside. */
        CHECK(!bz2_scanner_find(&sc, buf, sizeof buf, at + 1, &found, &kind) || found > at);
        CHECK(!bz2_scanner_find(&sc, buf, (size_t)((at + 47) / 8), 0, &found, &kind));
    }
}

static void test_copy_bits_realigns(void)
{
    unsigned char src_buf[64], out[64];
    rng_state = 11;
    for (size_t i = 0; i < sizeof src_buf; i++) src_buf[i] = (unsigned char)rnd();
    const bz2_bytes src = {src_buf, 0};
    for (uint64_t from = 0; from < 40; from++)
        for (uint64_t end = from + 1; end < from + 300; end += 7) {
            memset(out, 0xee, sizeof out);
            size_t n = bz2_copy_bits(&src, from, end, out, sizeof out);
            CHECK_U64(n, (end - from + 7) / 8);
            bool same = true;
            for (uint64_t b = 0; b < n * 8; b++) {
                unsigned got = out[b / 8] >> (7 - b % 8) & 1;
                unsigned want = from + b < end ? bz2_bits(&src, from + b, 1) : 0;
                same = same && got == want;
            }
            CHECK(same);
            /* In parts: going on from from + 8 * written gives the same bytes. */
            unsigned char parts[64];
            size_t total = 0;
            for (uint64_t at = from; at < end;) {
                size_t k = bz2_copy_bits(&src, at, end, parts + total, 3);
                total += k;
                at += (uint64_t)k * 8;
            }
            CHECK(total == n && memcmp(parts, out, n) == 0);
        }
    /* A ring: byte i at data[i % size], across its wrap too. */
    const bz2_bytes ring = {src_buf, 13};
    CHECK(bz2_bits(&ring, 13 * 8 + 3, 20) == bz2_bits(&src, 3, 20));
    unsigned char wrapped[8], flat[8];
    CHECK(bz2_copy_bits(&ring, 11 * 8 + 5, 11 * 8 + 5 + 60, wrapped, sizeof wrapped) == 8);
    unsigned char doubled[26];
    memcpy(doubled, src_buf, 13);
    memcpy(doubled + 13, src_buf, 13);
    const bz2_bytes two = {doubled, 0};
    CHECK(bz2_copy_bits(&two, 11 * 8 + 5, 11 * 8 + 5 + 60, flat, sizeof flat) == 8);
    CHECK(memcmp(wrapped, flat, 8) == 0);
    CHECK(bz2_bits(&src, 4, 32) == (uint32_t)((uint64_t)(src_buf[0] & 0x0f) << 28 |
                                               (uint64_t)src_buf[1] << 20 | src_buf[2] << 12 |
                                               src_buf[3] << 4 | src_buf[4] >> 4));
}

/* ---- whole files ---- */

static void test_round_trips_levels_and_kinds(void)
{
    const data_kind kinds[] = {DATA_TEXT, DATA_RANDOM, DATA_MIXED};
    const int levels[] = {1, 9, 5};
    const size_t sizes[] = {2500000, 700000, 0, 1, 1000};
    for (size_t k = 0; k < 3; k++)
        for (size_t l = 0; l < 3; l++)
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                /* Large random data at level 9 is slow to make and proves nothing new. */
                if (sizes[s] > 1000000 && levels[l] != 1 && kinds[k] == DATA_RANDOM) continue;
                unsigned char *plain = make_data(kinds[k], sizes[s], 100 + k * 10 + l);
                size_t packed_len;
                unsigned char *packed = bz2_compress(plain, sizes[s], levels[l], &packed_len);
                char what[64];
                snprintf(what, sizeof what, "kind %zu level %d size %zu", k, levels[l], sizes[s]);
                check_same_as_serial(what, packed, packed_len, sizes[s] + 16, 2, 1 << 20,
                                     1 << 20, plain, sizes[s]);
                check_same_as_serial(what, packed, packed_len, sizes[s] + 16, 3, 65536, 4096,
                                     plain, sizes[s]);
                if (s == 0 && l == 0)
                    check_same_as_serial(what, packed, packed_len, sizes[s] + 16, 4, 4093,
                                         1 << 18, plain, sizes[s]);
                free(packed);
                free(plain);
            }
}

static unsigned char *dup_bytes(const unsigned char *a, size_t len)
{
    unsigned char *d = malloc(len + 1);
    memcpy(d, a, len);
    return d;
}

static unsigned char *concat(unsigned char *a, size_t *a_len, const void *b, size_t b_len)
{
    a = realloc(a, *a_len + b_len + 1);
    memcpy(a + *a_len, b, b_len);
    *a_len += b_len;
    return a;
}

/* Several streams of several levels (pbzip2 writes one per block), an empty one, and
 * what may follow the last: nothing, zeros, junk (ignored), a cut or bad header. */
static void test_streams_and_trailing_bytes(void)
{
    size_t plain_len = 1800000;
    unsigned char *plain = make_data(DATA_MIXED, plain_len, 5);
    const size_t cuts[] = {0, 300000, 300001, 1500000, plain_len};
    const int levels[] = {9, 1, 3, 2};
    unsigned char *file = NULL;
    size_t file_len = 0;
    for (size_t i = 0; i + 1 < sizeof cuts / sizeof cuts[0]; i++) {
        size_t n;
        unsigned char *s = bz2_compress(plain + cuts[i], cuts[i + 1] - cuts[i], levels[i], &n);
        file = concat(file, &file_len, s, n);
        free(s);
        if (i == 1) { /* an empty stream in between */
            s = bz2_compress(plain, 0, 9, &n);
            file = concat(file, &file_len, s, n);
            free(s);
        }
    }
    check_same_as_serial("four streams", file, file_len, plain_len + 16, 2, 1 << 20, 1 << 20,
                         plain, plain_len);
    check_same_as_serial("four streams", file, file_len, plain_len + 16, 3, 777, 999, plain,
                         plain_len);

    static const struct {
        const char *bytes;
        size_t len;
        codec_result result;
    } trailers[] = {
        {"\0\0\0\0\0\0\0\0", 8, CODEC_END},
        {"junk after the last stream", 26, CODEC_END},
        {"B", 1, CODEC_END},
        {"BZ", 2, CODEC_END},
        {"BZx", 3, CODEC_END},
        {"BZh", 3, CODEC_MORE},           /* a stream cut after its magic: wants more */
        {"BZh0", 4, CODEC_FAILED},        /* not a level */
        {"BZh91AY&SY", 10, CODEC_MORE},   /* cut inside a block */
        {"BZh9garbage!", 12, CODEC_FAILED},
    };
    for (size_t t = 0; t < sizeof trailers / sizeof trailers[0]; t++) {
        size_t len = file_len;
        unsigned char *f = dup_bytes(file, file_len);
        f = concat(f, &len, trailers[t].bytes, trailers[t].len);
        unsigned char *out = malloc(plain_len + 16);
        run_result r = decode(2, f, len, out, plain_len + 16, 65536, 1 << 20);
        CHECK(r.result == trailers[t].result);
        CHECK_U64(r.out_len, plain_len);
        CHECK(memcmp(out, plain, plain_len) == 0);
        if (r.result == CODEC_FAILED) CHECK_CONTAINS(r.message, "bzip2: ");
        check_same_as_serial(trailers[t].bytes, f, len, plain_len + 16, 2, 3000, 5000, plain,
                             plain_len);
        free(out);
        free(f);
    }
    free(file);
    free(plain);
}

/* Blocks of zeros (45 MB each at level 9) stream through fixed pieces: the decoder's
 * memory stays bounded whatever a block decodes to. */
static void test_zero_blocks_memory_bounded(void)
{
    size_t count = 140 * MiB, packed_len;   /* three blocks and a bit */
    unsigned char *packed = compress_zeros(count, 9, &packed_len);
    for (unsigned threads = 2; threads <= 3; threads++) {
        decoder *dec = decoder_new_bzip2(threads);
        size_t chunk = 4 * MiB, total = 0;
        unsigned char *out = malloc(chunk);
        size_t pos = 0;
        bool zeros = true;
        codec_result r = CODEC_MORE;
        codec_failure why;
        while (r == CODEC_MORE) {
            size_t n_in = packed_len - pos < MiB ? packed_len - pos : MiB;
            codec_buffers io = {.in = packed + pos, .in_len = n_in,
                                .input_ended = pos + n_in == packed_len, .out = out,
                                .out_len = chunk};
            r = dec->ops->step(dec, &io, &why);
            pos += io.in_used;
            total += io.out_made;
            for (size_t i = 0; i < io.out_made; i++) zeros = zeros && out[i] == 0;
            if (io.in_used == 0 && io.out_made == 0 && r == CODEC_MORE) break;
        }
        CHECK(r == CODEC_END);
        CHECK_U64(total, count);
        CHECK(zeros);
        size_t peak = bzip2_parallel_peak_memory(dec);
        printf("zeros, %u threads: peak decoder memory %zu KiB\n", threads, peak >> 10);
        /* libbz2's state (3.7 MB a worker at level 9) is in it; 16 MiB at 2 threads. */
        CHECK(peak > (size_t)threads * 3600000);
        if (threads == 2) CHECK(peak <= 16 * MiB);
        CHECK(peak <= 16 * MiB + (threads - 2) * 6 * MiB);
        decoder_free(dec);
        free(out);
    }
    free(packed);
}

/* Bytes whose block's table of used byte values spells a magic: bzip2 writes 16 bits
 * of "which of the 16 groups of byte values are used", then 16 bits for each used
 * group. With groups 0, 1, 2 used as the three 16-bit words of a magic say, every
 * block of such data holds that magic 153 bits into its stream, inside the block. */
static unsigned char *chance_magic_data(uint64_t magic, size_t len, uint64_t seed)
{
    unsigned char values[48];
    unsigned count = 0;
    for (unsigned g = 0; g < 3; g++) {
        unsigned word = (unsigned)(magic >> (32 - 16 * g)) & 0xffff;
        for (unsigned j = 0; j < 16; j++)
            if (word >> (15 - j) & 1) values[count++] = (unsigned char)(16 * g + j);
    }
    unsigned char *d = malloc(len);
    rng_state = seed;
    for (size_t i = 0; i < len; i++) {
        /* Every value used (the first ones in order), never two alike in a row (four
         * would make bzip2 add a run length, a value of its own). */
        unsigned char v = values[i < count ? i : rnd() % count];
        while (i >= count && v == d[i - 1]) v = values[rnd() % count];
        d[i] = v;
    }
    return d;
}

static void test_chance_magic_inside_a_block(void)
{
    const uint64_t magics[] = {BZ2_BLOCK_MAGIC, BZ2_END_MAGIC};
    for (size_t m = 0; m < 2; m++)
        for (int level = 1; level <= 2; level++) {
            size_t plain_len = 450000;   /* several blocks, each with the chance magic */
            unsigned char *plain = chance_magic_data(magics[m], plain_len, 40 + m);
            size_t packed_len;
            unsigned char *packed = bz2_compress(plain, plain_len, level, &packed_len);
            /* The magic really is there, inside the first block, not at a boundary. */
            bz2_scanner sc;
            bz2_scanner_init(&sc);
            uint64_t at = 0;
            bz2_magic kind = BZ2_NO_MAGIC;
            CHECK(bz2_scanner_find(&sc, packed, packed_len, 32 + 80, &at, &kind));
            CHECK_U64(at, 153);
            CHECK(kind == (m == 0 ? BZ2_BLOCK : BZ2_STREAM_END));
            unsigned chance = 0;
            for (uint64_t from = 0; bz2_scanner_find(&sc, packed, packed_len, from, &at, &kind);
                 from = at + 1)
                chance++;
            CHECK(chance >= 2 * (plain_len / (level * 100000)));   /* one in every block */
            char what[64];
            snprintf(what, sizeof what, "chance %s magic, level %d", m ? "end" : "block", level);
            check_same_as_serial(what, packed, packed_len, plain_len + 16, 2, 1 << 20, 1 << 20,
                                 plain, plain_len);
            check_same_as_serial(what, packed, packed_len, plain_len + 16, 4, 1000, 3000, plain,
                                 plain_len);
            /* The same file with a block damaged after its chance magic: still corrupt. */
            packed[packed_len / 2] ^= 0x10;
            check_same_as_serial(what, packed, packed_len, plain_len + 16, 2, 1 << 20, 1 << 20,
                                 NULL, 0);
            free(packed);
            free(plain);
        }
}

/* Corrupt bytes in the middle, a wrong combined CRC, files cut anywhere: the same
 * ending as libbz2 alone, named as it names them. */
static void test_damaged_files(void)
{
    size_t plain_len = 1200000, packed_len;
    unsigned char *plain = make_data(DATA_TEXT, plain_len, 77);
    unsigned char *packed = bz2_compress(plain, plain_len, 1, &packed_len);
    unsigned char *out = malloc(plain_len + 16);

    /* A damaged byte in the middle (20 places): corrupt, on every path. */
    rng_state = 3;
    for (unsigned t = 0; t < 20; t++) {
        size_t at = packed_len / 4 + rnd() % (packed_len / 2);
        unsigned char was = packed[at];
        packed[at] ^= (unsigned char)(1 + rnd() % 255);
        run_result r = decode(2, packed, packed_len, out, plain_len + 16, 65536, 1 << 20);
        CHECK(r.result == CODEC_FAILED);
        CHECK_CONTAINS(r.message, "bzip2: compressed data is corrupt");
        CHECK(r.out_len < plain_len && memcmp(out, plain, r.out_len / 2) == 0);
        check_same_as_serial("damaged byte", packed, packed_len, plain_len + 16, 2, 65536,
                             1 << 20, NULL, 0);
        packed[at] = was;
    }

    /* The combined CRC after the end magic: each block's own CRC is right, the stream's
     * is not. */
    bz2_scanner sc;
    bz2_scanner_init(&sc);
    uint64_t at = 0, eos = 0;
    bz2_magic kind;
    for (uint64_t from = 0; bz2_scanner_find(&sc, packed, packed_len, from, &at, &kind);
         from = at + 1)
        if (kind == BZ2_STREAM_END) eos = at;
    CHECK(eos > 0 && (eos + 80 + 7) / 8 == packed_len);
    put_bits(packed, eos + 48 + 5, !bz2_bits(&(bz2_bytes){packed, 0}, eos + 53, 1), 1);
    run_result r = decode(2, packed, packed_len, out, plain_len + 16, 65536, 1 << 20);
    CHECK(r.result == CODEC_FAILED);
    CHECK_CONTAINS(r.message, "bzip2: compressed data is corrupt");
    CHECK_U64(r.out_len, plain_len);   /* every block was right */
    check_same_as_serial("combined CRC", packed, packed_len, plain_len + 16, 3, 4096, 4096,
                         NULL, 0);
    put_bits(packed, eos + 48 + 5, !bz2_bits(&(bz2_bytes){packed, 0}, eos + 53, 1), 1);

    /* Cut anywhere: wants more (the stream source says the file is cut short), having
     * written the blocks before the cut (all but one whose end lies in the cut file's
     * last 7 bits, which libbz2 alone writes). */
    const size_t cuts[] = {1, 3, 4, 5, 9, 10, 14, 100, packed_len / 3, packed_len / 2 + 1,
                           packed_len - 11, packed_len - 10, packed_len - 5, packed_len - 1};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        r = decode(2, packed, cuts[c], out, plain_len + 16, 65536, 1 << 20);
        CHECK(r.result == CODEC_MORE);
        CHECK(memcmp(out, plain, r.out_len) == 0);
        char what[64];
        snprintf(what, sizeof what, "cut at %zu", cuts[c]);
        check_like_serial(what, packed, cuts[c], plain_len + 16, 2, 777, 1 << 20, NULL, 0,
                          100000);
    }
    free(out);
    free(packed);
    free(plain);
}

/* Two streams swapped block for block would keep every block CRC right: only the
 * combined CRC tells. Built here from two files' blocks, bit by bit. */
static void test_blocks_out_of_order(void)
{
    size_t plain_len = 250000, packed_len;
    unsigned char *plain = make_data(DATA_TEXT, plain_len, 91);
    unsigned char *packed = bz2_compress(plain, plain_len, 1, &packed_len);
    bz2_scanner sc;
    bz2_scanner_init(&sc);
    uint64_t marks[8];
    unsigned n = 0;
    bz2_magic kind;
    for (uint64_t from = 0, at; n < 8 && bz2_scanner_find(&sc, packed, packed_len, from, &at, &kind);
         from = at + 1)
        marks[n++] = at;
    CHECK(n == 4);   /* three blocks and the end */
    if (n != 4) return;
    /* Blocks 1 and 2 (of 0, 1, 2) swapped. */
    unsigned char *swapped = calloc(packed_len + 8, 1);
    const bz2_bytes src = {packed, 0};
    uint64_t w = 0;
    const uint64_t order[][2] = {{0, marks[0]}, {marks[0], marks[1]}, {marks[2], marks[3]},
                                 {marks[1], marks[2]}, {marks[3], (uint64_t)packed_len * 8}};
    for (size_t i = 0; i < 5; i++)
        for (uint64_t b = order[i][0]; b < order[i][1]; b++) put_bits(swapped, w++, bz2_bits(&src, b, 1), 1);
    CHECK_U64((w + 7) / 8, packed_len);
    unsigned char *out = malloc(plain_len + 16);
    run_result r = decode(2, swapped, packed_len, out, plain_len + 16, 65536, 1 << 20);
    CHECK(r.result == CODEC_FAILED);
    CHECK_CONTAINS(r.message, "bzip2: compressed data is corrupt");
    check_same_as_serial("blocks swapped", swapped, packed_len, plain_len + 16, 2, 65536,
                         1 << 20, NULL, 0);
    free(out);
    free(swapped);
    free(packed);
    free(plain);
}

static void test_one_byte_buffers(void)
{
    size_t plain_len = 260000, packed_len;   /* three blocks at level 1 */
    unsigned char *plain = make_data(DATA_TEXT, plain_len, 12);
    unsigned char *packed = bz2_compress(plain, plain_len, 1, &packed_len);
    unsigned char *two = dup_bytes(packed, packed_len);
    size_t two_len = packed_len;
    two = concat(two, &two_len, packed, packed_len);   /* and a second stream */
    unsigned char *both = dup_bytes(plain, plain_len);
    size_t both_len = plain_len;
    both = concat(both, &both_len, plain, plain_len);
    check_same_as_serial("1-byte in and out", two, two_len, both_len + 16, 2, 1, 1, both,
                         both_len);
    check_same_as_serial("1-byte in", two, two_len, both_len + 16, 3, 1, 1 << 20, both, both_len);
    check_same_as_serial("1-byte out", two, two_len, both_len + 16, 2, 1 << 20, 1, both,
                         both_len);
    free(both);
    free(two);
    free(packed);
    free(plain);
}

/* A caller that stops (a cancel, an error further on, a verify that starts again):
 * freeing the decoder joins its workers wherever they are, leaving no thread. */
static void test_free_while_decoding(void)
{
    size_t zeros_len, text_len, plain_len = 3000000;
    unsigned char *zeros = compress_zeros(100 * MiB, 9, &zeros_len);
    unsigned char *plain = make_data(DATA_MIXED, plain_len, 8);
    unsigned char *text = bz2_compress(plain, plain_len, 1, &text_len);
    unsigned char *out = malloc(MiB);
    int threads_before = di_process_thread_count();
    const size_t stops[] = {0, 1, 1000, 300000, 3 * MiB, 50 * MiB};
    for (unsigned threads = 2; threads <= 4; threads++)
        for (size_t s = 0; s < sizeof stops / sizeof stops[0]; s++)
            for (int which = 0; which < 2; which++) {
                const unsigned char *in = which ? text : zeros;
                size_t in_len = which ? text_len : zeros_len, pos = 0, made = 0;
                decoder *dec = decoder_new_bzip2(threads);
                codec_failure why;
                uint64_t t0 = di_now_ns();
                while (made < stops[s]) {
                    size_t n_in = in_len - pos < 65536 ? in_len - pos : 65536;
                    size_t room = stops[s] - made < MiB ? stops[s] - made : MiB;
                    codec_buffers io = {.in = in + pos, .in_len = n_in,
                                        .input_ended = pos + n_in == in_len, .out = out,
                                        .out_len = room};
                    codec_result r = dec->ops->step(dec, &io, &why);
                    pos += io.in_used;
                    made += io.out_made;
                    if (r != CODEC_MORE) break;
                }
                decoder_free(dec);
                /* Within a block's decode (well under a second), not a hang. */
                CHECK(di_now_ns() - t0 < 20ull * 1000 * 1000 * 1000);
            }
    if (threads_before > 0) CHECK_U64(di_process_thread_count(), threads_before);
    free(out);
    free(text);
    free(plain);
    free(zeros);
}

static const test_case tests[] = {
    {"scanner_finds_magics_at_every_shift", test_scanner_finds_magics_at_every_shift},
    {"copy_bits_realigns", test_copy_bits_realigns},
    {"round_trips_levels_and_kinds", test_round_trips_levels_and_kinds},
    {"streams_and_trailing_bytes", test_streams_and_trailing_bytes},
    {"zero_blocks_memory_bounded", test_zero_blocks_memory_bounded},
    {"chance_magic_inside_a_block", test_chance_magic_inside_a_block},
    {"damaged_files", test_damaged_files},
    {"blocks_out_of_order", test_blocks_out_of_order},
    {"one_byte_buffers", test_one_byte_buffers},
    {"free_while_decoding", test_free_while_decoding},
};

TEST_MAIN(tests)
