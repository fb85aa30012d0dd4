/* The Browse button: the system's open dialog (image files, compressed ones too), or
 * for Read a save dialog that confirms overwriting and offers plain, xz, zstd and
 * gzip images by type. */
#ifndef DISKIMAGER_GUI_FILE_DIALOG_H
#define DISKIMAGER_GUI_FILE_DIALOG_H

#include <stdbool.h>
#include <windows.h>

/* Returns true with the chosen path in out; start_folder may be empty. */
bool file_dialog_choose(HWND owner, bool for_saving, const wchar_t *start_folder, wchar_t *out,
                        size_t out_chars);

#endif
