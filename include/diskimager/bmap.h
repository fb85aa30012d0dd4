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

#include "diskimager/device.h"
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

/* ---- Making a bmap: a READ with make_bmap (src/core/bmap_make.c) ----
 *
 * The map is made from the image's bytes as they stream past, in order: a block that
 * holds any byte other than zero is mapped, each run of mapped blocks is a range with
 * its SHA-256, and the text is bmaptool's format 2.0, its <BmapFileChecksum> taken as
 * bmaptool takes it (the file's SHA-256 with that value written as zeros), so
 * bmaptool copy and our own Write accept it. */

/* The block of the map, and of the holes a sparse output leaves: bmaptool's, and the
 * page and file-system block of the systems that hold images. */
#define DI_BMAP_BLOCK_SIZE 4096u
/* The ranges a map keeps. Past that many, the last one runs to the image's end (its
 * zero blocks mapped too, which is still a correct map), so memory stays bounded and the
 * file within DI_BMAP_FILE_MAX (each range's line is 133 bytes at most). */
#define DI_BMAP_MAKE_RANGES_MAX 65536u

typedef struct di_bmap_maker di_bmap_maker;

/* NULL when out of memory. */
di_bmap_maker *di_bmap_maker_new(void);
/* The image's next len bytes (the first call gives its first bytes). False when out of
 * memory. */
bool di_bmap_maker_add(di_bmap_maker *maker, const void *data, size_t len);
/* The image ended with the bytes added: the bmap's text (malloc'd, NUL-terminated, *len
 * bytes), or false when out of memory. Call once. */
bool di_bmap_maker_finish(di_bmap_maker *maker, char **text, size_t *len);
/* Once finished: the image's bytes, the bytes of the mapped blocks (the last one as far
 * as the image goes), and the ranges. */
uint64_t di_bmap_maker_image_size(const di_bmap_maker *maker);
uint64_t di_bmap_maker_mapped_bytes(const di_bmap_maker *maker);
size_t di_bmap_maker_range_count(const di_bmap_maker *maker);
/* The ranges ran past DI_BMAP_MAKE_RANGES_MAX: the last one was stretched to the end. */
bool di_bmap_maker_stretched(const di_bmap_maker *maker);
void di_bmap_maker_free(di_bmap_maker *maker);

/* Where a Read's bmap goes: beside the image, named after the image inside (pi.img.bmap
 * for pi.img and for pi.img.xz), where di_bmap_find_beside and bmaptool look. */
void di_bmap_path_for_image(const char *image_path, char *out, size_t out_size);
/* Writes text as the file at path, created or replaced, and flushes it. */
di_status di_bmap_save(const char *path, const char *text, size_t len, di_error *error);

/* A sparse output: wraps file, a regular file just created empty, so that a write leaves
 * out every block (DI_BMAP_BLOCK_SIZE, at its place in the file) whose bytes are all zero
 * there: those stay holes, which read as zeros, and take no room where the file system
 * has holes. Each byte is written once (as a READ does), so a block skipped is never one
 * that held data. The file's size is set at the end (set_size) when the image ends in
 * zeros. The wrapper owns file; NULL (file untouched) when out of memory. */
di_device *di_sparse_output_wrap(di_device *file);

#endif
