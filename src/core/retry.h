/* The one retry policy: a request that failed with a transient error (a drive waking
 * up, a volume being mounted, an indexer holding it for a moment) is tried again with
 * growing waits, about 30 s in all; media errors and everything else fail at once.
 * Cancel ends the wait. Internal to the core. */
#ifndef DISKIMAGER_RETRY_H
#define DISKIMAGER_RETRY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "diskimager/device.h"
#include "diskimager/log.h"
#include "diskimager/status.h"
#include "progress_state.h"

struct di_retry {
    unsigned budget_ms;            /* total wait allowed for one request */
    atomic_bool *cancel;           /* NULL: not cancellable */
    di_progress_state *progress;   /* NULL: not reported */
    /* A reader refused unbuffered requests and a device went buffered (the result says
     * so). */
    atomic_bool buffered_fallback;
    di_log *log;                   /* each retry and fallback is recorded (NULL: not) */
};

/* One request's retries so far. */
typedef struct di_retry_state {
    unsigned attempts;
    unsigned waited_ms;
} di_retry_state;

/* Whether a fault is worth trying again. */
bool di_fault_is_transient(di_fault fault);

/* The wait before retry number attempt (0-based) within budget_ms, having waited
 * waited_ms already: growing from budget/120 to budget/7.5 (250 ms to 4 s for 30 s);
 * 0 when the budget is spent. Pure. */
unsigned di_retry_delay_ms(unsigned budget_ms, unsigned attempt, unsigned waited_ms);

/* After a request failed with *error: when it is transient and budget is left, reports
 * the retry, waits (cancellable) and returns true: try again. Otherwise false, *error
 * unchanged, or, when cancelled during the wait, *error says so at offset. A NULL
 * policy never retries. */
bool di_retry_after(di_retry *policy, di_retry_state *state, di_io_op op, uint64_t offset,
                    di_error *error);

/* After a request failed with *error: when the driver refused an aligned unbuffered
 * request and the device can go buffered, it does (once per request: *done_before
 * stops a second try); true: try again. */
bool di_fall_back_buffered(di_device *dev, bool *done_before, const di_error *error);

#endif
