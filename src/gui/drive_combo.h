/* The Device box: the drives the platform layer offers, refreshed on arrival and
 * removal, keeping the user's choice when it is still there. */
#ifndef DISKIMAGER_GUI_DRIVE_COMBO_H
#define DISKIMAGER_GUI_DRIVE_COMBO_H

#include <stdbool.h>
#include <stddef.h>
#include <windows.h>

#include "diskimager/drives.h"
#include "diskimager/job.h"

typedef struct drive_list {
    di_drive_info *drives;
    size_t count;
    /* The drives chosen together (Several...): offered as one more entry of the box
     * while at least two of them are listed. */
    char (*several)[DI_PATH_MAX];   /* DI_TARGETS_MAX of them, on the heap once chosen */
    unsigned several_count;
} drive_list;

void drive_combo_refresh(HWND combo, drive_list *list, bool show_all);
/* The selected drive, or NULL (none, or the several drives' entry). */
const di_drive_info *drive_combo_selected(HWND combo, const drive_list *list);
/* The several drives' entry is the one selected: its drives, as listed now, into out;
 * 0 otherwise. */
unsigned drive_combo_several(HWND combo, const drive_list *list,
                             const di_drive_info *out[DI_TARGETS_MAX]);
/* The user chose these drives (Several...): two or more become the entry, selected; one
 * is selected by itself; none changes nothing. */
void drive_combo_choose(HWND combo, drive_list *list, const char *const *paths, unsigned count);
void drive_list_free(drive_list *list);

#endif
