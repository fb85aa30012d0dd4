/* The Device box: the drives the platform layer offers, refreshed on arrival and
 * removal, keeping the user's choice when it is still there. */
#ifndef DISKIMAGER_GUI_DRIVE_COMBO_H
#define DISKIMAGER_GUI_DRIVE_COMBO_H

#include <stdbool.h>
#include <stddef.h>
#include <windows.h>

#include "diskimager/drives.h"

typedef struct drive_list {
    di_drive_info *drives;
    size_t count;
} drive_list;

void drive_combo_refresh(HWND combo, drive_list *list, bool show_all);
/* The selected drive, or NULL. */
const di_drive_info *drive_combo_selected(HWND combo, const drive_list *list);
void drive_list_free(drive_list *list);

#endif
