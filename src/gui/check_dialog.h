/* Check's choice, asked before its confirmation: a quick probe (seconds; a few hundred
 * sectors written and put back) or the full check (every sector; erases the card).
 * Modal, over the main dialog. */
#ifndef DISKIMAGER_GUI_CHECK_DIALOG_H
#define DISKIMAGER_GUI_CHECK_DIALOG_H

#include <stdbool.h>
#include <windows.h>

#include "diskimager/card_check.h"
#include "diskimager/drives.h"

/* Asks which check for drive, starting from *mode; false when the user cancelled. */
bool check_dialog_ask(HWND owner, const di_drive_info *drive, di_check_mode *mode);

#endif
