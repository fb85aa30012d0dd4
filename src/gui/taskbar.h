/* Progress on the taskbar button (ITaskbarList3): green while working, red on error.
 * Silently does nothing where the shell lacks it. */
#ifndef DISKIMAGER_GUI_TASKBAR_H
#define DISKIMAGER_GUI_TASKBAR_H

#include <stdbool.h>
#include <stdint.h>
#include <windows.h>

void taskbar_attach(HWND hwnd);   /* on "TaskbarButtonCreated" */
void taskbar_progress(HWND hwnd, uint64_t done, uint64_t total);
void taskbar_error(HWND hwnd);
void taskbar_clear(HWND hwnd);
void taskbar_release(void);
UINT taskbar_created_message(void);

#endif
