/* Progress counters and the rates derived from them. The rate is taken over a window
 * of recent chunks (not an average since the start) so a UI shows what the device
 * does now, e.g. when an SD card's write cache fills up. */
#include "progress_state.h"

#include "diskimager/units.h"

#include <string.h>

#include "diskimager/threads.h"

/* Samples closer together than this would make the rate jitter. */
#define MIN_SAMPLE_SPACING_NS 100000000ull

void di_progress_log_phase_end(di_progress_state *state)
{
    di_phase phase = (di_phase)atomic_load(&state->phase);
    if (!state->log || phase == DI_PHASE_IDLE || phase == DI_PHASE_PREPARING ||
        phase == DI_PHASE_DONE)
        return;
    uint64_t now = di_now_ns(), done = atomic_load(&state->bytes_done);
    uint64_t bytes = done - state->log_start_bytes;
    double seconds = (double)(now - state->log_start_ns) / 1e9;
    state->log_start_ns = now;
    state->log_start_bytes = done;
    char size[32], rate[32];
    di_log_emit(state->log, DI_LOG_INFO, "%s: %llu bytes (%s) in %.2f s, %s", di_phase_name(phase),
                (unsigned long long)bytes, di_format_size(bytes, size, sizeof size), seconds,
                di_format_rate(seconds > 0 ? (double)bytes / seconds : 0, rate, sizeof rate));
}

void di_progress_begin_phase(di_progress_state *state, di_phase phase, uint64_t total)
{
    di_progress_log_phase_end(state);
    uint64_t now = di_now_ns();
    atomic_store(&state->bytes_done, 0);
    atomic_store(&state->bytes_total, total);
    atomic_store(&state->rate_bps, 0);
    atomic_store(&state->phase_start_ns, now);
    state->log_start_ns = now;
    state->log_start_bytes = 0;
    for (unsigned i = 0; i < DI_RATE_SAMPLES; i++) {
        state->sample_ns[i] = now;
        state->sample_bytes[i] = 0;
    }
    state->sample_next = 0;
    atomic_store(&state->phase, (int)phase);
}

void di_progress_set_phase(di_progress_state *state, di_phase phase)
{
    di_progress_log_phase_end(state);
    atomic_store(&state->phase, (int)phase);
}

void di_progress_add(di_progress_state *state, uint64_t bytes)
{
    uint64_t done = atomic_fetch_add(&state->bytes_done, bytes) + bytes;
    uint64_t now = di_now_ns();
    unsigned last = (state->sample_next + DI_RATE_SAMPLES - 1) % DI_RATE_SAMPLES;
    if (now - state->sample_ns[last] < MIN_SAMPLE_SPACING_NS) return;
    /* The oldest sample is the one about to be overwritten. */
    unsigned oldest = state->sample_next;
    uint64_t span = now - state->sample_ns[oldest];
    if (span > 0)
        atomic_store(&state->rate_bps,
                     (uint64_t)((double)(done - state->sample_bytes[oldest]) * 1e9 /
                                (double)span));
    state->sample_ns[oldest] = now;
    state->sample_bytes[oldest] = done;
    state->sample_next = (oldest + 1) % DI_RATE_SAMPLES;
}

void di_progress_retry_begin(di_progress_state *state, di_io_op op, int os_code,
                             uint64_t offset, unsigned wait_ms)
{
    atomic_store(&state->retry_op, (int)op);
    atomic_store(&state->retry_os_code, os_code);
    atomic_store(&state->retry_offset, offset);
    atomic_store(&state->retry_wait_ms, wait_ms);
    atomic_fetch_add(&state->retries, 1);
    atomic_fetch_add(&state->retry_waiting, 1);
}

void di_progress_retry_end(di_progress_state *state)
{
    atomic_fetch_sub(&state->retry_waiting, 1);
}

void di_progress_read(const di_progress_state *state, di_progress *out)
{
    memset(out, 0, sizeof *out);
    out->phase = (di_phase)atomic_load(&state->phase);
    out->bytes_done = atomic_load(&state->bytes_done);
    out->bytes_total = atomic_load(&state->bytes_total);
    uint64_t start = atomic_load(&state->phase_start_ns);
    uint64_t now = di_now_ns();
    out->elapsed_seconds = start && now > start ? (double)(now - start) / 1e9 : 0.0;
    out->average_rate =
        out->elapsed_seconds > 0 ? (double)out->bytes_done / out->elapsed_seconds : 0.0;
    out->rate = (double)atomic_load(&state->rate_bps);
    if (out->rate <= 0) out->rate = out->average_rate;
    double left = out->bytes_total > out->bytes_done
                      ? (double)(out->bytes_total - out->bytes_done) : 0.0;
    out->seconds_left = out->rate > 0 ? left / out->rate : (left > 0 ? -1.0 : 0.0);
    out->retries = atomic_load(&state->retries);
    out->retrying = atomic_load(&state->retry_waiting) > 0;
    out->retry_op = (di_io_op)atomic_load(&state->retry_op);
    out->retry_os_code = atomic_load(&state->retry_os_code);
    out->retry_offset = atomic_load(&state->retry_offset);
    out->retry_wait_ms = atomic_load(&state->retry_wait_ms);
}
