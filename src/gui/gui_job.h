/* A job on the worker thread: the engine runs there; the dialog polls progress on a
 * timer and learns of the end by WM_APP_JOB_DONE. The worker never touches a window. */
#ifndef DISKIMAGER_GUI_GUI_JOB_H
#define DISKIMAGER_GUI_GUI_JOB_H

#include <windows.h>

#include "diskimager/job.h"
#include "diskimager/threads.h"

typedef struct gui_job {
    di_job *job;
    di_thread *thread;
    HWND notify;
    di_job_kind kind;
    char image_path[DI_PATH_MAX];
    char device_label[256];
} gui_job;

/* Starts the job; NULL (nothing started) when out of memory or threads. */
gui_job *gui_job_start(const di_job_spec *spec, HWND notify, const char *device_label);
/* After WM_APP_JOB_DONE: joins the worker and frees everything. */
void gui_job_finish(gui_job *gj);

#endif
