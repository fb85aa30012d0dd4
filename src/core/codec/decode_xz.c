/* xz through liblzma: multi-threaded when the file has several blocks (xz -T0 makes
 * them), and every concatenated stream of the file, like xz -d. */
#include <lzma.h>
#include <stdlib.h>

#include "decoder.h"

typedef struct xz_decoder {
    decoder base;
    lzma_stream strm;
} xz_decoder;

static di_reason lzma_reason(lzma_ret rc)
{
    switch (rc) {
    case LZMA_MEM_ERROR: return DI_REASON_CODEC_OUT_OF_MEMORY;
    case LZMA_MEMLIMIT_ERROR: return DI_REASON_CODEC_MEMORY_LIMIT;
    case LZMA_FORMAT_ERROR: return DI_REASON_CODEC_NOT_ITS_FORMAT;
    case LZMA_OPTIONS_ERROR: return DI_REASON_CODEC_UNSUPPORTED_OPTIONS;
    case LZMA_DATA_ERROR: return DI_REASON_CODEC_CORRUPT;
    case LZMA_BUF_ERROR: return DI_REASON_CODEC_ENDS_EARLY;
    case LZMA_UNSUPPORTED_CHECK: return DI_REASON_CODEC_UNSUPPORTED_CHECK;
    default: return DI_REASON_CODEC_DECODER_FAILED;
    }
}

static codec_result xz_step(decoder *dec, codec_buffers *io, codec_failure *why)
{
    xz_decoder *xd = (xz_decoder *)dec;
    xd->strm.next_in = io->in;
    xd->strm.avail_in = io->in_len;
    xd->strm.next_out = io->out;
    xd->strm.avail_out = io->out_len;
    codec_result result = CODEC_MORE;
    while (xd->strm.avail_out > 0) {
        /* LZMA_FINISH once the rest of the file is in hand: with concatenated streams,
         * that is how liblzma learns there is no further stream. */
        lzma_ret rc = lzma_code(&xd->strm, io->input_ended ? LZMA_FINISH : LZMA_RUN);
        if (rc == LZMA_STREAM_END) {
            result = CODEC_END;
            break;
        }
        if (rc == LZMA_BUF_ERROR) break; /* no progress possible: wants more input */
        if (rc != LZMA_OK) {
            result = codec_fail(why, "xz", lzma_reason(rc));
            break;
        }
        if (xd->strm.avail_in == 0 && !io->input_ended) break;
    }
    io->in_used = io->in_len - xd->strm.avail_in;
    io->out_made = io->out_len - xd->strm.avail_out;
    return result;
}

static void xz_free(decoder *dec)
{
    xz_decoder *xd = (xz_decoder *)dec;
    lzma_end(&xd->strm);
    free(xd);
}

static const decoder_ops xz_ops = {.step = xz_step, .free = xz_free};

decoder *decoder_new_xz(unsigned threads)
{
    xz_decoder *xd = calloc(1, sizeof *xd);
    if (!xd) return NULL;
    xd->base.ops = &xz_ops;
    lzma_stream init = LZMA_STREAM_INIT;
    xd->strm = init;
    uint64_t physmem = lzma_physmem();
    lzma_mt mt = {
        .flags = LZMA_CONCATENATED,
        .threads = threads ? threads : 1,
        /* Threads only while their buffers stay within a quarter of the RAM; beyond
         * that liblzma decodes on one thread rather than failing. */
        .memlimit_threading = physmem ? physmem / 4 : (uint64_t)256 << 20,
        .memlimit_stop = UINT64_MAX,
    };
    if (lzma_stream_decoder_mt(&xd->strm, &mt) != LZMA_OK) {
        free(xd);
        return NULL;
    }
    return &xd->base;
}
