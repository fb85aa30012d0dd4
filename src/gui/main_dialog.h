/* The Win32 Disk Imager dialog. */
#ifndef DISKIMAGER_GUI_MAIN_DIALOG_H
#define DISKIMAGER_GUI_MAIN_DIALOG_H

#include <windows.h>

INT_PTR CALLBACK main_dialog_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam);

#endif
