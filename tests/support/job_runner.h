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
} job_outcome;

/* spec->wrap_ctx may hold a fault_plan whose `job` is filled in before the run. */
di_status run_job(const di_job_spec *spec, job_outcome *out);

#endif
