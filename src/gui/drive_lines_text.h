/* A Write to several drives in the dialog's words, as pure functions (no <windows.h>,
 * tested natively and under Wine): a line per drive while it runs and at its end, and
 * the end of the job (status line, message box with a line per drive, hash, match). */
#ifndef DISKIMAGER_GUI_DRIVE_LINES_TEXT_H
#define DISKIMAGER_GUI_DRIVE_LINES_TEXT_H

#include <stddef.h>

#include "diskimager/checksum.h"
#include "diskimager/job.h"
#include "result_text.h"

/* "T: · removable drive · 268 MB: writing 45% · 13.2 MB/s" */
char *drive_line_progress(const char *name, const di_target_progress *p, char *out, size_t size);
/* "...: written and verified, 210 MB, read back MD5 ...", "...: failed: <why>" */
char *drive_line_result(const char *name, const di_result *t, char *out, size_t size);
/* The end of a Write to several drives: r the job's result, targets[i] and names[i]
 * each drive's. The image's digest (taken once) is the one shown and matched. */
void result_render_several(const di_result *r, const di_result *const *targets,
                           const char *const *names, unsigned count,
                           const di_expected_hash *expected, result_view *view);

#endif
