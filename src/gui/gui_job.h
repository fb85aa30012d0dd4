/* A job on the worker thread: the engine runs there; the dialog polls progress on a
 * timer and learns of the end by WM_APP_JOB_DONE. The worker never touches a window. */
#ifndef DISKIMAGER_GUI_GUI_JOB_H
#define DISKIMAGER_GUI_GUI_JOB_H

#include <windows.h>

#include "diskimager/job.h"

typedef struct gui_job {
    di_job *job;
    HWND notify;
    di_job_kind kind;
} gui_job;

/* Starts the job (di_job_start); NULL (nothing started) when out of memory or threads. */
gui_job *gui_job_start(const di_job_spec *spec, HWND notify);
/* After WM_APP_JOB_DONE: joins the worker and frees everything. */
void gui_job_finish(gui_job *gj);

#endif
