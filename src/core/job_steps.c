/* The steps every job is made of: opening devices, digests, pipeline passes with
 * progress and cancel, the size rules with their zero-tail check, the final flush. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/drives.h"
#include "diskimager/units.h"
#include "job_internal.h"

di_status job_fail(job_run *run, const di_error *error)
{
    if (run->result->status == DI_OK) {
        run->result->status = error->status;
        run->result->error = *error;
    }
    return error->status;
}

di_status job_try_open(job_run *run, const char *path, di_open_mode mode, di_role role,
                       di_retry *policy, di_device **out, di_error *error)
{
    const di_job_spec *spec = &run->job->spec;
    di_open_options options = {.mode = mode};
    di_device *dev = NULL;
    di_retry_state state = {0};
    while (di_device_open(path, &options, &dev, error) != DI_OK)
        if (!di_retry_after(policy, &state, DI_IO_OPEN, 0, error)) return error->status;
    if (spec->wrap) {
        di_device *wrapped = spec->wrap(dev, role, spec->wrap_ctx);
        if (!wrapped) {
            di_device_close(dev);
            return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_OPEN, path,
                                DI_REASON_WRAP_DEVICE, DI_NO_ARGS);
        }
        dev = wrapped;
    }
    dev->retry = policy ? policy : &run->job->retry;
    *out = dev;
    static const char *const roles[] = {"source", "target", "read-back", "probe", "eject"};
    di_log_emit(spec->log, DI_LOG_DEBUG, "opened %s as the %s: %s, %llu bytes, %u-byte sectors%s",
                path, (unsigned)role < 5 ? roles[role] : "device",
                dev->kind == DI_DEVICE_BLOCK ? "a drive" : "a file", (unsigned long long)dev->size,
                (unsigned)dev->sector_size, dev->read_only ? ", read-only" : "");
    return DI_OK;
}

di_status job_open(job_run *run, const char *path, di_open_mode mode, di_role role,
                   di_device **out)
{
    di_error error;
    di_error_clear(&error);
    if (job_try_open(run, path, mode, role, &run->job->retry, out, &error) != DI_OK)
        return job_fail(run, &error);
    return DI_OK;
}

di_status job_reopen_target(job_run *run, di_open_mode mode, const di_device *shape)
{
    di_device_close(run->target);
    run->target = NULL;
    if (job_open(run, run->target_path, mode,
                 mode == DI_OPEN_READ ? DI_ROLE_READBACK : DI_ROLE_TARGET, &run->target))
        return run->result->status;
    return mode == DI_OPEN_READ ? DI_OK : job_check_as_probed(run, shape);
}

size_t job_chunk_size(const di_job_spec *spec, uint32_t alignment)
{
    size_t size = spec->buffer_size ? spec->buffer_size : DI_DEFAULT_BUFFER_SIZE;
    size = (size + alignment - 1) / alignment * alignment;
    return size ? size : alignment;
}

unsigned job_chunk_count(const di_job_spec *spec, size_t chunk_size, bool file_target)
{
    if (spec->buffer_count) return spec->buffer_count;
    if (!file_target) return DI_DEFAULT_BUFFER_COUNT;
    size_t fit = DI_FILE_TARGET_RING_BYTES / (chunk_size ? chunk_size : 1);
    if (fit > DI_FILE_TARGET_BUFFER_COUNT) fit = DI_FILE_TARGET_BUFFER_COUNT;
    return fit < DI_DEFAULT_BUFFER_COUNT ? DI_DEFAULT_BUFFER_COUNT : (unsigned)fit;
}

di_status job_start_hashers(job_run *run)
{
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        if (!(run->job->spec.hash_mask & DI_HASH_BIT(i))) continue;
        run->hashers[i] = di_hasher_new((di_hash_alg)i);
        if (!run->hashers[i]) {
            di_error error;
            di_error_why(&error, DI_ERR_INTERNAL, DI_OP_HASH, run->job->spec.source_path,
                         DI_REASON_DIGEST_UNAVAILABLE, DI_ARGS(di_text(di_hash_name((di_hash_alg)i))));
            return job_fail(run, &error);
        }
    }
    return DI_OK;
}

void job_finish_hashers(job_run *run, char hashes[DI_HASH_COUNT][DI_HASH_HEX_MAX])
{
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        if (!run->hashers[i]) continue;
        di_hasher_final_hex(run->hashers[i], hashes[i]);
        di_hasher_free(run->hashers[i]);
        run->hashers[i] = NULL;
    }
}

void job_free_hashers(job_run *run)
{
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        di_hasher_free(run->hashers[i]);
        run->hashers[i] = NULL;
    }
}

unsigned job_io_threads(const job_run *run, const di_device *target)
{
    unsigned io_threads = run->job->spec.io_threads;
    if (io_threads == 0) io_threads = target && target->parallel_io ? target->parallel_io : 1;
    if (target && target->sequential) io_threads = 1; /* a compressed output: in order */
    return io_threads;
}

static pl_config pass_config(job_run *run, di_device *source, di_device *target,
                             pl_target_mode mode)
{
    const di_job_spec *spec = &run->job->spec;
    unsigned io_threads = job_io_threads(run, target);
    size_t chunk_size = job_chunk_size(spec, pl_alignment(source, target));
    bool file_target = mode == PL_TARGET_WRITE && target && target->flush_every;
    pl_config cfg = {
        .source = source,
        .target = target,
        .mode = mode,
        .pad_to_sector = mode == PL_TARGET_WRITE && spec->kind == DI_JOB_WRITE,
        .hashers = run->hashers,
        .chunk_size = chunk_size,
        .chunk_count = job_chunk_count(spec, chunk_size, file_target),
        .io_threads = io_threads,
        .cancel = &run->job->cancel,
        .progress = &run->job->progress,
        .tolerated = mode == PL_TARGET_COMPARE ? run->tolerated : NULL,
        .tolerated_count = mode == PL_TARGET_COMPARE ? run->tolerated_count : 0,
    };
    return cfg;
}

static di_status run_pass(job_run *run, di_phase phase, const pl_config *cfg, uint64_t end)
{
    pl_outcome outcome;
    pl_run(cfg, &outcome, NULL);
    run->result->device_bytes = outcome.target_bytes;
    run->pass_source_bytes = outcome.source_bytes;
    run->pass_source_ended = outcome.source_ended;
    if (outcome.mismatch) {
        run->result->mismatch = true;
        run->result->mismatch_offset = outcome.mismatch_offset;
        /* Only Verify Only tolerates anything: the FAT fields of a mount. */
        run->result->mismatch_from_mount = outcome.mismatch_tolerated;
    }
    if (outcome.status != DI_OK) return job_fail(run, &outcome.error);
    /* Asked while the last chunk was in flight: the user still meant it. */
    return job_check_cancel(run, phase, cfg->target ? cfg->target->path : cfg->source->path,
                            end ? end : cfg->start + outcome.source_bytes);
}

/* A pass that continues a phase (the write after its head was read) keeps counting;
 * a stream of unknown size counts its compressed bytes instead. */
static void begin_pass_phase(job_run *run, di_phase phase, const di_device *source,
                             uint64_t start, uint64_t length)
{
    if (start == 0)
        di_progress_begin_phase(&run->job->progress, phase,
                                source->size_unknown ? source->stored_size : length);
}

/* One pipeline pass in the given phase, over [start, start + length). */
di_status job_pass(job_run *run, di_phase phase, di_device *source, uint64_t start,
                   uint64_t length, di_device *target, pl_target_mode mode,
                   bool hash_target_data)
{
    pl_config cfg = pass_config(run, source, target, mode);
    cfg.start = start;
    cfg.length = length;
    cfg.hash_target_data = hash_target_data;
    begin_pass_phase(run, phase, source, start, length);
    return run_pass(run, phase, &cfg, 0);
}

/* The pass's on_read when run->track_data_end: where the last non-zero byte ends. */
static bool note_data_end(void *ctx, uint64_t offset, const unsigned char *data, size_t len,
                          di_error *error)
{
    (void)error;
    job_run *run = ctx;
    size_t end = len;
    while (end > 0 && data[end - 1] == 0) end--;
    if (end && offset + end > run->data_end) run->data_end = offset + end;
    return true;
}

di_status job_pass_list(job_run *run, di_phase phase, di_device *source, uint64_t start,
                        uint64_t length, const pl_target *targets, unsigned count,
                        pl_target_mode mode, pl_outcome *outcome, pl_target_outcome *per_target)
{
    pl_config cfg = pass_config(run, source, NULL, mode);
    uint32_t alignment = pl_alignment(source, NULL);
    for (unsigned i = 0; i < count; i++) {
        uint32_t needs = pl_alignment(targets[i].device, NULL);
        if (needs > alignment) alignment = needs;
    }
    cfg.chunk_size = job_chunk_size(&run->job->spec, alignment);
    cfg.chunk_count = job_chunk_count(&run->job->spec, cfg.chunk_size, false);
    /* A read-back holds a chunk per drive for every chunk of the ring: with many drives
     * the ring gets shorter, then its chunks smaller (not below 1 MiB), so memory stays
     * near DI_MANY_READBACK_BYTES, unless the user set the sizes. */
    const di_job_spec *spec = &run->job->spec;
    if (mode == PL_TARGET_COMPARE && !spec->buffer_count && !spec->buffer_size) {
        while ((uint64_t)count * cfg.chunk_count * cfg.chunk_size > DI_MANY_READBACK_BYTES &&
               cfg.chunk_count > 2)
            cfg.chunk_count--;
        while ((uint64_t)count * cfg.chunk_count * cfg.chunk_size > DI_MANY_READBACK_BYTES &&
               cfg.chunk_size / 2 >= (1u << 20) && (cfg.chunk_size / 2) % alignment == 0)
            cfg.chunk_size /= 2;
    }
    cfg.targets = targets;
    cfg.target_count = count;
    if (run->track_data_end) {
        cfg.on_read = note_data_end;
        cfg.on_read_ctx = run;
    }
    cfg.start = start;
    cfg.length = length;
    begin_pass_phase(run, phase, source, start, length);
    pl_run(&cfg, outcome, per_target);
    run->pass_source_bytes = outcome->source_bytes;
    run->pass_source_ended = outcome->source_ended;
    return outcome->status;
}

di_status job_pass_ranges(job_run *run, di_phase phase, di_device *source,
                          const pl_range *ranges, size_t range_count, uint64_t length,
                          di_device *target, pl_target_mode mode, pl_read_hook on_read,
                          void *on_read_ctx)
{
    if (range_count == 0) return DI_OK;
    pl_config cfg = pass_config(run, source, target, mode);
    cfg.ranges = ranges;
    cfg.range_count = range_count;
    cfg.length = length;
    cfg.on_read = on_read;
    cfg.on_read_ctx = on_read_ctx;
    const pl_range *last = &ranges[range_count - 1];
    return run_pass(run, phase, &cfg, last->offset + last->length);
}

/* The phase as the operation an error names ("writing", "verifying", ...). */
static di_op phase_op(di_phase phase)
{
    switch (phase) {
    case DI_PHASE_PREPARING: return DI_OP_PREPARING;
    case DI_PHASE_WRITING: return DI_OP_WRITING;
    case DI_PHASE_READING: return DI_OP_READING;
    case DI_PHASE_VERIFYING: return DI_OP_VERIFYING;
    case DI_PHASE_HASHING: return DI_OP_HASHING;
    case DI_PHASE_FLUSHING: return DI_OP_FLUSHING;
    case DI_PHASE_ERASING: return DI_OP_ERASING;
    case DI_PHASE_IDLE:
    case DI_PHASE_DONE: break;
    }
    return DI_OP_NONE;
}

di_status job_check_cancel(job_run *run, di_phase phase, const char *path, uint64_t offset)
{
    if (!atomic_load(&run->job->cancel)) return DI_OK;
    /* A job that says "done" after Cancel was pressed would be a surprise. */
    di_error error;
    di_error_why(&error, DI_ERR_CANCELLED, phase_op(phase), path, DI_REASON_CANCELLED, DI_NO_ARGS);
    di_error_at(&error, offset);
    return job_fail(run, &error);
}

/* Reads [offset, offset+length) of the image: all zero? Optionally hashes it, so the
 * image's digest covers the bytes that were not written too. */
di_status job_check_zero_tail(job_run *run, di_device *image, uint64_t offset,
                                 uint64_t length, bool *all_zero)
{
    const di_job_spec *spec = &run->job->spec;
    size_t chunk = job_chunk_size(spec, image->sector_size);
    unsigned char *buf = di_aligned_alloc(DI_DIRECT_ALIGNMENT, chunk);
    di_error error;
    di_error_clear(&error);
    *all_zero = true;
    if (!buf) {
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_READ, image->path, DI_REASON_NONE, DI_NO_ARGS);
        return job_fail(run, &error);
    }
    di_status st = DI_OK;
    /* Unbuffered sources want aligned reads: start at the sector holding offset. */
    uint64_t pos = offset / image->sector_size * image->sector_size;
    uint64_t end = UINT64_MAX - offset < length ? UINT64_MAX : offset + length;
    bool until_end = image->size_unknown; /* a stream: its end is the image's */
    while (pos < end && *all_zero) {
        if (atomic_load(&run->job->cancel)) {
            di_error_why(&error, DI_ERR_CANCELLED, DI_OP_READ, image->path, DI_REASON_CANCELLED,
                         DI_NO_ARGS);
            di_error_at(&error, pos);
            st = job_fail(run, &error);
            break;
        }
        size_t n = end - pos < chunk ? (size_t)(end - pos) : chunk;
        size_t io = image->kind == DI_DEVICE_BLOCK
                        ? (n + image->sector_size - 1) / image->sector_size * image->sector_size
                        : n;
        size_t got = io;
        if ((until_end ? di_device_read_upto(image, buf, io, pos, &got, &error)
                       : di_device_read_full(image, buf, io, pos, NULL, &error)) != DI_OK) {
            st = job_fail(run, &error);
            break;
        }
        if (got < n) n = got;
        size_t skip = pos < offset ? (size_t)(offset - pos) : 0;
        for (size_t i = skip; i < n; i++) {
            if (buf[i]) {
                *all_zero = false;
                break;
            }
        }
        pos += n;
        if (until_end && got < io) break;
    }
    di_aligned_free(buf);
    return st;
}

void job_hash_zeros_into(di_hasher *hashers[DI_HASH_COUNT], uint64_t length)
{
    /* A const block is stored in the .exe: 4 KiB steps cost nothing next to the work. */
    static const unsigned char zeros[4096];
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        if (!hashers[i]) continue;
        for (uint64_t left = length; left > 0;) {
            size_t n = left < sizeof zeros ? (size_t)left : sizeof zeros;
            di_hasher_update(hashers[i], zeros, n);
            left -= n;
        }
    }
}

void job_hash_zeros(job_run *run, uint64_t length)
{
    job_hash_zeros_into(run->hashers, length);
}

di_status job_plan_image(job_run *run, const di_device *device, di_size_plan *plan)
{
    di_device *image = run->source;
    uint64_t capacity = device->kind == DI_DEVICE_FILE && run->job->spec.kind == DI_JOB_WRITE
                            ? UINT64_MAX : device->size;
    if (image->size_unknown) {
        /* Planned as filling the device; job_settle_stream says what it held. */
        memset(plan, 0, sizeof *plan);
        plan->payload = capacity;
        return DI_OK;
    }
    di_plan_image_on_device(image->size, capacity, device->sector_size, plan);
    if (plan->tail_length == 0) return DI_OK;

    di_progress_set_phase(&run->job->progress, DI_PHASE_PREPARING);
    bool all_zero = false;
    di_status st = job_check_zero_tail(run, image, plan->tail_offset, plan->tail_length, &all_zero);
    if (st != DI_OK) return st;
    if (!all_zero) {
        di_error error;
        di_error_why(&error, DI_ERR_TOO_SMALL, DI_OP_CHECK_SIZE, device->path,
                     DI_REASON_IMAGE_LARGER_WITH_DATA,
                     DI_ARGS(di_text(image->path), di_number(image->size), di_size(image->size),
                             di_number(device->size), di_size(device->size)));
        return job_fail(run, &error);
    }
    run->result->truncated = true;
    run->result->truncated_bytes = plan->tail_length;
    return DI_OK;
}

di_status job_settle_stream(job_run *run, di_size_plan *plan)
{
    di_device *image = run->source, *device = run->target;
    uint64_t capacity = plan->payload;
    if (!run->pass_source_ended && image->size_unknown) {
        bool all_zero = false;
        di_status st = job_check_zero_tail(run, image, capacity, UINT64_MAX, &all_zero);
        if (st != DI_OK) return st;
        if (!all_zero) {
            di_error error;
            di_error_why(&error, DI_ERR_TOO_SMALL, DI_OP_CHECK_SIZE, device->path,
                         DI_REASON_STREAM_DATA_BEYOND_DEVICE,
                         DI_ARGS(di_text(image->path), di_number(capacity), di_size(capacity)));
            return job_fail(run, &error);
        }
    }
    /* Decoded to its end by now: its size is known. */
    di_plan_image_on_device(image->size, capacity, device->sector_size, plan);
    if (plan->tail_length > 0) {
        run->result->truncated = true;
        run->result->truncated_bytes = plan->tail_length;
    }
    return DI_OK;
}

di_status job_flush(job_run *run)
{
    di_error error;
    di_error_clear(&error);
    di_progress_set_phase(&run->job->progress, DI_PHASE_FLUSHING);
    if (di_device_flush(run->target, &error) != DI_OK) return job_fail(run, &error);
    return DI_OK;
}


di_status job_erase_head(job_run *run, size_t head)
{
    di_device *target = run->target;
    di_error error;
    di_error_clear(&error);
    unsigned char *zeros = di_aligned_alloc(DI_DIRECT_ALIGNMENT, head);
    if (!zeros) {
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_WRITE, target->path,
                     DI_REASON_NONE, DI_NO_ARGS);
        return job_fail(run, &error);
    }
    memset(zeros, 0, head);
    di_status st = DI_OK;
    if (di_device_write_full(target, zeros, head, 0, &error) != DI_OK ||
        di_device_flush(target, &error) != DI_OK)
        st = job_fail(run, &error);
    di_aligned_free(zeros);
    return st;
}

di_status job_write_head(job_run *run, const unsigned char *image_head, size_t head)
{
    di_device *target = run->target;
    di_error error;
    di_error_clear(&error);
    if (di_device_write_full(target, image_head, head, 0, &error) != DI_OK ||
        di_device_flush(target, &error) != DI_OK)
        return job_fail(run, &error);
    return DI_OK;
}
