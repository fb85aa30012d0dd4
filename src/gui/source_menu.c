/* The box behind the image field's "From a drive..." button (source_menu.h): the drives
 * named as in the Device box, one picked to be copied. Read-only by nature: nothing here
 * opens a drive; the request layer refuses a drive that is also the target. */
#include "source_menu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/drives.h"
#include "drive_text.h"
#include "platform/win32/utf16.h"
#include "resource.h"
#include "tr_wide.h"

typedef struct source_choice {
    const di_drive_info *drives;
    size_t count;
    const char *target;
    int chosen;            /* index into drives, -1: none */
} source_choice;

static INT_PTR CALLBACK choose_proc(HWND dlg, UINT msg, WPARAM wparam, LPARAM lparam)
{
    source_choice *c = (source_choice *)GetWindowLongPtrW(dlg, DWLP_USER);
    switch (msg) {
    case WM_INITDIALOG: {
        c = (source_choice *)lparam;
        SetWindowLongPtrW(dlg, DWLP_USER, (LONG_PTR)c);
        SetWindowTextW(dlg, tr_w(T_SOURCE_CAPTION));
        tr_set_item(dlg, IDC_SOURCE_INTRO, T_SOURCE_INTRO);
        tr_set_item(dlg, IDOK, T_OK);
        tr_set_item(dlg, IDCANCEL, T_CANCEL);
        HWND list = GetDlgItem(dlg, IDC_SOURCE_LIST);
        LRESULT first = LB_ERR, other = LB_ERR;
        for (size_t i = 0; i < c->count; i++) {
            /* A reader with no card holds nothing to copy. */
            if (c->drives[i].no_medium) continue;
            char text[DI_PATH_MAX + 256];
            wchar_t *wide = di_utf8_to_utf16(drive_text(&c->drives[i], text, sizeof text));
            LRESULT at = SendMessageW(list, LB_ADDSTRING, 0, (LPARAM)(wide ? wide : L"?"));
            free(wide);
            if (at < 0) continue;
            SendMessageW(list, LB_SETITEMDATA, (WPARAM)at, (LPARAM)i);
            if (first == LB_ERR) first = at;
            /* The drive being written is seldom the one to copy. */
            if (other == LB_ERR && !(c->target && strcmp(c->target, c->drives[i].path) == 0))
                other = at;
        }
        SendMessageW(list, LB_SETCURSEL, (WPARAM)(other != LB_ERR ? other : first), 0);
        return TRUE;
    }
    case WM_COMMAND:
        if (LOWORD(wparam) == IDOK ||
            (LOWORD(wparam) == IDC_SOURCE_LIST && HIWORD(wparam) == LBN_DBLCLK)) {
            HWND list = GetDlgItem(dlg, IDC_SOURCE_LIST);
            LRESULT at = SendMessageW(list, LB_GETCURSEL, 0, 0);
            LRESULT index = at == LB_ERR ? LB_ERR : SendMessageW(list, LB_GETITEMDATA, (WPARAM)at, 0);
            c->chosen = index == LB_ERR || (size_t)index >= c->count ? -1 : (int)index;
            EndDialog(dlg, c->chosen >= 0 ? IDOK : IDCANCEL);
            return TRUE;
        }
        if (LOWORD(wparam) == IDCANCEL) {
            EndDialog(dlg, IDCANCEL);
            return TRUE;
        }
        return FALSE;
    default:
        return FALSE;
    }
}

bool source_menu_choose(HWND owner, bool show_all, const char *target, char *path, size_t size)
{
    di_drive_info *drives = NULL;
    size_t count = 0;
    di_error error;
    di_error_clear(&error);
    if (di_drive_list(show_all, &drives, &count, &error) != DI_OK) count = 0;
    source_choice c = {.drives = drives, .count = count, .target = target, .chosen = -1};
    bool ok = DialogBoxParamW(GetModuleHandleW(NULL), MAKEINTRESOURCEW(IDD_SOURCE_DRIVE), owner,
                              choose_proc, (LPARAM)&c) == IDOK &&
              c.chosen >= 0;
    if (ok) snprintf(path, size, "%s", drives[c.chosen].path);
    free(drives);
    return ok;
}
