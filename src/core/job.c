/* Jobs built from the pipeline: open the devices, apply the size rules, run one or
 * two pipeline passes, flush once at the end, and leave a result that says exactly
 * what happened. A failed or cancelled READ removes its partial output. */
#include "diskimager/job.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "progress_state.h"
#include "size_plan.h"
#include "diskimager/partitions.h"
#include "diskimager/units.h"

struct di_job {
    di_job_spec spec;
    char *source_path;
    char *target_path;
    atomic_bool cancel;
    di_progress_state progress;
    di_result result;
};

const char *di_phase_name(di_phase phase)
{
    switch (phase) {
    case DI_PHASE_IDLE: return "idle";
    case DI_PHASE_PREPARING: return "preparing";
    case DI_PHASE_WRITING: return "writing";
    case DI_PHASE_READING: return "reading";
    case DI_PHASE_VERIFYING: return "verifying";
    case DI_PHASE_HASHING: return "hashing";
    case DI_PHASE_FLUSHING: return "flushing";
    case DI_PHASE_DONE: return "done";
    }
    return "unknown";
}

const char *di_job_kind_name(di_job_kind kind)
{
    switch (kind) {
    case DI_JOB_WRITE: return "write";
    case DI_JOB_READ: return "read";
    case DI_JOB_VERIFY: return "verify";
    case DI_JOB_HASH: return "hash";
    }
    return "unknown";
}

static char *dup_or_null(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy) memcpy(copy, s, n);
    return copy;
}

di_job *di_job_new(const di_job_spec *spec)
{
    di_job *job = calloc(1, sizeof *job);
    if (!job) return NULL;
    job->spec = *spec;
    job->source_path = dup_or_null(spec->source_path);
    job->target_path = dup_or_null(spec->target_path);
    if ((spec->source_path && !job->source_path) || (spec->target_path && !job->target_path)) {
        di_job_free(job);
        return NULL;
    }
    job->spec.source_path = job->source_path;
    job->spec.target_path = job->target_path;
    atomic_init(&job->cancel, false);
    return job;
}

void di_job_free(di_job *job)
{
    if (!job) return;
    free(job->source_path);
    free(job->target_path);
    free(job);
}

const di_result *di_job_result(const di_job *job)
{
    return &job->result;
}

void di_job_cancel(di_job *job)
{
    atomic_store(&job->cancel, true);
}

void di_job_progress(const di_job *job, di_progress *out)
{
    di_progress_read(&job->progress, out);
}

/* ---- the pieces every job is made of ---- */

typedef struct job_run {
    di_job *job;
    di_result *result;
    di_device *source;
    di_device *target;
    di_hasher *hashers[DI_HASH_COUNT];
} job_run;

static di_status fail_with(job_run *run, const di_error *error)
{
    if (run->result->status == DI_OK) {
        run->result->status = error->status;
        run->result->error = *error;
    }
    return error->status;
}

static di_status open_device(job_run *run, const char *path, di_open_mode mode, di_role role,
                             di_device **out)
{
    const di_job_spec *spec = &run->job->spec;
    di_open_options options = {
        .mode = mode,
        .file_sector_size = spec->file_sector_size,
        .allow_mounted = spec->allow_mounted,
    };
    di_error error;
    di_error_clear(&error);
    di_device *dev = NULL;
    if (di_device_open(path, &options, &dev, &error) != DI_OK) return fail_with(run, &error);
    if (spec->wrap) {
        di_device *wrapped = spec->wrap(dev, role, spec->wrap_ctx);
        if (!wrapped) {
            di_device_close(dev);
            di_error_set(&error, DI_ERR_NO_MEMORY, "open", path, 0, "wrapping the device");
            return fail_with(run, &error);
        }
        dev = wrapped;
    }
    *out = dev;
    return DI_OK;
}

static size_t chunk_size_for(const di_job_spec *spec, uint32_t alignment)
{
    size_t size = spec->buffer_size ? spec->buffer_size : DI_DEFAULT_BUFFER_SIZE;
    size = (size + alignment - 1) / alignment * alignment;
    return size ? size : alignment;
}

static di_status start_hashers(job_run *run)
{
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        if (!(run->job->spec.hash_mask & DI_HASH_BIT(i))) continue;
        run->hashers[i] = di_hasher_new((di_hash_alg)i);
        if (!run->hashers[i]) {
            di_error error;
            di_error_set(&error, DI_ERR_INTERNAL, "hash", run->job->spec.source_path, 0,
                         "%s is not available in the digest library",
                         di_hash_name((di_hash_alg)i));
            return fail_with(run, &error);
        }
    }
    return DI_OK;
}

static void finish_hashers(job_run *run, char hashes[DI_HASH_COUNT][DI_HASH_HEX_MAX])
{
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        if (!run->hashers[i]) continue;
        di_hasher_final_hex(run->hashers[i], hashes[i]);
        di_hasher_free(run->hashers[i]);
        run->hashers[i] = NULL;
    }
}

static void free_hashers(job_run *run)
{
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        di_hasher_free(run->hashers[i]);
        run->hashers[i] = NULL;
    }
}

/* One pipeline pass in the given phase, over [start, start + length). */
static di_status run_pass(job_run *run, di_phase phase, di_device *source, uint64_t start,
                          uint64_t length, di_device *target, pl_target_mode mode,
                          bool hash_target_data)
{
    const di_job_spec *spec = &run->job->spec;
    uint32_t alignment = pl_alignment(source, target);
    unsigned io_threads = spec->io_threads;
    if (io_threads == 0) io_threads = target && target->parallel_io ? target->parallel_io : 1;
    pl_config cfg = {
        .source = source,
        .start = start,
        .length = length,
        .target = target,
        .mode = mode,
        .pad_to_sector = mode == PL_TARGET_WRITE && run->job->spec.kind == DI_JOB_WRITE,
        .hash_target_data = hash_target_data,
        .hashers = run->hashers,
        .chunk_size = chunk_size_for(spec, alignment),
        .chunk_count = spec->buffer_count ? spec->buffer_count : DI_DEFAULT_BUFFER_COUNT,
        .io_threads = io_threads,
        .cancel = &run->job->cancel,
        .progress = &run->job->progress,
    };
    /* A pass that continues a phase (the write after its head was read) keeps counting. */
    if (start == 0) di_progress_begin_phase(&run->job->progress, phase, length);
    pl_outcome outcome;
    pl_run(&cfg, &outcome);
    run->result->device_bytes = outcome.target_bytes;
    if (outcome.mismatch) {
        run->result->mismatch = true;
        run->result->mismatch_offset = outcome.mismatch_offset;
    }
    if (outcome.status != DI_OK) return fail_with(run, &outcome.error);
    if (atomic_load(&run->job->cancel)) {
        /* Asked while the last chunk was in flight: the user still meant it, and a job
         * that says "done" after Cancel was pressed would be a surprise. */
        di_error error;
        di_error_set(&error, DI_ERR_CANCELLED, di_phase_name(phase),
                     target ? target->path : source->path, 0, "cancelled by the user");
        di_error_at(&error, start + length);
        return fail_with(run, &error);
    }
    return DI_OK;
}

/* Reads [offset, offset+length) of the image: all zero? Optionally hashes it, so the
 * image's digest covers the bytes that were not written too. */
static di_status check_zero_tail(job_run *run, di_device *image, uint64_t offset,
                                 uint64_t length, bool *all_zero)
{
    const di_job_spec *spec = &run->job->spec;
    size_t chunk = chunk_size_for(spec, image->sector_size);
    unsigned char *buf = di_aligned_alloc(4096, chunk);
    di_error error;
    di_error_clear(&error);
    *all_zero = true;
    if (!buf) {
        di_error_set(&error, DI_ERR_NO_MEMORY, "read", image->path, 0, NULL);
        return fail_with(run, &error);
    }
    di_status st = DI_OK;
    /* Unbuffered sources want aligned reads: start at the sector holding offset. */
    uint64_t pos = offset / image->sector_size * image->sector_size;
    uint64_t end = offset + length;
    while (pos < end && *all_zero) {
        if (atomic_load(&run->job->cancel)) {
            di_error_set(&error, DI_ERR_CANCELLED, "read", image->path, 0,
                         "cancelled by the user");
            di_error_at(&error, pos);
            st = fail_with(run, &error);
            break;
        }
        size_t n = end - pos < chunk ? (size_t)(end - pos) : chunk;
        size_t io = image->kind == DI_DEVICE_BLOCK
                        ? (n + image->sector_size - 1) / image->sector_size * image->sector_size
                        : n;
        if (di_device_read_full(image, buf, io, pos, NULL, &error) != DI_OK) {
            st = fail_with(run, &error);
            break;
        }
        size_t skip = pos < offset ? (size_t)(offset - pos) : 0;
        for (size_t i = skip; i < n; i++) {
            if (buf[i]) {
                *all_zero = false;
                break;
            }
        }
        pos += n;
    }
    di_aligned_free(buf);
    return st;
}

static void hash_zeros(job_run *run, uint64_t length)
{
    static const unsigned char zeros[65536];
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        if (!run->hashers[i]) continue;
        for (uint64_t left = length; left > 0;) {
            size_t n = left < sizeof zeros ? (size_t)left : sizeof zeros;
            di_hasher_update(run->hashers[i], zeros, n);
            left -= n;
        }
    }
}

static di_status plan_image_on_target(job_run *run, di_size_plan *plan)
{
    di_device *image = run->source, *device = run->target;
    uint64_t capacity = device->kind == DI_DEVICE_FILE && run->job->spec.kind == DI_JOB_WRITE
                            ? UINT64_MAX : device->size;
    di_plan_image_on_device(image->size, capacity, device->sector_size, plan);
    if (plan->tail_length == 0) return DI_OK;

    di_progress_set_phase(&run->job->progress, DI_PHASE_PREPARING);
    bool all_zero = false;
    di_status st = check_zero_tail(run, image, plan->tail_offset, plan->tail_length, &all_zero);
    if (st != DI_OK) return st;
    if (!all_zero) {
        char image_size[32], device_size[32];
        di_error error;
        di_error_set(&error, DI_ERR_TOO_SMALL, "check size", device->path, 0,
                     "the image %s is %llu bytes (%s), the device only %llu bytes (%s), and "
                     "the image holds data beyond the device's end",
                     image->path, (unsigned long long)image->size,
                     di_format_size(image->size, image_size, sizeof image_size),
                     (unsigned long long)device->size,
                     di_format_size(device->size, device_size, sizeof device_size));
        return fail_with(run, &error);
    }
    run->result->truncated = true;
    run->result->truncated_bytes = plan->tail_length;
    return DI_OK;
}

static di_status flush_target(job_run *run)
{
    di_error error;
    di_error_clear(&error);
    di_progress_set_phase(&run->job->progress, DI_PHASE_FLUSHING);
    if (run->target->ops->flush(run->target, &error) != DI_OK) return fail_with(run, &error);
    return DI_OK;
}

/* The head of a disk (partition tables, boot code) is written last: first erased, then
 * the rest written and flushed, then the head. A write that fails or is cancelled half
 * way leaves a disk with no partition table, never one that mounts a half-written file
 * system. The head is read once, up front, so the digests still see the image in order. */
static di_status write_in_safe_order(job_run *run, uint64_t payload)
{
    di_device *source = run->source, *target = run->target;
    di_progress_begin_phase(&run->job->progress, DI_PHASE_WRITING, payload);
    if (payload <= DI_SAFE_HEAD_BYTES) {
        /* Nothing but a head: one write, one flush. */
        if (run_pass(run, DI_PHASE_WRITING, source, 0, payload, target, PL_TARGET_WRITE, false))
            return run->result->status;
        return flush_target(run);
    }

    const size_t head = DI_SAFE_HEAD_BYTES;
    di_error error;
    di_error_clear(&error);
    di_status st = DI_OK;
    unsigned char *image_head = di_aligned_alloc(4096, head);
    unsigned char *zeros = di_aligned_alloc(4096, head);
    if (!image_head || !zeros) {
        di_error_set(&error, DI_ERR_NO_MEMORY, "write", target->path, 0, NULL);
        st = fail_with(run, &error);
        goto out;
    }
    memset(zeros, 0, head);
    if (di_device_read_full(source, image_head, head, 0, NULL, &error) != DI_OK ||
        di_device_write_full(target, zeros, head, 0, &error) != DI_OK ||
        target->ops->flush(target, &error) != DI_OK) {
        st = fail_with(run, &error);
        goto out;
    }
    for (unsigned i = 0; i < DI_HASH_COUNT; i++)
        if (run->hashers[i]) di_hasher_update(run->hashers[i], image_head, head);

    st = run_pass(run, DI_PHASE_WRITING, source, head, payload - head, target, PL_TARGET_WRITE,
                  false);
    if (st == DI_OK) st = flush_target(run);
    if (st != DI_OK) goto out;
    if (di_device_write_full(target, image_head, head, 0, &error) != DI_OK ||
        target->ops->flush(target, &error) != DI_OK) {
        st = fail_with(run, &error);
        goto out;
    }
    run->result->device_bytes += head;
    di_progress_add(&run->job->progress, head);
out:
    di_aligned_free(image_head);
    di_aligned_free(zeros);
    return st;
}

/* ---- the jobs ---- */

static di_status read_table_sectors(void *ctx, uint64_t offset, void *buf, size_t len,
                                    di_error *error)
{
    return di_device_read_full(ctx, buf, len, offset, NULL, error);
}

/* Writes a GPT's backup entry table and header into the last sectors of `to` (as
 * t->image_size says), then the primary header pointing there, CRCs recomputed. The
 * entries come from the source. Backup first, primary last: a stop half way leaves the
 * old primary valid. A GPT image gets its backup this way, so it is a correct disk by
 * itself; a verified write can move it to the end of a larger drive the same way. */
static di_status write_gpt_backup(job_run *run, const di_partition_table *t, di_device *to)
{
    uint32_t ss = t->sector_size;
    size_t table_bytes = (size_t)t->gpt_entry_count * t->gpt_entry_size;
    size_t table_span = (table_bytes + ss - 1) / ss * ss;
    uint64_t last_lba = t->image_size / ss - 1;
    uint8_t *entries = di_aligned_alloc(4096, table_span);
    uint8_t *primary = di_aligned_alloc(4096, ss), *backup = di_aligned_alloc(4096, ss);
    di_error error;
    di_error_clear(&error);
    di_status st = DI_OK;
    if (!entries || !primary || !backup) {
        di_error_set(&error, DI_ERR_NO_MEMORY, "write backup GPT", to->path, 0, NULL);
        st = fail_with(run, &error);
        goto out;
    }
    memset(entries, 0, table_span);
    memset(primary, 0, ss);
    memset(backup, 0, ss);
    if (di_device_read_full(run->source, entries, table_span, t->gpt_entries_lba * ss, NULL,
                            &error) != DI_OK) {
        st = fail_with(run, &error);
        goto out;
    }
    di_gpt_make_backup(t, primary, entries, backup);
    if (di_device_write_full(to, entries, table_span, (last_lba - table_span / ss) * ss,
                             &error) != DI_OK ||
        di_device_write_full(to, backup, ss, last_lba * ss, &error) != DI_OK ||
        to->ops->flush(to, &error) != DI_OK ||
        di_device_write_full(to, primary, ss, ss, &error) != DI_OK ||
        to->ops->flush(to, &error) != DI_OK)
        st = fail_with(run, &error);
out:
    di_aligned_free(entries);
    di_aligned_free(primary);
    di_aligned_free(backup);
    return st;
}

/* After a verified write of a GPT image to a larger device: the backup entry table and
 * header move to the device's last sectors, and the primary header points there (with
 * the usable area grown), so the partition tools see the whole device. */
static di_status move_gpt_backup(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_partition_table *t = malloc(sizeof *t);
    di_device *dev = NULL;
    di_error error;
    di_error_clear(&error);
    di_status st = DI_OK;
    if (!t) {
        di_error_set(&error, DI_ERR_NO_MEMORY, "move backup GPT", spec->target_path, 0, NULL);
        st = fail_with(run, &error);
        goto out;
    }
    if (di_partition_table_parse(read_table_sectors, run->source, run->source->size,
                                 run->source->sector_size, t, &error) != DI_OK ||
        t->kind != DI_TABLE_GPT) {
        if (error.status == DI_OK)
            di_error_set(&error, DI_ERR_PARTITIONS, "move backup GPT", "", 0,
                         "the image has an MBR, not a GPT");
        if (!error.path[0]) snprintf(error.path, sizeof error.path, "%s", spec->source_path);
        st = fail_with(run, &error);
        goto out;
    }
    if (open_device(run, spec->target_path, DI_OPEN_WRITE, DI_ROLE_TARGET, &dev)) {
        st = run->result->status;
        goto out;
    }
    uint32_t ss = t->sector_size;
    if (dev->sector_size != ss || dev->size / ss <= t->image_size / ss) goto out; /* nothing to move */
    t->image_size = dev->size / ss * ss;
    st = write_gpt_backup(run, t, dev);
    run->result->gpt_backup_moved = st == DI_OK;
out:
    di_device_close(dev);
    free(t);
    return st;
}

static di_status run_write(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_result *result = run->result;
    di_size_plan plan;
    if (open_device(run, spec->source_path, DI_OPEN_READ, DI_ROLE_SOURCE, &run->source) ||
        open_device(run, spec->target_path, DI_OPEN_WRITE, DI_ROLE_TARGET, &run->target) ||
        plan_image_on_target(run, &plan))
        return result->status;
    /* With verify, the digest is taken from what is read back (every byte of which is
     * compared with the image), so the image is hashed once, in the pass that reads
     * the device, and the write pass runs at the device's speed, not the digest's. */
    if (!spec->verify_after_write && start_hashers(run)) return result->status;

    result->image_bytes = run->source->size;
    result->padded = plan.padded;
    if (write_in_safe_order(run, plan.payload)) return result->status;
    if (run->target->ops->after_write) run->target->ops->after_write(run->target);
    if (!spec->verify_after_write) {
        if (result->truncated) hash_zeros(run, plan.tail_length);
        finish_hashers(run, result->hashes);
        return DI_OK;
    }

    /* Read back through a fresh unbuffered handle, so what is compared is what the
     * medium holds, not what a cache remembers. */
    di_device_close(run->target);
    run->target = NULL;
    if (open_device(run, spec->target_path, DI_OPEN_READ, DI_ROLE_READBACK, &run->target) ||
        start_hashers(run))
        return result->status;
    uint64_t written = result->device_bytes;
    if (run_pass(run, DI_PHASE_VERIFYING, run->source, 0, plan.payload, run->target,
                 PL_TARGET_COMPARE, true))
        return result->status;
    result->device_bytes = written;
    if (result->truncated) hash_zeros(run, plan.tail_length);
    finish_hashers(run, result->readback_hashes);
    memcpy(result->hashes, result->readback_hashes, sizeof result->hashes);
    result->verified = true;
    if (!spec->move_gpt_backup) return DI_OK;
    di_device_close(run->target);
    run->target = NULL;
    return move_gpt_backup(run);
}

static di_status run_verify(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_size_plan plan;
    if (open_device(run, spec->source_path, DI_OPEN_READ, DI_ROLE_SOURCE, &run->source) ||
        open_device(run, spec->target_path, DI_OPEN_READ, DI_ROLE_TARGET, &run->target) ||
        plan_image_on_target(run, &plan) || start_hashers(run))
        return run->result->status;
    run->result->image_bytes = run->source->size;
    if (run_pass(run, DI_PHASE_VERIFYING, run->source, 0, plan.payload, run->target,
                 PL_TARGET_COMPARE, false))
        return run->result->status;
    if (run->result->truncated) hash_zeros(run, plan.tail_length);
    finish_hashers(run, run->result->hashes);
    run->result->verified = true;
    return DI_OK;
}

/* READ and HASH may cover only the first read_size bytes of a device: the size of the
 * image once written there, to prove what a card holds. */
static di_status length_to_read(job_run *run, uint64_t *length)
{
    uint64_t want = run->job->spec.read_size;
    *length = want ? want : run->source->size;
    if (want <= run->source->size) return DI_OK;
    char a[32], b[32];
    di_error error;
    di_error_set(&error, DI_ERR_TOO_SMALL, "read", run->source->path, 0,
                 "asked for %llu bytes (%s), the device has %llu bytes (%s)",
                 (unsigned long long)want, di_format_size(want, a, sizeof a),
                 (unsigned long long)run->source->size,
                 di_format_size(run->source->size, b, sizeof b));
    return fail_with(run, &error);
}

/* --allocated-only: the image ends where the last partition does. */
static di_status allocated_length(job_run *run, di_partition_table *table, uint64_t *length)
{
    di_error error;
    di_error_clear(&error);
    if (di_partition_table_parse(read_table_sectors, run->source, run->source->size,
                                 run->source->sector_size, table, &error) != DI_OK) {
        if (!error.path[0]) snprintf(error.path, sizeof error.path, "%s", run->source->path);
        return fail_with(run, &error);
    }
    *length = table->image_size;
    run->result->table_kind = (int)table->kind;
    return DI_OK;
}

static di_status run_read(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_result *result = run->result;
    di_partition_table *table = NULL;
    if (open_device(run, spec->source_path, DI_OPEN_READ, DI_ROLE_SOURCE, &run->source))
        return result->status;
    uint64_t length, copy_length;
    if (spec->allocated_only) {
        table = malloc(sizeof *table);
        if (!table) {
            di_error error;
            di_error_set(&error, DI_ERR_NO_MEMORY, "read partition table", spec->source_path, 0, NULL);
            fail_with(run, &error);
            goto out;
        }
        if (allocated_length(run, table, &length)) goto out;
    } else if (length_to_read(run, &length)) {
        goto out;
    }
    /* A GPT image's tail is made, not copied; it is hashed once the image is complete. */
    bool made_tail = table && table->kind == DI_TABLE_GPT;
    copy_length = made_tail ? table->used_end : length;
    if (open_device(run, spec->target_path, DI_OPEN_CREATE, DI_ROLE_TARGET, &run->target) ||
        (!made_tail && start_hashers(run)))
        goto out;
    result->image_bytes = length;
    if (run_pass(run, DI_PHASE_READING, run->source, 0, copy_length, run->target,
                 PL_TARGET_WRITE, false) ||
        (made_tail && write_gpt_backup(run, table, run->target)) || flush_target(run))
        goto out;
    if (made_tail && spec->hash_mask) {
        di_device_close(run->target);
        run->target = NULL;
        di_device *image = NULL;
        if (open_device(run, spec->target_path, DI_OPEN_READ, DI_ROLE_SOURCE, &image)) goto out;
        di_status st = start_hashers(run);
        if (st == DI_OK)
            st = run_pass(run, DI_PHASE_HASHING, image, 0, image->size, NULL, PL_TARGET_NONE, false);
        di_device_close(image);
        if (st != DI_OK) goto out;
    }
    finish_hashers(run, result->hashes);
out:
    free(table);
    return result->status;
}

static di_status run_hash(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    uint64_t length;
    if (open_device(run, spec->source_path, DI_OPEN_READ, DI_ROLE_SOURCE, &run->source) ||
        length_to_read(run, &length) || start_hashers(run))
        return run->result->status;
    run->result->image_bytes = length;
    if (run_pass(run, DI_PHASE_HASHING, run->source, 0, length, NULL, PL_TARGET_NONE, false))
        return run->result->status;
    finish_hashers(run, run->result->hashes);
    return DI_OK;
}

static bool spec_is_valid(const di_job_spec *spec, di_error *error)
{
    bool needs_target = spec->kind != DI_JOB_HASH;
    if (!spec->source_path || !spec->source_path[0] ||
        (needs_target && (!spec->target_path || !spec->target_path[0]))) {
        di_error_set(error, DI_ERR_USAGE, di_job_kind_name(spec->kind), "", 0,
                     "a source and a target path are needed");
        return false;
    }
    if (spec->move_gpt_backup && (spec->kind != DI_JOB_WRITE || !spec->verify_after_write)) {
        di_error_set(error, DI_ERR_USAGE, di_job_kind_name(spec->kind), "", 0,
                     "the backup GPT is moved only after a write has been verified");
        return false;
    }
    if (spec->kind > DI_JOB_HASH) {
        di_error_set(error, DI_ERR_USAGE, "start job", "", 0, "unknown job kind %d",
                     (int)spec->kind);
        return false;
    }
    return true;
}

di_status di_job_run(di_job *job)
{
    di_result *result = &job->result;
    memset(result, 0, sizeof *result);
    if (job->spec.expected.present) job->spec.hash_mask |= DI_HASH_BIT(job->spec.expected.alg);
    result->hash_mask = job->spec.hash_mask;
    job_run run = {.job = job, .result = result};
    di_progress_begin_phase(&job->progress, DI_PHASE_PREPARING, 0);

    di_error error;
    di_error_clear(&error);
    if (!spec_is_valid(&job->spec, &error)) {
        fail_with(&run, &error);
    } else {
        switch (job->spec.kind) {
        case DI_JOB_WRITE: run_write(&run); break;
        case DI_JOB_READ: run_read(&run); break;
        case DI_JOB_VERIFY: run_verify(&run); break;
        case DI_JOB_HASH: run_hash(&run); break;
        }
    }

    free_hashers(&run);
    di_device_close(run.source);
    di_device_close(run.target);
    if (job->spec.kind == DI_JOB_READ && result->status != DI_OK && run.target &&
        !job->spec.keep_partial) {
        /* A partial image must not look like a backup someone could restore. */
        di_error ignored;
        result->partial_removed = di_remove_file(job->spec.target_path, &ignored);
    }
    if (result->status != DI_OK) {
        memset(result->hashes, 0, sizeof result->hashes);
        memset(result->readback_hashes, 0, sizeof result->readback_hashes);
    }
    if (result->status == DI_OK && job->spec.expected.present) {
        result->expected_checked = true;
        result->expected_match =
            strcmp(result->hashes[job->spec.expected.alg], job->spec.expected.hex) == 0;
    }
    di_progress_set_phase(&job->progress, DI_PHASE_DONE);
    return result->status;
}
