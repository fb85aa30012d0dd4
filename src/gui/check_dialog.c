#include "check_dialog.h"

#include "drive_text.h"
#include "lang.h"
#include "option_box.h"
#include "resource.h"
#include "tr_wide.h"

typedef struct check_ask {
    const di_drive_info *drive;
    di_check_mode *mode;
} check_ask;

static void init(HWND dlg, void *ctx)
{
    const check_ask *ask = ctx;
    char text[2 * DI_PATH_MAX], name[DI_PATH_MAX + 256];
    SetWindowTextW(dlg, tr_w(T_CHECK_CAPTION));
    option_box_set_text(dlg, IDC_CHECK_INTRO,
                        tr_format(text, sizeof text, T_CHECK_INTRO,
                                  drive_text(ask->drive, name, sizeof name), NULL));
    tr_set_item(dlg, IDC_CHECK_QUICK, T_CHECK_QUICK);
    tr_set_item(dlg, IDC_CHECK_FULL, T_CHECK_FULL);
    tr_set_item(dlg, IDOK, T_CHECK_BUTTON);
    tr_set_item(dlg, IDCANCEL, T_CANCEL);
    CheckRadioButton(dlg, IDC_CHECK_QUICK, IDC_CHECK_FULL,
                     *ask->mode == DI_CHECK_FULL ? IDC_CHECK_FULL : IDC_CHECK_QUICK);
}

static void take(HWND dlg, void *ctx)
{
    *((check_ask *)ctx)->mode =
        IsDlgButtonChecked(dlg, IDC_CHECK_FULL) == BST_CHECKED ? DI_CHECK_FULL : DI_CHECK_QUICK;
}

bool check_dialog_ask(HWND owner, const di_drive_info *drive, di_check_mode *mode)
{
    check_ask ask = {drive, mode};
    return option_box_ask(owner, IDD_CHECK, init, take, &ask);
}
