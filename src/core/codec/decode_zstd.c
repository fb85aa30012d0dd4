/* zstd through libzstd, every frame of the file (zstd -d does the same). */
#include <stdlib.h>
#include <zstd.h>

#include "decoder.h"

typedef struct zstd_decoder {
    decoder base;
    ZSTD_DStream *ds;
    bool frame_open;        /* a frame has begun and not ended */
} zstd_decoder;

static codec_result zstd_step(decoder *dec, codec_buffers *io, codec_failure *why)
{
    zstd_decoder *zd = (zstd_decoder *)dec;
    ZSTD_inBuffer in = {io->in, io->in_len, 0};
    ZSTD_outBuffer out = {io->out, io->out_len, 0};
    codec_result result = CODEC_MORE;
    while (out.pos < out.size) {
        if (in.pos == in.size && !zd->frame_open) {
            if (io->input_ended) result = CODEC_END;
            break;
        }
        size_t before_in = in.pos, before_out = out.pos;
        size_t rc = ZSTD_decompressStream(zd->ds, &out, &in);
        if (ZSTD_isError(rc)) {
            result = codec_fail_library(why, "zstd", false, ZSTD_getErrorName(rc));
            break;
        }
        /* 0: a frame just ended and everything of it has been flushed. */
        zd->frame_open = rc != 0;
        if (in.pos == before_in && out.pos == before_out) break;
    }
    io->in_used = in.pos;
    io->out_made = out.pos;
    return result;
}

static void zstd_free(decoder *dec)
{
    zstd_decoder *zd = (zstd_decoder *)dec;
    ZSTD_freeDStream(zd->ds);
    free(zd);
}

static const decoder_ops zstd_ops = {.step = zstd_step, .free = zstd_free};

decoder *decoder_new_zstd(void)
{
    zstd_decoder *zd = calloc(1, sizeof *zd);
    if (!zd) return NULL;
    zd->base.ops = &zstd_ops;
    zd->ds = ZSTD_createDStream();
    if (!zd->ds) {
        free(zd);
        return NULL;
    }
    return &zd->base;
}
