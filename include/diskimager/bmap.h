/* Block maps (bmaptool's .bmap files): which blocks of an image hold data, with a
 * checksum per range. A Write with one writes only those ranges, checking each
 * range's checksum as it goes, and its verify reads back only those ranges. The file
 * is untrusted input: the XML is parsed by a small, strict parser of our own, bounded
 * in size and in ranges. */
#ifndef DISKIMAGER_BMAP_H
#define DISKIMAGER_BMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/hash.h"
#include "diskimager/status.h"

#define DI_BMAP_FILE_MAX (16u << 20)
#define DI_BMAP_RANGES_MAX (1u << 20)

typedef struct di_bmap_range {
    uint64_t first, last;                 /* block numbers, inclusive */
    unsigned char digest[64];             /* binary; valid when the bmap has checksums */
    /* The range's checksum has the algorithm's length but is not hexadecimal (a damaged
     * bmap, e.g. blockmap's "X83e8..."): no data can match it, and a job that uses the
     * bmap refuses it before writing anything, naming the blocks. */
    bool digest_malformed;
} di_bmap_range;

typedef struct di_bmap {
    uint64_t image_size;
    uint32_t block_size;
    uint64_t blocks_count;
    uint64_t mapped_blocks;
    bool has_checksums;
    di_hash_alg checksum_alg;             /* sha1 (1.0 to 1.3), or <ChecksumType> (1.4, 2.x:
                                             sha256 when it is absent) */
    di_bmap_range *ranges;                /* ascending, not overlapping */
    size_t range_count;
    /* The text was PGP-clearsigned (a .bmap.asc): it was read from its signed text, and
     * the signature was not checked (no keys here; gpg --verify checks it). */
    bool signature_unchecked;
} di_bmap;

/* Parses a bmap's text (versions 1.0 to 2.x; 1.0 to 1.3 with sha1= ranges and
 * <BmapFileSHA1>, 1.4 and 2.x with chksum= ranges, <ChecksumType> and
 * <BmapFileChecksum>, as bmaptool reads them). path names it in errors, which say the
 * line and what is wrong. When the file carries its own checksum, it is checked. A text
 * that begins with "-----BEGIN PGP SIGNED MESSAGE-----" is PGP-clearsigned (RFC 4880,
 * 7): the bmap is its signed text (Hash: headers skipped, dash escapes undone, up to
 * the signature block), errors name the lines of the clearsigned file, and
 * signature_unchecked is set; a malformed envelope is refused. */
di_status di_bmap_parse(const char *text, size_t len, const char *path, di_bmap *out,
                        di_error *error);
/* Reads and parses the file at path (at most DI_BMAP_FILE_MAX bytes). */
di_status di_bmap_load(const char *path, di_bmap *out, di_error *error);
void di_bmap_free(di_bmap *bmap);

/* Bytes of a digest (16 md5 ... 64 sha512), and a hex digest of exactly that length
 * into bytes (false when it is not one). */
size_t di_bmap_digest_size(di_hash_alg alg);
bool di_bmap_digest_from_hex(const char *hex, di_hash_alg alg, unsigned char *out);

/* A bmap beside the image: IMAGE.bmap, or for pi.img.xz pi.img.bmap, or pi.bmap; at each
 * of those names a clearsigned NAME.bmap.asc when there is no NAME.bmap. */
bool di_bmap_find_beside(const char *image_path, char *out, size_t out_size);

#endif
