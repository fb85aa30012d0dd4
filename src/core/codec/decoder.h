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
    CODEC_FAILED           /* corrupt data or a library failure; the codec_failure says which */
} codec_result;

/* Why a step failed, as data (a codec makes no sentence): a reason of
 * reasons/codec.def whose {0} is the codec, {1} a number or the library's own words
 * when the reason takes one, and the last the bytes of image decoded before it. */
typedef struct codec_failure {
    di_reason reason;           /* DI_REASON_CODEC_*, ZIP_LZMA_*, ENCODE_* */
    const char *codec;          /* "gzip", "xz", "zip LZMA", ... */
    bool has_number;
    uint64_t number;
    char library_text[128];     /* zlib's msg, ZSTD_getErrorName(): the library's words */
} codec_failure;

/* Each sets why and returns CODEC_FAILED, for "return codec_fail(...)". */
codec_result codec_fail(codec_failure *why, const char *codec, di_reason reason);
codec_result codec_fail_number(codec_failure *why, const char *codec, di_reason reason,
                               uint64_t number);
/* The library's own words (CODEC_LIBRARY_SAYS, or ENCODE_LIBRARY_SAYS when encoding);
 * none: the data is corrupt (decoding) or the encoder failed. */
codec_result codec_fail_library(codec_failure *why, const char *codec, bool encoding,
                                const char *library_text);

/* error set to the failure of op on path, decoded bytes of image made before it. */
di_status codec_failure_error(const codec_failure *why, uint64_t decoded, di_status status,
                              di_op op, const char *path, di_error *error);

/* The failure in English, as di_error_format words it (tests, fuzzers). */
void codec_failure_english(const codec_failure *why, char *out, size_t size);

typedef struct decoder decoder;
typedef struct decoder_ops {
    codec_result (*step)(decoder *dec, codec_buffers *io, codec_failure *why);
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
