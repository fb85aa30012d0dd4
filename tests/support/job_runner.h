/* Runs a job the way a front end does (on a worker thread, progress polled from this
 * one) and checks that it left no thread behind. */
#ifndef DISKIMAGER_TEST_JOB_RUNNER_H
#define DISKIMAGER_TEST_JOB_RUNNER_H

#include "diskimager/job.h"

typedef struct job_outcome {
    di_result result;
    char message[2048];     /* di_error_format of the result's error */
    int threads_before;
    int threads_after;
    uint64_t max_progress;  /* the largest bytes_done seen while polling */
    bool progress_exceeded_total;
    uint64_t cancel_to_end_ns;  /* run_job_cancelling: from the cancel to the job's end */
} job_outcome;

/* spec->wrap_ctx may hold a fault_plan whose `job` is filled in before the run. */
di_status run_job(const di_job_spec *spec, job_outcome *out);

/* run_job, cancelled from the polling thread (as a dialog's Cancel would be) once the
 * spec's fault_plan has slowed `slowed_requests` requests: a slow device mid-job. */
di_status run_job_cancelling(const di_job_spec *spec, unsigned slowed_requests, job_outcome *out);

#endif
