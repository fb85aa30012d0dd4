/* WRITE (with its safe order and verify) and VERIFY. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/units.h"
#include "job_internal.h"

/* The head of a disk (partition tables, boot code) is written last: first erased, then
 * the rest written and flushed, then the head. A write that fails or is cancelled half
 * way leaves a disk with no partition table, never one that mounts a half-written file
 * system. The head is read once, up front, so the digests still see the image in order.
 * A stream of unknown size learns its size in the pass; it is settled (an image too
 * large for the device refused) before the head goes out. */
static di_status write_in_safe_order(job_run *run, di_size_plan *plan)
{
    di_device *source = run->source, *target = run->target;
    di_progress_state *progress = &run->job->progress;
    bool stream = source->size_unknown;
    di_progress_begin_phase(progress, DI_PHASE_WRITING,
                            stream ? source->stored_size : plan->payload);
    if (!stream && plan->payload <= DI_SAFE_HEAD_BYTES) {
        /* Nothing but a head: one write, one flush. */
        if (job_pass(run, DI_PHASE_WRITING, source, 0, plan->payload, target, PL_TARGET_WRITE,
                     false))
            return run->result->status;
        return job_flush(run);
    }

    const size_t head = DI_SAFE_HEAD_BYTES;
    di_error error;
    di_error_clear(&error);
    di_status st = DI_OK;
    size_t head_len = 0;
    unsigned char *image_head = di_aligned_alloc(DI_DIRECT_ALIGNMENT, head);
    if (!image_head) {
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_WRITE, target->path,
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
        /* A stream smaller than the head: now that its size is known, one write. */
        if ((st = job_settle_stream(run, plan)) == DI_OK &&
            (st = job_pass(run, DI_PHASE_WRITING, source, 0, plan->payload, target,
                           PL_TARGET_WRITE, false)) == DI_OK)
            st = job_flush(run);
        goto out;
    }
    if ((st = job_erase_head(run, head)) != DI_OK) goto out;
    for (unsigned i = 0; i < DI_HASH_COUNT; i++)
        if (run->hashers[i]) di_hasher_update(run->hashers[i], image_head, head);
    if (stream) di_progress_add(progress, source->ops->consumed(source));

    st = job_pass(run, DI_PHASE_WRITING, source, head, plan->payload - head, target,
                  PL_TARGET_WRITE, false);
    if (st == DI_OK && stream) st = job_settle_stream(run, plan);
    if (st == DI_OK) st = job_flush(run);
    if (st != DI_OK || (st = job_write_head(run, image_head, head)) != DI_OK) goto out;
    run->result->device_bytes += head;
    /* A stream of unknown size counted its head in compressed bytes, up front. */
    if (!stream) di_progress_add(progress, head);
out:
    di_aligned_free(image_head);
    return st;
}

di_status job_write(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_result *result = run->result;
    di_size_plan plan;
    di_device shape;
    if (job_open_image(run, spec->source_path, true, &run->source) ||
        job_preflight_write(run, &shape, &plan) ||
        job_open(run, spec->target_path, DI_OPEN_WRITE, DI_ROLE_TARGET, &run->target) ||
        job_check_as_probed(run, &shape))
        return result->status;
    /* With verify, the digest is taken from what is read back (every byte of which is
     * compared with the image), so the image is hashed once, in the pass that reads
     * the device, and the write pass runs at the device's speed, not the digest's. */
    if (!spec->verify_after_write && job_start_hashers(run)) return result->status;

    if (write_in_safe_order(run, &plan) ||
        job_finish_stream(run, run->source->size, DI_REASON_IMAGE_HOLDS_MORE_THAN_CONTAINER))
        return result->status;
    result->image_bytes = run->source->size;
    result->padded = plan.padded;
    if (run->target->ops->after_write) run->target->ops->after_write(run->target);
    if (!spec->verify_after_write) {
        if (result->truncated) job_hash_zeros(run, plan.tail_length);
        job_finish_hashers(run, result->hashes);
        return DI_OK;
    }

    /* Read back through a fresh unbuffered handle, so what is compared is what the
     * medium holds, not what a cache remembers. */
    di_device_close(run->target);
    run->target = NULL;
    if (job_open(run, spec->target_path, DI_OPEN_READ, DI_ROLE_READBACK, &run->target) ||
        job_start_hashers(run))
        return result->status;
    uint64_t written = result->device_bytes;
    if (job_pass(run, DI_PHASE_VERIFYING, run->source, 0, plan.payload, run->target,
                 PL_TARGET_COMPARE, true)) {
        job_look_for_wrap(run);
        return result->status;
    }
    result->device_bytes = written;
    if (result->truncated) job_hash_zeros(run, plan.tail_length);
    job_finish_hashers(run, result->readback_hashes);
    memcpy(result->hashes, result->readback_hashes, sizeof result->hashes);
    result->verified = true;
    if (!spec->move_gpt_backup) return DI_OK;
    di_device_close(run->target);
    run->target = NULL;
    return job_move_gpt_backup(run);
}

di_status job_verify(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_size_plan plan;
    if (job_open_image(run, spec->source_path, true, &run->source) ||
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
