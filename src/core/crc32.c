/* The standard CRC-32, over zlib's (which the core links for gzip and zip anyway). */
#include "diskimager/crc32.h"

#include <limits.h>
#include <zlib.h>

uint32_t di_crc32_update(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    uLong c = crc;
    /* zlib takes a uInt length: a larger buffer goes in pieces. */
    while (len > 0) {
        uInt n = len > UINT_MAX ? UINT_MAX : (uInt)len;
        c = crc32(c, p, n);
        p += n;
        len -= n;
    }
    return (uint32_t)c;
}

uint32_t di_crc32(const void *data, size_t len)
{
    return di_crc32_update(0, data, len);
}
