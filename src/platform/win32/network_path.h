/* An image path on a mapped network drive letter that the elevated program cannot see:
 * drive letters mapped with "Map network drive" or `net use` belong to the user's
 * non-elevated logon session, and an administrator's process runs in another, where
 * Z: does not exist. The open then fails with "path not found"; this says why and
 * offers the \\server\share path, which works from either session. */
#ifndef DISKIMAGER_WIN32_NETWORK_PATH_H
#define DISKIMAGER_WIN32_NETWORK_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "diskimager/status.h"

/* The drive letter of "Z:\images\pi.img" or "z:/x" (upper case), '\0' for any other
 * path (relative, UNC, \\.\ devices). */
char di_path_drive_letter(const char *path);

/* Pure. When the open of error->path failed with error->os_code (GetLastError())
 * because its drive letter is one this process cannot see (its root's GetDriveTypeW is
 * drive_type DRIVE_NO_ROOT_DIR) while being a mapped network drive (remote_path, the
 * user's HKCU\Network\<letter>\RemotePath, "\\server\share"; NULL or "" when not
 * recorded): gives error the reason that says so (DI_REASON_MAPPED_DRIVE_UNSEEN with the
 * \\server\share\... path of the file, or DI_REASON_UNSEEN_DRIVE_LETTER), keeping its
 * operation, path and OS error, and returns true. False, error untouched, otherwise. */
bool di_unseen_network_drive_note(di_error *error, unsigned drive_type, const char *remote_path);

/* The same decision for an open of path that failed with open_error: writes the English
 * explanation into out and returns true; false, out untouched, for any other failure. */
bool di_unseen_network_drive_text(const char *path, unsigned open_error, unsigned drive_type,
                                  const char *remote_path, char *out, size_t out_size);

#ifdef _WIN32
/* Windows: for an open that failed (error already set, with path and os_code), looks
 * at the path's drive letter and, when it is an unseen mapped drive, gives error its
 * reason (di_unseen_network_drive_note). Returns status, so it wraps the di_error_why_code
 * call. */
di_status di_win_note_unseen_drive(di_status status, di_error *error);
#endif

#endif
