/* bzip2 decoded on several threads, block by block, in bounded memory. Internal to the
 * core: decoder_new_bzip2() picks it when it has more than one thread to use. */
#ifndef DISKIMAGER_BZIP2_PARALLEL_H
#define DISKIMAGER_BZIP2_PARALLEL_H

#include <stddef.h>

#include "decoder.h"

/* NULL when out of memory. threads: how many blocks decode at once (at least 2). */
decoder *decoder_new_bzip2_parallel(unsigned threads);

/* The most memory the decoder has held at once (its ring of compressed bytes, its
 * output pieces, libbz2's state in each worker); 0 for any other decoder. For tests. */
size_t bzip2_parallel_peak_memory(const decoder *dec);

#endif
