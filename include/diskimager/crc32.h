/* The standard CRC-32 (reflected 0xEDB88320, as zip, gzip and GPT use it), the core's
 * only one: zlib's crc32() behind it. (bzip2's CRC is another, MSB-first one: it stays
 * in src/core/codec/bzip2_block_decode.c.) */
#ifndef DISKIMAGER_CRC32_H
#define DISKIMAGER_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 of len bytes: di_crc32("123456789", 9) is 0xCBF43926. */
uint32_t di_crc32(const void *data, size_t len);
/* Carries on a CRC-32 over more bytes: crc is 0 at first, then what the last call
 * returned, so di_crc32_update(di_crc32(a, n), b, m) is the CRC-32 of a then b. */
uint32_t di_crc32_update(uint32_t crc, const void *data, size_t len);

#endif
