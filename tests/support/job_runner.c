#include "job_runner.h"

#include <string.h>

#include "check.h"
#include "diskimager/threads.h"
#include "fault_device.h"

static void nothing(void *p)
{
    (void)p;
}

/* Some runtimes (ThreadSanitizer's) start a thread of their own with the process's
 * first thread: one thread started and joined first keeps it out of the count. That
 * joined thread can still be counted for a moment (see run): the count is taken once
 * two looks 10 ms apart agree. */
static void settle_runtime_threads(void)
{
    static bool done;
    if (done) return;
    done = true;
    di_thread *t = di_thread_start(nothing, NULL);
    if (t) di_thread_join(t);
    for (int waited = 0; waited < 1000; waited += 10) {
        int count = di_process_thread_count();
        di_sleep_ms(10);
        if (di_process_thread_count() == count) break;
    }
}

static di_status run(const di_job_spec *spec, unsigned cancel_after_slowed, job_outcome *out)
{
    memset(out, 0, sizeof *out);
    settle_runtime_threads();
    out->threads_before = di_process_thread_count();
    di_job *job = di_job_new(spec);
    CHECK(job != NULL);
    if (!job) return DI_ERR_NO_MEMORY;
    fault_plan *plan = spec->wrap == fault_wrap ? spec->wrap_ctx : NULL;
    if (plan) plan->job = job;
    uint64_t cancelled_at = 0;
    CHECK(di_job_start(job, NULL, NULL));
    while (!di_job_wait(job, 2)) {
        di_progress p;
        di_job_progress(job, &p);
        if (p.bytes_done > out->max_progress) out->max_progress = p.bytes_done;
        if (p.bytes_total && p.bytes_done > p.bytes_total) out->progress_exceeded_total = true;
        if (plan && cancel_after_slowed && !cancelled_at &&
            __atomic_load_n(&plan->slowed, __ATOMIC_SEQ_CST) >= cancel_after_slowed) {
            cancelled_at = di_now_ns();
            di_job_cancel(job);
        }
    }
    if (cancelled_at) out->cancel_to_end_ns = di_now_ns() - cancelled_at;
    out->result = *di_job_result(job);
    di_error_format(&out->result.error, out->message, sizeof out->message);
    di_job_free(job);
    /* A joined thread can still be counted for a moment: the kernel clears its id (which
     * ends the join) before it removes the thread. Gone within a second, or left over. */
    out->threads_after = di_process_thread_count();
    for (int waited = 0; out->threads_after > out->threads_before && waited < 1000; waited += 5) {
        di_sleep_ms(5);
        out->threads_after = di_process_thread_count();
    }
    CHECK(out->threads_before == out->threads_after);
    if (out->threads_before != out->threads_after)
        fprintf(stderr, "threads before %d, after %d\n", out->threads_before, out->threads_after);
    return out->result.status;
}

di_status run_job(const di_job_spec *spec, job_outcome *out)
{
    return run(spec, 0, out);
}

di_status run_job_cancelling(const di_job_spec *spec, unsigned slowed_requests, job_outcome *out)
{
    CHECK(spec->wrap == fault_wrap && slowed_requests > 0);
    return run(spec, slowed_requests, out);
}
