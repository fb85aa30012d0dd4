#include "bz2_compress.h"

#include <bzlib.h>
#include <stdlib.h>

#include "check.h"

unsigned char *bz2_compress(const unsigned char *plain, size_t len, int level, size_t *out_len)
{
    unsigned cap = (unsigned)(len + len / 50 + 1024);
    unsigned char *out = malloc(cap);
    int rc = BZ2_bzBuffToBuffCompress((char *)out, &cap, (char *)plain, (unsigned)len, level, 0, 0);
    CHECK(rc == BZ_OK);
    *out_len = cap;
    return out;
}
