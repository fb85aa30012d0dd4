/* The dialog: set-up, its commands and messages, tear-down. The buttons' work is in
 * dialog_requests.c, progress and results in dialog_progress.c (see dialog.h). */
#include "main_dialog.h"

#include <dbt.h>
#include <shellapi.h>
#include <commctrl.h>
#include <stdlib.h>

#include "app_messages.h"
#include "dialog.h"
#include "status_text.h"
#include "file_dialog.h"
#include "hash_choices.h"
#include "lang.h"
#include "log_window.h"
#include "platform/win32/utf16.h"
#include "resource.h"
#include "source_menu.h"
#include "taskbar.h"

/* The one version: project(VERSION) in CMakeLists.txt, also in VERSIONINFO and the ZIP's name. */
#ifndef DISKIMAGER_VERSION
#error "DISKIMAGER_VERSION is defined by CMakeLists.txt from project(VERSION)"
#endif

dialog_state dialog;

static void on_init(HWND hwnd)
{
    dialog.hwnd = hwnd;
    settings_load(&dialog.settings);
    SetWindowTextW(hwnd, APP_TITLE L" " TEXT(DISKIMAGER_VERSION));
    HICON icon = LoadIconW(GetModuleHandleW(NULL), MAKEINTRESOURCEW(IDI_APP));
    SendMessageW(hwnd, WM_SETICON, ICON_BIG, (LPARAM)icon);
    SendMessageW(hwnd, WM_SETICON, ICON_SMALL, (LPARAM)icon);

    for (int i = 0; i < HASH_CHOICE_COUNT; i++) {
        wchar_t *label = di_utf8_to_utf16(hash_label(hash_choices[i]));
        SendMessageW(dialog_item(IDC_HASH_ALG), CB_ADDSTRING, 0, (LPARAM)(label ? label : L"?"));
        free(label);
    }
    SendMessageW(dialog_item(IDC_HASH_ALG), CB_SETCURSEL, (WPARAM)hash_choice_index(dialog.settings.hash_algorithm), 0);
    dialog_init_language();
    CheckDlgButton(hwnd, IDC_HASH_CHECK, dialog.settings.hash_enabled ? BST_CHECKED : BST_UNCHECKED);
    CheckDlgButton(hwnd, IDC_VERIFY_AFTER, dialog.settings.verify_after_write ? BST_CHECKED : BST_UNCHECKED);
    CheckDlgButton(hwnd, IDC_EJECT, dialog.settings.eject_when_done ? BST_CHECKED : BST_UNCHECKED);
    CheckDlgButton(hwnd, IDC_MAKE_BMAP, dialog.settings.make_bmap ? BST_CHECKED : BST_UNCHECKED);
    dialog.autoplay_message = RegisterWindowMessageW(L"QueryCancelAutoPlay");
    SendMessageW(dialog_item(IDC_PROGRESS), PBM_SETRANGE32, 0, DI_PROGRESS_RANGE);
    drive_combo_refresh(dialog_item(IDC_DEVICE_COMBO), &dialog.drives, false);
    dialog_set_busy(false);
    dialog_apply_language();

    /* Drag and drop from Explorer reaches an elevated window only when allowed. */
    ChangeWindowMessageFilterEx(hwnd, WM_DROPFILES, MSGFLT_ALLOW, NULL);
    ChangeWindowMessageFilterEx(hwnd, WM_COPYDATA, MSGFLT_ALLOW, NULL);
    ChangeWindowMessageFilterEx(hwnd, 0x0049 /* WM_COPYGLOBALDATA */, MSGFLT_ALLOW, NULL);
    ChangeWindowMessageFilterEx(hwnd, taskbar_created_message(), MSGFLT_ALLOW, NULL);
    DragAcceptFiles(hwnd, TRUE);
}

static void on_browse(void)
{
    wchar_t path[DI_PATH_MAX];
    if (file_dialog_choose(dialog.hwnd, false, dialog.settings.last_folder, path, DI_PATH_MAX))
        SetDlgItemTextW(dialog.hwnd, IDC_IMAGE_EDIT, path);
}

/* Drive to drive: a drive's path in the image field, picked among the drives the Device
 * box would offer. */
static void on_from_drive(void)
{
    char path[DI_PATH_MAX];
    const di_drive_info *target = drive_combo_selected(dialog_item(IDC_DEVICE_COMBO), &dialog.drives);
    if (!source_menu_choose(dialog.hwnd, dialog_checked(IDC_SHOW_ALL), target ? target->path : NULL,
                            path, sizeof path))
        return;
    wchar_t *wide = di_utf8_to_utf16(path);
    if (wide) SetDlgItemTextW(dialog.hwnd, IDC_IMAGE_EDIT, wide);
    free(wide);
}

static void on_drop(HDROP drop)
{
    wchar_t path[DI_PATH_MAX];
    if (DragQueryFileW(drop, 0, path, DI_PATH_MAX)) SetDlgItemTextW(dialog.hwnd, IDC_IMAGE_EDIT, path);
    DragFinish(drop);
}

static void on_close(void)
{
    if (dialog.look) {
        /* Moments away: closed once the look is done. */
        dialog.close_when_done = true;
        return;
    }
    /* A running job is stopped once the user says so; a plan without a question. The
     * job may end while the question is open: then the dialog just closes. */
    if (dialog.job && dialog.job->job && !dialog_confirm_stop()) return;
    if (dialog.job) {
        dialog.close_when_done = true;
        dialog_cancel_job();
        dialog_status("%s", tr(T_CANCELLING));
        return;
    }
    dialog.settings.hash_enabled = dialog_checked(IDC_HASH_CHECK);
    LRESULT alg = SendMessageW(dialog_item(IDC_HASH_ALG), CB_GETCURSEL, 0, 0);
    dialog.settings.hash_algorithm = hash_choice_index((int)alg);
    dialog.settings.verify_after_write = dialog_checked(IDC_VERIFY_AFTER);
    dialog.settings.eject_when_done = dialog_checked(IDC_EJECT);
    dialog.settings.make_bmap = dialog_checked(IDC_MAKE_BMAP);
    settings_save(&dialog.settings);
    drive_list_free(&dialog.drives);
    log_window_close();
    taskbar_release();
    EndDialog(dialog.hwnd, 0);
}

static void on_command(int id, int code)
{
    switch (id) {
    case IDC_WRITE: dialog_write(); break;
    case IDC_READ: dialog_read(); break;
    case IDC_VERIFY: dialog_verify(); break;
    case IDC_HASH_DRIVE: dialog_hash_drive(); break;
    case IDC_RESTORE: dialog_restore(); break;
    case IDC_CHECK: dialog_check(); break;
    case IDC_BROWSE: on_browse(); break;
    case IDC_FROM_DRIVE: on_from_drive(); break;
    case IDC_CANCEL_JOB: dialog_cancel(); break;
    case IDC_COPY: dialog_copy_hash(); break;
    case IDC_SHOW_LOG: log_window_show(dialog.hwnd); break;
    case IDC_SEVERAL: dialog_choose_several(); break;
    case IDC_LANGUAGE:
        if (code == CBN_SELCHANGE) dialog_language_chosen();
        break;
    case IDC_EXIT:
    case IDCANCEL: on_close(); break; /* IDCANCEL: Esc and the title bar's close box */
    case IDC_HASH_CHECK: EnableWindow(dialog_item(IDC_HASH_ALG), dialog_checked(IDC_HASH_CHECK)); break;
    case IDC_VERIFY_AFTER: EnableWindow(dialog_item(IDC_MOVE_GPT), dialog_checked(IDC_VERIFY_AFTER)); break;
    case IDC_SHOW_ALL:
        if (code == BN_CLICKED)
            drive_combo_refresh(dialog_item(IDC_DEVICE_COMBO), &dialog.drives, dialog_checked(IDC_SHOW_ALL));
        break;
    default: break;
    }
}

INT_PTR CALLBACK main_dialog_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam)
{
    /* While a job runs, Explorer's AutoPlay and "You need to format the disk" prompts
     * for the drive are refused (the volumes are also kept locked while written). */
    if (msg == dialog.autoplay_message && msg != 0) {
        SetWindowLongPtrW(hwnd, DWLP_MSGRESULT, dialog.job ? TRUE : FALSE);
        return TRUE;
    }
    if (msg == taskbar_created_message() && msg != 0) {
        taskbar_attach(hwnd);
        return TRUE;
    }
    switch (msg) {
    case WM_INITDIALOG: on_init(hwnd); return TRUE;
    case WM_COMMAND: on_command(LOWORD(wparam), HIWORD(wparam)); return TRUE;
    case WM_TIMER:
        if (wparam == TIMER_LOOK) dialog_look_lasts();
        else dialog_show_progress();
        return TRUE;
    case WM_APP_REQUEST_LOOKED: dialog_request_looked((struct request_look *)lparam); return TRUE;
    case WM_APP_JOB_PLANNED: dialog_job_planned((gui_job *)lparam); return TRUE;
    case WM_APP_JOB_DONE: dialog_job_done((gui_job *)lparam); return TRUE;
    case WM_DROPFILES: on_drop((HDROP)wparam); return TRUE;
    case WM_CLOSE: on_close(); return TRUE;
    case WM_CTLCOLORSTATIC:
        if ((HWND)lparam == dialog_item(IDC_MATCH) && dialog.match != RESULT_MATCH_NONE) {
            HDC dc = (HDC)wparam;
            SetTextColor(dc, dialog.match == RESULT_MATCH_OK ? RGB(0, 128, 0) : RGB(200, 0, 0));
            SetBkMode(dc, TRANSPARENT);
            return (INT_PTR)GetSysColorBrush(COLOR_BTNFACE);
        }
        return FALSE;
    case WM_DEVICECHANGE:
        if (wparam == DBT_DEVICEARRIVAL || wparam == DBT_DEVICEREMOVECOMPLETE) {
            if (dialog.job) dialog.drives_changed_during_job = true;
            else drive_combo_refresh(dialog_item(IDC_DEVICE_COMBO), &dialog.drives, dialog_checked(IDC_SHOW_ALL));
        }
        return TRUE;
    default: return FALSE;
    }
}
