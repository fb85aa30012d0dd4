/* The bit-level layout of a bzip2 file, so its blocks can be decoded apart: a stream is
 * "BZh" + a level digit, then blocks, each starting with a 48-bit magic at any bit
 * offset (blocks are packed bit to bit, with no padding), then a 48-bit end-of-stream
 * magic, the stream's combined CRC and padding to a byte. Internal to the core. */
#ifndef DISKIMAGER_BZIP2_BLOCKS_H
#define DISKIMAGER_BZIP2_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BZ2_MAGIC_BITS 48u
#define BZ2_CRC_BITS 32u
#define BZ2_BLOCK_MAGIC UINT64_C(0x314159265359)   /* pi in BCD */
#define BZ2_END_MAGIC UINT64_C(0x177245385090)     /* sqrt(pi) in BCD */

typedef enum bz2_magic {
    BZ2_NO_MAGIC = 0,
    BZ2_BLOCK,              /* a block starts here */
    BZ2_STREAM_END          /* the stream ends here: its combined CRC follows */
} bz2_magic;

/* Compressed bytes by absolute position: byte i is data[i % size] (a ring buffer), or
 * data[i] when size is 0 (a flat array). */
typedef struct bz2_bytes {
    const unsigned char *data;
    uint64_t size;
} bz2_bytes;

/* count (at most 32) bits from bit position bit, most significant first, as bzip2
 * writes them. Reads only the bytes those bits lie in. */
uint32_t bz2_bits(const bz2_bytes *src, uint64_t bit, unsigned count);

/* Which magic, if any, the 48 bits at bit position bit are. */
bz2_magic bz2_magic_at(const bz2_bytes *src, uint64_t bit);

/* Finds magics at any bit offset: three table look-ups per byte rule out nearly every
 * position, the rare survivors are compared in full. */
typedef struct bz2_scanner {
    uint16_t filter[3][256];  /* bit (kind * 8 + shift): the byte fits that magic there */
} bz2_scanner;

void bz2_scanner_init(bz2_scanner *scanner);

/* The first magic starting at a bit position p >= from_bit of data[0, len) whose 48
 * bits lie inside it. False when there is none; then every position whose 48 bits lie
 * inside has been looked at. */
bool bz2_scanner_find(const bz2_scanner *scanner, const unsigned char *data, size_t len,
                      uint64_t from_bit, uint64_t *at_bit, bz2_magic *kind);

/* Copies bits [from_bit, end_bit) of src to out, starting at its first bit, at most room
 * bytes; the last byte's bits past end_bit are zeros. Returns the bytes written: the
 * caller goes on from from_bit + 8 * written. Reads only bytes holding copied bits. */
size_t bz2_copy_bits(const bz2_bytes *src, uint64_t from_bit, uint64_t end_bit,
                     unsigned char *out, size_t room);

/* The most bits a block (magic included) of a stream of level '1'..'9' is taken to
 * span: libbz2 holds at most level * 100000 bytes in a block, and its codes are at most
 * 20 bits long, so no encoder writes a block near this long. Longer is corrupt. */
uint64_t bz2_max_block_bits(char level);

#endif
