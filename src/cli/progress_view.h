/* Progress on stderr: one live line on a terminal, plain lines in logs, or one JSON
 * object per line for programs. */
#ifndef DISKIMAGER_CLI_PROGRESS_VIEW_H
#define DISKIMAGER_CLI_PROGRESS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "args.h"
#include "diskimager/job.h"

typedef struct progress_view {
    cli_progress_mode mode;   /* AUTO resolved to PLAIN or the live line */
    bool live;                /* rewrite one line with \r */
    FILE *out;
    double last_plain_seconds;
    int last_phase;
    bool line_open;
    unsigned retries_shown;   /* retries already told */
    const di_job *job;        /* a Write to several drives: each one's progress shown too
                                 (NULL: none) */
} progress_view;

void progress_view_init(progress_view *view, cli_progress_mode mode, bool terminal, FILE *out);
/* Called a few times a second; decides itself how often to print. */
void progress_view_update(progress_view *view, const di_progress *p, bool final);

/* The texts, exposed for tests. */
void progress_format_line(const di_progress *p, char *out, size_t size);
void progress_format_json(const di_progress *p, char *out, size_t size);
/* A Write to several drives: ,"targets":[{"device":"/dev/sdb","state":"writing",
 * "bytes_done":N,"bytes_total":N,"percent":P,"average_rate":R}, ...] appended to a JSON
 * line, and " | /dev/sdb 41% 20.1 MB/s, /dev/sdc failed" to a text line. */
void progress_format_targets_json(const di_job *job, char *out, size_t size);
void progress_format_targets_line(const di_job *job, char *out, size_t size);
/* A string as JSON, quotes included. */
void progress_json_string(const char *text, char *out, size_t size);
/* "retrying a write at byte ... in 0.5 s after: <the OS's text> [os error 11] (retry 3)" */
void progress_format_retry(const di_progress *p, char *out, size_t size);

#endif
