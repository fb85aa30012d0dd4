/* gzip (every member of a multi-member file, like gzip -d), a zip member's raw
 * deflate data, and a zip member stored as it is. zlib does the work. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "decoder.h"

typedef struct zlib_decoder {
    decoder base;
    z_stream z;
    bool gzip;
    bool member_done;      /* gzip: a member ended; another may follow */
} zlib_decoder;

/* After a gzip member: another member, or the end (trailing bytes that are not a member
 * are ignored, as gzip itself does). */
static codec_result next_member(zlib_decoder *zd, codec_buffers *io, size_t *pos)
{
    size_t left = io->in_len - *pos;
    if (left < 2 && !io->input_ended) return CODEC_MORE;
    if (left >= 2 && io->in[*pos] == 0x1f && io->in[*pos + 1] == 0x8b) {
        inflateReset(&zd->z);
        zd->member_done = false;
        return CODEC_MORE;
    }
    *pos = io->in_len;
    return CODEC_END;
}

static codec_result zlib_step(decoder *dec, codec_buffers *io, codec_failure *why)
{
    zlib_decoder *zd = (zlib_decoder *)dec;
    size_t pos = 0, made = 0;
    codec_result result = CODEC_MORE;
    for (;;) {
        if (zd->member_done) {
            result = next_member(zd, io, &pos);
            if (result == CODEC_END || zd->member_done) break;
        }
        if (made == io->out_len) break;
        zd->z.next_in = (Bytef *)(io->in + pos);
        zd->z.avail_in = (uInt)(io->in_len - pos);
        zd->z.next_out = io->out + made;
        zd->z.avail_out = (uInt)(io->out_len - made);
        int rc = inflate(&zd->z, Z_NO_FLUSH);
        pos = io->in_len - zd->z.avail_in;
        made = io->out_len - zd->z.avail_out;
        if (rc == Z_STREAM_END) {
            if (!zd->gzip) {
                result = CODEC_END;
                break;
            }
            zd->member_done = true;
            continue;
        }
        if (rc == Z_BUF_ERROR || (rc == Z_OK && zd->z.avail_in == 0)) break; /* wants more */
        if (rc != Z_OK) {
            const char *codec = zd->gzip ? "gzip" : "deflate";
            result = rc == Z_MEM_ERROR ? codec_fail(why, codec, DI_REASON_CODEC_OUT_OF_MEMORY)
                                       : codec_fail_library(why, codec, false, zd->z.msg);
            break;
        }
    }
    io->in_used = pos;
    io->out_made = made;
    return result;
}

static void zlib_free(decoder *dec)
{
    zlib_decoder *zd = (zlib_decoder *)dec;
    inflateEnd(&zd->z);
    free(zd);
}

static const decoder_ops zlib_ops = {.step = zlib_step, .free = zlib_free};

static decoder *new_zlib(bool gzip)
{
    zlib_decoder *zd = calloc(1, sizeof *zd);
    if (!zd) return NULL;
    zd->base.ops = &zlib_ops;
    zd->gzip = gzip;
    /* 16 + 15: a gzip wrapper around a 32 KiB window; -15: raw deflate. */
    if (inflateInit2(&zd->z, gzip ? 16 + MAX_WBITS : -MAX_WBITS) != Z_OK) {
        free(zd);
        return NULL;
    }
    return &zd->base;
}

decoder *decoder_new_gzip(void)
{
    return new_zlib(true);
}

decoder *decoder_new_deflate_raw(void)
{
    return new_zlib(false);
}

static codec_result stored_step(decoder *dec, codec_buffers *io, codec_failure *why)
{
    (void)dec;
    (void)why;
    size_t n = io->in_len < io->out_len ? io->in_len : io->out_len;
    memcpy(io->out, io->in, n);
    io->in_used = n;
    io->out_made = n;
    return io->input_ended && n == io->in_len ? CODEC_END : CODEC_MORE;
}

static void stored_free(decoder *dec)
{
    free(dec);
}

static const decoder_ops stored_ops = {.step = stored_step, .free = stored_free};

decoder *decoder_new_stored(void)
{
    decoder *dec = calloc(1, sizeof *dec);
    if (dec) dec->ops = &stored_ops;
    return dec;
}
