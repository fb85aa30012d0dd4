/* The digests of a file as stored (a .img.xz, a .zip or a .tar as downloaded, for a
 * published sum of it), taken by the layer that reads it, on its first pass and in
 * file order: the bytes the layer reads and what lies between and after them (headers,
 * other members), each byte once however often the layer goes back. Internal to the
 * core. */
#ifndef DISKIMAGER_STORED_DIGEST_H
#define DISKIMAGER_STORED_DIGEST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/device.h"
#include "diskimager/hash.h"

typedef struct stored_digest {
    di_hasher **hashers;    /* DI_HASH_COUNT entries, NULL where not wanted; NULL: none */
    uint64_t upto;          /* bytes of the file hashed so far */
    bool hashing;           /* the first pass is still going */
    bool done;              /* the whole file was hashed */
} stored_digest;

/* hashers may be NULL, or hold no hasher: then nothing is hashed. */
void stored_digest_init(stored_digest *d, di_hasher **hashers);
/* The layer has just read len bytes of the file at offset at: hashes the part of them
 * the digest has not seen, when they continue where it stands. */
void stored_digest_saw(stored_digest *d, uint64_t at, const void *bytes, size_t len);
/* Reads and hashes the file from where the digest stands up to end: what the layer
 * skipped. cancel (may be NULL) stops it between pieces. */
di_status stored_digest_upto(stored_digest *d, di_device *file, uint64_t end, atomic_bool *cancel,
                             di_error *error);
/* The layer has hashed the file to its end: the first pass is over. */
void stored_digest_end(stored_digest *d);

#endif
