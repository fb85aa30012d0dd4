/* The dialog's log: records drained from the running job on the dialog's thread, kept
 * for the Log window (read-only, select and copy, Save as, Clear) and appended to
 * %LOCALAPPDATA%\diskimager\diskimager.log, which rotates to diskimager.log.1 beyond
 * LOG_FILE_MAX. */
#ifndef DISKIMAGER_GUI_LOG_WINDOW_H
#define DISKIMAGER_GUI_LOG_WINDOW_H

#include <windows.h>

#include "diskimager/log.h"

/* The queue jobs emit into (made once, at start; NULL when out of memory). */
di_log *log_window_queue(void);
/* Takes every record waiting in the queue: into the window's text and the file. */
void log_window_drain(void);
/* Opens the window (or brings it forward), owned by owner. */
void log_window_show(HWND owner);
void log_window_close(void);

#endif
