/* zstd output through libzstd at zstd's default level, with worker threads and a
 * content checksum. */
#include <stdlib.h>
#include <zstd.h>

#include "encoder.h"

typedef struct zstd_encoder {
    encoder base;
    ZSTD_CCtx *cctx;
} zstd_encoder;

static codec_result zstd_step(encoder *enc, codec_buffers *io, codec_failure *why)
{
    zstd_encoder *ze = (zstd_encoder *)enc;
    ZSTD_inBuffer in = {io->in, io->in_len, 0};
    ZSTD_outBuffer out = {io->out, io->out_len, 0};
    codec_result result = CODEC_MORE;
    while (out.pos < out.size && (in.pos < in.size || io->input_ended)) {
        size_t rc = ZSTD_compressStream2(ze->cctx, &out, &in,
                                         io->input_ended ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(rc)) {
            result = codec_fail_library(why, "zstd", true, ZSTD_getErrorName(rc));
            break;
        }
        if (io->input_ended && rc == 0) {
            result = CODEC_END;
            break;
        }
    }
    io->in_used = in.pos;
    io->out_made = out.pos;
    return result;
}

static void zstd_free(encoder *enc)
{
    zstd_encoder *ze = (zstd_encoder *)enc;
    ZSTD_freeCCtx(ze->cctx);
    free(ze);
}

static const encoder_ops zstd_ops = {.step = zstd_step, .free = zstd_free};

encoder *encoder_new_zstd(unsigned threads, uint64_t size)
{
    zstd_encoder *ze = calloc(1, sizeof *ze);
    if (!ze) return NULL;
    ze->base.ops = &zstd_ops;
    ze->cctx = ZSTD_createCCtx();
    if (!ze->cctx ||
        ZSTD_isError(ZSTD_CCtx_setParameter(ze->cctx, ZSTD_c_compressionLevel, ZSTD_CLEVEL_DEFAULT)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(ze->cctx, ZSTD_c_checksumFlag, 1))) {
        ZSTD_freeCCtx(ze->cctx);
        free(ze);
        return NULL;
    }
    if (size) ZSTD_CCtx_setPledgedSrcSize(ze->cctx, size);
    /* A libzstd built without threads refuses workers: it compresses on this thread. */
    if (threads > 1) ZSTD_CCtx_setParameter(ze->cctx, ZSTD_c_nbWorkers, (int)threads);
    return &ze->base;
}
