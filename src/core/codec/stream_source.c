/* The decoded view of a compressed image. The stored file is read in 1 MiB pieces
 * into an input window; the decoder turns the window into image bytes straight into
 * the caller's buffer. Every way the data can be wrong ends in an error naming the
 * compressed offset: a library's complaint, data that ends early, a size or CRC-32
 * that differs from what the container records, more data than it records. */
#include "stream_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder.h"
#include "diskimager/crc32.h"
#include "diskimager/system.h"
#include "stored_digest.h"
#include "stream_size.h"
#include "zip_archive.h"

#define INPUT_SIZE (1u << 20)
#define SCRATCH_SIZE (256u << 10)

typedef struct stream_source {
    di_device base;
    di_device *file;
    di_format format;
    zip_member member;          /* DI_FORMAT_ZIP only */
    uint64_t data_start, data_end;  /* the compressed data within the file */
    bool size_recorded;
    uint64_t recorded_size;

    decoder *dec;
    unsigned char *in;
    size_t in_pos, in_len;
    uint64_t next_read;         /* file offset of the next input read */
    uint64_t produced;          /* image bytes decoded so far */
    uint32_t crc;               /* zip: CRC-32 of what was produced */
    bool ended;

    atomic_bool *cancel;
    stored_digest digest;       /* of the stored file */
    unsigned char *scratch;
} stream_source;

static decoder *new_decoder(const stream_source *ss)
{
    switch (ss->format) {
    case DI_FORMAT_GZIP: return decoder_new_gzip();
    case DI_FORMAT_XZ: return decoder_new_xz(di_cpu_count());
    case DI_FORMAT_ZSTD: return decoder_new_zstd();
    case DI_FORMAT_BZIP2: return decoder_new_bzip2(di_cpu_count());
    case DI_FORMAT_ZIP:
        switch (ss->member.method) {
        case 0: return decoder_new_stored();
        case 8: return decoder_new_deflate_raw();
        case 12: return decoder_new_bzip2(di_cpu_count());
        case 14: return decoder_new_zip_lzma(ss->member.size);
        case 93: return decoder_new_zstd();
        case 95: return decoder_new_xz(1);
        default: return NULL;
        }
    default: break;
    }
    return NULL;
}

static di_status start(stream_source *ss, di_error *error)
{
    decoder_free(ss->dec);
    ss->dec = new_decoder(ss);
    if (!ss->dec)
        return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_DECOMPRESS, ss->base.path,
                            DI_REASON_DECODER_FAILED,
                            DI_ARGS(di_text(di_format_name(ss->format))));
    ss->in_pos = ss->in_len = 0;
    ss->next_read = ss->data_start;
    ss->produced = 0;
    ss->crc = 0;
    ss->ended = false;
    return DI_OK;
}

/* Hashes the stored file up to end: what lies outside the compressed data (a zip's
 * headers and directory, bytes after the last stream). */
static di_status hash_file_upto(stream_source *ss, uint64_t end, di_error *error)
{
    return stored_digest_upto(&ss->digest, ss->file, end, NULL, error);
}

static uint64_t compressed_position(const stream_source *ss)
{
    return ss->next_read - (ss->in_len - ss->in_pos);
}

/* Moves what is left of the window to its front and reads more behind it. */
static di_status fill(stream_source *ss, di_error *error)
{
    if (ss->in_pos > 0) {
        memmove(ss->in, ss->in + ss->in_pos, ss->in_len - ss->in_pos);
        ss->in_len -= ss->in_pos;
        ss->in_pos = 0;
    }
    size_t room = INPUT_SIZE - ss->in_len;
    if (ss->next_read >= ss->data_end || room == 0) return DI_OK;
    size_t want = ss->data_end - ss->next_read < room ? (size_t)(ss->data_end - ss->next_read)
                                                      : room;
    di_status st = hash_file_upto(ss, ss->next_read, error);
    if (st != DI_OK) return st;
    size_t got = 0;
    while (got < want) {
        size_t n = 0;
        st = ss->file->ops->read_at(ss->file, ss->in + ss->in_len + got, want - got,
                                    ss->next_read + got, &n, error);
        if (st != DI_OK) return st;
        if (n == 0) break;
        got += n;
    }
    if (got < want && ss->file->sequential && !ss->file->size_unknown &&
        ss->next_read + got == ss->file->size)
        ss->data_end = ss->file->size; /* the layer below has ended: so does the input */
    if (got == 0 && ss->next_read >= ss->data_end) return DI_OK;
    if (got == 0) {
        di_error_why(error, DI_ERR_READ, DI_OP_READ, ss->base.path,
                     DI_REASON_COMPRESSED_FILE_TRUNCATED,
                     DI_NO_ARGS);
        di_error_at(error, ss->next_read);
        return DI_ERR_READ;
    }
    /* After a restart the window reads bytes hashed before: only what is new counts. */
    stored_digest_saw(&ss->digest, ss->next_read, ss->in + ss->in_len, got);
    ss->in_len += got;
    ss->next_read += got;
    return DI_OK;
}

/* A decoding failure at byte at of the file: its reason's last argument is always the
 * count of image bytes decoded before it, appended here to the reason's own. */
static di_status data_error(stream_source *ss, di_error *error, uint64_t at, di_reason reason,
                            const di_arg *args, size_t arg_count)
{
    di_arg all[DI_ERROR_ARGS_MAX];
    size_t n = 0;
    for (; n < arg_count && n + 1 < DI_ERROR_ARGS_MAX; n++) all[n] = args[n];
    all[n++] = di_number(ss->produced);
    di_error_why(error, DI_ERR_READ, DI_OP_DECOMPRESS, ss->base.path, reason, all, n);
    di_error_at(error, at);
    return DI_ERR_READ;
}

/* The layer below (a gzip around this zip) is read to its end too, so its own checks
 * run and nothing it holds past this stream goes unseen. */
static di_status drain_below(stream_source *ss, di_error *error)
{
    return ss->file->sequential ? di_device_read_to_end(ss->file, error) : DI_OK;
}

/* The stream has ended: does it hold what its container promised? */
static di_status finish(stream_source *ss, di_error *error)
{
    ss->ended = true;
    if (ss->size_recorded && ss->produced != ss->recorded_size)
        return data_error(ss, error, compressed_position(ss), DI_REASON_DECODED_SIZE_DIFFERS,
                          DI_ARGS(di_text(di_format_name(ss->format)),
                                  di_number(ss->recorded_size), di_number(ss->produced)));
    if (ss->format == DI_FORMAT_ZIP && ss->crc != ss->member.crc32) {
        char name[201], got[9], recorded[9];
        snprintf(name, sizeof name, "%.200s", ss->member.name);
        snprintf(got, sizeof got, "%08x", (unsigned)ss->crc);
        snprintf(recorded, sizeof recorded, "%08x", (unsigned)ss->member.crc32);
        return data_error(ss, error, ss->member.header_offset, DI_REASON_ZIP_CRC_DIFFERS,
                          DI_ARGS(di_text(name), di_text(got), di_text(recorded)));
    }
    di_status st = hash_file_upto(ss, ss->file->size, error);
    if (st != DI_OK) return st;
    stored_digest_end(&ss->digest);
    ss->base.size = ss->produced;
    ss->base.size_unknown = false;
    return drain_below(ss, error);
}

/* Decodes up to len image bytes into out; *made says how many (fewer at the end). */
static di_status decode_into(stream_source *ss, unsigned char *out, size_t len, size_t *made,
                             di_error *error)
{
    *made = 0;
    while (*made < len && !ss->ended) {
        if (ss->in_pos == ss->in_len && ss->next_read < ss->data_end) {
            di_status st = fill(ss, error);
            if (st != DI_OK) return st;
        }
        bool input_ended = ss->next_read >= ss->data_end;
        codec_buffers io = {
            .in = ss->in + ss->in_pos, .in_len = ss->in_len - ss->in_pos,
            .input_ended = input_ended,
            .out = out + *made, .out_len = len - *made,
        };
        codec_failure why;
        codec_result r = ss->dec->ops->step(ss->dec, &io, &why);
        uint64_t failed_at = compressed_position(ss) + io.in_used;
        ss->in_pos += io.in_used;
        if (ss->format == DI_FORMAT_ZIP)
            ss->crc = di_crc32_update(ss->crc, out + *made, io.out_made);
        *made += io.out_made;
        ss->produced += io.out_made;
        if (r == CODEC_FAILED) {
            codec_failure_error(&why, ss->produced, DI_ERR_READ, DI_OP_DECOMPRESS, ss->base.path,
                                error);
            di_error_at(error, failed_at);
            return DI_ERR_READ;
        }
        if (r == CODEC_END) return finish(ss, error);
        if (io.in_used == 0 && io.out_made == 0) {
            if (input_ended)
                return data_error(ss, error, ss->data_end,
                                  DI_REASON_COMPRESSED_DATA_ENDS_EARLY, DI_NO_ARGS);
            if (ss->in_pos == 0 && ss->in_len == INPUT_SIZE)
                return data_error(ss, error, compressed_position(ss),
                                  DI_REASON_DECODER_NO_PROGRESS, DI_NO_ARGS);
            di_status st = fill(ss, error);
            if (st != DI_OK) return st;
        }
    }
    return DI_OK;
}

static bool stop_requested(const stream_source *ss)
{
    return ss->cancel && atomic_load(ss->cancel);
}

static di_status cancelled(const stream_source *ss, uint64_t offset, di_error *error)
{
    di_error_why(error, DI_ERR_CANCELLED, DI_OP_DECOMPRESS, ss->file->path, DI_REASON_CANCELLED,
                 DI_NO_ARGS);
    di_error_at(error, offset);
    return DI_ERR_CANCELLED;
}

static di_status stream_read_at(di_device *dev, void *buf, size_t len, uint64_t offset,
                                size_t *done, di_error *error)
{
    stream_source *ss = (stream_source *)dev;
    *done = 0;
    di_status st;
    if (offset < ss->produced) {
        /* Back to the start (a verify after the write, a layer above looking at its
         * head again): decode again. The stored file's digests go on where they were. */
        if ((st = start(ss, error)) != DI_OK) return st;
    }
    while (ss->produced < offset && !ss->ended) {
        if (stop_requested(ss)) return cancelled(ss, compressed_position(ss), error);
        size_t n = offset - ss->produced < SCRATCH_SIZE ? (size_t)(offset - ss->produced)
                                                        : SCRATCH_SIZE, skipped;
        if ((st = decode_into(ss, ss->scratch, n, &skipped, error)) != DI_OK) return st;
    }
    if (ss->ended) return DI_OK;
    if (ss->size_recorded && ss->recorded_size - ss->produced < len)
        len = (size_t)(ss->recorded_size - ss->produced);
    if ((st = decode_into(ss, buf, len, done, error)) != DI_OK) return st;
    /* All the recorded bytes are out: the rest of the stream must hold nothing more
     * (its checks, its trailer), and reading it now checks them. */
    while (ss->size_recorded && ss->produced == ss->recorded_size && !ss->ended) {
        size_t extra;
        if ((st = decode_into(ss, ss->scratch, SCRATCH_SIZE, &extra, error)) != DI_OK) return st;
        if (extra > 0)
            return data_error(ss, error, compressed_position(ss),
                              DI_REASON_DATA_BEYOND_RECORDED_SIZE, DI_NO_ARGS);
    }
    return DI_OK;
}

static di_status stream_write_at(di_device *dev, const void *buf, size_t len, uint64_t offset,
                                 size_t *done, di_error *error)
{
    (void)buf; (void)len; (void)done;
    di_error_why(error, DI_ERR_USAGE, DI_OP_WRITE, dev->path,
                 DI_REASON_COMPRESSED_READ_ONLY, DI_NO_ARGS);
    di_error_at(error, offset);
    return DI_ERR_USAGE;
}

static di_status stream_flush(di_device *dev, di_error *error)
{
    (void)dev; (void)error;
    return DI_OK;
}

static uint64_t stream_consumed(const di_device *dev)
{
    const stream_source *ss = (const stream_source *)dev;
    /* Layers count the outermost file's bytes: its size is the one known. */
    if (ss->file->ops->consumed) return ss->file->ops->consumed(ss->file);
    return compressed_position(ss) - ss->data_start;
}

static void stream_close(di_device *dev)
{
    stream_source *ss = (stream_source *)dev;
    decoder_free(ss->dec);
    di_device_close(ss->file);
    free(ss->in);
    free(ss->scratch);
    free(ss);
}

static const di_device_ops stream_ops = {
    .read_at = stream_read_at,
    .write_at = stream_write_at,
    .flush = stream_flush,
    .close = stream_close,
    .consumed = stream_consumed,
};

const char *stream_source_member(const di_device *dev)
{
    return dev->ops == &stream_ops ? ((const stream_source *)dev)->member.name : "";
}

bool stream_source_hashed(const di_device *dev, bool *has_hashers)
{
    if (dev->ops != &stream_ops) return false;
    const stream_source *ss = (const stream_source *)dev;
    *has_hashers = ss->digest.hashers != NULL;
    return ss->digest.done;
}

/* Finding a zip's member or walking a zstd file's frames reads the stored file header
 * by header: on a slow drive that is many slow reads, which a Cancel must also stop. */
static di_status read_stored(void *ctx, uint64_t offset, void *buf, size_t len, di_error *error)
{
    stream_source *ss = ctx;
    if (stop_requested(ss)) return cancelled(ss, offset, error);
    return di_device_read_exact(ss->file, offset, buf, len, error);
}

static di_status locate_data(stream_source *ss, const char *zip_member, di_error *error)
{
    di_device *file = ss->file;
    ss->data_start = 0;
    ss->data_end = file->size_unknown ? UINT64_MAX : file->size;
    if (ss->format == DI_FORMAT_ZIP && file->size_unknown) {
        /* A zip's directory is at its end: a zip inside a gzip is decoded through to
         * find where that is (and each look back at its directory and headers decodes
         * again from the start: zips inside streams are rare and small). */
        di_status st = di_device_read_to_end(file, error);
        if (st != DI_OK) return st;
        ss->data_end = file->size;
    }
    if (file->sequential && ss->format != DI_FORMAT_ZIP) {
        /* The sizes recorded at the end of an xz or zstd file inside another layer
         * would cost a decode of their own: this stream's size is learnt at its end. */
    } else if (ss->format == DI_FORMAT_ZIP) {
        di_status st = zip_find_member(read_stored, ss, file->path, file->size, zip_member,
                                       &ss->member, error);
        if (st != DI_OK) return st;
        ss->data_start = ss->member.data_offset;
        ss->data_end = ss->member.data_offset + ss->member.compressed_size;
        ss->size_recorded = true;
        ss->recorded_size = ss->member.size;
    } else if (ss->format == DI_FORMAT_XZ) {
        ss->size_recorded = stream_size_xz(read_stored, ss, file->size, &ss->recorded_size);
    } else if (ss->format == DI_FORMAT_ZSTD) {
        ss->size_recorded = stream_size_zstd(read_stored, ss, file->size, &ss->recorded_size);
    }
    return stop_requested(ss) ? cancelled(ss, 0, error) : DI_OK;
}

di_status stream_source_open(di_device *file, di_format format, const char *zip_member,
                             di_hasher **file_hashers, atomic_bool *cancel, di_device **out,
                             di_error *error)
{
    *out = NULL;
    stream_source *ss = calloc(1, sizeof *ss);
    if (!ss) {
        di_status st = di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_OPEN, file->path,
                                    DI_REASON_NONE, DI_NO_ARGS);
        di_device_close(file);
        return st;
    }
    ss->file = file;
    ss->format = format;
    di_device_init_stream(&ss->base, &stream_ops, file);
    stored_digest_init(&ss->digest, file_hashers);
    ss->cancel = cancel;
    ss->in = malloc(INPUT_SIZE);
    ss->scratch = malloc(SCRATCH_SIZE);
    di_status st = ss->in && ss->scratch
                       ? DI_OK
                       : di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_OPEN, file->path,
                                      DI_REASON_NONE, DI_NO_ARGS);
    if (st == DI_OK) st = locate_data(ss, zip_member, error);
    if (st == DI_OK) st = start(ss, error);
    if (st != DI_OK) {
        stream_close(&ss->base);
        return st;
    }
    ss->base.size = ss->size_recorded ? ss->recorded_size : 0;
    ss->base.size_unknown = !ss->size_recorded;
    ss->base.stored_size = file->ops->consumed ? file->stored_size : ss->data_end - ss->data_start;
    ss->base.below = file;
    *out = &ss->base;
    return DI_OK;
}
