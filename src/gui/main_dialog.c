/* The dialog: inputs, the three jobs, confirmation before anything is overwritten,
 * progress from the job's counters on a timer, the result from WM_APP_JOB_DONE. */
#include "main_dialog.h"

#include <commctrl.h>
#include <dbt.h>
#include <shellapi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_messages.h"
#include "diskimager/request.h"
#include "diskimager/units.h"
#include "drive_combo.h"
#include "file_dialog.h"
#include "member_dialog.h"
#include "gui_job.h"
#include "log_window.h"
#include "platform/win32/utf16.h"
#include "resource.h"
#include "result_text.h"
#include "settings.h"
#include "status_text.h"
#include "taskbar.h"

/* The one version: project(VERSION) in CMakeLists.txt, also in VERSIONINFO and the ZIP's name. */
#ifndef DISKIMAGER_VERSION
#error "DISKIMAGER_VERSION is defined by CMakeLists.txt from project(VERSION)"
#endif
#define APP_TITLE L"Win32 Disk Imager"
#define TEXT_MAX 4096

static const di_hash_alg hash_choices[] = {DI_HASH_MD5, DI_HASH_SHA1, DI_HASH_SHA256};
static const wchar_t *const hash_labels[] = {L"MD5", L"SHA-1", L"SHA-256"};

typedef struct dialog_state {
    HWND hwnd;
    result_match match;      /* colours the match line: green or red */
    char typed_expected[512];/* the Expected hash box, as the request reads it */
    di_plan plan;            /* of the running job: what it checks against, its bmap */
    result_view view;        /* how the last job ended */
    char last_image[DI_PATH_MAX];     /* of the running job, to offer a retry */
    char last_drive[DI_PATH_MAX];
    gui_settings settings;
    drive_list drives;
    gui_job *job;
    bool close_when_done;
    bool drives_changed_during_job;
    UINT autoplay_message;   /* "QueryCancelAutoPlay" */
    char zip_member[DI_MEMBER_MAX]; /* the archive's file the user chose */
} dialog_state;

static dialog_state state;

/* ---- small helpers ---- */

static HWND item(int id)
{
    return GetDlgItem(state.hwnd, id);
}

/* printf into UTF-16 for the W APIs; the caller frees. */
static wchar_t *format_wide(const char *fmt, va_list args)
{
    char text[TEXT_MAX];
    vsnprintf(text, sizeof text, fmt, args);
    return di_utf8_to_utf16(text);
}

static int message(UINT flags, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    wchar_t *wide = format_wide(fmt, args);
    va_end(args);
    int answer = MessageBoxW(state.hwnd, wide ? wide : L"?", APP_TITLE, flags);
    free(wide);
    return answer;
}

static void set_status(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    wchar_t *wide = format_wide(fmt, args);
    va_end(args);
    SetDlgItemTextW(state.hwnd, IDC_STATUS, wide ? wide : L"");
    free(wide);
}

static void get_text_utf8(int id, char *out, size_t size)
{
    wchar_t wide[DI_PATH_MAX];
    GetDlgItemTextW(state.hwnd, id, wide, DI_PATH_MAX);
    /* People paste paths in quotes from Explorer's "Copy as path". */
    wchar_t *start = wide;
    size_t n = wcslen(start);
    while (n && (start[n - 1] == L' ' || start[n - 1] == L'"')) start[--n] = L'\0';
    while (*start == L' ' || *start == L'"') start++;
    di_utf16_to_utf8(start, out, size);
}

static bool checked(int id)
{
    return IsDlgButtonChecked(state.hwnd, id) == BST_CHECKED;
}

static unsigned hash_mask(void)
{
    if (!checked(IDC_HASH_CHECK)) return 0;
    LRESULT at = SendMessageW(item(IDC_HASH_ALG), CB_GETCURSEL, 0, 0);
    if (at < 0 || at >= 3) at = 0;
    return DI_HASH_BIT(hash_choices[at]);
}

static void set_busy(bool busy)
{
    static const int inputs[] = {IDC_IMAGE_EDIT, IDC_BROWSE, IDC_DEVICE_COMBO, IDC_SHOW_ALL,
                                 IDC_EXPECTED_EDIT, IDC_ALLOCATED_ONLY,
                                 IDC_HASH_CHECK, IDC_VERIFY_AFTER, IDC_EJECT, IDC_READ, IDC_WRITE,
                                 IDC_VERIFY, IDC_COPY, IDC_HASH_DRIVE};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        EnableWindow(item(inputs[i]), !busy);
    EnableWindow(item(IDC_HASH_ALG), !busy && checked(IDC_HASH_CHECK));
    /* The backup GPT moves only once the write has been verified. */
    EnableWindow(item(IDC_MOVE_GPT), !busy && checked(IDC_VERIFY_AFTER));
    EnableWindow(item(IDC_CANCEL_JOB), busy);
    DragAcceptFiles(state.hwnd, !busy);
}

/* ---- requests ---- */

static void show_refusal(const di_error *refusal)
{
    char text[2048];
    di_log_emit(log_window_queue(), DI_LOG_ERROR, "refused: %s",
                di_error_format(refusal, text, sizeof text));
    log_window_drain();
    message(MB_OK | MB_ICONWARNING, "%s", result_error_text(refusal, text, sizeof text));
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
        lstrcpynW(state.settings.last_folder, wide, 1024);
    }
    free(wide);
}

/* What the dialog's inputs ask for kind: the request layer decides the rest. Points into
 * state (the typed digest, the chosen member) and at the drive chosen in the list. */
static void request_from_inputs(di_job_kind kind, const char *image, di_request *r)
{
    const di_drive_info *drive = drive_combo_selected(item(IDC_DEVICE_COMBO), &state.drives);
    get_text_utf8(IDC_EXPECTED_EDIT, state.typed_expected, sizeof state.typed_expected);
    bool verify = kind == DI_JOB_WRITE && checked(IDC_VERIFY_AFTER);
    *r = (di_request){
        .kind = kind,
        .image = image,
        .drive = drive ? drive->path : NULL,
        .chosen = drive,
        .member = state.zip_member[0] ? state.zip_member : NULL,
        .hash_mask = hash_mask(),
        .expected = state.typed_expected,
        .verify_after_write = verify,
        /* The box is disabled without verify, but may still be ticked. */
        .move_gpt_backup = verify && checked(IDC_MOVE_GPT),
        .eject = kind == DI_JOB_WRITE && checked(IDC_EJECT),
        .allocated_only = kind == DI_JOB_READ && checked(IDC_ALLOCATED_ONLY),
    };
}

/* The file of an archive, asked for when there are several: before the plan, since a
 * checksum in the archive names it. False when the user cancelled the choice. */
static bool choose_member(const char *image)
{
    state.zip_member[0] = '\0';
    return member_dialog_choose(state.hwnd, image, state.zip_member, sizeof state.zip_member);
}

/* ---- starting jobs ---- */

static void start_job(const di_request *request)
{
    if (di_request_plan(request, &state.plan) != DI_OK) {
        show_refusal(&state.plan.refusal);
        return;
    }
    const di_job_spec *spec = &state.plan.spec;
    if (request->image != state.last_image)
        snprintf(state.last_image, sizeof state.last_image, "%s", request->image ? request->image : "");
    snprintf(state.last_drive, sizeof state.last_drive, "%s", request->drive);
    SetDlgItemTextW(state.hwnd, IDC_HASH_EDIT, L"");
    SetDlgItemTextW(state.hwnd, IDC_MATCH, L"");
    state.match = RESULT_MATCH_NONE;
    state.plan.spec.log = log_window_queue();
    state.job = gui_job_start(spec, state.hwnd);
    if (!state.job) {
        message(MB_OK | MB_ICONERROR, "Could not start the job: out of memory or threads.");
        return;
    }
    if (request->image && request->image[0]) remember_folder(request->image);
    SendMessageW(item(IDC_PROGRESS), PBM_SETPOS, 0, 0);
    set_status("Starting\xE2\x80\xA6");
    set_busy(true);
    SetTimer(state.hwnd, TIMER_PROGRESS, TIMER_PROGRESS_MS, NULL);
}

static void on_write(void)
{
    char image[DI_PATH_MAX], size[32];
    di_request request;
    di_drive_info drive;
    di_error refusal;
    get_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    state.zip_member[0] = '\0';
    request_from_inputs(DI_JOB_WRITE, image, &request);
    /* A fixed disk is written only when the user says so twice: asked below. */
    if (di_request_check(&request, &drive, &refusal) != DI_OK &&
        refusal.reason != DI_REASON_FIXED_DISK) {
        show_refusal(&refusal);
        return;
    }
    if (!choose_member(image)) return;
    if (message(MB_YESNO | MB_ICONWARNING | MB_DEFBUTTON2,
                "Writing to %s will destroy everything on it (%s%s%s).\n\n"
                "Write %s to this device?",
                drive.label[0] ? drive.label : drive.path,
                drive.model[0] ? drive.model : "unknown model",
                drive.mounts[0] ? ", " : "", drive.mounts, image) != IDYES) {
        set_status("Nothing was written.");
        return;
    }
    if (!drive.removable &&
        message(MB_YESNO | MB_ICONSTOP | MB_DEFBUTTON2,
                "%s is a FIXED disk (%s), not a removable drive.\n\nAre you absolutely sure "
                "you want to overwrite it?",
                drive.path, di_format_size(drive.size, size, sizeof size)) != IDYES) {
        set_status("Nothing was written.");
        return;
    }
    request.fixed_disk_confirmed = !drive.removable;
    request.member = state.zip_member[0] ? state.zip_member : NULL;
    start_job(&request);
}

static void on_read(void)
{
    char image[DI_PATH_MAX];
    bool overwrite_confirmed = false;
    get_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    if (!image[0]) {
        /* Nothing typed: ask where to save, in a dialog that confirms overwriting. */
        wchar_t path[DI_PATH_MAX];
        if (!file_dialog_choose(state.hwnd, true, state.settings.last_folder, path, DI_PATH_MAX))
            return;
        SetDlgItemTextW(state.hwnd, IDC_IMAGE_EDIT, path);
        di_utf16_to_utf8(path, image, sizeof image);
        overwrite_confirmed = true;
    }
    di_request request;
    di_error refusal;
    state.zip_member[0] = '\0';
    request_from_inputs(DI_JOB_READ, image, &request);
    if (di_request_check(&request, NULL, &refusal) != DI_OK) {
        show_refusal(&refusal);
        return;
    }
    const char *drive = request.chosen->label[0] ? request.chosen->label : request.chosen->path;
    if (is_file(image) && !overwrite_confirmed &&
        message(MB_YESNO | MB_ICONWARNING | MB_DEFBUTTON2,
                "%s already exists.\n\nReplace it with an image of %s?", image, drive) != IDYES) {
        set_status("Nothing was read: %s was left as it was.", image);
        return;
    }
    start_job(&request);
}

static void on_verify(void)
{
    char image[DI_PATH_MAX];
    di_request request;
    di_error refusal;
    get_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    state.zip_member[0] = '\0';
    request_from_inputs(DI_JOB_VERIFY, image, &request);
    if (di_request_check(&request, NULL, &refusal) != DI_OK) {
        show_refusal(&refusal);
        return;
    }
    if (!choose_member(image)) return;
    request.member = state.zip_member[0] ? state.zip_member : NULL;
    start_job(&request);
}

/* The drive's first image-size bytes, when an image is named (the job finds its size);
 * the whole drive otherwise. */
static void on_hash_drive(void)
{
    char image[DI_PATH_MAX];
    di_request request;
    di_error refusal;
    get_text_utf8(IDC_IMAGE_EDIT, image, sizeof image);
    state.zip_member[0] = '\0';
    request_from_inputs(DI_JOB_HASH, image, &request);
    if (di_request_check(&request, NULL, &refusal) != DI_OK) {
        show_refusal(&refusal);
        return;
    }
    if (is_file(image) && !choose_member(image)) return;
    request.member = state.zip_member[0] ? state.zip_member : NULL;
    start_job(&request);
}

static void on_browse(void)
{
    wchar_t path[DI_PATH_MAX];
    if (file_dialog_choose(state.hwnd, false, state.settings.last_folder, path, DI_PATH_MAX))
        SetDlgItemTextW(state.hwnd, IDC_IMAGE_EDIT, path);
}

static bool confirm_stop(void)
{
    return message(MB_YESNO | MB_ICONQUESTION | MB_DEFBUTTON2,
                   "Stop the job now?\n\nA device being written will hold a partial image; "
                   "a partial image being read will be deleted.") == IDYES;
}

static void on_cancel(void)
{
    if (!state.job || !confirm_stop()) return;
    di_job_cancel(state.job->job);
    EnableWindow(item(IDC_CANCEL_JOB), FALSE);
    set_status("Cancelling\xE2\x80\xA6");
}

static void copy_hash(void)
{
    wchar_t text[DI_HASH_HEX_MAX + 16];
    int n = GetDlgItemTextW(state.hwnd, IDC_HASH_EDIT, text, DI_HASH_HEX_MAX + 16);
    if (n <= 0 || !OpenClipboard(state.hwnd)) return;
    EmptyClipboard();
    HGLOBAL mem = GlobalAlloc(GMEM_MOVEABLE, ((size_t)n + 1) * sizeof(wchar_t));
    if (mem) {
        memcpy(GlobalLock(mem), text, ((size_t)n + 1) * sizeof(wchar_t));
        GlobalUnlock(mem);
        if (!SetClipboardData(CF_UNICODETEXT, mem)) GlobalFree(mem);
    }
    CloseClipboard();
}

static void set_match_text(const char *text)
{
    wchar_t *wide = di_utf8_to_utf16(text);
    SetDlgItemTextW(state.hwnd, IDC_MATCH, wide ? wide : L"");
    free(wide);
}

/* ---- progress and the end of a job ---- */

static void on_timer(void)
{
    if (!state.job) return;
    log_window_drain();
    di_progress p;
    di_job_progress(state.job->job, &p);
    char line[256];
    SendMessageW(item(IDC_PROGRESS), PBM_SETPOS,
                 (WPARAM)di_progress_position(p.bytes_done, p.bytes_total), 0);
    if (p.bytes_total || p.retrying) set_status("%s", di_status_line(&p, line, sizeof line));
    taskbar_progress(state.hwnd, p.bytes_done, p.bytes_total);
}

static void on_job_done(gui_job *gj)
{
    KillTimer(state.hwnd, TIMER_PROGRESS);
    log_window_drain();
    di_progress p;
    di_job_progress(gj->job, &p);
    const di_plan *plan = &state.plan;
    result_view *view = &state.view;
    result_render(gj->kind, di_job_result(gj->job), &plan->spec.expected,
                  plan->bmap.member[0] ? plan->bmap.member : plan->bmap.path, p.average_rate, view);
    if (di_job_result(gj->job)->status == DI_OK)
        SendMessageW(item(IDC_PROGRESS), PBM_SETPOS, DI_PROGRESS_RANGE, 0);
    if (view->hash[0]) {
        wchar_t *wide = di_utf8_to_utf16(view->hash);
        SetDlgItemTextW(state.hwnd, IDC_HASH_EDIT, wide ? wide : L"");
        free(wide);
    }
    state.match = view->match;
    if (view->match != RESULT_MATCH_NONE) set_match_text(view->match_text);
    if (view->failed) taskbar_error(state.hwnd);
    else taskbar_clear(state.hwnd);
    set_status("%s", view->status);
    gui_job_finish(gj);
    state.job = NULL;
    /* The inputs come back before the result is shown, not after it is dismissed. */
    set_busy(false);
    if (state.drives_changed_during_job) {
        state.drives_changed_during_job = false;
        drive_combo_refresh(item(IDC_DEVICE_COMBO), &state.drives, checked(IDC_SHOW_ALL));
    }
    if (state.close_when_done) {
        PostMessageW(state.hwnd, WM_CLOSE, 0, 0);
        return;
    }
    if (!view->box[0]) return;
    static const UINT icons[] = {[RESULT_INFO] = MB_ICONINFORMATION,
                                 [RESULT_WARNING] = MB_ICONWARNING,
                                 [RESULT_ERROR] = MB_ICONERROR};
    UINT flags = view->ask_read_whole_drive ? MB_YESNO | MB_DEFBUTTON2 : MB_OK;
    int answer = message(flags | icons[view->icon], "%s", view->box);
    if (!view->ask_read_whole_drive) return;
    const di_drive_info *drive = drive_combo_selected(item(IDC_DEVICE_COMBO), &state.drives);
    if (answer != IDYES || !drive || strcmp(drive->path, state.last_drive) != 0) {
        set_status("Nothing was read.");
        return;
    }
    di_request request;
    request_from_inputs(DI_JOB_READ, state.last_image, &request);
    request.allocated_only = false;
    start_job(&request);
}

/* ---- set-up and tear-down ---- */

static void on_init(HWND hwnd)
{
    state.hwnd = hwnd;
    settings_load(&state.settings);
    SetWindowTextW(hwnd, APP_TITLE L" " TEXT(DISKIMAGER_VERSION));
    HICON icon = LoadIconW(GetModuleHandleW(NULL), MAKEINTRESOURCEW(IDI_APP));
    SendMessageW(hwnd, WM_SETICON, ICON_BIG, (LPARAM)icon);
    SendMessageW(hwnd, WM_SETICON, ICON_SMALL, (LPARAM)icon);

    for (int i = 0; i < 3; i++) SendMessageW(item(IDC_HASH_ALG), CB_ADDSTRING, 0, (LPARAM)hash_labels[i]);
    SendMessageW(item(IDC_HASH_ALG), CB_SETCURSEL, (WPARAM)state.settings.hash_algorithm, 0);
    CheckDlgButton(hwnd, IDC_HASH_CHECK, state.settings.hash_enabled ? BST_CHECKED : BST_UNCHECKED);
    CheckDlgButton(hwnd, IDC_VERIFY_AFTER, state.settings.verify_after_write ? BST_CHECKED : BST_UNCHECKED);
    CheckDlgButton(hwnd, IDC_EJECT, state.settings.eject_when_done ? BST_CHECKED : BST_UNCHECKED);
    state.autoplay_message = RegisterWindowMessageW(L"QueryCancelAutoPlay");
    SendMessageW(item(IDC_PROGRESS), PBM_SETRANGE32, 0, DI_PROGRESS_RANGE);
    drive_combo_refresh(item(IDC_DEVICE_COMBO), &state.drives, false);
    set_busy(false);
    set_status(state.drives.count ? "Ready." : "No removable drive found: insert an SD card or USB drive.");

    /* Drag and drop from Explorer reaches an elevated window only when allowed. */
    ChangeWindowMessageFilterEx(hwnd, WM_DROPFILES, MSGFLT_ALLOW, NULL);
    ChangeWindowMessageFilterEx(hwnd, WM_COPYDATA, MSGFLT_ALLOW, NULL);
    ChangeWindowMessageFilterEx(hwnd, 0x0049 /* WM_COPYGLOBALDATA */, MSGFLT_ALLOW, NULL);
    ChangeWindowMessageFilterEx(hwnd, taskbar_created_message(), MSGFLT_ALLOW, NULL);
    DragAcceptFiles(hwnd, TRUE);
}

static void on_drop(HDROP drop)
{
    wchar_t path[DI_PATH_MAX];
    if (DragQueryFileW(drop, 0, path, DI_PATH_MAX)) SetDlgItemTextW(state.hwnd, IDC_IMAGE_EDIT, path);
    DragFinish(drop);
}

static void on_close(void)
{
    if (state.job) {
        if (!confirm_stop()) return;
        state.close_when_done = true;
        di_job_cancel(state.job->job);
        set_status("Cancelling\xE2\x80\xA6");
        return;
    }
    state.settings.hash_enabled = checked(IDC_HASH_CHECK);
    LRESULT alg = SendMessageW(item(IDC_HASH_ALG), CB_GETCURSEL, 0, 0);
    state.settings.hash_algorithm = alg >= 0 && alg < 3 ? (int)alg : 0;
    state.settings.verify_after_write = checked(IDC_VERIFY_AFTER);
    state.settings.eject_when_done = checked(IDC_EJECT);
    settings_save(&state.settings);
    drive_list_free(&state.drives);
    log_window_close();
    taskbar_release();
    EndDialog(state.hwnd, 0);
}

static void on_command(int id, int code)
{
    switch (id) {
    case IDC_WRITE: on_write(); break;
    case IDC_READ: on_read(); break;
    case IDC_VERIFY: on_verify(); break;
    case IDC_HASH_DRIVE: on_hash_drive(); break;
    case IDC_BROWSE: on_browse(); break;
    case IDC_CANCEL_JOB: on_cancel(); break;
    case IDC_COPY: copy_hash(); break;
    case IDC_SHOW_LOG: log_window_show(state.hwnd); break;
    case IDC_EXIT:
    case IDCANCEL: on_close(); break; /* IDCANCEL: Esc and the title bar's close box */
    case IDC_HASH_CHECK: EnableWindow(item(IDC_HASH_ALG), checked(IDC_HASH_CHECK)); break;
    case IDC_VERIFY_AFTER: EnableWindow(item(IDC_MOVE_GPT), checked(IDC_VERIFY_AFTER)); break;
    case IDC_SHOW_ALL:
        if (code == BN_CLICKED)
            drive_combo_refresh(item(IDC_DEVICE_COMBO), &state.drives, checked(IDC_SHOW_ALL));
        break;
    default: break;
    }
}

INT_PTR CALLBACK main_dialog_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam)
{
    /* While a job runs, Explorer's AutoPlay and "You need to format the disk" prompts
     * for the drive are refused (the volumes are also kept locked while written). */
    if (msg == state.autoplay_message && msg != 0) {
        SetWindowLongPtrW(hwnd, DWLP_MSGRESULT, state.job ? TRUE : FALSE);
        return TRUE;
    }
    if (msg == taskbar_created_message() && msg != 0) {
        taskbar_attach(hwnd);
        return TRUE;
    }
    switch (msg) {
    case WM_INITDIALOG: on_init(hwnd); return TRUE;
    case WM_COMMAND: on_command(LOWORD(wparam), HIWORD(wparam)); return TRUE;
    case WM_TIMER: on_timer(); return TRUE;
    case WM_APP_JOB_DONE: on_job_done((gui_job *)lparam); return TRUE;
    case WM_DROPFILES: on_drop((HDROP)wparam); return TRUE;
    case WM_CLOSE: on_close(); return TRUE;
    case WM_CTLCOLORSTATIC:
        if ((HWND)lparam == item(IDC_MATCH) && state.match != RESULT_MATCH_NONE) {
            HDC dc = (HDC)wparam;
            SetTextColor(dc, state.match == RESULT_MATCH_OK ? RGB(0, 128, 0) : RGB(200, 0, 0));
            SetBkMode(dc, TRANSPARENT);
            return (INT_PTR)GetSysColorBrush(COLOR_BTNFACE);
        }
        return FALSE;
    case WM_DEVICECHANGE:
        if (wparam == DBT_DEVICEARRIVAL || wparam == DBT_DEVICEREMOVECOMPLETE) {
            if (state.job) state.drives_changed_during_job = true;
            else drive_combo_refresh(item(IDC_DEVICE_COMBO), &state.drives, checked(IDC_SHOW_ALL));
        }
        return TRUE;
    default: return FALSE;
    }
}
