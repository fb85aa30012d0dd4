/* What a button's questions need, looked up on a thread of its own so the dialog never
 * waits on a file (an image on a slow share, an archive's directory): the request's
 * cheap refusals and the drive's facts (di_request_check), whether the image names a
 * file, and the files of an archive the user may have to choose among. The dialog
 * learns of it by WM_APP_REQUEST_LOOKED and asks its questions from what was found. */
#ifndef DISKIMAGER_GUI_REQUEST_LOOK_H
#define DISKIMAGER_GUI_REQUEST_LOOK_H

#include <windows.h>

#include "diskimager/threads.h"
#include "member_dialog.h"
#include "request_copy.h"

typedef struct request_look {
    HWND notify;
    di_thread *thread;
    request_copy asked;
    bool list_members;           /* the archive's files are wanted */
    bool overwrite_confirmed;    /* READ: the save dialog already asked */
    /* After WM_APP_REQUEST_LOOKED (request_look_done): */
    di_status check;             /* DI_OK, or the refusal */
    di_error refusal;
    di_drive_info drive;         /* WRITE: the target's facts */
    bool image_is_file;
    member_list members;
} request_look;

/* Copies request and looks on a thread; WM_APP_REQUEST_LOOKED (lparam: the look) when
 * done. NULL when out of memory or threads. */
request_look *request_look_start(const di_request *request, bool list_members, HWND notify);
/* On WM_APP_REQUEST_LOOKED: joins the thread; the results are then final. */
void request_look_done(request_look *look);
void request_look_free(request_look *look);

#endif
