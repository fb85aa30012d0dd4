/* The log: what a job did and why, as English records with UTC timestamps (people
 * paste them into bug reports). The engine emits records into a bounded queue that
 * the front end drains on its own thread (the dialog into its Log window and its file,
 * the CLI into --log FILE and, with -v, stderr); the worker never waits on it, and when
 * the queue is full the oldest undrained records are dropped and counted. */
#ifndef DISKIMAGER_LOG_H
#define DISKIMAGER_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum di_log_level {
    DI_LOG_ERROR = 0,
    DI_LOG_WARN,
    DI_LOG_INFO,
    DI_LOG_DEBUG
} di_log_level;

#define DI_LOG_TEXT_MAX 1024

typedef struct di_log_record {
    uint64_t utc_ms;        /* milliseconds since 1970-01-01 UTC */
    di_log_level level;
    char text[DI_LOG_TEXT_MAX];
} di_log_record;

typedef struct di_log di_log;

/* A queue of at most capacity records (0: 512). NULL when out of memory. */
di_log *di_log_new(unsigned capacity);
void di_log_free(di_log *log);

/* From any thread; never blocks for long. A NULL log takes nothing. */
void di_log_emit(di_log *log, di_log_level level, const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 3, 4)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The oldest record not drained yet; false when there is none. After records were
 * dropped, a record saying how many comes first. */
bool di_log_next(di_log *log, di_log_record *out);

/* "2026-12-03T10:41:05.123Z WARN  text": one line, no newline. Returns out. */
char *di_log_format(const di_log_record *record, char *out, size_t out_size);

/* "2026-12-03T10:41:05.123Z" for a time in ms since 1970 UTC. Pure. */
char *di_log_format_utc(uint64_t utc_ms, char *out, size_t out_size);

#endif
