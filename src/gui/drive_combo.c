#include "drive_combo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive_text.h"
#include "lang.h"
#include "platform/win32/utf16.h"

void drive_list_free(drive_list *list)
{
    free(list->several);
    list->several = NULL;
    list->several_count = 0;
    free(list->drives);
    list->drives = NULL;
    list->count = 0;
}

#define SEVERAL_ENTRY ((LPARAM)0x7ffffff0)

static const di_drive_info *listed(const drive_list *list, const char *path)
{
    for (size_t i = 0; i < list->count; i++)
        if (!list->drives[i].no_medium && strcmp(list->drives[i].path, path) == 0)
            return &list->drives[i];
    return NULL;
}

/* What the entry calls a drive: its letters, else its path without \\.\. */
static void short_name(const char *path, const di_drive_info *d, char *out, size_t size)
{
    const char *name = d && d->mounts[0] ? d->mounts : path;
    if (!strncmp(name, "\\\\.\\", 4)) name += 4;
    snprintf(out, size, "%s", name);
}

/* The several drives' entry, when at least two of them are listed: drives gone are
 * forgotten. Returns its place in the box, or -1. */
static int add_several_entry(HWND combo, drive_list *list)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < list->several_count; i++)
        if (listed(list, list->several[i]))
            memmove(list->several[kept++], list->several[i], DI_PATH_MAX);
    list->several_count = kept;
    if (kept < 2) return -1;
    char names[DI_TARGETS_MAX * 24] = "", count[16], text[sizeof names + 128];
    size_t used = 0;
    for (unsigned i = 0; i < kept && used + 2 < sizeof names; i++) {
        char one[DI_PATH_MAX];
        short_name(list->several[i], listed(list, list->several[i]), one, sizeof one);
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", one);
    }
    snprintf(count, sizeof count, "%u", kept);
    wchar_t *label = di_utf8_to_utf16(tr_format(text, sizeof text, T_SEVERAL_ITEM, count, names, NULL));
    LRESULT at = SendMessageW(combo, CB_ADDSTRING, 0, (LPARAM)(label ? label : L"?"));
    free(label);
    SendMessageW(combo, CB_SETITEMDATA, (WPARAM)at, SEVERAL_ENTRY);
    return (int)at;
}

static bool several_selected(HWND combo)
{
    LRESULT at = SendMessageW(combo, CB_GETCURSEL, 0, 0);
    return at != CB_ERR && SendMessageW(combo, CB_GETITEMDATA, (WPARAM)at, 0) == SEVERAL_ENTRY;
}

/* The box from the list: every drive with a card, then the several drives' entry;
 * select_several, or previous (a path), or the first is selected. */
static void fill(HWND combo, drive_list *list, const char *previous, bool select_several)
{
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
    int several = add_several_entry(combo, list);
    if (select_several && several >= 0) select = several;
    /* The drives chosen together went below two: never another drive in their place. */
    if (select_several && several < 0) {
        select = -1;
        for (LRESULT at = 0; list->several_count == 1 && at < SendMessageW(combo, CB_GETCOUNT, 0, 0); at++) {
            LRESULT i = SendMessageW(combo, CB_GETITEMDATA, (WPARAM)at, 0);
            if (i >= 0 && (size_t)i < list->count && strcmp(list->drives[i].path, list->several[0]) == 0)
                select = (int)at;
        }
        SendMessageW(combo, CB_SETCURSEL, (WPARAM)select, 0);
        return;
    }
    if (select < 0 && SendMessageW(combo, CB_GETCOUNT, 0, 0) > 0) select = 0;
    SendMessageW(combo, CB_SETCURSEL, (WPARAM)select, 0);
}

void drive_combo_refresh(HWND combo, drive_list *list, bool show_all)
{
    char previous[DI_PATH_MAX] = "";
    const di_drive_info *selected = drive_combo_selected(combo, list);
    if (selected) strcpy(previous, selected->path);
    bool was_several = several_selected(combo);

    di_drive_info *old = list->drives;
    list->drives = NULL;
    list->count = 0;
    free(old);
    di_error error;
    di_error_clear(&error);
    if (di_drive_list(show_all, &list->drives, &list->count, &error) != DI_OK) list->count = 0;
    fill(combo, list, previous, was_several);
}

const di_drive_info *drive_combo_selected(HWND combo, const drive_list *list)
{
    LRESULT at = SendMessageW(combo, CB_GETCURSEL, 0, 0);
    if (at == CB_ERR) return NULL;
    LRESULT index = SendMessageW(combo, CB_GETITEMDATA, (WPARAM)at, 0);
    if (index == CB_ERR || (size_t)index >= list->count) return NULL;
    return &list->drives[index];
}

unsigned drive_combo_several(HWND combo, const drive_list *list,
                             const di_drive_info *out[DI_TARGETS_MAX])
{
    if (!several_selected(combo)) return 0;
    unsigned n = 0;
    for (unsigned i = 0; i < list->several_count; i++) {
        const di_drive_info *d = listed(list, list->several[i]);
        if (d) out[n++] = d;
    }
    return n;
}

void drive_combo_choose(HWND combo, drive_list *list, const char *const *paths, unsigned count)
{
    if (count < 2) {
        /* One drive (or none ticked): the single-drive flow, the several entry gone. */
        list->several_count = 0;
        fill(combo, list, count ? paths[0] : "", false);
        return;
    }
    list->several_count = 0;
    if (!list->several && !(list->several = calloc(DI_TARGETS_MAX, DI_PATH_MAX))) return;
    for (unsigned i = 0; i < count && i < DI_TARGETS_MAX; i++)
        snprintf(list->several[list->several_count++], DI_PATH_MAX, "%s", paths[i]);
    fill(combo, list, "", true);
}
