/* What the dialog says about a job and its refusals, as pure functions (no
 * <windows.h>), so they are tested natively and under Wine: the word for each job
 * kind, the refusals' sentences, and the whole end of a job (status line, message box,
 * hash, match line). main_dialog.c only shows what these return. */
#ifndef DISKIMAGER_GUI_RESULT_TEXT_H
#define DISKIMAGER_GUI_RESULT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "diskimager/checksum.h"
#include "diskimager/job.h"
#include "error_text.h"

/* "Write", "Read", "Verify", "Drive hash"; NULL for a value that is no kind. */
const char *result_kind_word(di_job_kind kind);


typedef enum result_icon { RESULT_INFO = 0, RESULT_WARNING, RESULT_ERROR } result_icon;
typedef enum result_match { RESULT_MATCH_NONE = 0, RESULT_MATCH_OK, RESULT_MATCH_BAD } result_match;

typedef struct result_view {
    char status[512];            /* the status line */
    char box[4096];              /* the message box; "" for none (a cancel says it all) */
    result_icon icon;
    bool ask_read_whole_drive;   /* the box is a Yes/No question: read the whole drive */
    bool failed;                 /* the taskbar button turns red */
    result_match match;          /* the match line, coloured */
    char match_text[32];
    char hash_alg[16];           /* the digest shown in the Hash value box, "" for none */
    char hash[DI_HASH_HEX_MAX];
} result_view;

/* How a finished job is shown. expected: what the job checked against; bmap_name: the
 * bmap the job used (its name in the archive or its path); average_rate: bytes/s. */
void result_render(di_job_kind kind, const di_result *r, const di_expected_hash *expected,
                   const char *bmap_name, double average_rate, result_view *view);

#endif
