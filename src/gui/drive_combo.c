#include "drive_combo.h"

#include <stdlib.h>
#include <string.h>

#include "drive_text.h"
#include "platform/win32/utf16.h"

void drive_list_free(drive_list *list)
{
    free(list->drives);
    list->drives = NULL;
    list->count = 0;
}

void drive_combo_refresh(HWND combo, drive_list *list, bool show_all)
{
    char previous[DI_PATH_MAX] = "";
    const di_drive_info *selected = drive_combo_selected(combo, list);
    if (selected) strcpy(previous, selected->path);

    drive_list_free(list);
    di_error error;
    di_error_clear(&error);
    if (di_drive_list(show_all, &list->drives, &list->count, &error) != DI_OK) list->count = 0;

    SendMessageW(combo, CB_RESETCONTENT, 0, 0);
    int select = -1;
    for (size_t i = 0; i < list->count; i++) {
        /* A reader with no card: nothing to write, so not offered (the CLI's list shows
         * it as "no card"). */
        if (list->drives[i].no_medium) continue;
        char text[DI_PATH_MAX + 256];
        wchar_t *label = di_utf8_to_utf16(drive_text(&list->drives[i], text, sizeof text));
        LRESULT at = SendMessageW(combo, CB_ADDSTRING, 0, (LPARAM)(label ? label : L"?"));
        free(label);
        SendMessageW(combo, CB_SETITEMDATA, (WPARAM)at, (LPARAM)i);
        if (previous[0] && strcmp(previous, list->drives[i].path) == 0) select = (int)at;
    }
    if (select < 0 && SendMessageW(combo, CB_GETCOUNT, 0, 0) > 0) select = 0;
    SendMessageW(combo, CB_SETCURSEL, (WPARAM)select, 0);
}

const di_drive_info *drive_combo_selected(HWND combo, const drive_list *list)
{
    LRESULT at = SendMessageW(combo, CB_GETCURSEL, 0, 0);
    if (at == CB_ERR) return NULL;
    LRESULT index = SendMessageW(combo, CB_GETITEMDATA, (WPARAM)at, 0);
    if (index == CB_ERR || (size_t)index >= list->count) return NULL;
    return &list->drives[index];
}
