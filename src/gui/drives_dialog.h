/* Several...: the drives listed with check boxes, to write one image to all the ticked
 * ones at once. The single-drive flow does not pass here. */
#ifndef DISKIMAGER_GUI_DRIVES_DIALOG_H
#define DISKIMAGER_GUI_DRIVES_DIALOG_H

#include <stdbool.h>
#include <windows.h>

#include "drive_combo.h"

/* Shows the drives of list, the ones chosen before ticked (the several drives' entry,
 * else the one selected: selected may be NULL). On OK, the ticked drives' paths go to
 * paths (*count of them, 0 to DI_TARGETS_MAX) and true is returned. */
bool drives_dialog_choose(HWND owner, const drive_list *list, const di_drive_info *selected,
                          char paths[DI_TARGETS_MAX][DI_PATH_MAX], unsigned *count);

#endif
