#include "gui_job.h"

#include <stdlib.h>

#include "app_messages.h"

/* On the job's thread once its result is final: the dialog learns of it by message. */
static void post_done(void *arg)
{
    gui_job *gj = arg;
    PostMessageW(gj->notify, WM_APP_JOB_DONE, 0, (LPARAM)gj);
}

gui_job *gui_job_start(const di_job_spec *spec, HWND notify)
{
    gui_job *gj = calloc(1, sizeof *gj);
    if (!gj) return NULL;
    gj->job = di_job_new(spec);
    gj->notify = notify;
    gj->kind = spec->kind;
    if (!gj->job || !di_job_start(gj->job, post_done, gj)) {
        di_job_free(gj->job);
        free(gj);
        return NULL;
    }
    return gj;
}

void gui_job_finish(gui_job *gj)
{
    if (!gj) return;
    di_job_wait(gj->job, DI_JOB_WAIT_FOREVER);
    di_job_free(gj->job);
    free(gj);
}
