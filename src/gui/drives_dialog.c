#include "drives_dialog.h"

#include <commctrl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive_text.h"
#include "lang.h"
#include "option_box.h"
#include "platform/win32/utf16.h"
#include "resource.h"
#include "tr_wide.h"

typedef struct drives_ask {
    const drive_list *list;
    const di_drive_info *selected;
    char (*paths)[DI_PATH_MAX];
    unsigned *count;
} drives_ask;

static bool was_chosen(const drives_ask *ask, const di_drive_info *d)
{
    for (unsigned i = 0; i < ask->list->several_count; i++)
        if (strcmp(ask->list->several[i], d->path) == 0) return true;
    return ask->list->several_count == 0 && ask->selected == d;
}

static void init(HWND dlg, void *ctx)
{
    const drives_ask *ask = ctx;
    SetWindowTextW(dlg, tr_w(T_SEVERAL_CAPTION));
    tr_set_item(dlg, IDC_DRIVES_INTRO, T_SEVERAL_INTRO);
    tr_set_item(dlg, IDOK, T_OK);
    tr_set_item(dlg, IDCANCEL, T_CANCEL);
    HWND view = GetDlgItem(dlg, IDC_DRIVES_LIST);
    ListView_SetExtendedListViewStyle(view, LVS_EX_CHECKBOXES | LVS_EX_FULLROWSELECT);
    RECT client;
    GetClientRect(view, &client);
    LVCOLUMNW column = {.mask = LVCF_WIDTH, .cx = client.right - GetSystemMetrics(SM_CXVSCROLL)};
    ListView_InsertColumn(view, 0, &column);
    int row = 0;
    for (size_t i = 0; i < ask->list->count; i++) {
        const di_drive_info *d = &ask->list->drives[i];
        if (d->no_medium) continue;
        char text[DI_PATH_MAX + 256];
        wchar_t *label = di_utf8_to_utf16(drive_text(d, text, sizeof text));
        LVITEMW item = {.mask = LVIF_TEXT | LVIF_PARAM, .iItem = row,
                        .pszText = label ? label : L"?", .lParam = (LPARAM)i};
        int at = (int)SendMessageW(view, LVM_INSERTITEMW, 0, (LPARAM)&item);
        free(label);
        if (at >= 0 && was_chosen(ask, d)) ListView_SetCheckState(view, at, TRUE);
        row++;
    }
    if (row > 0) ListView_SetItemState(view, 0, LVIS_FOCUSED | LVIS_SELECTED, LVIS_FOCUSED | LVIS_SELECTED);
}

static void take(HWND dlg, void *ctx)
{
    drives_ask *ask = ctx;
    HWND view = GetDlgItem(dlg, IDC_DRIVES_LIST);
    int rows = ListView_GetItemCount(view);
    *ask->count = 0;
    for (int r = 0; r < rows && *ask->count < DI_TARGETS_MAX; r++) {
        if (!ListView_GetCheckState(view, r)) continue;
        LVITEMW item = {.mask = LVIF_PARAM, .iItem = r};
        if (!SendMessageW(view, LVM_GETITEMW, 0, (LPARAM)&item)) continue;
        size_t i = (size_t)item.lParam;
        if (i >= ask->list->count) continue;
        snprintf(ask->paths[(*ask->count)++], DI_PATH_MAX, "%s", ask->list->drives[i].path);
    }
}

bool drives_dialog_choose(HWND owner, const drive_list *list, const di_drive_info *selected,
                          char paths[DI_TARGETS_MAX][DI_PATH_MAX], unsigned *count)
{
    drives_ask ask = {list, selected, paths, count};
    *count = 0;
    return option_box_ask(owner, IDD_DRIVES, init, take, &ask);
}
