/* A zip holding several files: the user picks the image among them. */
#ifndef DISKIMAGER_GUI_MEMBER_DIALOG_H
#define DISKIMAGER_GUI_MEMBER_DIALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <windows.h>

/* For a zip of several files, asks which one and puts its name in out; for anything
 * else out is "". False when the user cancelled (or the zip cannot be read: said). */
bool member_dialog_choose(HWND owner, const char *image_path, char *out, size_t out_size);

#endif
