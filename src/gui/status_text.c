#include "status_text.h"

#include <stdio.h>

#include "diskimager/system.h"
#include "diskimager/units.h"

/* A drive waking up or being mounted: the user sees the wait and why, and Cancel works. */
static char *retry_line(const di_progress *p, char *out, size_t out_size)
{
    char os_text[256];
    snprintf(out, out_size, "Waiting for the drive \xC2\xB7 retry %u in %.2g s \xC2\xB7 %s",
             p->retries, (double)p->retry_wait_ms / 1000.0,
             di_os_error_text(p->retry_os_code, os_text, sizeof os_text));
    return out;
}

char *di_status_line(const di_progress *p, char *out, size_t out_size)
{
    char rate[32], done[32], total[32], left[32];
    if (p->retrying) return retry_line(p, out, out_size);
    const char *phase = "";
    switch (p->phase) {
    case DI_PHASE_PREPARING: phase = "Preparing \xC2\xB7 "; break;
    case DI_PHASE_VERIFYING: phase = "Verifying \xC2\xB7 "; break;
    case DI_PHASE_FLUSHING: phase = "Flushing \xC2\xB7 "; break;
    case DI_PHASE_HASHING: phase = "Hashing \xC2\xB7 "; break;
    default: break;
    }
    snprintf(out, out_size, "%s%s \xC2\xB7 %s of %s \xC2\xB7 %s left", phase,
             di_format_rate(p->rate, rate, sizeof rate),
             di_format_size(p->bytes_done, done, sizeof done),
             di_format_size(p->bytes_total, total, sizeof total),
             di_format_duration(p->seconds_left, left, sizeof left));
    return out;
}

int di_progress_position(uint64_t done, uint64_t total)
{
    if (total == 0) return 0;
    if (done >= total) return DI_PROGRESS_RANGE;
    /* done * RANGE overflows past 1.8 EB / 10^4; divide first when it would. */
    if (done <= UINT64_MAX / DI_PROGRESS_RANGE) return (int)(done * DI_PROGRESS_RANGE / total);
    return (int)(done / (total / DI_PROGRESS_RANGE));
}
