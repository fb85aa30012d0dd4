/* How the dialog names a drive in its Device box and its questions, in its language,
 * from the facts the platform reports (no sentence comes from the platform). Pure. */
#ifndef DISKIMAGER_GUI_DRIVE_TEXT_H
#define DISKIMAGER_GUI_DRIVE_TEXT_H

#include <stddef.h>

#include "diskimager/drives.h"

/* "T: · removable drive · 268 MB" for a drive letter, "Disk 2 · SanDisk Ultra ·
 * 31.9 GB · E:, F:" for a physical disk (" · fixed disk" added for one that is not
 * removable), the path itself for anything else. */
char *drive_text(const di_drive_info *drive, char *out, size_t out_size);

#endif
