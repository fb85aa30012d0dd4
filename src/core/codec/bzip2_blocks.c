/* bzip2's bit-level layout: magics found at any bit offset, bits re-aligned to bytes. */
#include "bzip2_blocks.h"

#define MASK48 ((UINT64_C(1) << 48) - 1)

static size_t index_of(const bz2_bytes *src, uint64_t i)
{
    return (size_t)(src->size ? i % src->size : i);
}

static unsigned char byte_at(const bz2_bytes *src, uint64_t i)
{
    return src->data[index_of(src, i)];
}

uint32_t bz2_bits(const bz2_bytes *src, uint64_t bit, unsigned count)
{
    if (count == 0) return 0;
    uint64_t first = bit >> 3;
    unsigned skip = (unsigned)(bit & 7);
    unsigned bytes = (skip + count + 7) / 8;   /* at most 5 */
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++) v = v << 8 | byte_at(src, first + i);
    v >>= bytes * 8 - skip - count;
    return (uint32_t)(v & ((UINT64_C(1) << count) - 1));
}

bz2_magic bz2_magic_at(const bz2_bytes *src, uint64_t bit)
{
    uint64_t v = (uint64_t)bz2_bits(src, bit, 24) << 24 | bz2_bits(src, bit + 24, 24);
    if (v == BZ2_BLOCK_MAGIC) return BZ2_BLOCK;
    if (v == BZ2_END_MAGIC) return BZ2_STREAM_END;
    return BZ2_NO_MAGIC;
}

void bz2_scanner_init(bz2_scanner *scanner)
{
    static const uint64_t magics[2] = {BZ2_BLOCK_MAGIC, BZ2_END_MAGIC};
    for (unsigned k = 0; k < 3; k++)
        for (unsigned v = 0; v < 256; v++) scanner->filter[k][v] = 0;
    /* A magic starting at bit shift r of byte q covers bytes q+1 .. q+5 whole; byte
     * q+1+k holds its bits 8(k+1)-r .. 8(k+1)-r+7. */
    for (unsigned kind = 0; kind < 2; kind++)
        for (unsigned r = 0; r < 8; r++)
            for (unsigned k = 0; k < 3; k++) {
                unsigned v = (unsigned)(magics[kind] >> (32 - 8 * k + r)) & 0xff;
                scanner->filter[k][v] |= (uint16_t)(1u << (kind * 8 + r));
            }
}

bool bz2_scanner_find(const bz2_scanner *scanner, const unsigned char *data, size_t len,
                      uint64_t from_bit, uint64_t *at_bit, bz2_magic *kind)
{
    if (len < 6) return false;
    const uint64_t last = (uint64_t)len * 8 - BZ2_MAGIC_BITS;  /* the last position that fits */
    for (uint64_t q = from_bit >> 3; q * 8 <= last; q++) {
        /* q + 3 < len: q * 8 <= len * 8 - 48. */
        unsigned m = scanner->filter[0][data[q + 1]] & scanner->filter[1][data[q + 2]] &
                     scanner->filter[2][data[q + 3]];
        if (!m) continue;
        uint64_t x = 0;
        for (unsigned i = 0; i < 8; i++) x = x << 8 | (q + i < len ? data[q + i] : 0);
        for (unsigned r = 0; r < 8; r++) {
            uint64_t p = q * 8 + r;
            if (p < from_bit) continue;
            if (p > last) break;
            uint64_t w = (x >> (16 - r)) & MASK48;
            if ((m >> r & 1) && w == BZ2_BLOCK_MAGIC) {
                *at_bit = p;
                *kind = BZ2_BLOCK;
                return true;
            }
            if ((m >> (8 + r) & 1) && w == BZ2_END_MAGIC) {
                *at_bit = p;
                *kind = BZ2_STREAM_END;
                return true;
            }
        }
    }
    return false;
}

size_t bz2_copy_bits(const bz2_bytes *src, uint64_t from_bit, uint64_t end_bit,
                     unsigned char *out, size_t room)
{
    if (end_bit <= from_bit || room == 0) return 0;
    uint64_t total = (end_bit - from_bit + 7) / 8;
    size_t n = total < room ? (size_t)total : room;
    uint64_t q = from_bit >> 3, last_byte = (end_bit - 1) >> 3;
    unsigned r = (unsigned)(from_bit & 7);
    /* One division, then the ring's wrap by comparison: this runs over every byte. */
    size_t at = index_of(src, q), wrap = src->size ? (size_t)src->size : SIZE_MAX;
    unsigned hi = src->data[at];
    for (size_t j = 0; j < n; j++) {
        unsigned lo = 0;
        if (q + j + 1 <= last_byte) {
            if (++at == wrap) at = 0;
            lo = src->data[at];
        }
        out[j] = (unsigned char)(r ? hi << r | lo >> (8 - r) : hi);
        hi = lo;
    }
    if (n == total) {
        unsigned keep = (unsigned)((end_bit - from_bit) - (total - 1) * 8);  /* 1..8 */
        out[n - 1] &= (unsigned char)(0xff00u >> keep);
    }
    return n;
}

uint64_t bz2_max_block_bits(char level)
{
    unsigned l = level >= '1' && level <= '9' ? (unsigned)(level - '0') : 9;
    /* 20 bits per byte of the block, plus room for its tables and selectors. */
    return (uint64_t)l * 100000 * 20 + (UINT64_C(1) << 20);
}
