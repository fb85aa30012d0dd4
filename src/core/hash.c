/* Digests through OpenSSL EVP, named the way coreutils names them. */
#include "diskimager/hash.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <strings.h>

struct di_hasher {
    EVP_MD_CTX *ctx;
};

static const struct {
    const char *name;
    const char *alias;
} hash_names[DI_HASH_COUNT] = {
    [DI_HASH_MD5] = {"md5", "md5"},
    [DI_HASH_SHA1] = {"sha1", "sha-1"},
    [DI_HASH_SHA256] = {"sha256", "sha-256"},
    [DI_HASH_SHA512] = {"sha512", "sha-512"},
};

const char *di_hash_name(di_hash_alg alg)
{
    return (unsigned)alg < DI_HASH_COUNT ? hash_names[alg].name : "?";
}

bool di_hash_from_name(const char *name, di_hash_alg *alg)
{
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        if (strcasecmp(name, hash_names[i].name) == 0 ||
            strcasecmp(name, hash_names[i].alias) == 0) {
            *alg = (di_hash_alg)i;
            return true;
        }
    }
    return false;
}

static const EVP_MD *evp_for(di_hash_alg alg)
{
    switch (alg) {
    case DI_HASH_MD5: return EVP_md5();
    case DI_HASH_SHA1: return EVP_sha1();
    case DI_HASH_SHA256: return EVP_sha256();
    case DI_HASH_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

di_hasher *di_hasher_new(di_hash_alg alg)
{
    const EVP_MD *md = evp_for(alg);
    if (!md) return NULL;
    di_hasher *hasher = calloc(1, sizeof *hasher);
    if (!hasher) return NULL;
    hasher->ctx = EVP_MD_CTX_new();
    if (!hasher->ctx || EVP_DigestInit_ex(hasher->ctx, md, NULL) != 1) {
        di_hasher_free(hasher);
        return NULL;
    }
    return hasher;
}

bool di_hasher_update(di_hasher *hasher, const void *data, size_t len)
{
    return len == 0 || EVP_DigestUpdate(hasher->ctx, data, len) == 1;
}

bool di_hasher_final_hex(di_hasher *hasher, char hex[DI_HASH_HEX_MAX])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    hex[0] = '\0';
    if (EVP_DigestFinal_ex(hasher->ctx, digest, &len) != 1) return false;
    for (unsigned int i = 0; i < len && 2 * i + 2 < DI_HASH_HEX_MAX; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
        hex[2 * i + 2] = '\0';
    }
    return true;
}

void di_hasher_free(di_hasher *hasher)
{
    if (!hasher) return;
    EVP_MD_CTX_free(hasher->ctx);
    free(hasher);
}
