#include "member_dialog.h"

#include <stdio.h>
#include <stdlib.h>

#include "diskimager/compression.h"
#include "diskimager/units.h"
#include "platform/win32/utf16.h"
#include "resource.h"
#include "tr_wide.h"

static void add_member(void *ctx, const char *name, uint64_t size)
{
    member_list *list = ctx;
    if (list->count >= MEMBERS_MAX) return;
    snprintf(list->names[list->count], sizeof list->names[0], "%s", name);
    list->sizes[list->count++] = size;
}

static INT_PTR CALLBACK pick_proc(HWND dlg, UINT msg, WPARAM wparam, LPARAM lparam)
{
    member_list *list = (member_list *)GetWindowLongPtrW(dlg, DWLP_USER);
    switch (msg) {
    case WM_INITDIALOG: {
        list = (member_list *)lparam;
        SetWindowLongPtrW(dlg, DWLP_USER, (LONG_PTR)list);
        SetWindowTextW(dlg, tr_w(T_PICK_CAPTION));
        tr_set_item(dlg, IDC_MEMBER_LABEL, T_PICK_LABEL);
        tr_set_item(dlg, IDOK, T_OK);
        tr_set_item(dlg, IDCANCEL, T_CANCEL);
        HWND box = GetDlgItem(dlg, IDC_MEMBER_LIST);
        for (unsigned i = 0; i < list->count; i++) {
            char line[320], size[32];
            snprintf(line, sizeof line, "%s  (%s)", list->names[i],
                     tr_size(list->sizes[i], size, sizeof size));
            wchar_t *wide = di_utf8_to_utf16(line);
            SendMessageW(box, LB_ADDSTRING, 0, (LPARAM)(wide ? wide : L"?"));
            free(wide);
        }
        /* The largest file is most likely the image: it is chosen to start with. */
        unsigned largest = 0;
        for (unsigned i = 1; i < list->count; i++)
            if (list->sizes[i] > list->sizes[largest]) largest = i;
        SendMessageW(box, LB_SETCURSEL, largest, 0);
        return TRUE;
    }
    case WM_COMMAND:
        if (LOWORD(wparam) == IDOK ||
            (LOWORD(wparam) == IDC_MEMBER_LIST && HIWORD(wparam) == LBN_DBLCLK)) {
            list->chosen = (int)SendMessageW(GetDlgItem(dlg, IDC_MEMBER_LIST), LB_GETCURSEL, 0, 0);
            EndDialog(dlg, IDOK);
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

void member_list_read(const char *image_path, member_list *list)
{
    list->count = 0;
    list->chosen = -1;
    di_error error;
    unsigned count = 0;
    /* A damaged archive: the job says what is wrong with it, naming the offset. */
    if (di_archive_list_candidates(image_path, add_member, list, &count, &error) != DI_OK)
        list->count = 0;
}

bool member_dialog_choose(HWND owner, member_list *list, char *out, size_t out_size)
{
    out[0] = '\0';
    if (list->count <= 1) return true;
    list->chosen = -1;
    bool ok = DialogBoxParamW(GetModuleHandleW(NULL), MAKEINTRESOURCEW(IDD_PICK_MEMBER), owner,
                              pick_proc, (LPARAM)list) == IDOK &&
              list->chosen >= 0;
    if (ok) snprintf(out, out_size, "%s", list->names[list->chosen]);
    return ok;
}
