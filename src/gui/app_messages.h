/* The dialog's private messages, all in one place. The worker thread only ever posts
 * these; it never touches a window. */
#ifndef DISKIMAGER_GUI_APP_MESSAGES_H
#define DISKIMAGER_GUI_APP_MESSAGES_H

#include <windows.h>

/* The job ended; lParam is the gui_job (see gui_job.h). */
#define WM_APP_JOB_DONE (WM_APP + 1)
/* The request was planned (its spec or refusal is final); lParam is the gui_job. */
#define WM_APP_JOB_PLANNED (WM_APP + 2)
/* A button's look is done (request_look.h); lParam is the request_look. */
#define WM_APP_REQUEST_LOOKED (WM_APP + 3)

/* The progress timer. */
#define TIMER_PROGRESS 1
#define TIMER_PROGRESS_MS 100
/* A button's look lasting long enough to say so. */
#define TIMER_LOOK 2
#define TIMER_LOOK_MS 300

#endif
