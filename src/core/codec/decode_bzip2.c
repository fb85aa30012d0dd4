/* bzip2 through libbz2, every stream of a multi-stream file (pbzip2 makes them): on
 * several threads (bzip2_parallel.h) when there are, else here on the caller's. */
#include <bzlib.h>
#include <stdlib.h>
#include <string.h>

#include "bzip2_parallel.h"
#include "decoder.h"

typedef struct bzip2_decoder {
    decoder base;
    bz_stream bz;
    bool open;              /* BZ2_bzDecompressInit done and not ended */
    bool stream_done;       /* a stream ended; another may follow */
} bzip2_decoder;

static di_reason bz_reason(int rc)
{
    switch (rc) {
    case BZ_DATA_ERROR: return DI_REASON_CODEC_CORRUPT;
    case BZ_DATA_ERROR_MAGIC: return DI_REASON_CODEC_NOT_ITS_FORMAT;
    case BZ_MEM_ERROR: return DI_REASON_CODEC_OUT_OF_MEMORY;
    default: return DI_REASON_CODEC_DECODER_FAILED;
    }
}

static bool restart(bzip2_decoder *bd)
{
    if (bd->open) BZ2_bzDecompressEnd(&bd->bz);
    memset(&bd->bz, 0, sizeof bd->bz);
    bd->open = BZ2_bzDecompressInit(&bd->bz, 0, 0) == BZ_OK;
    bd->stream_done = false;
    return bd->open;
}

static codec_result bzip2_step(decoder *dec, codec_buffers *io, codec_failure *why)
{
    bzip2_decoder *bd = (bzip2_decoder *)dec;
    size_t pos = 0, made = 0;
    codec_result result = CODEC_MORE;
    for (;;) {
        if (bd->stream_done) {
            size_t left = io->in_len - pos;
            if (left < 3 && !io->input_ended) break;
            if (left < 3 || memcmp(io->in + pos, "BZh", 3) != 0) {
                /* Trailing bytes that are no stream: ignored, as bzip2 -d does. */
                pos = io->in_len;
                result = CODEC_END;
                break;
            }
            if (!restart(bd)) {
                result = codec_fail(why, "bzip2", DI_REASON_CODEC_OUT_OF_MEMORY);
                break;
            }
        }
        if (made == io->out_len) break;
        bd->bz.next_in = (char *)(io->in + pos);
        bd->bz.avail_in = (unsigned)(io->in_len - pos);
        bd->bz.next_out = (char *)(io->out + made);
        bd->bz.avail_out = (unsigned)(io->out_len - made);
        int rc = BZ2_bzDecompress(&bd->bz);
        size_t used = io->in_len - pos - bd->bz.avail_in;
        size_t out = io->out_len - made - bd->bz.avail_out;
        pos += used;
        made += out;
        if (rc == BZ_STREAM_END) {
            bd->stream_done = true;
            continue;
        }
        if (rc != BZ_OK) {
            result = codec_fail(why, "bzip2", bz_reason(rc));
            break;
        }
        if (used == 0 && out == 0) break; /* wants more input */
    }
    io->in_used = pos;
    io->out_made = made;
    return result;
}

static void bzip2_free(decoder *dec)
{
    bzip2_decoder *bd = (bzip2_decoder *)dec;
    if (bd->open) BZ2_bzDecompressEnd(&bd->bz);
    free(bd);
}

static const decoder_ops bzip2_ops = {.step = bzip2_step, .free = bzip2_free};

static decoder *decoder_new_bzip2_serial(void)
{
    bzip2_decoder *bd = calloc(1, sizeof *bd);
    if (!bd) return NULL;
    bd->base.ops = &bzip2_ops;
    if (!restart(bd)) {
        free(bd);
        return NULL;
    }
    return &bd->base;
}

decoder *decoder_new_bzip2(unsigned threads)
{
    if (threads > 1) {
        decoder *dec = decoder_new_bzip2_parallel(threads);
        if (dec) return dec;
    }
    return decoder_new_bzip2_serial();
}
