/* bzip2's block format, decoded (see bzip2_block_decode.h). A block is, after its
 * 48-bit magic: the block CRC (32 bits), the randomised flag (1), origPtr (24), a 16-bit
 * map of which 16-byte ranges are used and a 16-bit map for each used range, the number
 * of Huffman groups (3 bits, 2..6), the number of selectors (15 bits) and each
 * selector's MTF index in unary, then per group a 5-bit start length and per symbol
 * length deltas (1 then 0: +1, 1 then 1: -1, 0: next symbol), then the symbols, each
 * group of 50 coded with the table its selector names, up to the end-of-block symbol.
 * Symbols are RUNA/RUNB (a run of the MTF front, its length in bijective base 2), MTF
 * indexes 1.. and end-of-block; the bytes are the BWT of the block, whose output has
 * runs of 4..259 equal bytes written as 4 bytes and a count (the initial RLE). */
#include "bzip2_block_decode.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BLOCK 900000u
#define MAX_GROUPS 6u
#define MIN_GROUPS 2u
#define MAX_ALPHA 258u               /* 256 MTF values + RUNA/RUNB - 1 + end-of-block */
#define MAX_CODE_LEN 20u
#define GROUP_SIZE 50u
#define MAX_SELECTORS 18002u         /* (900000 + 1) / 50 + 1: what a real block needs */
#define MAX_RUN_SHIFT 21u            /* longer run codes overflow any block */
#define LUT_BITS 11u                 /* nearly every code is this short or shorter */
#define LUT_LEN_MASK 31u
#define LUT_SYM_SHIFT 5u
#define REFILL_BELOW 32u             /* bits kept in the buffer: a code and more */
#define RLE_RUN 4u                   /* equal bytes then a count byte */
#define NO_BYTE 256u

/* Reads bits MSB first from a flat array or a ring, never a byte past the last one that
 * holds a bit below end_bit; past it, zero bits stand in (pos() tells the caller it went
 * too far). buf holds count valid bits at its top; the bits below them are either zero
 * or the stream's own next bits, so OR-ing a byte in again is harmless. */
typedef struct bit_reader {
    uint64_t buf;
    unsigned count;
    const unsigned char *cur, *seg_end;  /* the readable bytes, contiguous */
    const unsigned char *ring;           /* the ring's start, to wrap to */
    uint64_t ring_size;
    uint64_t after_seg;                  /* readable bytes after the wrap */
    uint64_t next_byte;                  /* absolute index of cur (zeros counted too) */
} bit_reader;

typedef struct huff_table {
    uint16_t lut[1u << LUT_BITS];        /* sym << 5 | len, or 0: longer (or no) code */
    uint32_t limit[MAX_CODE_LEN + 1];    /* the first code of each length past its codes */
    uint32_t first[MAX_CODE_LEN + 1];    /* the first code of each length */
    uint16_t base[MAX_CODE_LEN + 1];     /* where each length's symbols start in perm */
    uint16_t perm[MAX_ALPHA];            /* symbols by (length, value) */
    unsigned max_len;
} huff_table;

struct bz2_block_decoder {
    uint32_t crc_table[8][256];          /* slicing-by-8, built once per decoder */
    /* The BWT bytes as the symbols give them, one per entry's low 8 bits; then the
     * inverse BWT adds to each entry the row that follows it, << 8. */
    uint32_t *tt;
    uint8_t selectors[MAX_SELECTORS];
    unsigned selector_count;
    huff_table tables[MAX_GROUPS];
    unsigned group_count;
    unsigned char used[256];             /* the used byte values, in order */
    unsigned used_count;
    uint32_t counts[256];
    uint32_t stored_crc, orig_ptr, size;
    bool parsed;
    /* Output, resumable: */
    uint32_t pos, left;                  /* the walk's row, BWT bytes still to take */
    unsigned last, equal;                /* the last byte out, how many equal in a row */
    unsigned pending;                    /* copies of last still owed by a count byte */
    uint32_t crc;
    bool done;
};

/* ---- CRC: bzip2's CRC-32 (0x04c11db7, MSB first), eight bytes per step ---- */

static void bz2_crc_init_tables(uint32_t t[8][256])
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i << 24;
        for (int k = 0; k < 8; k++) c = c & 0x80000000u ? c << 1 ^ 0x04c11db7u : c << 1;
        t[0][i] = c;
    }
    /* t[k][i]: byte i followed by k zero bytes. */
    for (unsigned k = 1; k < 8; k++)
        for (unsigned i = 0; i < 256; i++)
            t[k][i] = t[k - 1][i] << 8 ^ t[0][t[k - 1][i] >> 24];
}

static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t load_be64(const unsigned char *p)
{
    return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

static uint32_t bz2_crc_update(const uint32_t t[8][256], uint32_t crc, const unsigned char *p,
                           size_t n)
{
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t a = crc ^ load_be32(p), b = load_be32(p + 4);
        crc = t[7][a >> 24] ^ t[6][a >> 16 & 0xff] ^ t[5][a >> 8 & 0xff] ^ t[4][a & 0xff] ^
              t[3][b >> 24] ^ t[2][b >> 16 & 0xff] ^ t[1][b >> 8 & 0xff] ^ t[0][b & 0xff];
    }
    for (; n; n--, p++) crc = crc << 8 ^ t[0][(crc >> 24) ^ *p];
    return crc;
}

/* ---- Decoder memory ---- */

bz2_block_decoder *bz2_block_decoder_new(void)
{
    bz2_block_decoder *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->tt = malloc(MAX_BLOCK * sizeof *d->tt);
    if (!d->tt) {
        bz2_block_decoder_free(d);
        return NULL;
    }
    bz2_crc_init_tables(d->crc_table);
    return d;
}

size_t bz2_block_decoder_memory(void)
{
    return sizeof(bz2_block_decoder) + MAX_BLOCK * sizeof(uint32_t);
}

void bz2_block_decoder_free(bz2_block_decoder *d)
{
    if (!d) return;
    free(d->tt);
    free(d);
}

uint32_t bz2_block_stored_crc(const bz2_block_decoder *d)
{
    return d->stored_crc;
}

/* ---- Bits ---- */

static void reader_init(bit_reader *r, const bz2_bytes *src, uint64_t start_bit,
                        uint64_t end_bit)
{
    uint64_t first = start_bit >> 3, total = ((end_bit + 7) >> 3) - first;
    uint64_t at = src->size ? first % src->size : first;
    uint64_t contiguous = src->size && src->size - at < total ? src->size - at : total;
    r->buf = 0;
    r->count = 0;
    r->ring = src->data;
    r->ring_size = src->size;
    r->cur = src->data + at;
    r->seg_end = r->cur + contiguous;
    r->after_seg = total - contiguous;
    r->next_byte = first;
}

/* The absolute bit position of the next unread bit. */
static uint64_t reader_pos(const bit_reader *r)
{
    return r->next_byte * 8 - r->count;
}

/* The next byte, or a zero past the readable ones; wraps the ring. */
static unsigned reader_next_byte(bit_reader *r)
{
    r->next_byte++;
    if (r->cur == r->seg_end) {
        if (!r->after_seg) return 0;
        uint64_t n = r->after_seg < r->ring_size ? r->after_seg : r->ring_size;
        r->cur = r->ring;
        r->seg_end = r->ring + n;
        r->after_seg -= n;
    }
    return *r->cur++;
}

/* Fills the buffer to at least 57 bits: eight bytes at once where they are readable. */
static inline void reader_refill(bit_reader *r)
{
    if (r->seg_end - r->cur >= 8) {
        unsigned k = (63 - r->count) >> 3;
        r->buf |= load_be64(r->cur) >> r->count;
        r->cur += k;
        r->next_byte += k;
        r->count += k << 3;
        return;
    }
    while (r->count <= 56) {
        r->buf |= (uint64_t)reader_next_byte(r) << (56 - r->count);
        r->count += 8;
    }
}

static inline void reader_skip(bit_reader *r, unsigned n)
{
    r->buf <<= n;
    r->count -= n;
}

/* n (1..32) bits, most significant first. */
static uint32_t reader_bits(bit_reader *r, unsigned n)
{
    if (r->count < n) reader_refill(r);
    uint32_t v = (uint32_t)(r->buf >> (64 - n));
    reader_skip(r, n);
    return v;
}

/* ---- Header and tables ---- */

static bz2_block_status read_used_bytes(bz2_block_decoder *d, bit_reader *r)
{
    unsigned ranges = reader_bits(r, 16);
    d->used_count = 0;
    for (unsigned i = 0; i < 16; i++) {
        if (!(ranges >> (15 - i) & 1)) continue;
        unsigned bytes = reader_bits(r, 16);
        for (unsigned j = 0; j < 16; j++)
            if (bytes >> (15 - j) & 1) d->used[d->used_count++] = (unsigned char)(i * 16 + j);
    }
    return d->used_count ? BZ2_BLOCK_OK : BZ2_BLOCK_CORRUPT;
}

/* The selectors, MTF-coded in unary. Beyond MAX_SELECTORS they are read and dropped
 * (as libbz2 does): no block has symbols for them. */
static bz2_block_status read_selectors(bz2_block_decoder *d, bit_reader *r)
{
    d->group_count = reader_bits(r, 3);
    if (d->group_count < MIN_GROUPS || d->group_count > MAX_GROUPS) return BZ2_BLOCK_CORRUPT;
    unsigned count = reader_bits(r, 15);
    if (!count) return BZ2_BLOCK_CORRUPT;
    uint8_t mtf[MAX_GROUPS] = {0, 1, 2, 3, 4, 5};
    for (unsigned i = 0; i < count; i++) {
        unsigned j = 0;
        while (reader_bits(r, 1))
            if (++j >= d->group_count) return BZ2_BLOCK_CORRUPT;
        uint8_t g = mtf[j];
        for (; j; j--) mtf[j] = mtf[j - 1];
        mtf[0] = g;
        if (i < MAX_SELECTORS) d->selectors[i] = g;
    }
    d->selector_count = count < MAX_SELECTORS ? count : MAX_SELECTORS;
    return BZ2_BLOCK_OK;
}

/* One group's code lengths, delta-coded; each must stay in 1..20. */
static bz2_block_status read_code_lengths(bit_reader *r, unsigned alpha, uint8_t *lengths)
{
    unsigned len = reader_bits(r, 5);
    for (unsigned s = 0; s < alpha; s++) {
        for (;;) {
            if (len < 1 || len > MAX_CODE_LEN) return BZ2_BLOCK_CORRUPT;
            if (!reader_bits(r, 1)) break;
            len = reader_bits(r, 1) ? len - 1 : len + 1;
        }
        lengths[s] = (uint8_t)len;
    }
    return BZ2_BLOCK_OK;
}

/* Canonical codes: by length, then by symbol, counting up. Lengths that claim more
 * codes than there are (no prefix code, no encoder writes them) are libbz2's to decode:
 * it does not check them and decodes what such a table can reach, so a file that uses
 * one is still bzip2 to `bzip2 -d`. Fewer, an incomplete code, is accepted as libbz2
 * does (an unassigned code met is corrupt). */
static bz2_block_status build_table(huff_table *t, const uint8_t *lengths, unsigned alpha)
{
    unsigned per_len[MAX_CODE_LEN + 1] = {0};
    for (unsigned s = 0; s < alpha; s++) per_len[lengths[s]]++;
    uint32_t code = 0;
    unsigned index = 0, next_index[MAX_CODE_LEN + 1];
    t->max_len = 0;
    for (unsigned len = 1; len <= MAX_CODE_LEN; len++) {
        t->first[len] = code;
        t->base[len] = (uint16_t)index;
        next_index[len] = index;
        code += per_len[len];
        index += per_len[len];
        t->limit[len] = code;
        if (code > (UINT32_C(1) << len)) return BZ2_BLOCK_UNSUPPORTED;
        if (per_len[len]) t->max_len = len;
        code <<= 1;
    }
    for (unsigned s = 0; s < alpha; s++) t->perm[next_index[lengths[s]]++] = (uint16_t)s;
    memset(t->lut, 0, sizeof t->lut);
    for (unsigned i = 0; i < alpha; i++) {
        unsigned s = t->perm[i], len = lengths[s];
        if (len > LUT_BITS) break;             /* perm is by length: the rest are longer */
        uint32_t c = t->first[len] + (i - t->base[len]);
        unsigned shift = LUT_BITS - len;
        uint16_t entry = (uint16_t)(s << LUT_SYM_SHIFT | len);
        for (uint32_t e = c << shift; e < (c + 1) << shift; e++) t->lut[e] = entry;
    }
    return BZ2_BLOCK_OK;
}

static bz2_block_status read_tables(bz2_block_decoder *d, bit_reader *r)
{
    unsigned alpha = d->used_count + 2;
    uint8_t lengths[MAX_ALPHA];
    for (unsigned g = 0; g < d->group_count; g++) {
        bz2_block_status st = read_code_lengths(r, alpha, lengths);
        if (st == BZ2_BLOCK_OK) st = build_table(&d->tables[g], lengths, alpha);
        if (st != BZ2_BLOCK_OK) return st;
    }
    return BZ2_BLOCK_OK;
}

static bz2_block_status read_header(bz2_block_decoder *d, bit_reader *r)
{
    uint64_t magic = (uint64_t)reader_bits(r, 24) << 24;
    magic |= reader_bits(r, 24);
    if (magic != BZ2_BLOCK_MAGIC) return BZ2_BLOCK_CORRUPT;
    d->stored_crc = reader_bits(r, 32);
    if (reader_bits(r, 1)) return BZ2_BLOCK_UNSUPPORTED;   /* randomised */
    d->orig_ptr = reader_bits(r, 24);
    bz2_block_status st = read_used_bytes(d, r);
    if (st == BZ2_BLOCK_OK) st = read_selectors(d, r);
    if (st == BZ2_BLOCK_OK) st = read_tables(d, r);
    return st;
}

/* ---- Symbols ---- */

/* A code longer than the look-up table: the canonical codes, length by length. */
static int decode_long_code(const huff_table *t, uint64_t buf, unsigned *len)
{
    for (unsigned n = LUT_BITS + 1; n <= t->max_len; n++) {
        uint32_t code = (uint32_t)(buf >> (64 - n));
        if (code < t->limit[n]) {
            *len = n;
            return t->perm[t->base[n] + (code - t->first[n])];
        }
    }
    return -1;
}

/* Moves mtf[i] to the front and returns it. Low indexes are by far the most common and
 * a byte loop beats a call for them; memmove is faster for the long shifts. */
static inline unsigned mtf_take(unsigned char *mtf, unsigned i)
{
    unsigned char b = mtf[i];
    if (i < 16) {
        for (; i; i--) mtf[i] = mtf[i - 1];
    } else {
        memmove(mtf + 1, mtf, i);
    }
    mtf[0] = b;
    return b;
}

/* The symbols into d->tt's low bytes, their bytes counted. The reader is a local copy so its
 * fields stay in registers. */
static bz2_block_status decode_symbols(bz2_block_decoder *d, bit_reader *reader,
                                       uint64_t end_bit, uint32_t max_size)
{
    bit_reader r = *reader;
    unsigned char mtf[256];
    memcpy(mtf, d->used, d->used_count);
    uint32_t *counts = d->counts;
    memset(counts, 0, sizeof d->counts);
    uint32_t *block = d->tt;
    const unsigned eob = d->used_count + 1;
    const huff_table *t = NULL;
    uint32_t n = 0, run = 0;
    unsigned run_shift = 0, group_left = 0, selector = 0;
    bz2_block_status st = BZ2_BLOCK_CORRUPT;
    for (;;) {
        if (!group_left) {
            if (reader_pos(&r) > end_bit) {
                st = BZ2_BLOCK_NEED_MORE;
                break;
            }
            if (selector >= d->selector_count) break;
            t = &d->tables[d->selectors[selector++]];
            group_left = GROUP_SIZE;
        }
        group_left--;
        if (r.count < REFILL_BELOW) reader_refill(&r);
        unsigned e = t->lut[r.buf >> (64 - LUT_BITS)], len = e & LUT_LEN_MASK, sym;
        if (len) {
            sym = e >> LUT_SYM_SHIFT;
        } else {
            int s = decode_long_code(t, r.buf, &len);
            if (s < 0) {
                /* Judged on the bits looked at: past end_bit, the block needs more. */
                reader_skip(&r, t->max_len > LUT_BITS ? t->max_len : LUT_BITS);
                break;
            }
            sym = (unsigned)s;
        }
        reader_skip(&r, len);
        if (sym <= 1) {                          /* RUNA (1) or RUNB (2), times 2^shift */
            if (run_shift >= MAX_RUN_SHIFT) break;
            run += (sym + 1) << run_shift++;
            continue;
        }
        if (run) {
            if (run > max_size - n) break;
            unsigned char b = mtf[0];
            for (uint32_t k = 0; k < run; k++) block[n + k] = b;
            counts[b] += run;
            n += run;
            run = 0;
            run_shift = 0;
        }
        if (sym == eob) {
            st = BZ2_BLOCK_OK;
            break;
        }
        if (n >= max_size) break;
        unsigned char b = (unsigned char)mtf_take(mtf, sym - 1);
        block[n++] = b;
        counts[b]++;
    }
    *reader = r;
    d->size = n;
    return st;
}

/* Row i's byte sits in tt[i]; i goes into the upper bits of tt[j], j being row i's
 * place once the rows are sorted by their first byte (a stable counting sort). The
 * walk starts at the row in origPtr's place; each entry then gives a byte and the row
 * whose byte comes next. */
static void build_inverse_bwt(bz2_block_decoder *d)
{
    uint32_t next[256], sum = 0;
    for (unsigned b = 0; b < 256; b++) {
        next[b] = sum;
        sum += d->counts[b];
    }
    uint32_t *tt = d->tt;
    for (uint32_t i = 0; i < d->size; i++) tt[next[tt[i] & 0xff]++] |= i << 8;
}

static void output_reset(bz2_block_decoder *d)
{
    d->pos = d->tt[d->orig_ptr] >> 8;
    d->left = d->size;
    d->last = NO_BYTE;
    d->equal = 0;
    d->pending = 0;
    d->crc = 0xffffffffu;
    d->done = false;
}

bz2_block_status bz2_block_parse(bz2_block_decoder *d, const bz2_bytes *src,
                                 uint64_t start_bit, uint64_t end_bit, char level,
                                 uint64_t *block_end_bit)
{
    d->parsed = false;
    if (level < '1' || level > '9' || end_bit < start_bit) return BZ2_BLOCK_CORRUPT;
    if (end_bit - start_bit < BZ2_MAGIC_BITS) return BZ2_BLOCK_NEED_MORE;
    bit_reader r;
    reader_init(&r, src, start_bit, end_bit);
    reader_refill(&r);
    reader_skip(&r, (unsigned)(start_bit & 7));
    bz2_block_status st = read_header(d, &r);
    /* A header cut short is read with zeros past end_bit: whatever it made of them,
     * the block needs more bits. */
    if (reader_pos(&r) > end_bit) return BZ2_BLOCK_NEED_MORE;
    if (st != BZ2_BLOCK_OK) return st;
    st = decode_symbols(d, &r, end_bit, (uint32_t)(level - '0') * 100000u);
    if (reader_pos(&r) > end_bit) return BZ2_BLOCK_NEED_MORE;
    if (st != BZ2_BLOCK_OK) return st;
    if (d->orig_ptr >= d->size) return BZ2_BLOCK_CORRUPT;
    build_inverse_bwt(d);
    output_reset(d);
    d->parsed = true;
    if (block_end_bit) *block_end_bit = reader_pos(&r);
    return BZ2_BLOCK_OK;
}

/* ---- Output ---- */

/* The walk, with the initial RLE undone: after four equal bytes the next BWT byte is
 * how many more copies follow. Stops when out is full or the block is all out. */
static unsigned char *walk(bz2_block_decoder *d, unsigned char *out, unsigned char *end)
{
    const uint32_t *tt = d->tt;
    uint32_t pos = d->pos, left = d->left;
    unsigned last = d->last, equal = d->equal, pending = d->pending;
    for (;;) {
        if (pending) {
            size_t n = (size_t)(end - out) < pending ? (size_t)(end - out) : pending;
            memset(out, (int)last, n);
            out += n;
            pending -= (unsigned)n;
            if (pending) break;
        }
        if (out == end || !left) break;
        while (out < end && left) {
            uint32_t x = tt[pos];
            unsigned b = x & 0xff;
            pos = x >> 8;
            left--;
            if (equal == RLE_RUN) {
                pending = b;
                equal = 0;
                break;
            }
            *out++ = (unsigned char)b;
            equal = b == last ? equal + 1 : 1;
            last = b;
        }
    }
    d->pos = pos;
    d->left = left;
    d->last = last;
    d->equal = equal;
    d->pending = pending;
    return out;
}

bz2_block_status bz2_block_output(bz2_block_decoder *d, unsigned char *out, size_t room,
                                  size_t *written)
{
    *written = 0;
    if (!d->parsed) return BZ2_BLOCK_CORRUPT;
    if (!d->done) {
        unsigned char *end = walk(d, out, out + room);
        *written = (size_t)(end - out);
        d->crc = bz2_crc_update((const uint32_t(*)[256])d->crc_table, d->crc, out, *written);
        d->done = !d->left && !d->pending;
        if (!d->done) return BZ2_BLOCK_MORE_OUTPUT;
    }
    /* Four equal bytes promise a count byte after them: a block ending there is cut. */
    if (d->equal == RLE_RUN) return BZ2_BLOCK_CORRUPT;
    return ~d->crc == d->stored_crc ? BZ2_BLOCK_OK : BZ2_BLOCK_BAD_CRC;
}
