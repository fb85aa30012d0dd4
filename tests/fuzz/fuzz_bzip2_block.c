/* libFuzzer target: our own bzip2 block decoder (bzip2_block_decode.c) on any bits after
 * a block magic. The first byte picks the level, the output step and where the block's
 * bits start in a ring (so wrapped reads are fuzzed too); the rest are the bits after the
 * magic. Parse must end with a status without reading outside its bits; output must
 * fill the room it is given while more remains, end (OK, a bad CRC, or a last run
 * without its count), and say the same again after its end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec/bzip2_block_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAGIC_BYTES 6
#define MAX_OUTPUT ((uint64_t)1 << 26)   /* 900 000 bytes, each a run of at most 256 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bz2_block_decoder *d;
    if (!d) d = bz2_block_decoder_new();
    if (!d || size < 1) return 0;
    static const unsigned char magic[MAGIC_BYTES] = {0x31, 0x41, 0x59, 0x26, 0x53, 0x59};
    const char level = (char)('1' + data[0] % 9);
    const size_t step = (size_t)1 << (data[0] >> 4 & 7) << 4;   /* 16 B .. 2 KiB */
    const size_t body = size - 1, total = MAGIC_BYTES + body;
    /* A ring exactly as long as the bits, the block starting at a rotation of it. */
    unsigned char *ring = malloc(total + 1);
    if (!ring) return 0;
    const size_t start = data[0] & 1 ? total / 2 : 0;
    for (size_t i = 0; i < total; i++) {
        size_t at = (start + i) % total;
        ring[at] = i < MAGIC_BYTES ? magic[i] : data[1 + i - MAGIC_BYTES];
    }
    const bz2_bytes src = {ring, start ? total : 0};
    uint64_t end_bit = 0;
    bz2_block_status st = bz2_block_parse(d, &src, (uint64_t)start * 8,
                                          (uint64_t)(start + total) * 8, level, &end_bit);
    if (st == BZ2_BLOCK_OK) {
        if (end_bit > (uint64_t)(start + total) * 8) abort();
        unsigned char *out = malloc(step);
        uint64_t made = 0;
        size_t n = 0;
        while (out && (st = bz2_block_output(d, out, step, &n)) == BZ2_BLOCK_MORE_OUTPUT) {
            if (n != step) abort();   /* more to come: the room was filled */
            made += n;
            if (made > MAX_OUTPUT) abort();
        }
        if (out && st != BZ2_BLOCK_OK && st != BZ2_BLOCK_BAD_CRC && st != BZ2_BLOCK_CORRUPT)
            abort();
        if (out && (bz2_block_output(d, out, step, &n) != st || n != 0)) abort();
        free(out);
    }
    free(ring);
    return 0;
}
