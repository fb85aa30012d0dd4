#include "check_dialog.h"

#include <stdlib.h>

#include "drive_text.h"
#include "lang.h"
#include "platform/win32/utf16.h"
#include "resource.h"
#include "tr_wide.h"

typedef struct check_ask {
    const di_drive_info *drive;
    di_check_mode *mode;
} check_ask;

static void init(HWND dlg, const check_ask *ask)
{
    char text[2 * DI_PATH_MAX], name[DI_PATH_MAX + 256];
    SetWindowTextW(dlg, tr_w(T_CHECK_CAPTION));
    wchar_t *intro = di_utf8_to_utf16(
        tr_format(text, sizeof text, T_CHECK_INTRO, drive_text(ask->drive, name, sizeof name), NULL));
    SetDlgItemTextW(dlg, IDC_CHECK_INTRO, intro ? intro : L"");
    free(intro);
    tr_set_item(dlg, IDC_CHECK_QUICK, T_CHECK_QUICK);
    tr_set_item(dlg, IDC_CHECK_FULL, T_CHECK_FULL);
    tr_set_item(dlg, IDOK, T_CHECK_BUTTON);
    tr_set_item(dlg, IDCANCEL, T_CANCEL);
    CheckRadioButton(dlg, IDC_CHECK_QUICK, IDC_CHECK_FULL,
                     *ask->mode == DI_CHECK_FULL ? IDC_CHECK_FULL : IDC_CHECK_QUICK);
}

static INT_PTR CALLBACK check_proc(HWND dlg, UINT msg, WPARAM wparam, LPARAM lparam)
{
    check_ask *ask = (check_ask *)GetWindowLongPtrW(dlg, DWLP_USER);
    switch (msg) {
    case WM_INITDIALOG:
        ask = (check_ask *)lparam;
        SetWindowLongPtrW(dlg, DWLP_USER, (LONG_PTR)ask);
        init(dlg, ask);
        return TRUE;
    case WM_COMMAND:
        if (LOWORD(wparam) == IDOK)
            *ask->mode = IsDlgButtonChecked(dlg, IDC_CHECK_FULL) == BST_CHECKED ? DI_CHECK_FULL
                                                                                  : DI_CHECK_QUICK;
        if (LOWORD(wparam) == IDOK || LOWORD(wparam) == IDCANCEL) {
            EndDialog(dlg, LOWORD(wparam));
            return TRUE;
        }
        return FALSE;
    default:
        return FALSE;
    }
}

bool check_dialog_ask(HWND owner, const di_drive_info *drive, di_check_mode *mode)
{
    check_ask ask = {drive, mode};
    return DialogBoxParamW(GetModuleHandleW(NULL), MAKEINTRESOURCEW(IDD_CHECK), owner, check_proc,
                           (LPARAM)&ask) == IDOK;
}
