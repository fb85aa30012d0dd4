/* WRITE (with its safe order and verify) and VERIFY. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/units.h"
#include "job_internal.h"
#include "job_source.h"

/* The largest share of the image any live drive takes: the pass's length. */
static uint64_t largest_payload(const job_run *run)
{
    uint64_t most = 0;
    for (unsigned i = 0; i < run->target_count; i++)
        if (!run->targets[i].dropped && run->targets[i].plan.payload > most)
            most = run->targets[i].plan.payload;
    return most;
}

/* One step on every live drive in turn; a drive whose step fails is dropped. DI_OK
 * while some drive is live. */
typedef di_status (*target_step)(job_run *run, job_target *t, void *ctx);
static di_status on_each_target(job_run *run, target_step step, void *ctx)
{
    for (unsigned i = 0; i < run->target_count; i++) {
        job_target *t = &run->targets[i];
        if (t->dropped) continue;
        job_target_enter(run, t);
        di_status st = step(run, t, ctx);
        job_target_leave(run, t, st);
    }
    return job_targets_live(run) ? DI_OK : run->targets[0].result->status;
}

/* Every refusal first, then the drive taken (locked, dismounted) and checked to be the
 * one looked at. */
static di_status take_target(job_run *run, job_target *t, void *ctx)
{
    (void)ctx;
    if (job_preflight_write(run, &t->shape, &t->plan) ||
        job_open(run, run->target_path, DI_OPEN_WRITE, DI_ROLE_TARGET, &run->target) ||
        job_check_as_probed(run, &t->shape))
        return run->result->status;
    return DI_OK;
}

static di_status flush_target(job_run *run, job_target *t, void *ctx)
{
    (void)t;
    (void)ctx;
    return job_flush(run);
}

static di_status erase_target_head(job_run *run, job_target *t, void *ctx)
{
    (void)t;
    return job_erase_head(run, *(const size_t *)ctx);
}

typedef struct head_write {
    const unsigned char *data;
    size_t length;
} head_write;

static di_status write_target_head(job_run *run, job_target *t, void *ctx)
{
    const head_write *head = ctx;
    (void)t;
    if (job_write_head(run, head->data, head->length)) return run->result->status;
    run->result->device_bytes += head->length;
    return DI_OK;
}

/* A stream of unknown size, now decoded: its size known, each drive's plan settled (an
 * image too large for a drive refused there). */
static di_status settle_target(job_run *run, job_target *t, void *ctx)
{
    (void)ctx;
    if (run->target_count == 1) return job_settle_stream(run, &t->plan);
    /* Several drives: the pass went to the largest one's end, and noted where the
     * image's data ends (the rest of the stream was checked to be zeros first). */
    di_device *image = run->source, *device = run->target;
    uint64_t capacity = t->plan.payload;
    if (run->data_end > capacity) {
        di_error error;
        di_error_why(&error, DI_ERR_TOO_SMALL, DI_OP_CHECK_SIZE, device->path,
                     DI_REASON_STREAM_DATA_BEYOND_DEVICE,
                     DI_ARGS(di_text(image->path), di_number(capacity), di_size(capacity)));
        return job_fail(run, &error);
    }
    di_plan_image_on_device(image->size, capacity, device->sector_size, &t->plan);
    if (t->plan.tail_length > 0) {
        run->result->truncated = true;
        run->result->truncated_bytes = t->plan.tail_length;
    }
    return DI_OK;
}

/* Several drives, a stream of unknown size: what lies past the largest drive's end must
 * be zeros (read on from where the stream stands); then its size is known and each
 * drive settles its share from the data's end. */
static di_status settle_targets(job_run *run)
{
    if (run->target_count > 1 && !run->pass_source_ended) {
        bool all_zero = false;
        uint64_t from = largest_payload(run);
        di_status st = job_check_zero_tail(run, run->source, from, UINT64_MAX, &all_zero);
        if (st != DI_OK) return st;
        if (!all_zero) {
            di_error error;
            di_error_why(&error, DI_ERR_TOO_SMALL, DI_OP_CHECK_SIZE, run->source->path,
                         DI_REASON_STREAM_DATA_BEYOND_DEVICE,
                         DI_ARGS(di_text(run->source->path), di_number(from), di_size(from)));
            return job_fail(run, &error);
        }
    }
    return on_each_target(run, settle_target, NULL);
}

/* The head of a disk (partition tables, boot code) is written last: first erased, then
 * the rest written and flushed, then the head. A write that fails or is cancelled half
 * way leaves a disk with no partition table, never one that mounts a half-written file
 * system. The head is read once, up front, so the digests still see the image in order.
 * A stream of unknown size learns its size in the pass; it is settled (an image too
 * large for the device refused) before the head goes out. Several drives get each step
 * in turn, and the rest of the image from one pass. */
static di_status write_in_safe_order(job_run *run)
{
    di_device *source = run->source;
    di_progress_state *progress = &run->job->progress;
    bool stream = source->size_unknown;
    uint64_t payload = largest_payload(run);
    di_progress_begin_phase(progress, DI_PHASE_WRITING, stream ? source->stored_size : payload);
    if (!stream && payload <= DI_SAFE_HEAD_BYTES) {
        /* Nothing but a head: one write, one flush. */
        run->image_passed = payload;
        if (job_pass_targets(run, DI_PHASE_WRITING, source, 0, payload, PL_TARGET_WRITE, false))
            return run->result->status ? run->result->status : DI_ERR_WRITE;
        return on_each_target(run, flush_target, NULL);
    }

    const size_t head = DI_SAFE_HEAD_BYTES;
    di_error error;
    di_error_clear(&error);
    di_status st = DI_OK;
    size_t head_len = 0;
    unsigned char *image_head = di_aligned_alloc(DI_DIRECT_ALIGNMENT, head);
    if (!image_head) {
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_WRITE, run->target_path,
                     DI_REASON_NONE, DI_NO_ARGS);
        st = job_fail(run, &error);
        goto out;
    }
    if ((stream ? di_device_read_upto(source, image_head, head, 0, &head_len, &error)
                : di_device_read_full(source, image_head, head, 0, &head_len, &error)) != DI_OK) {
        st = job_fail(run, &error);
        goto out;
    }
    if (head_len < head) {
        /* A stream smaller than the head: now that its size is known, one write. (No
         * pass noted where its data ends: all of it counts.) */
        run->data_end = source->size;
        if ((st = settle_targets(run)) == DI_OK &&
            (st = job_pass_targets(run, DI_PHASE_WRITING, source, 0, largest_payload(run),
                                   PL_TARGET_WRITE, false)) == DI_OK)
            st = on_each_target(run, flush_target, NULL);
        run->image_passed = run->pass_source_bytes;
        goto out;
    }
    size_t head_bytes = head;
    if ((st = on_each_target(run, erase_target_head, &head_bytes)) != DI_OK) goto out;
    for (unsigned i = 0; i < DI_HASH_COUNT; i++)
        if (run->hashers[i]) di_hasher_update(run->hashers[i], image_head, head);
    if (stream) di_progress_add(progress, source->ops->consumed(source));

    st = job_pass_targets(run, DI_PHASE_WRITING, source, head, payload - head, PL_TARGET_WRITE,
                          false);
    run->image_passed = payload;
    if (st == DI_OK && stream) st = settle_targets(run);
    if (st == DI_OK) st = on_each_target(run, flush_target, NULL);
    head_write head_data = {image_head, head};
    if (st != DI_OK || (st = on_each_target(run, write_target_head, &head_data)) != DI_OK)
        goto out;
    /* A stream of unknown size counted its head in compressed bytes, up front. */
    if (!stream) di_progress_add(progress, head);
out:
    di_aligned_free(image_head);
    return st;
}

static di_status after_write(job_run *run, job_target *t, void *ctx)
{
    (void)ctx;
    if (run->target->ops->after_write) run->target->ops->after_write(run->target);
    run->result->image_bytes = run->source->size;
    run->result->padded = t->plan.padded;
    return DI_OK;
}

/* Read back through a fresh unbuffered handle, so what is compared is what the medium
 * holds, not what a cache remembers. Several drives: each one's read-back has digests
 * of its own. */
static di_status open_readback(job_run *run, job_target *t, void *ctx)
{
    (void)ctx;
    t->written = run->result->device_bytes;
    di_device_close(run->target);
    run->target = NULL;
    if (job_open(run, run->target_path, DI_OPEN_READ, DI_ROLE_READBACK, &run->target))
        return run->result->status;
    for (unsigned i = 0; run->job->target_count > 1 && i < DI_HASH_COUNT; i++) {
        if (!(run->job->spec.hash_mask & DI_HASH_BIT(i))) continue;
        if (!(t->hashers[i] = di_hasher_new((di_hash_alg)i))) {
            di_error error;
            di_error_why(&error, DI_ERR_INTERNAL, DI_OP_HASH, run->target_path,
                         DI_REASON_DIGEST_UNAVAILABLE, DI_ARGS(di_text(di_hash_name((di_hash_alg)i))));
            return job_fail(run, &error);
        }
    }
    return DI_OK;
}

/* A drive whose read-back differed: it is dropped, and looked at for a fake's wrap. */
static di_status conclude_readback(job_run *run, job_target *t, void *ctx)
{
    (void)ctx;
    di_result *r = run->result;
    if (r->mismatch) {
        job_look_for_wrap(run);
        return r->status;
    }
    r->device_bytes = t->written; /* what was written, not what was read back */
    di_hasher **hashers = run->job->target_count > 1 ? t->hashers : run->hashers;
    if (t->plan.tail_length) job_hash_zeros_into(hashers, t->plan.tail_length);
    if (run->job->target_count > 1) {
        for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
            if (!t->hashers[i]) continue;
            di_hasher_final_hex(t->hashers[i], r->readback_hashes[i]);
            di_hasher_free(t->hashers[i]);
            t->hashers[i] = NULL;
        }
    }
    r->verified = true;
    return DI_OK;
}

static di_status move_backup(job_run *run, job_target *t, void *ctx)
{
    (void)t;
    (void)ctx;
    di_device_close(run->target);
    run->target = NULL;
    return job_move_gpt_backup(run);
}

di_status job_write(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_result *result = run->result;
    bool several = run->target_count > 1;
    if (job_open_source(run, &run->source) || on_each_target(run, take_target, NULL))
        return job_targets_end(run);
    /* With verify and one drive, the digest is taken from what is read back (every byte
     * of which is compared with the image), so the image is hashed once, in the pass
     * that reads the device, and the write pass runs at the device's speed, not the
     * digest's. Several drives: the image is hashed once, as it is written. */
    run->track_data_end = several && run->source->size_unknown;
    if ((!spec->verify_after_write || several) && job_start_hashers(run))
        return job_targets_end(run);

    if (write_in_safe_order(run) ||
        job_finish_stream(run, run->source->size, DI_REASON_IMAGE_HOLDS_MORE_THAN_CONTAINER))
        return job_targets_end(run);
    result->image_bytes = run->source->size;
    on_each_target(run, after_write, NULL);
    if (!spec->verify_after_write || several) {
        /* The image's tail past every drive was not read but checked to be zeros: the
         * digest has it as such. */
        if (run->source->size > run->image_passed)
            job_hash_zeros(run, run->source->size - run->image_passed);
        job_finish_hashers(run, result->hashes);
    }
    if (!spec->verify_after_write) {
        job_source_finish(run);
        return job_targets_end(run);
    }

    if (on_each_target(run, open_readback, NULL) || (!several && job_start_hashers(run)) ||
        job_pass_targets(run, DI_PHASE_VERIFYING, run->source, 0, largest_payload(run),
                         PL_TARGET_COMPARE, !several)) {
        if (!job_targets_live(run) || result->status) return job_targets_end(run);
    }
    on_each_target(run, conclude_readback, NULL);
    if (!several && result->verified) {
        job_finish_hashers(run, result->readback_hashes);
        memcpy(result->hashes, result->readback_hashes, sizeof result->hashes);
    }
    /* A drive's GPT of which only the partitions were written gets its backup at each
     * target's end: after the verify, which would see the new header as a difference. */
    job_source_finish(run);
    if (spec->move_gpt_backup) on_each_target(run, move_backup, NULL);
    return job_targets_end(run);
}

di_status job_verify(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_size_plan plan;
    if (job_open_source(run, &run->source) ||
        job_open(run, spec->target_path, DI_OPEN_READ, DI_ROLE_TARGET, &run->target) ||
        job_plan_image(run, run->target, &plan) || job_start_hashers(run))
        return run->result->status;
    bool stream = run->source->size_unknown;
    /* A card plugged in since it was written differs where its OS marked the FAT
     * volumes it mounted: the compare goes on past those bytes, so that a mismatch
     * there alone can be told apart. (A Write's read-back tolerates nothing.) */
    job_tolerate_mount_marks(run);
    di_status st = job_pass(run, DI_PHASE_VERIFYING, run->source, 0, plan.payload,
                            run->target, PL_TARGET_COMPARE, false);
    job_drop_mount_marks(run);
    if (st || (stream && job_settle_stream(run, &plan)) ||
        job_finish_stream(run, run->source->size, DI_REASON_IMAGE_HOLDS_MORE_THAN_CONTAINER))
        return run->result->status;
    run->result->image_bytes = run->source->size;
    if (run->result->truncated) job_hash_zeros(run, plan.tail_length);
    job_finish_hashers(run, run->result->hashes);
    run->result->verified = true;
    return DI_OK;
}

/* READ and HASH may cover only the first read_size bytes of a device: the size of the
 * image once written there, to prove what a card holds. */
