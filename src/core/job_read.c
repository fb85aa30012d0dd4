/* READ (the whole device, its first N bytes, or its allocated partitions) and HASH. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/units.h"
#include "job_internal.h"
#include "read_room.h"

static di_status length_to_read(job_run *run, uint64_t *length)
{
    uint64_t want = run->job->spec.read_size;
    *length = want ? want : run->source->size;
    if (want <= run->source->size) return DI_OK;
    di_error error;
    di_error_why(&error, DI_ERR_TOO_SMALL, DI_OP_READ, run->source->path,
                 DI_REASON_ASKED_BEYOND_DEVICE,
                     DI_ARGS(di_number(want), di_size(want), di_number(run->source->size),
                             di_size(run->source->size)));
    return job_fail(run, &error);
}

/* --allocated-only: the image ends where the last partition does. */
static di_status allocated_length(job_run *run, di_partition_table *table, uint64_t *length)
{
    di_error error;
    di_error_clear(&error);
    if (di_partition_table_parse(di_device_read_exact, run->source, run->source->size,
                                 run->source->sector_size, table, &error) != DI_OK) {
        if (!error.path[0]) snprintf(error.path, sizeof error.path, "%s", run->source->path);
        return job_fail(run, &error);
    }
    *length = table->image_size;
    run->result->table_kind = (int)table->kind;
    return DI_OK;
}

di_status job_read(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_result *result = run->result;
    di_partition_table *table = NULL;
    if (job_open(run, spec->source_path, DI_OPEN_READ, DI_ROLE_SOURCE, &run->source))
        return result->status;
    uint64_t length = 0, copy_length;
    if (spec->allocated_only) {
        table = malloc(sizeof *table);
        if (!table) {
            di_error error;
            di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_READ_PARTITION_TABLE, spec->source_path,
                         DI_REASON_NONE, DI_NO_ARGS);
            job_fail(run, &error);
            goto out;
        }
        if (allocated_length(run, table, &length)) goto out;
    } else if (length_to_read(run, &length)) {
        goto out;
    }
    /* A GPT image's tail is made, not copied; it is hashed once the image is complete. */
    bool made_tail = table && table->kind == DI_TABLE_GPT;
    copy_length = made_tail ? table->used_end : length;
    /* Look before the first byte is read (and before the output is made): a raw image
     * too large for its destination is refused now, not at 4 GiB or the last chunk. */
    if (job_check_apart(run, spec->target_path, run->source, false) ||
        read_room_check_job(run, spec->target_path, length) ||
        job_open_output(run, spec->target_path, length, &run->target) ||
        (!made_tail && job_start_hashers(run)) ||
        (made_tail && run->target->sequential && job_patch_gpt_primary(run, table, run->target)))
        goto out;
    result->image_bytes = length;
    if (job_pass(run, DI_PHASE_READING, run->source, 0, copy_length, run->target,
                 PL_TARGET_WRITE, false) ||
        (made_tail && job_write_gpt_backup(run, table, run->target)) || job_flush(run) ||
        job_check_cancel(run, DI_PHASE_FLUSHING, run->target->path, length))
        goto out;
    if (made_tail && spec->hash_mask) {
        di_device_close(run->target);
        run->target = NULL;
        di_device *image = NULL;
        if (job_open_image(run, spec->target_path, false, &image)) goto out;
        di_status st = job_start_hashers(run);
        if (st == DI_OK)
            st = job_pass(run, DI_PHASE_HASHING, image, 0, length, NULL, PL_TARGET_NONE, false);
        di_device_close(image);
        if (st != DI_OK) goto out;
    }
    job_finish_hashers(run, result->hashes);
out:
    free(table);
    return result->status;
}

/* HASH's size_of_image: as many bytes as that image holds, looked up here, on the job's
 * thread (for a compressed image without a recorded size it means decoding it all). */
static di_status image_size_to_hash(job_run *run, uint64_t *length)
{
    const di_job_spec *spec = &run->job->spec;
    di_error error;
    if (!di_image_size_of_file(spec->size_of_image, spec->zip_member, length)) {
        di_error_refuse(&error, DI_ERR_USAGE, DI_REASON_IMAGE_SIZE_UNKNOWN, "hash",
                        spec->size_of_image);
        return job_fail(run, &error);
    }
    if (*length <= run->source->size) return DI_OK;
    di_error_refuse(&error, DI_ERR_TOO_SMALL, DI_REASON_IMAGE_TOO_BIG_TO_HASH, "hash",
                    spec->size_of_image);
    snprintf(error.path2, sizeof error.path2, "%s", run->source->path);
    error.sizes[0] = *length;
    error.sizes[1] = run->source->size;
    return job_fail(run, &error);
}

di_status job_hash(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    uint64_t length;
    if (job_open(run, spec->source_path, DI_OPEN_READ, DI_ROLE_SOURCE, &run->source) ||
        (spec->size_of_image ? image_size_to_hash(run, &length) : length_to_read(run, &length)) ||
        job_start_hashers(run))
        return run->result->status;
    run->result->image_bytes = length;
    if (job_pass(run, DI_PHASE_HASHING, run->source, 0, length, NULL, PL_TARGET_NONE, false))
        return run->result->status;
    job_finish_hashers(run, run->result->hashes);
    return DI_OK;
}

