/* One decompressor behind one small interface, so the stream device that feeds it
 * does not care which library is at work. Internal to the core. */
#ifndef DISKIMAGER_DECODER_H
#define DISKIMAGER_DECODER_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#include "diskimager/compression.h"
#include "diskimager/status.h"

/* Reads exactly len bytes at offset of a stored file, or fails naming the offset. */
typedef di_status (*codec_read_fn)(void *ctx, uint64_t offset, void *buf, size_t len,
                                   di_error *error);

typedef struct codec_buffers {
    const unsigned char *in;
    size_t in_len;
    size_t in_used;        /* set by the step */
    bool input_ended;      /* in holds everything that is left of the stream */
    unsigned char *out;
    size_t out_len;
    size_t out_made;       /* set by the step */
} codec_buffers;

typedef enum codec_result {
    CODEC_MORE = 0,        /* call again: with more input, more room, or both */
    CODEC_END,             /* the stream (every member or frame of it) has ended */
    CODEC_FAILED           /* corrupt data or a library failure; message says which */
} codec_result;

typedef struct decoder decoder;
typedef struct decoder_ops {
    codec_result (*step)(decoder *dec, codec_buffers *io, char *message, size_t size);
    void (*free)(decoder *dec);
} decoder_ops;

struct decoder {
    const decoder_ops *ops;
};

/* NULL when out of memory (or the library refuses to start). threads: decoders that
 * can use several (xz, bzip2) use up to that many. */
decoder *decoder_new_gzip(void);
decoder *decoder_new_deflate_raw(void);   /* a zip member's deflate data */
decoder *decoder_new_stored(void);        /* a zip member stored as it is */
decoder *decoder_new_xz(unsigned threads);
decoder *decoder_new_zstd(void);
decoder *decoder_new_bzip2(unsigned threads);
decoder *decoder_new_zip_lzma(uint64_t size);  /* a zip member of method 14 */

static inline void decoder_free(decoder *dec)
{
    if (dec) dec->ops->free(dec);
}

#endif
