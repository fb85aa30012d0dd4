/* A job on a thread of its own: the one start / wait / cancel every front end uses
 * (the dialog, the CLI, the tests), instead of a thread loop of each. */
#include <stdlib.h>

#include "job_internal.h"

struct job_thread {
    di_thread *thread;
    di_mutex *lock;
    di_cond *ended_cond;
    bool ended;                 /* under lock: the result is final */
    bool joined;
    di_job_ended_fn on_ended;
    void *ctx;
};

static void job_thread_main(void *arg)
{
    di_job *job = arg;
    job_thread *t = job->thread;
    di_job_run(job);
    di_mutex_lock(t->lock);
    t->ended = true;
    di_cond_broadcast(t->ended_cond);
    di_mutex_unlock(t->lock);
    /* The job is not freed before this thread is joined: t is still there. */
    if (t->on_ended) t->on_ended(t->ctx);
}

static void free_parts(job_thread *t)
{
    di_cond_free(t->ended_cond);
    di_mutex_free(t->lock);
    free(t);
}

bool di_job_start(di_job *job, di_job_ended_fn on_ended, void *ctx)
{
    if (job->thread) return false;
    job_thread *t = calloc(1, sizeof *t);
    if (t) {
        t->lock = di_mutex_new();
        t->ended_cond = di_cond_new();
        t->on_ended = on_ended;
        t->ctx = ctx;
        job->thread = t;
        if (t->lock && t->ended_cond) t->thread = di_thread_start(job_thread_main, job);
    }
    if (!t || !t->thread) {
        if (t) free_parts(t);
        job->thread = NULL;
        di_error_why(&job->result.error, DI_ERR_NO_MEMORY, DI_OP_START_JOB, "", DI_REASON_NO_THREAD,
                     DI_NO_ARGS);
        job->result.status = DI_ERR_NO_MEMORY;
        return false;
    }
    return true;
}

bool di_job_wait(di_job *job, unsigned timeout_ms)
{
    job_thread *t = job->thread;
    if (!t) return true;   /* never started: nothing runs */
    if (t->joined) return true;
    uint64_t start = di_now_ns();
    di_mutex_lock(t->lock);
    while (!t->ended) {
        if (timeout_ms == DI_JOB_WAIT_FOREVER) {
            di_cond_wait(t->ended_cond, t->lock);
            continue;
        }
        uint64_t waited_ms = (di_now_ns() - start) / 1000000u;
        if (waited_ms >= timeout_ms) break;
        di_cond_wait_ms(t->ended_cond, t->lock, timeout_ms - (unsigned)waited_ms);
    }
    bool ended = t->ended;
    di_mutex_unlock(t->lock);
    if (!ended) return false;
    di_thread_join(t->thread);
    t->joined = true;
    return true;
}

void job_thread_free(di_job *job)
{
    job_thread *t = job->thread;
    if (!t) return;
    if (!t->joined) {
        di_job_cancel(job);
        di_job_wait(job, DI_JOB_WAIT_FOREVER);
    }
    free_parts(t);
    job->thread = NULL;
}
