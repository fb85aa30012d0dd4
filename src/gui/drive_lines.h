/* A Write to several drives: a window beside the dialog with a line per drive, its
 * state and rate while the job runs (the dialog's progress bar is the job's), its
 * verdict, bytes and read-back digest at the end. It stays open until closed. */
#ifndef DISKIMAGER_GUI_DRIVE_LINES_H
#define DISKIMAGER_GUI_DRIVE_LINES_H

#include <windows.h>

#include "diskimager/job.h"

/* Opens the window (or empties it) for job's drives, named names[i] (copied). */
void drive_lines_open(HWND owner, const di_job *job, const char *const *names, unsigned count);
/* On the dialog's progress timer: each drive's state and rate. */
void drive_lines_update(const di_job *job);
/* Once the job ended: each drive's verdict. */
void drive_lines_finish(const di_job *job);
void drive_lines_close(void);

#endif
