#include "status_text.h"

#include <stdio.h>

#include "diskimager/system.h"
#include "diskimager/units.h"
#include "lang.h"

/* A drive waking up or being mounted: the user sees the wait and why, and Cancel works. */
static char *retry_line(const di_progress *p, char *out, size_t out_size)
{
    char os_text[256], n[32], wait[32];
    snprintf(wait, sizeof wait, "%.2g", (double)p->retry_wait_ms / 1000.0);
    for (char *c = wait; *c; c++)
        if (*c == '.') *c = lang_decimal();
    return tr_format(out, out_size, T_RETRY_LINE, tr_number(p->retries, n, sizeof n), wait,
                     di_os_error_text(p->retry_os_code, os_text, sizeof os_text), NULL);
}

char *di_status_line(const di_progress *p, char *out, size_t out_size)
{
    char rate[32], done[32], total[32], left[32], line[512];
    if (p->retrying) return retry_line(p, out, out_size);
    text_id phase = T_COUNT;
    switch (p->phase) {
    case DI_PHASE_PREPARING: phase = T_PHASE_PREPARING; break;
    case DI_PHASE_VERIFYING: phase = T_PHASE_VERIFYING; break;
    case DI_PHASE_FLUSHING: phase = T_PHASE_FLUSHING; break;
    case DI_PHASE_HASHING: phase = T_PHASE_HASHING; break;
    case DI_PHASE_ERASING: phase = T_PHASE_ERASING; break;
    default: break;
    }
    tr_format(line, sizeof line, T_PROGRESS_LINE, tr_rate(p->rate, rate, sizeof rate),
              tr_size(p->bytes_done, done, sizeof done), tr_size(p->bytes_total, total, sizeof total),
              di_format_duration(p->seconds_left, left, sizeof left), NULL);
    if (phase == T_COUNT) snprintf(out, out_size, "%s", line);
    else snprintf(out, out_size, "%s \xC2\xB7 %s", tr(phase), line);
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
