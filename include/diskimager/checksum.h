/* Checksums the user already has: a hash typed in (--expect, the GUI's Expected hash
 * box) or a checksum file published beside the image (pi.img.sha256, SHA256SUMS,
 * MD5SUMS, ...), in coreutils or BSD format. Checksum files are untrusted input: the
 * parser is strict and bounded. */
#ifndef DISKIMAGER_CHECKSUM_H
#define DISKIMAGER_CHECKSUM_H

#include <stdbool.h>
#include <stddef.h>

#include "diskimager/hash.h"
#include "diskimager/status.h"

typedef struct di_expected_hash {
    bool present;
    di_hash_alg alg;
    char hex[DI_HASH_HEX_MAX];   /* lowercase */
    char source[DI_PATH_MAX];    /* the checksum file it came from, "" if typed */
} di_expected_hash;

/* A hex digest: the algorithm follows from its length (32 md5, 40 sha1, 64 sha256,
 * 128 sha512). Upper or lower case; surrounding blanks ignored. */
bool di_expected_from_hex(const char *text, di_expected_hash *out);

/* One line of a checksum file: "<hex>  name", "<hex> *name" (coreutils) or
 * "SHA256 (name) = <hex>" (BSD). name is "" when the line has none. Returns false for
 * anything else (comments, blank lines, garbage). */
bool di_checksum_parse_line(const char *line, di_hash_alg *alg, char hex[DI_HASH_HEX_MAX],
                            char *name, size_t name_size);

/* The digest for the file called image_name in a checksum file's text. A file with a
 * single nameless digest (pi.img.md5 holding just the hex) counts too. When the file's
 * own name says the algorithm (MD5SUMS, .sha256), entries of another length are
 * ignored: pass alg_hint as that algorithm, or DI_HASH_COUNT for any. */
bool di_checksum_find_in_text(const char *text, size_t len, const char *image_name,
                              di_hash_alg alg_hint, di_expected_hash *out);

/* Looks beside the image for IMAGE.md5, .sha1, .sha256, .sha256sum, .sha512, .sha512sum
 * and, in its folder, SHA256SUMS, SHA512SUMS, SHA1SUMS, MD5SUMS; the first one naming
 * the image wins. Returns false (out->present false) when there is none. */
bool di_checksum_find_sidecar(const char *image_path, di_expected_hash *out);

#endif
