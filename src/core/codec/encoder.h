/* One compressor behind one small interface, for the stream sink. The same buffers
 * and results as the decoders (decoder.h). Internal to the core. */
#ifndef DISKIMAGER_ENCODER_H
#define DISKIMAGER_ENCODER_H

#include "decoder.h"

typedef struct encoder encoder;
typedef struct encoder_ops {
    /* Compresses io->in into io->out. With io->input_ended, finishes the stream:
     * CODEC_END once every byte of it is out. */
    codec_result (*step)(encoder *enc, codec_buffers *io, codec_failure *why);
    void (*free)(encoder *enc);
} encoder_ops;

struct encoder {
    const encoder_ops *ops;
};

/* NULL when the library cannot start (out of memory). threads: workers for xz and
 * zstd (their output is the same format either way). */
encoder *encoder_new_gzip(void);
encoder *encoder_new_xz(unsigned threads);
/* size: the image's size when known up front (0: not), recorded in the frame header so
 * a reader can tell it without decoding. */
encoder *encoder_new_zstd(unsigned threads, uint64_t size);

static inline void encoder_free(encoder *enc)
{
    if (enc) enc->ops->free(enc);
}

#endif
