/* A WRITE's drives: one, or several written at the same time from one reading of the
 * image. Steps that work on one drive (the refusals, the head, a flush, the read-back)
 * run on each in turn with the run's target, result and path made that drive's; a drive
 * whose step fails is dropped with its own error while the others go on. */
#include <stdlib.h>
#include <string.h>

#include "job_internal.h"

void job_target_enter(job_run *run, job_target *t)
{
    run->target = t->device;
    run->target_path = t->spec->path;
    run->target_spec = t->spec;
    run->result = t->result;
}

void job_target_leave(job_run *run, job_target *t, di_status st)
{
    t->device = run->target;
    run->target = NULL;
    run->result = &run->job->result;
    run->target_path = run->job->spec.target_path;
    run->target_spec = &run->job->targets[0];
    if (st == DI_OK || t->dropped) return;
    t->dropped = true;
    job_target_set_state(t, DI_TARGET_FAILED, 0);
    di_log_emit(run->job->spec.log, DI_LOG_WARN, "%s dropped: %s", t->spec->path,
                di_status_name(t->result->status));
    /* Its handle goes now: a card pulled out should not wait for the others. */
    di_device_close(t->device);
    t->device = NULL;
}

unsigned job_targets_live(const job_run *run)
{
    unsigned live = 0;
    for (unsigned i = 0; i < run->target_count; i++) live += !run->targets[i].dropped;
    return live;
}

void job_target_set_state(job_target *t, di_target_state state, uint64_t total)
{
    if (state == DI_TARGET_WRITING || state == DI_TARGET_VERIFYING) {
        atomic_store(&t->live->done, 0);
        atomic_store(&t->live->total, total);
        atomic_store(&t->live->phase_start_ns, di_now_ns());
    }
    atomic_store(&t->live->state, (int)state);
}

di_status job_targets_end(job_run *run)
{
    di_result *result = &run->job->result;
    if (run->target_count < 2) return result->status;
    unsigned failed = 0;
    bool verified = true;
    for (unsigned i = 0; i < run->target_count; i++) {
        di_result *r = run->targets[i].result;
        /* A cancel or a failure of the image stops every drive still going. */
        if (r->status == DI_OK && result->status != DI_OK) {
            r->status = result->status;
            r->error = result->error;
        }
        if (r->status != DI_OK) failed++;
        verified &= r->verified;
    }
    result->targets_failed = failed;
    result->verified = failed == 0 && verified;
    for (unsigned i = 0; i < run->target_count && result->status == DI_OK; i++) {
        const di_result *r = run->targets[i].result;
        if (r->status != DI_OK) {
            result->status = r->status;
            result->error = r->error;
        }
    }
    return result->status;
}

di_status job_pass_targets(job_run *run, di_phase phase, di_device *source, uint64_t start,
                           uint64_t length, pl_target_mode mode, bool hash_target_data)
{
    if (run->target_count == 1) {
        job_target *t = &run->targets[0];
        di_status st = job_pass(run, phase, source, start, length, t->device, mode,
                                hash_target_data);
        if (st != DI_OK && mode == PL_TARGET_COMPARE && run->result->mismatch) {
            job_target_enter(run, t);
            job_look_for_wrap(run);
            job_target_leave(run, t, DI_OK);
        }
        if (st != DI_OK) t->dropped = true;
        return st;
    }
    pl_target list[DI_TARGETS_MAX] = {0};
    pl_target_outcome outcomes[DI_TARGETS_MAX];
    job_target *which[DI_TARGETS_MAX];
    unsigned count = 0;
    for (unsigned i = 0; i < run->target_count; i++) {
        job_target *t = &run->targets[i];
        if (t->dropped) continue;
        di_device *dev = t->device;
        /* Each drive gets no further than its own share of the image (a smaller card
         * whose tail of the image is zeros). */
        uint64_t end = t->plan.payload < start + length ? t->plan.payload : 0;
        list[count] = (pl_target){.device = dev, .end = end, .io_threads = job_io_threads(run, dev),
                                  .hashers = mode == PL_TARGET_COMPARE ? t->hashers : NULL,
                                  .done = &t->live->done};
        which[count++] = t;
        job_target_set_state(t, phase == DI_PHASE_VERIFYING ? DI_TARGET_VERIFYING
                                                            : DI_TARGET_WRITING,
                             (end ? end : start + length) - start);
    }
    pl_outcome outcome;
    di_status st = job_pass_list(run, phase, source, start, length, list, count, mode, &outcome,
                                 outcomes);
    for (unsigned i = 0; i < count; i++) {
        job_target *t = which[i];
        t->result->device_bytes += outcomes[i].target_bytes;
        if (outcomes[i].mismatch) {
            t->result->mismatch = true;
            t->result->mismatch_offset = outcomes[i].mismatch_offset;
        }
        if (outcomes[i].status == DI_OK) continue;
        job_target_enter(run, t);
        job_fail(run, &outcomes[i].error);
        /* A read-back that differs: is the image also there a power of two away, as on a
         * card that wraps around a smaller real capacity? */
        if (outcomes[i].mismatch) job_look_for_wrap(run);
        job_target_leave(run, t, outcomes[i].status);
    }
    if (!job_targets_live(run)) return st != DI_OK ? st : DI_ERR_WRITE;
    /* Not a drive's failure: the image's, or a cancel. Every drive stops. */
    if (st != DI_OK) return job_fail(run, &outcome.error);
    return job_check_cancel(run, phase, source->path, start + length);
}
