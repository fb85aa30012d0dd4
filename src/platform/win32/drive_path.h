/* Windows device paths, read as text: pure, no <windows.h>, so they are tested natively
 * too (tests/test_drive_path.c). */
#ifndef DISKIMAGER_WIN32_DRIVE_PATH_H
#define DISKIMAGER_WIN32_DRIVE_PATH_H

#include <stdbool.h>

/* The disk number N of "\\.\PhysicalDriveN" (any case, as Windows takes it: N is one or
 * more decimal digits and nothing follows them). False, *number untouched, for any other
 * path: "\\.\PhysicalDrive" without a number, "\\.\PhysicalDrive1x", "\\.\C:", a number
 * past 32 bits. */
bool di_physical_drive_number(const char *path, unsigned *number);

#endif
