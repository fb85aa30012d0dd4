/* bzip2 test data: libbz2's own compressor (what the bzip2 tool writes). */
#ifndef DISKIMAGER_TESTS_BZ2_COMPRESS_H
#define DISKIMAGER_TESTS_BZ2_COMPRESS_H

#include <stddef.h>

/* plain compressed at level 1..9 into a new buffer (free it), its length in *out_len. */
unsigned char *bz2_compress(const unsigned char *plain, size_t len, int level, size_t *out_len);

#endif
