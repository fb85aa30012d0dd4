/* Progress from the job's counters on a timer, and the end of a job (dialog.h). */
#include "dialog.h"

#include <commctrl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_messages.h"
#include "drive_lines.h"
#include "drive_lines_text.h"
#include "drive_text.h"
#include "lang.h"
#include "log_window.h"
#include "platform/win32/utf16.h"
#include "resource.h"
#include "status_text.h"
#include "taskbar.h"

void dialog_show_progress(void)
{
    if (!dialog.job || !dialog.job->job) return;
    log_window_drain();
    di_progress p;
    di_job_progress(dialog.job->job, &p);
    char line[256];
    SendMessageW(dialog_item(IDC_PROGRESS), PBM_SETPOS,
                 (WPARAM)di_progress_position(p.bytes_done, p.bytes_total), 0);
    if (p.bytes_total || p.retrying) dialog_status("%s", di_status_line(&p, line, sizeof line));
    taskbar_progress(dialog.hwnd, p.bytes_done, p.bytes_total);
    if (di_job_target_count(dialog.job->job) > 1) drive_lines_update(dialog.job->job);
}

/* A Write to several drives: the image's digest once, a line per drive in the box and
 * in the drives' window. */
static void render_several(gui_job *gj, result_view *view)
{
    char (*names)[DI_PATH_MAX + 256] = calloc(DI_TARGETS_MAX, DI_PATH_MAX + 256);
    const char *name_list[DI_TARGETS_MAX];
    if (!names) return;
    const di_result *targets[DI_TARGETS_MAX];
    const di_request *asked = &gj->asked.request;
    unsigned count = di_job_target_count(gj->job);
    if (count > DI_TARGETS_MAX) count = DI_TARGETS_MAX;
    for (unsigned i = 0; i < count; i++) {
        const di_drive_info *d = i < asked->drive_count && asked->chosen_drives
                                     ? asked->chosen_drives[i] : NULL;
        if (d) drive_text(d, names[i], sizeof names[i]);
        else snprintf(names[i], sizeof names[i], "%s", di_job_target_path(gj->job, i));
        name_list[i] = names[i];
        targets[i] = di_job_target_result(gj->job, i);
    }
    result_render_several(di_job_result(gj->job), targets, name_list, count,
                          &gj->plan.spec.expected, view);
    free(names);
    drive_lines_finish(gj->job);
}

static void set_match_text(const char *text)
{
    wchar_t *wide = di_utf8_to_utf16(text);
    SetDlgItemTextW(dialog.hwnd, IDC_MATCH, wide ? wide : L"");
    free(wide);
}

void dialog_job_done(gui_job *gj)
{
    KillTimer(dialog.hwnd, TIMER_PROGRESS);
    log_window_drain();
    di_progress p;
    di_job_progress(gj->job, &p);
    const di_plan *plan = &gj->plan;
    result_view *view = &dialog.view;
    if (di_job_target_count(gj->job) > 1)
        render_several(gj, view);
    else
        result_render(gj->kind, di_job_result(gj->job), &plan->spec.expected,
                      plan->bmap.member[0] ? plan->bmap.member : plan->bmap.path, p.average_rate,
                      view);
    if (di_job_result(gj->job)->status == DI_OK)
        SendMessageW(dialog_item(IDC_PROGRESS), PBM_SETPOS, DI_PROGRESS_RANGE, 0);
    if (view->hash[0]) {
        wchar_t *wide = di_utf8_to_utf16(view->hash);
        SetDlgItemTextW(dialog.hwnd, IDC_HASH_EDIT, wide ? wide : L"");
        free(wide);
    }
    dialog.match = view->match;
    if (view->match != RESULT_MATCH_NONE) set_match_text(view->match_text);
    if (view->failed) taskbar_error(dialog.hwnd);
    else taskbar_clear(dialog.hwnd);
    dialog_status("%s", view->status);
    gui_job_finish(gj);
    dialog.job = NULL;
    /* The inputs come back before the result is shown, not after it is dismissed. */
    dialog_set_busy(false);
    if (dialog.drives_changed_during_job) {
        dialog.drives_changed_during_job = false;
        drive_combo_refresh(dialog_item(IDC_DEVICE_COMBO), &dialog.drives, dialog_checked(IDC_SHOW_ALL));
    }
    if (dialog.close_when_done) {
        PostMessageW(dialog.hwnd, WM_CLOSE, 0, 0);
        return;
    }
    if (!view->box[0]) return;
    static const UINT icons[] = {[RESULT_INFO] = MB_ICONINFORMATION,
                                 [RESULT_WARNING] = MB_ICONWARNING,
                                 [RESULT_ERROR] = MB_ICONERROR};
    UINT flags = view->ask_read_whole_drive ? MB_YESNO | MB_DEFBUTTON2 : MB_OK;
    int answer = dialog_message(flags | icons[view->icon], "%s", view->box);
    if (!view->ask_read_whole_drive) return;
    const di_drive_info *drive = drive_combo_selected(dialog_item(IDC_DEVICE_COMBO), &dialog.drives);
    if (answer != IDYES || !drive || strcmp(drive->path, dialog.last_drive) != 0) {
        dialog_status("%s", tr(T_NOTHING_READ));
        return;
    }
    di_request request;
    dialog_request_from_inputs(DI_JOB_READ, dialog.last_image, &request);
    request.allocated_only = false;
    dialog_start_job(&request);
}
