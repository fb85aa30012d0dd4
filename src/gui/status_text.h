/* What the dialog shows about a running job, as pure functions (no <windows.h>), so
 * they are tested natively and under Wine: the status line and the progress bar's
 * position, scaled so drives beyond 2 TiB do not overflow a 32-bit range. */
#ifndef DISKIMAGER_GUI_STATUS_TEXT_H
#define DISKIMAGER_GUI_STATUS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "diskimager/job.h"

#define DI_PROGRESS_RANGE 10000 /* the bar runs from 0 to this: 0.01 % steps */

/* "312.4 MB/s · 1.20 GB of 3.96 GB · 0:42 left", prefixed with the phase when it is
 * not the job's main one ("Verifying · ..."). UTF-8. */
char *di_status_line(const di_progress *p, char *out, size_t out_size);

/* bytes_done of bytes_total as 0..DI_PROGRESS_RANGE, exact for any 64-bit sizes. */
int di_progress_position(uint64_t done, uint64_t total);

#endif
