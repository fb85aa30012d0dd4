/* Known-answer vectors for every digest (FIPS 180 and RFC 1321 examples). */
#include <stdlib.h>

#include "check.h"
#include "diskimager/hash.h"

static void digest_of(di_hash_alg alg, const void *data, size_t len, size_t pieces,
                      char hex[DI_HASH_HEX_MAX])
{
    di_hasher *h = di_hasher_new(alg);
    CHECK(h != NULL);
    if (!h) return;
    /* Fed in pieces, as the pipeline feeds chunks. */
    size_t step = pieces ? (len + pieces - 1) / pieces : len;
    for (size_t at = 0; at < len; at += step)
        CHECK(di_hasher_update(h, (const char *)data + at, len - at < step ? len - at : step));
    CHECK(di_hasher_final_hex(h, hex));
    di_hasher_free(h);
}

typedef struct vector {
    di_hash_alg alg;
    const char *input;
    const char *hex;
} vector;

static const vector vectors[] = {
    {DI_HASH_MD5, "", "d41d8cd98f00b204e9800998ecf8427e"},
    {DI_HASH_MD5, "abc", "900150983cd24fb0d6963f7d28e17f72"},
    {DI_HASH_MD5, "message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
    {DI_HASH_SHA1, "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
    {DI_HASH_SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {DI_HASH_SHA1, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    {DI_HASH_SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {DI_HASH_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {DI_HASH_SHA512, "abc",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
    {DI_HASH_SHA512, "",
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
};

static void known_answers(void)
{
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char hex[DI_HASH_HEX_MAX];
        digest_of(vectors[i].alg, vectors[i].input, strlen(vectors[i].input), 1, hex);
        CHECK_STR(hex, vectors[i].hex);
        /* Split into pieces, the same digest. */
        digest_of(vectors[i].alg, vectors[i].input, strlen(vectors[i].input), 3, hex);
        CHECK_STR(hex, vectors[i].hex);
    }
}

static void million_a(void)
{
    size_t n = 1000000;
    char *a = malloc(n);
    CHECK(a != NULL);
    if (!a) return;
    memset(a, 'a', n);
    char hex[DI_HASH_HEX_MAX];
    digest_of(DI_HASH_MD5, a, n, 7, hex);
    CHECK_STR(hex, "7707d6ae4e027c70eea2a935c2296f21");
    digest_of(DI_HASH_SHA1, a, n, 7, hex);
    CHECK_STR(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    digest_of(DI_HASH_SHA256, a, n, 7, hex);
    CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static void names(void)
{
    di_hash_alg alg;
    CHECK(di_hash_from_name("MD5", &alg) && alg == DI_HASH_MD5);
    CHECK(di_hash_from_name("sha-1", &alg) && alg == DI_HASH_SHA1);
    CHECK(di_hash_from_name("SHA256", &alg) && alg == DI_HASH_SHA256);
    CHECK(di_hash_from_name("sha512", &alg) && alg == DI_HASH_SHA512);
    CHECK(!di_hash_from_name("crc32", &alg));
    CHECK_STR(di_hash_name(DI_HASH_SHA256), "sha256");
}

static const test_case tests[] = {
    {"known_answers", known_answers},
    {"million_a", million_a},
    {"names", names},
};
TEST_MAIN(tests)
