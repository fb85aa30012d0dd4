/* xz output through liblzma's multi-threaded encoder at xz's default preset: each
 * thread compresses its own block, so the output decodes multi-threaded too. */
#include <lzma.h>
#include <stdlib.h>

#include "encoder.h"

#define XZ_PRESET 6u

typedef struct xz_encoder {
    encoder base;
    lzma_stream strm;
} xz_encoder;

static codec_result xz_step(encoder *enc, codec_buffers *io, codec_failure *why)
{
    xz_encoder *xe = (xz_encoder *)enc;
    xe->strm.next_in = io->in;
    xe->strm.avail_in = io->in_len;
    xe->strm.next_out = io->out;
    xe->strm.avail_out = io->out_len;
    codec_result result = CODEC_MORE;
    while (xe->strm.avail_out > 0 && (xe->strm.avail_in > 0 || io->input_ended)) {
        size_t in_before = xe->strm.avail_in, out_before = xe->strm.avail_out;
        lzma_ret rc = lzma_code(&xe->strm, io->input_ended ? LZMA_FINISH : LZMA_RUN);
        if (rc == LZMA_STREAM_END) {
            result = CODEC_END;
            break;
        }
        if (rc != LZMA_OK) {
            result = codec_fail(why, "xz", rc == LZMA_MEM_ERROR ? DI_REASON_ENCODE_OUT_OF_MEMORY
                                                                : DI_REASON_ENCODE_FAILED_STEP);
            break;
        }
        /* The timeout passed with the threads still at work: back to the caller, which
         * looks at its cancel flag and calls again. */
        if (xe->strm.avail_in == in_before && xe->strm.avail_out == out_before) break;
    }
    io->in_used = io->in_len - xe->strm.avail_in;
    io->out_made = io->out_len - xe->strm.avail_out;
    return result;
}

static void xz_free(encoder *enc)
{
    xz_encoder *xe = (xz_encoder *)enc;
    lzma_end(&xe->strm);
    free(xe);
}

static const encoder_ops xz_ops = {.step = xz_step, .free = xz_free};

encoder *encoder_new_xz(unsigned threads)
{
    xz_encoder *xe = calloc(1, sizeof *xe);
    if (!xe) return NULL;
    xe->base.ops = &xz_ops;
    lzma_stream init = LZMA_STREAM_INIT;
    xe->strm = init;
    /* Each thread of preset 6 holds about 100 MB: no more threads than a quarter of
     * the RAM pays for. */
    uint64_t per_thread = (uint64_t)100 << 20, physmem = lzma_physmem();
    if (physmem && threads > physmem / 4 / per_thread) threads = (unsigned)(physmem / 4 / per_thread);
    lzma_mt mt = {
        .threads = threads ? threads : 1,
        .preset = XZ_PRESET,
        .check = LZMA_CHECK_CRC64,
        /* Come back now and then while the threads work, so a cancel is seen. */
        .timeout = 200,
    };
    if (lzma_stream_encoder_mt(&xe->strm, &mt) != LZMA_OK) {
        free(xe);
        return NULL;
    }
    return &xe->base;
}
