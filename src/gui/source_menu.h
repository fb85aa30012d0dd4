/* Drive to drive: the image field's "From a drive..." choice. A Write (or Verify Only,
 * Hash Drive) may take a drive where it takes an image: its path goes into the field,
 * and the request layer and the job treat it as a drive (read-only, never the target). */
#ifndef DISKIMAGER_GUI_SOURCE_MENU_H
#define DISKIMAGER_GUI_SOURCE_MENU_H

#include <stdbool.h>
#include <stddef.h>
#include <windows.h>

/* Lists the drives as the Device box offers them (removable ones; every disk but the
 * system's with show_all; a reader with no card left out), the first that is not
 * `target` (the Device box's drive, may be NULL) chosen to start with, and asks which one
 * to copy. The chosen drive's path goes to path. False when the user cancelled or there
 * was no drive to offer. */
bool source_menu_choose(HWND owner, bool show_all, const char *target, char *path, size_t size);

#endif
