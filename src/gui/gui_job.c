#include "gui_job.h"

#include <stdlib.h>

#include "app_messages.h"

/* On the planner's thread: the lookups, then word to the dialog. */
static void plan_request(void *arg)
{
    gui_job *gj = arg;
    gj->plan_status = di_request_plan(&gj->asked.request, &gj->plan);
    PostMessageW(gj->notify, WM_APP_JOB_PLANNED, 0, (LPARAM)gj);
}

gui_job *gui_job_plan(const di_request *request, HWND notify)
{
    gui_job *gj = calloc(1, sizeof *gj);
    if (!gj) return NULL;
    gj->notify = notify;
    gj->kind = request->kind;
    request_copy_make(&gj->asked, request);
    gj->planner = di_thread_start(plan_request, gj);
    if (!gj->planner) {
        free(gj);
        return NULL;
    }
    return gj;
}

void gui_job_planned(gui_job *gj)
{
    if (!gj->planner) return;
    di_thread_join(gj->planner);
    gj->planner = NULL;
}

/* On the job's thread once its result is final: the dialog learns of it by message. */
static void post_done(void *arg)
{
    gui_job *gj = arg;
    PostMessageW(gj->notify, WM_APP_JOB_DONE, 0, (LPARAM)gj);
}

bool gui_job_run(gui_job *gj, di_log *log)
{
    gj->plan.spec.log = log;
    gj->job = di_job_new(&gj->plan.spec);
    if (!gj->job || !di_job_start(gj->job, post_done, gj)) {
        di_job_free(gj->job);
        gj->job = NULL;
        return false;
    }
    return true;
}

void gui_job_finish(gui_job *gj)
{
    if (!gj) return;
    gui_job_planned(gj);
    if (gj->job) {
        di_job_wait(gj->job, DI_JOB_WAIT_FOREVER);
        di_job_free(gj->job);
    }
    free(gj);
}
