/* Restore's options, asked before its confirmation: the file system (automatic by size,
 * FAT32 or exFAT), the volume label (the size's, editable), and whether the whole drive
 * is erased first. Modal, over the main dialog. */
#ifndef DISKIMAGER_GUI_RESTORE_DIALOG_H
#define DISKIMAGER_GUI_RESTORE_DIALOG_H

#include <stdbool.h>
#include <windows.h>

#include "diskimager/card_format.h"
#include "diskimager/drives.h"

typedef struct restore_options {
    di_card_fs fs;
    char label[DI_CARD_LABEL_MAX + 1];   /* as typed ("": the default from the size) */
    bool erase;
} restore_options;

/* Asks for drive's options, offering the file system and erase of *options and the
 * label the drive's size gives; false when the user cancelled. */
bool restore_dialog_ask(HWND owner, const di_drive_info *drive, restore_options *options);

#endif
