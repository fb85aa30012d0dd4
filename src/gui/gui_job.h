/* A job off the dialog's thread, in two steps: the request is planned on a thread of its
 * own (the checksum, bmap and sidecar lookups read files, perhaps on a slow share or
 * inside an archive) and the dialog learns of the plan by WM_APP_JOB_PLANNED; the job
 * then runs on the engine's worker, the dialog polling progress on a timer until
 * WM_APP_JOB_DONE. Neither thread touches a window. */
#ifndef DISKIMAGER_GUI_GUI_JOB_H
#define DISKIMAGER_GUI_GUI_JOB_H

#include <windows.h>

#include "diskimager/job.h"
#include "diskimager/log.h"
#include "diskimager/request.h"
#include "diskimager/threads.h"
#include "request_copy.h"

typedef struct gui_job {
    di_job *job;                 /* NULL until the plan is made and the job started */
    HWND notify;
    di_job_kind kind;
    bool cancelled;              /* Cancel (or closing) while the request was planned */
    /* After WM_APP_JOB_PLANNED (gui_job_planned): the job's spec, or the refusal. */
    di_status plan_status;
    di_plan plan;
    request_copy asked;          /* the request: the planner reads it on its thread */
    di_thread *planner;
} gui_job;

/* Copies request and plans it on a thread; WM_APP_JOB_PLANNED (lparam: the gui_job)
 * when done. NULL (nothing started) when out of memory or threads. */
gui_job *gui_job_plan(const di_request *request, HWND notify);
/* On WM_APP_JOB_PLANNED: joins the planner; plan_status and plan are then final. */
void gui_job_planned(gui_job *gj);
/* After a plan that returned DI_OK: starts the job (di_job_start) with its records going
 * to log; WM_APP_JOB_DONE at its end. False when out of memory or threads. */
bool gui_job_run(gui_job *gj, di_log *log);
/* After WM_APP_JOB_DONE, a refused plan or a failed start: joins and frees everything. */
void gui_job_finish(gui_job *gj);

#endif
