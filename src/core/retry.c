/* Retrying transient errors, once for every device and every open. */
#include "retry.h"

#include <stdio.h>

#include "diskimager/threads.h"

/* How often a wait looks at the cancel flag. */
#define CANCEL_POLL_MS 50u

bool di_fault_is_transient(di_fault fault)
{
    /* Access denied passes too while Windows or an indexer mounts a volume that just
     * appeared; if it persists, its message names the usual causes. */
    return fault == DI_FAULT_TRANSIENT || fault == DI_FAULT_ACCESS_DENIED;
}

unsigned di_retry_delay_ms(unsigned budget_ms, unsigned attempt, unsigned waited_ms)
{
    if (waited_ms >= budget_ms) return 0;
    unsigned first = budget_ms / 120 ? budget_ms / 120 : 1;
    unsigned cap = (unsigned)(budget_ms * 2ull / 15);
    if (cap < first) cap = first;
    unsigned delay = first;
    for (unsigned i = 0; i < attempt && delay < cap; i++) delay *= 2;
    if (delay > cap) delay = cap;
    unsigned left = budget_ms - waited_ms;
    return delay < left ? delay : left;
}

static bool cancelled(const di_retry *policy)
{
    return policy->cancel && atomic_load(policy->cancel);
}

bool di_retry_after(di_retry *policy, di_retry_state *state, di_io_op op, uint64_t offset,
                    di_error *error)
{
    if (!policy || !di_fault_is_transient(error->fault)) return false;
    unsigned delay = di_retry_delay_ms(policy->budget_ms, state->attempts, state->waited_ms);
    if (delay == 0) return false;
    if (policy->progress)
        di_progress_retry_begin(policy->progress, op, error->os_code, offset, delay);
    if (policy->log) {
        char text[2048];
        di_log_emit(policy->log, DI_LOG_WARN, "retry %u of this request in %u ms (at byte %llu), after: %s",
                    state->attempts + 1, delay, (unsigned long long)offset,
                    di_error_format(error, text, sizeof text));
    }
    bool stop = false;
    for (unsigned waited = 0; waited < delay && !(stop = cancelled(policy));) {
        unsigned step = delay - waited < CANCEL_POLL_MS ? delay - waited : CANCEL_POLL_MS;
        di_sleep_ms(step);
        waited += step;
    }
    if (policy->progress) di_progress_retry_end(policy->progress);
    if (stop || cancelled(policy)) {
        char operation[sizeof error->operation];
        char path[sizeof error->path];
        di_op was = error->op;
        snprintf(operation, sizeof operation, "%s", error->operation);
        snprintf(path, sizeof path, "%s", error->path);
        di_error_why(error, DI_ERR_CANCELLED, was, path, DI_REASON_CANCELLED_WAITING, DI_NO_ARGS);
        /* An operation not yet named as data keeps its English. */
        snprintf(error->operation, sizeof error->operation, "%s", operation);
        if (op != DI_IO_OPEN && op != DI_IO_LOCK) di_error_at(error, offset);
        return false;
    }
    state->attempts++;
    state->waited_ms += delay;
    return true;
}

bool di_fall_back_buffered(di_device *dev, bool *done_before, const di_error *error)
{
    if (*done_before || error->fault != DI_FAULT_UNBUFFERED_REFUSED ||
        !dev->ops->fall_back_buffered)
        return false;
    *done_before = true;
    di_error ignored;
    di_error_clear(&ignored);
    if (dev->ops->fall_back_buffered(dev, &ignored) != DI_OK) return false;
    if (dev->retry) {
        atomic_store(&dev->retry->buffered_fallback, true);
        char text[2048];
        di_log_emit(dev->retry->log, DI_LOG_WARN,
                    "fallback: %s refused unbuffered I/O (%s); going on through the system's "
                    "cache, written through and flushed",
                    dev->path, di_error_format(error, text, sizeof text));
    }
    return true;
}
