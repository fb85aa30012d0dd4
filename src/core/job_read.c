/* READ (the whole device, its first N bytes, or its allocated partitions) and HASH. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/bmap.h"
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

/* make_bmap: the map made from the image's bytes in order (the pipeline's on_read: on the
 * reader's thread, before the chunk goes anywhere), and where it goes. */
typedef struct read_bmap {
    di_bmap_maker *maker;
    char path[DI_PATH_MAX];
} read_bmap;

static bool feed_bmap(void *ctx, uint64_t offset, const unsigned char *data, size_t len,
                      di_error *error)
{
    read_bmap *b = ctx;
    /* A pass over one range from 0 shows every chunk once, in order. */
    if (offset == di_bmap_maker_image_size(b->maker) && di_bmap_maker_add(b->maker, data, len))
        return true;
    di_error_why(error, offset == di_bmap_maker_image_size(b->maker) ? DI_ERR_NO_MEMORY
                                                                     : DI_ERR_INTERNAL,
                 DI_OP_WRITE, b->path, DI_REASON_NONE, DI_NO_ARGS);
    di_error_at(error, offset);
    return false;
}

/* One pass over the image's first length bytes; with a bmap, each chunk is shown to its
 * maker (a pass over the one range [0, length) is the pass whose chunks on_read sees). */
static di_status read_pass(job_run *run, di_phase phase, di_device *source, uint64_t length,
                           di_device *target, pl_target_mode mode, read_bmap *bmap)
{
    if (!bmap) return job_pass(run, phase, source, 0, length, target, mode, false);
    di_progress_begin_phase(&run->job->progress, phase, length);
    pl_range whole = {0, length};
    return job_pass_ranges(run, phase, source, &whole, 1, length, target, mode, feed_bmap, bmap);
}

static di_status out_of_memory(job_run *run, di_op op, const char *path)
{
    di_error error;
    di_error_why(&error, DI_ERR_NO_MEMORY, op, path, DI_REASON_NONE, DI_NO_ARGS);
    return job_fail(run, &error);
}

/* The output; with make_bmap, the maker, and a raw image made sparse: its zero blocks
 * are not written, so they stay holes (and bmaptool create maps what the bmap maps). */
static di_status open_read_output(job_run *run, uint64_t length, read_bmap *bmap)
{
    const di_job_spec *spec = &run->job->spec;
    if (job_open_output(run, spec->target_path, length, &run->target)) return run->result->status;
    if (!spec->make_bmap) return DI_OK;
    di_bmap_path_for_image(spec->target_path, bmap->path, sizeof bmap->path);
    di_error error;
    di_error_clear(&error);
    /* The bmap there described the image just replaced: a failed read must not leave
     * it beside what remains. */
    di_remove_file(bmap->path, &error);
    bmap->maker = di_bmap_maker_new();
    if (!bmap->maker) return out_of_memory(run, DI_OP_WRITE, bmap->path);
    di_device *file = run->target;
    if (file->sequential) return DI_OK; /* compressed: the file holds no runs of zeros */
    di_error_clear(&error);
    if (file->ops->set_sparse && file->ops->set_sparse(file, &error) != DI_OK) {
        char text[1024];
        di_log_emit(spec->log, DI_LOG_INFO, "%s cannot have holes here, its zero blocks take "
                    "room (the data is the same): %s", file->path,
                    di_error_format(&error, text, sizeof text));
    }
    di_device *sparse = di_sparse_output_wrap(file);
    if (!sparse) return out_of_memory(run, DI_OP_WRITE, file->path);
    run->target = sparse;
    run->result->sparse_image = true;
    return DI_OK;
}

/* The bmap of the image complete, written beside it. */
static di_status save_bmap(job_run *run, read_bmap *bmap, uint64_t length)
{
    di_result *result = run->result;
    char *text = NULL;
    size_t len = 0;
    if (di_bmap_maker_image_size(bmap->maker) != length) {
        di_error error;
        di_error_why(&error, DI_ERR_INTERNAL, DI_OP_WRITE, bmap->path, DI_REASON_NONE, DI_NO_ARGS);
        di_error_at(&error, di_bmap_maker_image_size(bmap->maker));
        return job_fail(run, &error);
    }
    if (!di_bmap_maker_finish(bmap->maker, &text, &len))
        return out_of_memory(run, DI_OP_WRITE, bmap->path);
    di_error error;
    di_error_clear(&error);
    di_status st = di_bmap_save(bmap->path, text, len, &error);
    free(text);
    if (st != DI_OK) return job_fail(run, &error);
    snprintf(result->bmap_made, sizeof result->bmap_made, "%s", bmap->path);
    result->bmap_mapped_bytes = di_bmap_maker_mapped_bytes(bmap->maker);
    di_log_emit(run->job->spec.log, DI_LOG_INFO,
                "block map %s written: %zu ranges, %llu of the image's %llu bytes mapped%s",
                bmap->path, di_bmap_maker_range_count(bmap->maker),
                (unsigned long long)result->bmap_mapped_bytes, (unsigned long long)length,
                di_bmap_maker_stretched(bmap->maker)
                    ? " (too many ranges: the last one runs to the image's end)" : "");
    return DI_OK;
}

/* A failed read leaves neither its bmap nor, unless kept, its image: the job's end
 * removes an output still open; one closed before the end (a GPT image hashed or mapped
 * from the file) is removed here. */
static void drop_failed_outputs(job_run *run, const read_bmap *bmap, bool output_closed)
{
    const di_job_spec *spec = &run->job->spec;
    di_error ignored;
    if (run->result->status == DI_OK) return;
    if (bmap->path[0]) di_remove_file(bmap->path, &ignored);
    if (output_closed && !run->target && !spec->keep_partial)
        run->result->partial_removed = di_remove_file(spec->target_path, &ignored);
}

di_status job_read(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_result *result = run->result;
    di_partition_table *table = NULL;
    read_bmap bmap = {0};
    bool output_closed = false;
    if (job_open(run, spec->source_path, DI_OPEN_READ, DI_ROLE_SOURCE, &run->source))
        return result->status;
    uint64_t length = 0, copy_length;
    if (spec->allocated_only) {
        table = malloc(sizeof *table);
        if (!table) {
            out_of_memory(run, DI_OP_READ_PARTITION_TABLE, spec->source_path);
            goto out;
        }
        if (allocated_length(run, table, &length)) goto out;
    } else if (length_to_read(run, &length)) {
        goto out;
    }
    /* A GPT image's tail is made, not copied, and its primary header rewritten: it is
     * hashed, and mapped, once the image is complete. */
    bool made_tail = table && table->kind == DI_TABLE_GPT;
    copy_length = made_tail ? table->used_end : length;
    /* Look before the first byte is read (and before the output is made): a raw image
     * too large for its destination is refused now, not at 4 GiB or the last chunk. */
    if (job_check_apart(run, spec->target_path, run->source, false) ||
        read_room_check_job(run, spec->target_path, length) ||
        open_read_output(run, length, &bmap) ||
        (!made_tail && job_start_hashers(run)) ||
        (made_tail && run->target->sequential && job_patch_gpt_primary(run, table, run->target)))
        goto out;
    result->image_bytes = length;
    if (read_pass(run, DI_PHASE_READING, run->source, copy_length, run->target, PL_TARGET_WRITE,
                  bmap.maker && !made_tail ? &bmap : NULL) ||
        (made_tail && job_write_gpt_backup(run, table, run->target)))
        goto out;
    /* A sparse image ending in zero blocks: they were never written. */
    if (result->sparse_image) {
        di_error error;
        di_error_clear(&error);
        if (run->target->ops->set_size(run->target, length, &error) != DI_OK) {
            job_fail(run, &error);
            goto out;
        }
    }
    if (job_flush(run) || job_check_cancel(run, DI_PHASE_FLUSHING, run->target->path, length))
        goto out;
    if (made_tail && (spec->hash_mask || bmap.maker)) {
        di_device_close(run->target);
        run->target = NULL;
        output_closed = true;
        di_device *image = NULL;
        if (job_open_image(run, spec->target_path, false, &image)) goto out;
        di_status st = job_start_hashers(run);
        if (st == DI_OK)
            st = read_pass(run, DI_PHASE_HASHING, image, length, NULL, PL_TARGET_NONE,
                           bmap.maker ? &bmap : NULL);
        di_device_close(image);
        if (st != DI_OK) goto out;
    }
    if (bmap.maker && save_bmap(run, &bmap, length)) goto out;
    job_finish_hashers(run, result->hashes);
out:
    drop_failed_outputs(run, &bmap, output_closed);
    di_bmap_maker_free(bmap.maker);
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

