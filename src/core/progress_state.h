/* The job's progress counters: written by the engine's threads, read lock-free by a
 * UI on another thread. Internal to the core. */
#ifndef DISKIMAGER_PROGRESS_STATE_H
#define DISKIMAGER_PROGRESS_STATE_H

#include <stdatomic.h>
#include <stdint.h>

#include "diskimager/job.h"
#include "diskimager/log.h"

#define DI_RATE_SAMPLES 8

typedef struct di_progress_state {
    _Atomic int phase;
    _Atomic uint64_t bytes_done;
    _Atomic uint64_t bytes_total;
    _Atomic uint64_t phase_start_ns;
    _Atomic uint64_t rate_bps;     /* recent rate, bytes/s */
    /* Sliding window behind rate_bps; touched only by the one thread that holds the
     * pipeline's lock when it completes a chunk. */
    uint64_t sample_ns[DI_RATE_SAMPLES];
    uint64_t sample_bytes[DI_RATE_SAMPLES];
    unsigned sample_next;
    /* Transient errors being retried (src/core/retry.c). Several threads may retry at
     * once; a reader may see fields of two retries mixed, which a status line shows
     * harmlessly. */
    _Atomic unsigned retries;
    _Atomic unsigned retry_waiting;  /* requests waiting to be tried again now */
    _Atomic int retry_op;
    _Atomic int retry_os_code;
    _Atomic uint64_t retry_offset;
    _Atomic unsigned retry_wait_ms;
    di_log *log;                   /* each phase's end is recorded here (NULL: not) */
    uint64_t log_start_ns;         /* where the phase being logged began (a flush goes on */
    uint64_t log_start_bytes;      /* with the write's counters); the job's thread only */
} di_progress_state;

void di_progress_begin_phase(di_progress_state *state, di_phase phase, uint64_t total);
void di_progress_set_phase(di_progress_state *state, di_phase phase);
/* Records the phase now ending in state->log: its bytes, time and rate. */
void di_progress_log_phase_end(di_progress_state *state);
/* Called with the pipeline's lock held, so one caller at a time. */
void di_progress_add(di_progress_state *state, uint64_t bytes);
/* A request failed with a transient error and waits wait_ms to be tried again. */
void di_progress_retry_begin(di_progress_state *state, di_io_op op, int os_code,
                             uint64_t offset, unsigned wait_ms);
void di_progress_retry_end(di_progress_state *state);
void di_progress_read(const di_progress_state *state, di_progress *out);

#endif
