/* Message digests computed over a stream, several at once, through OpenSSL EVP. */
#ifndef DISKIMAGER_HASH_H
#define DISKIMAGER_HASH_H

#include <stdbool.h>
#include <stddef.h>

typedef enum di_hash_alg {
    DI_HASH_MD5 = 0,
    DI_HASH_SHA1,
    DI_HASH_SHA256,
    DI_HASH_SHA512,
    DI_HASH_COUNT
} di_hash_alg;

#define DI_HASH_BIT(alg) (1u << (alg))
#define DI_HASH_HEX_MAX 129 /* sha512: 128 hex digits + NUL */

/* "md5", "sha1", "sha256", "sha512". */
const char *di_hash_name(di_hash_alg alg);
/* Accepts the names above, case-insensitive, and "sha-1", "sha-256", "sha-512". */
bool di_hash_from_name(const char *name, di_hash_alg *alg);

typedef struct di_hasher di_hasher;

di_hasher *di_hasher_new(di_hash_alg alg);
bool di_hasher_update(di_hasher *hasher, const void *data, size_t len);
/* Writes the lowercase hex digest into hex (DI_HASH_HEX_MAX bytes). */
bool di_hasher_final_hex(di_hasher *hasher, char hex[DI_HASH_HEX_MAX]);
void di_hasher_free(di_hasher *hasher);

#endif
