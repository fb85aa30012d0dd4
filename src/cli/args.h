/* The command line, parsed into one struct; no I/O here, so tests can feed it. */
#ifndef DISKIMAGER_CLI_ARGS_H
#define DISKIMAGER_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/job.h"

typedef enum cli_command {
    CLI_HELP = 0,
    CLI_VERSION,
    CLI_LIST,
    CLI_JOB          /* write, read, verify, hash, format, check: cli_args.kind says which */
} cli_command;

typedef enum cli_progress_mode {
    CLI_PROGRESS_AUTO = 0,  /* a live line on a terminal, plain lines otherwise */
    CLI_PROGRESS_PLAIN,
    CLI_PROGRESS_JSON,
    CLI_PROGRESS_NONE
} cli_progress_mode;

typedef struct cli_args {
    cli_command command;
    di_job_kind kind;        /* CLI_JOB */
    const char *first;       /* IMAGE (write, verify), DEVICE (read, format, check), PATH
                                (hash) */
    const char *second;      /* DEVICE (write, verify), IMAGE (read) */
    /* Every path after the first: write's drives (one or several), else `second`. */
    const char *devices[DI_TARGETS_MAX];
    unsigned device_count;
    unsigned hash_mask;
    bool verify;
    bool yes;
    bool force;
    bool all;
    bool keep_partial;
    bool allocated_only;
    bool make_bmap;
    bool move_gpt_backup;
    bool eject;              /* write, format --eject: eject the card once done */
    di_card_fs card_fs;      /* format --fs (AUTO when not given) */
    const char *label;       /* format --label NAME, NULL if not given */
    bool erase;              /* format --erase: the whole drive erased first */
    bool check_quick;        /* check --quick (the default) */
    bool check_full;         /* check --full: every sector */
    uint64_t size;           /* read --size, 0 if not given */
    const char *expect;      /* --expect HEX, NULL if not given */
    const char *member;      /* --member NAME: the file of a zip, NULL if not given */
    const char *bmap;        /* --bmap FILE, NULL if not given */
    bool no_bmap;            /* --no-bmap: ignore a bmap beside the image */
    uint64_t buffer_size;    /* 0: default */
    unsigned buffers;        /* 0: default */
    cli_progress_mode progress;
    const char *log_file;    /* --log FILE: the job's log records appended there */
    bool verbose;            /* -v, --verbose: the log records on stderr too */
} cli_args;

/* Returns true when the arguments make sense; otherwise writes why into error. */
bool cli_parse_args(int argc, char **argv, cli_args *args, char *error, size_t error_size);

extern const char cli_usage_text[];

/* The command that runs a job kind ("write", ...), NULL if none does: every kind needs
 * one (test_job_kinds). */
const char *cli_command_for_kind(di_job_kind kind);

#endif
