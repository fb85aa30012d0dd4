/* One bzip2 block decoded on its own, from its bits: our own decoder, faster than
 * libbz2's (table-driven Huffman codes, a 64-bit bit buffer, a tight inverse BWT walk
 * and a slicing-by-8 CRC), so the parallel decoder's workers keep up with lbzip2.
 *
 * Two phases. bz2_block_parse reads the block's header, tables and symbols and builds
 * the inverse-BWT vector; it reads only bits in [start_bit, end_bit) (the bytes holding
 * them), and says whether the block ended inside them. bz2_block_output then writes the
 * block's bytes in pieces of any size (a block of zeros decodes to about 45 MB) and
 * checks the block's CRC at its end.
 *
 * One decoder (about 3.7 MB, for blocks of any level) is allocated once per worker and
 * reused for every block: nothing is allocated per block. Randomised blocks (written
 * only by bzip2 0.9.0) and over-subscribed Huffman code lengths (no real encoder writes
 * them, libbz2 decodes them) are left to libbz2 (BZ2_BLOCK_UNSUPPORTED). Internal to
 * the core. */
#ifndef DISKIMAGER_BZIP2_BLOCK_DECODE_H
#define DISKIMAGER_BZIP2_BLOCK_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "bzip2_blocks.h"

typedef enum bz2_block_status {
    BZ2_BLOCK_OK = 0,          /* parse: the block is whole; output: all out, CRC good */
    BZ2_BLOCK_NEED_MORE,       /* parse: the block runs past end_bit */
    BZ2_BLOCK_CORRUPT,         /* parse: not a valid block (or no block magic there) */
    BZ2_BLOCK_UNSUPPORTED,     /* parse: valid perhaps, but for libbz2 to decode */
    BZ2_BLOCK_MORE_OUTPUT,     /* output: room is full, call again for the rest */
    BZ2_BLOCK_BAD_CRC          /* output: all out, but the CRC does not match */
} bz2_block_status;

typedef struct bz2_block_decoder bz2_block_decoder;

/* A decoder for blocks of any level, or NULL when out of memory. */
bz2_block_decoder *bz2_block_decoder_new(void);
void bz2_block_decoder_free(bz2_block_decoder *d);
/* The bytes one decoder holds, for the callers' memory accounts. */
size_t bz2_block_decoder_memory(void);

/* Decodes the block whose 48-bit magic starts at start_bit of src (a flat array or a
 * ring, see bz2_bytes), reading no bit at or past end_bit. level is the stream's '1'..'9'.
 * On BZ2_BLOCK_OK, *block_end_bit (may be NULL) is the bit right after the block's
 * end-of-block symbol, where the next magic starts, and bz2_block_output may be called.
 * Any other status leaves nothing to output. */
bz2_block_status bz2_block_parse(bz2_block_decoder *d, const bz2_bytes *src,
                                 uint64_t start_bit, uint64_t end_bit, char level,
                                 uint64_t *block_end_bit);

/* Writes the parsed block's next bytes to out, at most room, and their count to
 * *written. BZ2_BLOCK_MORE_OUTPUT: room was filled and bytes remain. BZ2_BLOCK_OK or
 * BZ2_BLOCK_BAD_CRC: the block is all out (then further calls write nothing and say the
 * same again); so is BZ2_BLOCK_CORRUPT when its last four equal bytes lack the count
 * byte that must follow them. BZ2_BLOCK_CORRUPT also when no block is parsed. */
bz2_block_status bz2_block_output(bz2_block_decoder *d, unsigned char *out, size_t room,
                                  size_t *written);

/* The CRC stored in the parsed block's header (what the output must come to): the
 * stream's combined CRC is built from these. */
uint32_t bz2_block_stored_crc(const bz2_block_decoder *d);

#endif
