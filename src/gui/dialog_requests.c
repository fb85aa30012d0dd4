/* The buttons: a request from the inputs, the request layer's refusals, the questions
 * asked before anything is overwritten, and starting the job (dialog.h). */
#include "dialog.h"

#include <commctrl.h>
#include <stdio.h>
#include <string.h>

#include "app_messages.h"
#include "diskimager/units.h"
#include "drive_text.h"
#include "file_dialog.h"
#include "hash_choices.h"
#include "lang.h"
#include "log_window.h"
#include "member_dialog.h"
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

/* An image path that names a file (not a folder, not nothing). */
static bool is_file(const char *path)
{
    di_drive_info facts;
    di_error ignored;
    return path[0] && di_drive_describe(path, &facts, &ignored) == DI_OK && facts.exists &&
           !facts.is_folder;
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
void dialog_request_from_inputs(di_job_kind kind, const char *image, di_request *r)
{
    const di_drive_info *drive = drive_combo_selected(dialog_item(IDC_DEVICE_COMBO), &dialog.drives);
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
        .eject = kind == DI_JOB_WRITE && dialog_checked(IDC_EJECT),
        .allocated_only = kind == DI_JOB_READ && dialog_checked(IDC_ALLOCATED_ONLY),
    };
}

/* The file of an archive, asked for when there are several: before the plan, since a
 * checksum in the archive names it. False when the user cancelled the choice. */
static bool choose_member(const char *image)
{
    dialog.zip_member[0] = '\0';
    return member_dialog_choose(dialog.hwnd, image, dialog.zip_member, sizeof dialog.zip_member);
}

void dialog_start_job(const di_request *request)
{
    if (di_request_plan(request, &dialog.plan) != DI_OK) {
        show_refusal(&dialog.plan.refusal);
        return;
    }
    const di_job_spec *spec = &dialog.plan.spec;
    if (request->image != dialog.last_image)
        snprintf(dialog.last_image, sizeof dialog.last_image, "%s", request->image ? request->image : "");
    snprintf(dialog.last_drive, sizeof dialog.last_drive, "%s", request->drive);
    SetDlgItemTextW(dialog.hwnd, IDC_HASH_EDIT, L"");
    SetDlgItemTextW(dialog.hwnd, IDC_MATCH, L"");
    dialog.match = RESULT_MATCH_NONE;
    dialog.plan.spec.log = log_window_queue();
    dialog.job = gui_job_start(spec, dialog.hwnd);
    if (!dialog.job) {
        dialog_message(MB_OK | MB_ICONERROR, "%s", tr(T_CANNOT_START));
        return;
    }
    if (request->image && request->image[0]) remember_folder(request->image);
    SendMessageW(dialog_item(IDC_PROGRESS), PBM_SETPOS, 0, 0);
    dialog_status("%s", tr(T_STARTING));
    dialog_set_busy(true);
    SetTimer(dialog.hwnd, TIMER_PROGRESS, TIMER_PROGRESS_MS, NULL);
}

void dialog_write(void)
{
    char image[DI_PATH_MAX], size[32];
    di_request request;
    di_drive_info drive;
    di_error refusal;
    dialog_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    dialog.zip_member[0] = '\0';
    dialog_request_from_inputs(DI_JOB_WRITE, image, &request);
    /* A fixed disk is written only when the user says so twice: asked below. */
    if (di_request_check(&request, &drive, &refusal) != DI_OK &&
        refusal.reason != DI_REASON_FIXED_DISK) {
        show_refusal(&refusal);
        return;
    }
    if (!choose_member(image)) return;
    char what[DI_TEXT_MAX + 160], text[4 * DI_PATH_MAX], name[DI_PATH_MAX + 256];
    snprintf(what, sizeof what, "%s%s%s", drive.model[0] ? drive.model : tr(T_UNKNOWN_MODEL),
             drive.mounts[0] ? ", " : "", drive.mounts);
    if (dialog_message(MB_YESNO | MB_ICONWARNING | MB_DEFBUTTON2, "%s",
                tr_format(text, sizeof text, T_CONFIRM_WRITE,
                          drive_text(&drive, name, sizeof name), what, image, NULL)) != IDYES) {
        dialog_status("%s", tr(T_NOTHING_WRITTEN));
        return;
    }
    if (!drive.removable &&
        dialog_message(MB_YESNO | MB_ICONSTOP | MB_DEFBUTTON2, "%s",
                tr_format(text, sizeof text, T_CONFIRM_FIXED, drive.path,
                          tr_size(drive.size, size, sizeof size), NULL)) != IDYES) {
        dialog_status("%s", tr(T_NOTHING_WRITTEN));
        return;
    }
    request.fixed_disk_confirmed = !drive.removable;
    request.member = dialog.zip_member[0] ? dialog.zip_member : NULL;
    dialog_start_job(&request);
}

void dialog_read(void)
{
    char image[DI_PATH_MAX];
    bool overwrite_confirmed = false;
    dialog_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    if (!image[0]) {
        /* Nothing typed: ask where to save, in a dialog that confirms overwriting. */
        wchar_t path[DI_PATH_MAX];
        if (!file_dialog_choose(dialog.hwnd, true, dialog.settings.last_folder, path, DI_PATH_MAX))
            return;
        SetDlgItemTextW(dialog.hwnd, IDC_IMAGE_EDIT, path);
        di_utf16_to_utf8(path, image, sizeof image);
        overwrite_confirmed = true;
    }
    di_request request;
    di_error refusal;
    dialog.zip_member[0] = '\0';
    dialog_request_from_inputs(DI_JOB_READ, image, &request);
    if (di_request_check(&request, NULL, &refusal) != DI_OK) {
        show_refusal(&refusal);
        return;
    }
    char text[3 * DI_PATH_MAX], name[DI_PATH_MAX + 256];
    const char *drive = drive_text(request.chosen, name, sizeof name);
    if (is_file(image) && !overwrite_confirmed &&
        dialog_message(MB_YESNO | MB_ICONWARNING | MB_DEFBUTTON2, "%s",
                tr_format(text, sizeof text, T_CONFIRM_REPLACE, image, drive, NULL)) != IDYES) {
        dialog_status("%s", tr_format(text, sizeof text, T_NOTHING_READ_KEPT, image, NULL));
        return;
    }
    dialog_start_job(&request);
}

void dialog_verify(void)
{
    char image[DI_PATH_MAX];
    di_request request;
    di_error refusal;
    dialog_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    dialog.zip_member[0] = '\0';
    dialog_request_from_inputs(DI_JOB_VERIFY, image, &request);
    if (di_request_check(&request, NULL, &refusal) != DI_OK) {
        show_refusal(&refusal);
        return;
    }
    if (!choose_member(image)) return;
    request.member = dialog.zip_member[0] ? dialog.zip_member : NULL;
    dialog_start_job(&request);
}

/* The drive's first image-size bytes, when an image is named (the job finds its size);
 * the whole drive otherwise. */
void dialog_hash_drive(void)
{
    char image[DI_PATH_MAX];
    di_request request;
    di_error refusal;
    dialog_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    dialog.zip_member[0] = '\0';
    dialog_request_from_inputs(DI_JOB_HASH, image, &request);
    if (di_request_check(&request, NULL, &refusal) != DI_OK) {
        show_refusal(&refusal);
        return;
    }
    if (is_file(image) && !choose_member(image)) return;
    request.member = dialog.zip_member[0] ? dialog.zip_member : NULL;
    dialog_start_job(&request);
}

bool dialog_confirm_stop(void)
{
    return dialog_message(MB_YESNO | MB_ICONQUESTION | MB_DEFBUTTON2, "%s", tr(T_CONFIRM_STOP)) == IDYES;
}

void dialog_cancel(void)
{
    if (!dialog.job || !dialog_confirm_stop()) return;
    di_job_cancel(dialog.job->job);
    EnableWindow(dialog_item(IDC_CANCEL_JOB), FALSE);
    dialog_status("%s", tr(T_CANCELLING));
}
