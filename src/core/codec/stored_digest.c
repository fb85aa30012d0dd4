/* A stored file's digests, taken in file order by the layer reading it. */
#include "stored_digest.h"

#define PIECE (256u << 10)

void stored_digest_init(stored_digest *d, di_hasher **hashers)
{
    *d = (stored_digest){0};
    for (unsigned i = 0; hashers && i < DI_HASH_COUNT; i++)
        if (hashers[i]) d->hashers = hashers;
    d->hashing = d->hashers != NULL;
}

static void hash_bytes(stored_digest *d, const void *bytes, size_t len)
{
    for (unsigned i = 0; i < DI_HASH_COUNT; i++)
        if (d->hashers[i]) di_hasher_update(d->hashers[i], bytes, len);
    d->upto += len;
}

void stored_digest_saw(stored_digest *d, uint64_t at, const void *bytes, size_t len)
{
    if (!d->hashing || d->upto < at || d->upto >= at + len) return;
    size_t seen = (size_t)(d->upto - at);
    hash_bytes(d, (const unsigned char *)bytes + seen, len - seen);
}

di_status stored_digest_upto(stored_digest *d, di_device *file, uint64_t end, atomic_bool *cancel,
                             di_error *error)
{
    if (!d->hashing || d->upto >= end) return DI_OK;
    unsigned char *piece = di_aligned_alloc(DI_DIRECT_ALIGNMENT, PIECE);
    if (!piece) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_HASH, file->path,
                                    DI_REASON_NONE, DI_NO_ARGS);
    di_status st = DI_OK;
    while (st == DI_OK && d->upto < end) {
        if (cancel && atomic_load(cancel)) {
            st = di_error_why(error, DI_ERR_CANCELLED, DI_OP_HASH, file->path,
                              DI_REASON_CANCELLED, DI_NO_ARGS);
            di_error_at(error, d->upto);
            break;
        }
        size_t n = end - d->upto < PIECE ? (size_t)(end - d->upto) : PIECE;
        st = di_device_read_full(file, piece, n, d->upto, NULL, error);
        if (st == DI_OK) hash_bytes(d, piece, n);
    }
    di_aligned_free(piece);
    return st;
}

void stored_digest_end(stored_digest *d)
{
    d->done = d->done || d->hashing;
    d->hashing = false;
}
