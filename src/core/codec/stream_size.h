/* The decoded size of a compressed file where its container records it: xz in its
 * index, zstd in each frame's header. Read from the file's structure, without
 * decoding. Internal to the core. */
#ifndef DISKIMAGER_STREAM_SIZE_H
#define DISKIMAGER_STREAM_SIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "decoder.h"

/* False when the size is not recorded or the structure cannot be read: decoding
 * then finds the end (and reports what is wrong with the file). */
bool stream_size_xz(codec_read_fn read, void *ctx, uint64_t file_size, uint64_t *size);
bool stream_size_zstd(codec_read_fn read, void *ctx, uint64_t file_size, uint64_t *size);

#endif
