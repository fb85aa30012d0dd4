/* The buttons: a request from the inputs, the request layer's refusals, the questions
 * asked before anything is overwritten, and starting the job (dialog.h). */
#include "dialog.h"

#include <commctrl.h>
#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_messages.h"
#include "diskimager/units.h"
#include "drive_lines.h"
#include "drive_text.h"
#include "drives_dialog.h"
#include "file_dialog.h"
#include "hash_choices.h"
#include "lang.h"
#include "log_window.h"
#include "member_dialog.h"
#include "request_look.h"
#include "platform/win32/utf16.h"
#include "resource.h"

static unsigned hash_mask(void)
{
    if (!dialog_checked(IDC_HASH_CHECK)) return 0;
    LRESULT at = SendMessageW(dialog_item(IDC_HASH_ALG), CB_GETCURSEL, 0, 0);
    return DI_HASH_BIT(hash_choices[hash_choice_index((int)at)]);
}

static void show_refusal(const di_error *refusal)
{
    char text[2048];
    di_log_emit(log_window_queue(), DI_LOG_ERROR, "refused: %s",
                di_error_format(refusal, text, sizeof text));
    log_window_drain();
    dialog_message(MB_OK | MB_ICONWARNING, "%s", result_error_text(refusal, text, sizeof text));
}

static void remember_folder(const char *image_path)
{
    wchar_t *wide = di_utf8_to_utf16(image_path);
    if (!wide) return;
    wchar_t *slash = wcsrchr(wide, L'\\');
    if (slash) {
        *slash = L'\0';
        lstrcpynW(dialog.settings.last_folder, wide, 1024);
    }
    free(wide);
}

/* What the dialog's inputs ask for kind: the request layer decides the rest. Points into
 * state (the typed digest, the chosen member) and at the drive chosen in the list. */
void dialog_choose_several(void)
{
    char (*paths)[DI_PATH_MAX] = calloc(DI_TARGETS_MAX, DI_PATH_MAX);
    const char *chosen[DI_TARGETS_MAX];
    unsigned count = 0;
    HWND combo = dialog_item(IDC_DEVICE_COMBO);
    if (paths && drives_dialog_choose(dialog.hwnd, &dialog.drives,
                                      drive_combo_selected(combo, &dialog.drives), paths, &count)) {
        for (unsigned i = 0; i < count; i++) chosen[i] = paths[i];
        drive_combo_choose(combo, &dialog.drives, chosen, count);
    }
    free(paths);
}

void dialog_request_from_inputs(di_job_kind kind, const char *image, di_request *r)
{
    HWND combo = dialog_item(IDC_DEVICE_COMBO);
    const di_drive_info *drive = drive_combo_selected(combo, &dialog.drives);
    /* The several drives' entry: the first stands for them where one drive is named. */
    unsigned several = drive_combo_several(combo, &dialog.drives, dialog.several_drives);
    for (unsigned i = 0; i < several; i++) dialog.several_paths[i] = dialog.several_drives[i]->path;
    if (several) drive = dialog.several_drives[0];
    dialog_text_utf8(IDC_EXPECTED_EDIT, dialog.typed_expected, sizeof dialog.typed_expected);
    bool verify = kind == DI_JOB_WRITE && dialog_checked(IDC_VERIFY_AFTER);
    *r = (di_request){
        .kind = kind,
        .image = image,
        .drive = drive ? drive->path : NULL,
        .chosen = drive,
        .member = dialog.zip_member[0] ? dialog.zip_member : NULL,
        .hash_mask = hash_mask(),
        .expected = dialog.typed_expected,
        .verify_after_write = verify,
        /* The box is disabled without verify, but may still be ticked. */
        .move_gpt_backup = verify && dialog_checked(IDC_MOVE_GPT),
        .eject = (kind == DI_JOB_WRITE || kind == DI_JOB_FORMAT) && dialog_checked(IDC_EJECT),
        .allocated_only = kind == DI_JOB_READ && dialog_checked(IDC_ALLOCATED_ONLY),
        .make_bmap = kind == DI_JOB_READ && dialog_checked(IDC_MAKE_BMAP),
    };
    if (several > 1) {
        r->drives = dialog.several_paths;
        r->chosen_drives = dialog.several_drives;
        r->drive_count = several;
    }
}

/* The request is planned on a thread (its lookups read files): the dialog is busy and
 * answers meanwhile; dialog_job_planned goes on. */
void dialog_start_job(const di_request *request)
{
    gui_job *gj = gui_job_plan(request, dialog.hwnd);
    if (!gj) {
        dialog_message(MB_OK | MB_ICONERROR, "%s", tr(T_CANNOT_START));
        return;
    }
    dialog.job = gj;
    /* The last job's result stays until this one starts: a refused plan leaves it. */
    GetDlgItemTextW(dialog.hwnd, IDC_STATUS, dialog.status_before, STATUS_BEFORE_MAX);
    dialog_status("%s", tr(T_STARTING));
    dialog_set_busy(true);
}

/* The job never started: the dialog is idle again, its status status (NULL: as it was
 * before), the drive list brought up to date, and closed if asked to meanwhile. */
static void drop_job(gui_job *gj, const char *status)
{
    gui_job_finish(gj);
    dialog.job = NULL;
    dialog_set_busy(false);
    if (status) dialog_status("%s", status);
    else SetDlgItemTextW(dialog.hwnd, IDC_STATUS, dialog.status_before);
    if (dialog.drives_changed_during_job) {
        dialog.drives_changed_during_job = false;
        drive_combo_refresh(dialog_item(IDC_DEVICE_COMBO), &dialog.drives, dialog_checked(IDC_SHOW_ALL));
    }
    if (dialog.close_when_done) PostMessageW(dialog.hwnd, WM_CLOSE, 0, 0);
}

void dialog_job_planned(gui_job *gj)
{
    gui_job_planned(gj);
    if (gj->cancelled) {
        drop_job(gj, tr(T_CANCELLED));
        return;
    }
    if (gj->plan_status != DI_OK) {
        di_error refusal = gj->plan.refusal;
        drop_job(gj, NULL);
        show_refusal(&refusal);
        return;
    }
    if (!gui_job_run(gj, log_window_queue())) {
        drop_job(gj, NULL);
        dialog_message(MB_OK | MB_ICONERROR, "%s", tr(T_CANNOT_START));
        return;
    }
    SetDlgItemTextW(dialog.hwnd, IDC_HASH_EDIT, L"");
    SetDlgItemTextW(dialog.hwnd, IDC_MATCH, L"");
    dialog.match = RESULT_MATCH_NONE;
    SendMessageW(dialog_item(IDC_PROGRESS), PBM_SETPOS, 0, 0);
    const di_request *asked = &gj->asked.request;
    snprintf(dialog.last_image, sizeof dialog.last_image, "%s", asked->image ? asked->image : "");
    snprintf(dialog.last_drive, sizeof dialog.last_drive, "%s", asked->drive ? asked->drive : "");
    if (dialog.last_image[0]) remember_folder(dialog.last_image);
    /* Several drives: a line for each, beside the dialog. */
    unsigned count = di_job_target_count(gj->job);
    char (*names)[DI_PATH_MAX + 256] = count > 1 ? calloc(DI_TARGETS_MAX, DI_PATH_MAX + 256) : NULL;
    if (names) {
        const char *name_list[DI_TARGETS_MAX];
        for (unsigned i = 0; i < count && i < DI_TARGETS_MAX; i++) {
            const di_drive_info *d = i < asked->drive_count && asked->chosen_drives
                                         ? asked->chosen_drives[i] : NULL;
            if (d) drive_text(d, names[i], sizeof names[i]);
            else snprintf(names[i], sizeof names[i], "%s", di_job_target_path(gj->job, i));
            name_list[i] = names[i];
        }
        drive_lines_open(dialog.hwnd, gj->job, name_list, count);
        free(names);
    }
    SetTimer(dialog.hwnd, TIMER_PROGRESS, TIMER_PROGRESS_MS, NULL);
}

/* Each button looks first (request_look.c: the checks, the image, an archive's files, on
 * a thread), then asks its questions in dialog_request_looked. A look takes moments: the
 * dialog stays as it is meanwhile (no flicker of disabled controls), its buttons ignored
 * until the look is done. */
static void look_then_ask(di_job_kind kind, const char *image, bool list_members,
                          bool overwrite_confirmed)
{
    di_request request;
    if (dialog.look) return;
    dialog.zip_member[0] = '\0';
    dialog_request_from_inputs(kind, image, &request);
    request_look *look = request_look_start(&request, list_members, dialog.hwnd);
    if (!look) {
        dialog_message(MB_OK | MB_ICONERROR, "%s", tr(T_CANNOT_START));
        return;
    }
    look->overwrite_confirmed = overwrite_confirmed;
    dialog.look = look;
    /* Nothing else may start or open meanwhile; a look that lasts gets a status line. */
    EnableWindow(dialog_item(IDC_BROWSE), FALSE);
    EnableWindow(dialog_item(IDC_FROM_DRIVE), FALSE);
    DragAcceptFiles(dialog.hwnd, FALSE);
    dialog.status_shown_for_look = false;
    SetTimer(dialog.hwnd, TIMER_LOOK, TIMER_LOOK_MS, NULL);
}

void dialog_look_lasts(void)
{
    KillTimer(dialog.hwnd, TIMER_LOOK);
    if (!dialog.look || dialog.status_shown_for_look) return;
    GetDlgItemTextW(dialog.hwnd, IDC_STATUS, dialog.status_before, STATUS_BEFORE_MAX);
    dialog.status_shown_for_look = true;
    dialog_status("%s", tr(T_STARTING));
}

void dialog_write(void)
{
    char image[DI_PATH_MAX];
    dialog_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    look_then_ask(DI_JOB_WRITE, image, true, false);
}

void dialog_read(void)
{
    char image[DI_PATH_MAX];
    dialog_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    if (!image[0] && !dialog.look) {
        /* Nothing typed: ask where to save, in a dialog that confirms overwriting. */
        wchar_t path[DI_PATH_MAX];
        if (!file_dialog_choose(dialog.hwnd, true, dialog.settings.last_folder, path, DI_PATH_MAX))
            return;
        SetDlgItemTextW(dialog.hwnd, IDC_IMAGE_EDIT, path);
        di_utf16_to_utf8(path, image, sizeof image);
        look_then_ask(DI_JOB_READ, image, false, true);
        return;
    }
    look_then_ask(DI_JOB_READ, image, false, false);
}

void dialog_verify(void)
{
    char image[DI_PATH_MAX];
    dialog_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    look_then_ask(DI_JOB_VERIFY, image, true, false);
}

/* The drive's first image-size bytes, when an image is named (the job finds its size);
 * the whole drive otherwise. */
void dialog_hash_drive(void)
{
    char image[DI_PATH_MAX];
    dialog_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    look_then_ask(DI_JOB_HASH, image, true, false);
}

void dialog_restore(void)
{
    look_then_ask(DI_JOB_FORMAT, NULL, false, false);
}

void dialog_check(void)
{
    look_then_ask(DI_JOB_CHECK, NULL, false, false);
}

/* WRITE, FORMAT: are you sure (twice for a fixed disk)? The first question is the
 * kind's (its text filled with the drive, what it holds, and a and b). */
static bool overwrite_confirmed(request_look *look, di_request *request, text_id question,
                                const char *a, const char *b)
{
    const di_drive_info *drive = &look->drive;
    char what[DI_TEXT_MAX + 160], text[4 * DI_PATH_MAX], name[DI_PATH_MAX + 256], size[32];
    snprintf(what, sizeof what, "%s%s%s", drive->model[0] ? drive->model : tr(T_UNKNOWN_MODEL),
             drive->mounts[0] ? ", " : "", drive->mounts);
    if (dialog_message(MB_YESNO | MB_ICONWARNING | MB_DEFBUTTON2, "%s",
                tr_format(text, sizeof text, question, drive_text(drive, name, sizeof name),
                          what, a, b, NULL)) != IDYES) {
        dialog_status("%s", tr(T_NOTHING_WRITTEN));
        return false;
    }
    if (!drive->removable &&
        dialog_message(MB_YESNO | MB_ICONSTOP | MB_DEFBUTTON2, "%s",
                tr_format(text, sizeof text, T_CONFIRM_FIXED, drive->path,
                          tr_size(drive->size, size, sizeof size), NULL)) != IDYES) {
        dialog_status("%s", tr(T_NOTHING_WRITTEN));
        return false;
    }
    request->fixed_disk_confirmed = !drive->removable;
    return true;
}

/* WRITE to several drives: one question naming each (what it holds), then a fixed disk
 * among them asked about once more, by itself. */
static bool several_confirmed(di_request *request)
{
    char list[DI_TARGETS_MAX * 320] = "", text[sizeof list + 2 * DI_PATH_MAX], count[16];
    size_t used = 0;
    for (unsigned i = 0; i < request->drive_count && request->chosen_drives; i++) {
        const di_drive_info *d = request->chosen_drives[i];
        char name[DI_PATH_MAX + 256];
        if (!d) continue;
        used += (size_t)snprintf(list + used, used < sizeof list ? sizeof list - used : 0,
                                 "%s%s (%s%s%s)", i ? "\n" : "", drive_text(d, name, sizeof name),
                                 d->model[0] ? d->model : tr(T_UNKNOWN_MODEL),
                                 d->mounts[0] ? ", " : "", d->mounts);
        if (used >= sizeof list) break;
    }
    snprintf(count, sizeof count, "%u", request->drive_count);
    if (dialog_message(MB_YESNO | MB_ICONWARNING | MB_DEFBUTTON2, "%s",
                tr_format(text, sizeof text, T_CONFIRM_WRITE_SEVERAL, count, list, request->image,
                          NULL)) != IDYES) {
        dialog_status("%s", tr(T_NOTHING_WRITTEN));
        return false;
    }
    bool fixed = false;
    for (unsigned i = 0; i < request->drive_count && request->chosen_drives; i++) {
        const di_drive_info *d = request->chosen_drives[i];
        char size[32];
        if (!d || d->removable || !d->is_block_device) continue;
        if (dialog_message(MB_YESNO | MB_ICONSTOP | MB_DEFBUTTON2, "%s",
                    tr_format(text, sizeof text, T_CONFIRM_FIXED, d->path,
                              tr_size(d->size, size, sizeof size), NULL)) != IDYES) {
            dialog_status("%s", tr(T_NOTHING_WRITTEN));
            return false;
        }
        fixed = true;
    }
    request->fixed_disk_confirmed = fixed;
    return true;
}

/* FORMAT: the options (file system, label, erase), the layout they make on this drive,
 * then the Write's questions naming it. */
static bool restore_confirmed(request_look *look, di_request *request)
{
    if (!restore_dialog_ask(dialog.hwnd, &look->drive, &dialog.restore)) {
        dialog_status("%s", tr(T_NOTHING_WRITTEN));
        return false;
    }
    request->card_fs = dialog.restore.fs;
    request->card_label = dialog.restore.label[0] ? dialog.restore.label : NULL;
    request->erase = dialog.restore.erase;
    di_card_layout layout;
    di_error refusal;
    const di_drive_info *drive = &look->drive;
    if (di_card_layout_plan(drive->size, di_card_sector_for(drive->sector_size), request->card_fs,
                            request->card_label, 0, &layout, &refusal) != DI_OK) {
        snprintf(refusal.path, sizeof refusal.path, "%s", drive->path);
        show_refusal(&refusal);
        return false;
    }
    return overwrite_confirmed(look, request, T_CONFIRM_RESTORE,
                               layout.fs == DI_CARD_FS_EXFAT ? "exFAT" : "FAT32", layout.label);
}

/* CHECK: quick or full, then the Write's questions: the full check erases the card;
 * the probe names the sectors it puts back and what a power cut would cost. */
static bool check_confirmed(request_look *look, di_request *request)
{
    if (!check_dialog_ask(dialog.hwnd, &look->drive, &dialog.check_mode)) {
        dialog_status("%s", tr(T_NOTHING_WRITTEN));
        return false;
    }
    request->check_mode = dialog.check_mode;
    if (request->check_mode == DI_CHECK_FULL)
        return overwrite_confirmed(look, request, T_CONFIRM_CHECK_FULL, NULL, NULL);
    char count[32];
    unsigned probes = di_check_probe_count(look->drive.size, look->drive.sector_size);
    return overwrite_confirmed(look, request, T_CONFIRM_CHECK_QUICK,
                               tr_number(probes, count, sizeof count), NULL);
}

/* READ over an existing file: replace it? */
static bool replace_confirmed(request_look *look, const di_request *request)
{
    if (!look->image_is_file || look->overwrite_confirmed) return true;
    char text[3 * DI_PATH_MAX], name[DI_PATH_MAX + 256];
    const char *drive = drive_text(request->chosen, name, sizeof name);
    if (dialog_message(MB_YESNO | MB_ICONWARNING | MB_DEFBUTTON2, "%s",
                tr_format(text, sizeof text, T_CONFIRM_REPLACE, request->image, drive, NULL)) ==
        IDYES)
        return true;
    dialog_status("%s", tr_format(text, sizeof text, T_NOTHING_READ_KEPT, request->image, NULL));
    return false;
}

/* The questions, from what the look found; then the job is planned. */
static bool ask(request_look *look, di_request *request)
{
    /* A fixed disk is written only when the user says so twice: asked below. */
    bool fixed_asked = di_job_kind_writes_drive(request->kind) &&
                       look->refusal.reason == DI_REASON_FIXED_DISK;
    if (look->check != DI_OK && !fixed_asked) {
        show_refusal(&look->refusal);
        return false;
    }
    /* The file of an archive, asked for when there are several: before the plan, since
     * a checksum in the archive names it. */
    if (!member_dialog_choose(dialog.hwnd, &look->members, dialog.zip_member,
                              sizeof dialog.zip_member))
        return false;
    request->member = dialog.zip_member[0] ? dialog.zip_member : NULL;
    if (request->kind == DI_JOB_WRITE && request->drive_count > 1) return several_confirmed(request);
    if (request->kind == DI_JOB_WRITE)
        return overwrite_confirmed(look, request, T_CONFIRM_WRITE, request->image, NULL);
    if (request->kind == DI_JOB_FORMAT) return restore_confirmed(look, request);
    if (request->kind == DI_JOB_CHECK) return check_confirmed(look, request);
    if (request->kind == DI_JOB_READ) return replace_confirmed(look, request);
    return true;
}

void dialog_request_looked(request_look *look)
{
    request_look_done(look);
    dialog.look = NULL;
    KillTimer(dialog.hwnd, TIMER_LOOK);
    EnableWindow(dialog_item(IDC_BROWSE), TRUE);
    EnableWindow(dialog_item(IDC_FROM_DRIVE), TRUE);
    DragAcceptFiles(dialog.hwnd, TRUE);
    if (dialog.status_shown_for_look)
        SetDlgItemTextW(dialog.hwnd, IDC_STATUS, dialog.status_before);
    dialog.status_shown_for_look = false;
    if (dialog.close_when_done) {
        request_look_free(look);
        PostMessageW(dialog.hwnd, WM_CLOSE, 0, 0);
        return;
    }
    di_request request = look->asked.request;
    if (ask(look, &request)) dialog_start_job(&request);
    request_look_free(look);
}

bool dialog_confirm_stop(void)
{
    return dialog_message(MB_YESNO | MB_ICONQUESTION | MB_DEFBUTTON2, "%s", tr(T_CONFIRM_STOP)) == IDYES;
}

void dialog_cancel_job(void)
{
    if (!dialog.job) return;
    if (dialog.job->job) di_job_cancel(dialog.job->job);
    else dialog.job->cancelled = true;
}

void dialog_cancel(void)
{
    /* A running job is stopped once the user says so; a plan without a question. The
     * plan or the job may end while the question is open. */
    if (!dialog.job || (dialog.job->job && !dialog_confirm_stop()) || !dialog.job) return;
    dialog_cancel_job();
    EnableWindow(dialog_item(IDC_CANCEL_JOB), FALSE);
    dialog_status("%s", tr(T_CANCELLING));
}
