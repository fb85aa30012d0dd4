#include "gui_job.h"

#include <stdio.h>
#include <stdlib.h>

#include "app_messages.h"

static void worker_main(void *arg)
{
    gui_job *gj = arg;
    di_job_run(gj->job);
    PostMessageW(gj->notify, WM_APP_JOB_DONE, 0, (LPARAM)gj);
}

gui_job *gui_job_start(const di_job_spec *spec, HWND notify, const char *device_label)
{
    gui_job *gj = calloc(1, sizeof *gj);
    if (!gj) return NULL;
    gj->job = di_job_new(spec);
    gj->notify = notify;
    gj->kind = spec->kind;
    snprintf(gj->image_path, sizeof gj->image_path, "%s",
             spec->kind == DI_JOB_READ ? spec->target_path : spec->source_path);
    snprintf(gj->device_label, sizeof gj->device_label, "%s", device_label);
    if (gj->job) gj->thread = di_thread_start(worker_main, gj);
    if (!gj->thread) {
        di_job_free(gj->job);
        free(gj);
        return NULL;
    }
    return gj;
}

void gui_job_finish(gui_job *gj)
{
    if (!gj) return;
    di_thread_join(gj->thread);
    di_job_free(gj->job);
    free(gj);
}
