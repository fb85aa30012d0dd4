/* The main dialog's parts share its state and its control helpers through this header:
 * main_dialog.c (set-up, commands, tear-down), dialog_controls.c (reading and setting
 * controls), dialog_requests.c (the buttons' requests, questions and starting a job),
 * dialog_progress.c (progress and the end of a job), dialog_language.c (the texts). */
#ifndef DISKIMAGER_GUI_DIALOG_H
#define DISKIMAGER_GUI_DIALOG_H

#include <windows.h>

#include <stdbool.h>

#include "diskimager/request.h"
#include "drive_combo.h"
#include "gui_job.h"
#include "check_dialog.h"
#include "restore_dialog.h"
#include "result_text.h"
#include "settings.h"

#define APP_TITLE L"Win32 Disk Imager"
#define STATUS_BEFORE_MAX 512

typedef struct dialog_state {
    HWND hwnd;
    result_match match;      /* colours the match line: green or red */
    char typed_expected[512];/* the Expected hash box, as the request reads it */
    result_view view;        /* how the last job ended */
    char last_image[DI_PATH_MAX];     /* of the running job, to offer a retry */
    char last_drive[DI_PATH_MAX];
    gui_settings settings;
    drive_list drives;
    gui_job *job;
    struct request_look *look; /* a button's look before its questions (request_look.c) */
    bool status_shown_for_look;
    wchar_t status_before[STATUS_BEFORE_MAX]; /* the status line a plan or look replaced */
    bool close_when_done;
    bool drives_changed_during_job;
    UINT autoplay_message;   /* "QueryCancelAutoPlay" */
    char zip_member[DI_MEMBER_MAX]; /* the archive's file the user chose */
    restore_options restore; /* Restore's last file system and erase choice, offered
                                again (the label offered is always the drive's size) */
    di_check_mode check_mode; /* Check's last choice */
    /* The several drives' entry as the request reads it: their paths and facts. */
    const char *several_paths[DI_TARGETS_MAX];
    const di_drive_info *several_drives[DI_TARGETS_MAX];
} dialog_state;

/* The one dialog's state: the dialog thread's alone. */
extern dialog_state dialog;

#if defined(__MINGW32__)
#define DIALOG_PRINTF(fmt, first) __attribute__((format(gnu_printf, fmt, first)))
#else
#define DIALOG_PRINTF(fmt, first)
#endif

/* dialog_controls.c */
HWND dialog_item(int id);
/* A message box over the dialog with printf-style UTF-8 text; the button pressed. */
int dialog_message(UINT flags, const char *fmt, ...) DIALOG_PRINTF(2, 3);
void dialog_status(const char *fmt, ...) DIALOG_PRINTF(1, 2);
/* A control's text in UTF-8, without the quotes and spaces a pasted path brings. */
void dialog_text_utf8(int id, char *out, size_t size);
bool dialog_checked(int id);
/* While a job runs, the inputs are disabled and Cancel is enabled. */
void dialog_set_busy(bool busy);
void dialog_copy_hash(void);

/* dialog_requests.c: the buttons. */
void dialog_write(void);
void dialog_read(void);
void dialog_verify(void);
void dialog_hash_drive(void);
/* The drive made one partition, as a new card comes: its options, then the same
 * questions as Write. */
void dialog_restore(void);
/* Does the card hold what it reports: a quick probe or every sector, then the
 * questions. */
void dialog_check(void);
void dialog_cancel(void);
bool dialog_confirm_stop(void);
void dialog_request_from_inputs(di_job_kind kind, const char *image, di_request *r);
/* Several...: the drives with check boxes; two or more ticked become the Device box's
 * several drives' entry, which Write writes at once. */
void dialog_choose_several(void);
void dialog_start_job(const di_request *request);
/* WM_APP_REQUEST_LOOKED: the button's questions, then the job is planned. */
void dialog_request_looked(struct request_look *look);
/* WM_APP_JOB_PLANNED: the job starts, or the refusal is shown. */
void dialog_job_planned(gui_job *gj);
/* TIMER_LOOK: a look lasts; the status line says the job is starting. */
void dialog_look_lasts(void);
/* Stops the job, or the plan before its job starts. */
void dialog_cancel_job(void);

/* dialog_progress.c */
void dialog_show_progress(void);
void dialog_job_done(gui_job *gj);

/* dialog_language.c */
void dialog_init_language(void);
void dialog_apply_language(void);
void dialog_language_chosen(void);

#endif
