/* A zip member compressed with LZMA (method 14): a 4-byte header (the LZMA SDK's
 * version, the properties' size), the 5 bytes of LZMA properties, then raw LZMA1 data,
 * ended by an end marker or by the size the archive records (PKWARE APPNOTE 5.8).
 * liblzma's LZMA1EXT filter decodes it given that size. */
#include <lzma.h>
#include <stdlib.h>
#include <string.h>

#include "decoder.h"

#define ZIP_LZMA_HEADER 9u

typedef struct zip_lzma_decoder {
    decoder base;
    uint64_t size;              /* the uncompressed size the archive records */
    unsigned char header[ZIP_LZMA_HEADER];
    size_t header_len;
    bool started;
    lzma_stream strm;
} zip_lzma_decoder;

static bool start(zip_lzma_decoder *zd, codec_failure *why)
{
    if (zd->header[2] != 5 || zd->header[3] != 0) {
        codec_fail_number(why, "zip LZMA", DI_REASON_ZIP_LZMA_PROPERTIES_SIZE,
                          (unsigned)(zd->header[2] | zd->header[3] << 8));
        return false;
    }
    lzma_filter filters[2] = {{.id = LZMA_FILTER_LZMA1}, {.id = LZMA_VLI_UNKNOWN}};
    if (lzma_properties_decode(&filters[0], NULL, zd->header + 4, 5) != LZMA_OK) {
        codec_fail(why, "zip LZMA", DI_REASON_ZIP_LZMA_PROPERTIES_INVALID);
        return false;
    }
    lzma_options_lzma *options = filters[0].options;
    filters[0].id = LZMA_FILTER_LZMA1EXT;
    options->ext_flags = LZMA_LZMA1EXT_ALLOW_EOPM;
    options->ext_size_low = (uint32_t)zd->size;
    options->ext_size_high = (uint32_t)(zd->size >> 32);
    lzma_ret rc = lzma_raw_decoder(&zd->strm, filters);
    free(options);
    if (rc != LZMA_OK) {
        codec_fail(why, "zip LZMA", DI_REASON_ZIP_LZMA_NO_START);
        return false;
    }
    zd->started = true;
    return true;
}

static codec_result zip_lzma_step(decoder *dec, codec_buffers *io, codec_failure *why)
{
    zip_lzma_decoder *zd = (zip_lzma_decoder *)dec;
    size_t pos = 0;
    io->out_made = 0;
    while (!zd->started && pos < io->in_len) {
        zd->header[zd->header_len++] = io->in[pos++];
        if (zd->header_len == ZIP_LZMA_HEADER && !start(zd, why)) {
            io->in_used = pos;
            return CODEC_FAILED;
        }
    }
    io->in_used = pos;
    if (!zd->started) {
        if (!io->input_ended) return CODEC_MORE;
        return codec_fail(why, "zip LZMA", DI_REASON_ZIP_LZMA_HEADER_CUT);
    }
    zd->strm.next_in = io->in + pos;
    zd->strm.avail_in = io->in_len - pos;
    zd->strm.next_out = io->out;
    zd->strm.avail_out = io->out_len;
    lzma_ret rc = lzma_code(&zd->strm, LZMA_RUN);
    io->in_used = io->in_len - zd->strm.avail_in;
    io->out_made = io->out_len - zd->strm.avail_out;
    if (rc == LZMA_STREAM_END) return CODEC_END;
    if (rc == LZMA_OK || rc == LZMA_BUF_ERROR) return CODEC_MORE;
    return codec_fail(why, "zip LZMA",
                      rc == LZMA_DATA_ERROR  ? DI_REASON_CODEC_CORRUPT
                      : rc == LZMA_MEM_ERROR ? DI_REASON_CODEC_OUT_OF_MEMORY
                                             : DI_REASON_CODEC_DECODER_FAILED);
}

static void zip_lzma_free(decoder *dec)
{
    zip_lzma_decoder *zd = (zip_lzma_decoder *)dec;
    lzma_end(&zd->strm);
    free(zd);
}

static const decoder_ops zip_lzma_ops = {.step = zip_lzma_step, .free = zip_lzma_free};

decoder *decoder_new_zip_lzma(uint64_t size)
{
    zip_lzma_decoder *zd = calloc(1, sizeof *zd);
    if (!zd) return NULL;
    zd->base.ops = &zip_lzma_ops;
    lzma_stream init = LZMA_STREAM_INIT;
    zd->strm = init;
    zd->size = size;
    return &zd->base;
}
