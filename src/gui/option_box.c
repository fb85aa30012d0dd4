#include "option_box.h"

#include <stdlib.h>

#include "platform/win32/utf16.h"

typedef struct option_box {
    option_box_fn init, take;
    void *ctx;
} option_box;

static INT_PTR CALLBACK option_box_proc(HWND dlg, UINT msg, WPARAM wparam, LPARAM lparam)
{
    option_box *box = (option_box *)GetWindowLongPtrW(dlg, DWLP_USER);
    switch (msg) {
    case WM_INITDIALOG:
        box = (option_box *)lparam;
        SetWindowLongPtrW(dlg, DWLP_USER, (LONG_PTR)box);
        box->init(dlg, box->ctx);
        return TRUE;
    case WM_COMMAND:
        if (LOWORD(wparam) == IDOK) box->take(dlg, box->ctx);
        if (LOWORD(wparam) == IDOK || LOWORD(wparam) == IDCANCEL) {
            EndDialog(dlg, LOWORD(wparam));
            return TRUE;
        }
        return FALSE;
    default:
        return FALSE;
    }
}

bool option_box_ask(HWND owner, int template_id, option_box_fn init, option_box_fn take,
                    void *ctx)
{
    option_box box = {init, take, ctx};
    return DialogBoxParamW(GetModuleHandleW(NULL), MAKEINTRESOURCEW(template_id), owner,
                           option_box_proc, (LPARAM)&box) == IDOK;
}

void option_box_set_text(HWND box, int control, const char *utf8)
{
    wchar_t *wide = di_utf8_to_utf16(utf8);
    SetDlgItemTextW(box, control, wide ? wide : L"");
    free(wide);
}
