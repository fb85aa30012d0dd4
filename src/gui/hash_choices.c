#include "hash_choices.h"

const di_hash_alg hash_choices[HASH_CHOICE_COUNT] = {DI_HASH_MD5, DI_HASH_SHA1, DI_HASH_SHA256};

const char *hash_label(di_hash_alg alg)
{
    switch (alg) {
    case DI_HASH_MD5: return "MD5";
    case DI_HASH_SHA1: return "SHA-1";
    case DI_HASH_SHA256: return "SHA-256";
    case DI_HASH_SHA512: return "SHA-512";
    default: return "?";
    }
}

int hash_choice_index(int remembered)
{
    return remembered >= 0 && remembered < HASH_CHOICE_COUNT ? remembered : 0;
}
