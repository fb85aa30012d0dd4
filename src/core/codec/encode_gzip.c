/* gzip output through zlib, at gzip's default level. zlib has one thread. */
#include <stdlib.h>
#include <zlib.h>

#include "encoder.h"

typedef struct gzip_encoder {
    encoder base;
    z_stream z;
} gzip_encoder;

static codec_result gzip_step(encoder *enc, codec_buffers *io, codec_failure *why)
{
    gzip_encoder *ge = (gzip_encoder *)enc;
    ge->z.next_in = (Bytef *)io->in;
    ge->z.avail_in = (uInt)io->in_len;
    ge->z.next_out = io->out;
    ge->z.avail_out = (uInt)io->out_len;
    codec_result result = CODEC_MORE;
    while (ge->z.avail_out > 0 && (ge->z.avail_in > 0 || io->input_ended)) {
        int rc = deflate(&ge->z, io->input_ended ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            result = CODEC_END;
            break;
        }
        if (rc == Z_BUF_ERROR) break;
        if (rc != Z_OK) {
            result = codec_fail_library(why, "gzip", true, ge->z.msg);
            break;
        }
    }
    io->in_used = io->in_len - ge->z.avail_in;
    io->out_made = io->out_len - ge->z.avail_out;
    return result;
}

static void gzip_free(encoder *enc)
{
    gzip_encoder *ge = (gzip_encoder *)enc;
    deflateEnd(&ge->z);
    free(ge);
}

static const encoder_ops gzip_ops = {.step = gzip_step, .free = gzip_free};

encoder *encoder_new_gzip(void)
{
    gzip_encoder *ge = calloc(1, sizeof *ge);
    if (!ge) return NULL;
    ge->base.ops = &gzip_ops;
    if (deflateInit2(&ge->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        free(ge);
        return NULL;
    }
    return &ge->base;
}
