/* Compressed images for jobs: an image file is decoded when its first bytes say it
 * is compressed, and a READ's output is compressed when its name says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/stream_sink.h"
#include "codec/image_layers.h"
#include "codec/stream_source.h"
#include "diskimager/compression.h"
#include "job_internal.h"

di_status job_open_image(job_run *run, const char *path, bool hash_file, di_device **out)
{
    di_device *file = NULL;
    *out = NULL;
    if (job_open(run, path, DI_OPEN_READ, DI_ROLE_SOURCE, &file)) return run->result->status;
    if (hash_file) {
        for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
            if (!(run->job->spec.hash_mask & DI_HASH_BIT(i))) continue;
            run->file_hashers[i] = di_hasher_new((di_hash_alg)i);
            if (!run->file_hashers[i]) break; /* job_start_hashers reports it */
        }
    }
    image_open_options options = {
        .member = run->job->spec.zip_member,
        .file_hashers = hash_file ? run->file_hashers : NULL,
        .cancel = &run->job->cancel,
    };
    image_layers layers;
    di_error error;
    di_error_clear(&error);
    if (image_layers_open(file, &options, &layers, out, &error) != DI_OK) return job_fail(run, &error);
    di_result *result = run->result;
    result->image_format = layers.count ? (int)layers.formats[0] : DI_FORMAT_RAW;
    result->layer_count = layers.count;
    for (unsigned i = 0; i < layers.count; i++) result->layer_formats[i] = (int)layers.formats[i];
    snprintf(result->zip_member, sizeof result->zip_member, "%s", layers.member);
    return DI_OK;
}

di_status job_open_output(job_run *run, const char *path, uint64_t size, di_device **out)
{
    di_device *file = NULL;
    *out = NULL;
    if (job_open(run, path, DI_OPEN_CREATE, DI_ROLE_TARGET, &file)) return run->result->status;
    di_format format = di_format_for_output(path);
    run->result->image_format = (int)format;
    if (format == DI_FORMAT_RAW) {
        *out = file;
        return DI_OK;
    }
    di_error error;
    di_error_clear(&error);
    if (stream_sink_open(file, format, size, &run->job->cancel, out, &error) != DI_OK) return job_fail(run, &error);
    return DI_OK;
}

void job_finish_file_hashers(job_run *run)
{
    if (!run->source || !image_layers_file_hashed(run->source)) return;
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        if (!run->file_hashers[i]) continue;
        di_hasher_final_hex(run->file_hashers[i], run->result->file_hashes[i]);
        run->result->file_hashed = true;
    }
    job_free_file_hashers(run);
}

void job_free_file_hashers(job_run *run)
{
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        di_hasher_free(run->file_hashers[i]);
        run->file_hashers[i] = NULL;
    }
}

di_status job_finish_stream(job_run *run, uint64_t image_size, di_reason too_much)
{
    di_device *source = run->source;
    if (!source || !source->sequential) return DI_OK;
    enum { PIECE = 256 * 1024 };
    unsigned char *buf = malloc(PIECE);
    di_error error;
    di_error_clear(&error);
    di_status st = DI_OK;
    if (!buf) {
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_DECOMPRESS, source->path,
                     DI_REASON_NONE, DI_NO_ARGS);
        return job_fail(run, &error);
    }
    size_t got = 0;
    if (source->ops->read_at(source, buf, PIECE, image_size, &got, &error) != DI_OK) {
        st = job_fail(run, &error);
    } else if (got > 0) {
        di_error_why(&error, DI_ERR_READ, DI_OP_DECOMPRESS, source->path,
                     too_much, DI_ARGS(di_number(image_size)));
        di_error_at(&error, image_size);
        st = job_fail(run, &error);
    }
    free(buf);
    if (st == DI_OK) job_finish_file_hashers(run);
    return st;
}
