#include "restore_dialog.h"

#include <stdio.h>
#include <stdlib.h>

#include "drive_text.h"
#include "lang.h"
#include "option_box.h"
#include "platform/win32/utf16.h"
#include "resource.h"
#include "tr_wide.h"

typedef struct restore_ask {
    const di_drive_info *drive;
    restore_options *options;
} restore_ask;

/* The label the drive gets by default (its size, as on a card's sticker), offered in the
 * box to keep or change. */
static void offer_default_label(HWND dlg, const restore_ask *ask)
{
    di_card_layout layout;
    di_error ignored;
    if (di_card_layout_plan(ask->drive->size, di_card_sector_for(ask->drive->sector_size),
                            ask->options->fs, NULL, 0, &layout, &ignored) == DI_OK)
        option_box_set_text(dlg, IDC_RESTORE_LABEL, layout.label);
}

static void init(HWND dlg, void *ctx)
{
    const restore_ask *ask = ctx;
    char text[2 * DI_PATH_MAX], name[DI_PATH_MAX + 256];
    SetWindowTextW(dlg, tr_w(T_RESTORE_CAPTION));
    option_box_set_text(dlg, IDC_RESTORE_INTRO,
                        tr_format(text, sizeof text, T_RESTORE_INTRO,
                                  drive_text(ask->drive, name, sizeof name), NULL));
    tr_set_item(dlg, IDC_RESTORE_FS_LABEL, T_RESTORE_FS);
    tr_set_item(dlg, IDC_RESTORE_LABEL_LABEL, T_RESTORE_LABEL);
    tr_set_item(dlg, IDC_RESTORE_ERASE, T_RESTORE_ERASE);
    tr_set_item(dlg, IDOK, T_RESTORE_BUTTON);
    tr_set_item(dlg, IDCANCEL, T_CANCEL);
    /* In di_card_fs's order: the index is the value. */
    static const text_id choices[] = {T_RESTORE_FS_AUTO, T_RESTORE_FS_FAT32, T_RESTORE_FS_EXFAT};
    for (unsigned i = 0; i < sizeof choices / sizeof choices[0]; i++)
        SendDlgItemMessageW(dlg, IDC_RESTORE_FS, CB_ADDSTRING, 0, (LPARAM)tr_w(choices[i]));
    SendDlgItemMessageW(dlg, IDC_RESTORE_FS, CB_SETCURSEL, (WPARAM)ask->options->fs, 0);
    SendDlgItemMessageW(dlg, IDC_RESTORE_LABEL, EM_LIMITTEXT, DI_CARD_LABEL_MAX, 0);
    offer_default_label(dlg, ask);
    CheckDlgButton(dlg, IDC_RESTORE_ERASE, ask->options->erase ? BST_CHECKED : BST_UNCHECKED);
}

static void take(HWND dlg, void *ctx)
{
    restore_options *options = ((restore_ask *)ctx)->options;
    LRESULT fs = SendDlgItemMessageW(dlg, IDC_RESTORE_FS, CB_GETCURSEL, 0, 0);
    options->fs = fs == DI_CARD_FS_FAT32 || fs == DI_CARD_FS_EXFAT ? (di_card_fs)fs
                                                                    : DI_CARD_FS_AUTO;
    wchar_t label[DI_CARD_LABEL_MAX + 2];
    GetDlgItemTextW(dlg, IDC_RESTORE_LABEL, label, DI_CARD_LABEL_MAX + 1);
    di_utf16_to_utf8(label, options->label, sizeof options->label);
    options->erase = IsDlgButtonChecked(dlg, IDC_RESTORE_ERASE) == BST_CHECKED;
}

bool restore_dialog_ask(HWND owner, const di_drive_info *drive, restore_options *options)
{
    restore_ask ask = {drive, options};
    return option_box_ask(owner, IDD_RESTORE, init, take, &ask);
}
