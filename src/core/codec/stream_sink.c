/* The compressing end of a Read. Compressed bytes gather in a 1 MiB buffer and go to
 * the file in order; the encoders' worker threads (xz, zstd) do the heavy part. */
#include "stream_sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/system.h"
#include "encoder.h"

#define OUTPUT_SIZE (1u << 20)
#define PATCH_MAX 4096u

typedef struct stream_sink {
    di_device base;
    di_device *file;
    di_format format;
    encoder *enc;
    atomic_bool *cancel;
    unsigned char *out;
    size_t out_len;
    uint64_t position;          /* image bytes taken */
    uint64_t written;           /* compressed bytes in the file */
    bool finished;
    uint64_t patch_offset;
    size_t patch_len;
    unsigned char patch[PATCH_MAX];
} stream_sink;

static di_status write_out(stream_sink *sk, di_error *error)
{
    if (sk->out_len == 0) return DI_OK;
    di_status st = di_device_write_full(sk->file, sk->out, sk->out_len, sk->written, error);
    if (st != DI_OK) return st;
    sk->written += sk->out_len;
    sk->out_len = 0;
    return DI_OK;
}

/* Compresses len bytes (finish: ends the stream after them). */
static di_status feed(stream_sink *sk, const unsigned char *bytes, size_t len, bool finish,
                      di_error *error)
{
    for (;;) {
        if (sk->cancel && atomic_load(sk->cancel)) {
            di_error_why(error, DI_ERR_CANCELLED, DI_OP_COMPRESS, sk->base.path,
                         DI_REASON_CANCELLED,
                         DI_NO_ARGS);
            di_error_at(error, sk->position);
            return DI_ERR_CANCELLED;
        }
        codec_buffers io = {
            .in = bytes, .in_len = len, .input_ended = finish,
            .out = sk->out + sk->out_len, .out_len = OUTPUT_SIZE - sk->out_len,
        };
        codec_failure why;
        codec_result r = sk->enc->ops->step(sk->enc, &io, &why);
        bytes += io.in_used;
        len -= io.in_used;
        sk->position += io.in_used;
        sk->out_len += io.out_made;
        if (r == CODEC_FAILED) {
            codec_failure_error(&why, sk->position, DI_ERR_WRITE, DI_OP_COMPRESS, sk->base.path,
                                error);
            di_error_at(error, sk->position);
            return DI_ERR_WRITE;
        }
        if (sk->out_len == OUTPUT_SIZE || r == CODEC_END) {
            di_status st = write_out(sk, error);
            if (st != DI_OK) return st;
        }
        if (r == CODEC_END) return DI_OK;
        if (!finish && len == 0) return DI_OK;
    }
}

/* Feeds [buf, buf+len) at the current position, with the patch laid over it. */
static di_status feed_patched(stream_sink *sk, const unsigned char *buf, size_t len,
                              di_error *error)
{
    uint64_t start = sk->position;
    if (sk->patch_len == 0 || sk->patch_offset < start || sk->patch_offset >= start + len)
        return feed(sk, buf, len, false, error);
    size_t before = (size_t)(sk->patch_offset - start);
    size_t n = sk->patch_len < len - before ? sk->patch_len : len - before;
    di_status st = feed(sk, buf, before, false, error);
    if (st == DI_OK) st = feed(sk, sk->patch, n, false, error);
    if (st == DI_OK) st = feed(sk, buf + before + n, len - before - n, false, error);
    return st;
}

static di_status sink_write_at(di_device *dev, const void *buf, size_t len, uint64_t offset,
                               size_t *done, di_error *error)
{
    stream_sink *sk = (stream_sink *)dev;
    /* A const block is stored in the .exe: 4 KiB steps cost nothing next to the work. */
    static const unsigned char zeros[4096];
    *done = 0;
    if (sk->finished || offset < sk->position) {
        di_error_why(error, DI_ERR_WRITE, DI_OP_WRITE, dev->path, DI_REASON_COMPRESSED_WRITTEN_ONCE,
                     DI_NO_ARGS);
        di_error_at(error, offset);
        return DI_ERR_WRITE;
    }
    while (sk->position < offset) {
        size_t n = offset - sk->position < sizeof zeros ? (size_t)(offset - sk->position)
                                                        : sizeof zeros;
        di_status st = feed_patched(sk, zeros, n, error);
        if (st != DI_OK) return st;
    }
    di_status st = feed_patched(sk, buf, len, error);
    if (st == DI_OK) *done = len;
    return st;
}

static di_status sink_read_at(di_device *dev, void *buf, size_t len, uint64_t offset,
                              size_t *done, di_error *error)
{
    (void)buf; (void)len; (void)done;
    di_error_why(error, DI_ERR_USAGE, DI_OP_READ, dev->path, DI_REASON_COMPRESSED_OUTPUT_UNREADABLE,
                 DI_NO_ARGS);
    di_error_at(error, offset);
    return DI_ERR_USAGE;
}

static di_status sink_flush(di_device *dev, di_error *error)
{
    stream_sink *sk = (stream_sink *)dev;
    if (!sk->finished) {
        di_status st = feed(sk, NULL, 0, true, error);
        if (st != DI_OK) return st;
        sk->finished = true;
    }
    return di_device_flush(sk->file, error);
}

static void sink_close(di_device *dev)
{
    stream_sink *sk = (stream_sink *)dev;
    encoder_free(sk->enc);
    di_device_close(sk->file);
    free(sk->out);
    free(sk);
}

static const di_device_ops sink_ops = {
    .read_at = sink_read_at,
    .write_at = sink_write_at,
    .flush = sink_flush,
    .close = sink_close,
};

di_status stream_sink_patch(di_device *dev, uint64_t offset, const void *bytes, size_t len,
                            di_error *error)
{
    stream_sink *sk = (stream_sink *)dev;
    if (dev->ops != &sink_ops || len > PATCH_MAX || offset < sk->position)
        return di_error_why(error, DI_ERR_INTERNAL, DI_OP_WRITE, dev->path, DI_REASON_CANNOT_PATCH,
                            DI_ARGS(di_number(len), di_number(offset)));
    memcpy(sk->patch, bytes, len);
    sk->patch_offset = offset;
    sk->patch_len = len;
    return DI_OK;
}

static encoder *new_encoder(di_format format, uint64_t size)
{
    switch (format) {
    case DI_FORMAT_GZIP: return encoder_new_gzip();
    case DI_FORMAT_XZ: return encoder_new_xz(di_cpu_count());
    case DI_FORMAT_ZSTD: return encoder_new_zstd(di_cpu_count(), size);
    default: return NULL;
    }
}

di_status stream_sink_open(di_device *file, di_format format, uint64_t size,
                           atomic_bool *cancel, di_device **out, di_error *error)
{
    *out = NULL;
    stream_sink *sk = calloc(1, sizeof *sk);
    if (sk) sk->out = malloc(OUTPUT_SIZE);
    if (sk && sk->out) sk->enc = new_encoder(format, size);
    if (!sk || !sk->out || !sk->enc) {
        di_status st = di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_OPEN, file->path,
                                    DI_REASON_ENCODER_FAILED,
                                    DI_ARGS(di_text(di_format_name(format))));
        if (sk) free(sk->out);
        free(sk);
        di_device_close(file);
        return st;
    }
    sk->file = file;
    sk->format = format;
    sk->cancel = cancel;
    di_device_init_stream(&sk->base, &sink_ops, file);
    *out = &sk->base;
    return DI_OK;
}
