/* The few OS services the core and the CLI need beyond devices and threads. */
#ifndef DISKIMAGER_SYSTEM_H
#define DISKIMAGER_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The OS's text for an error code (errno or GetLastError()), without a trailing
 * newline; a fallback when the OS has none. */
char *di_os_error_text(int code, char *out, size_t out_size);

/* Where a symbolic link leads (absolute), or false when path is not one. */
bool di_resolve_symlink(const char *path, char *out, size_t out_size);

/* Processors this process may run on (at least 1): the compressors' thread count. */
unsigned di_cpu_count(void);

/* fopen for a UTF-8 path (Windows: _wfopen). NULL with errno set on failure. */
FILE *di_fopen(const char *path, const char *mode);

/* The wall clock: milliseconds since 1970-01-01 UTC (log timestamps). */
uint64_t di_utc_ms(void);

bool di_stdin_is_terminal(void);
bool di_stderr_is_terminal(void);

/* Calls handler (from a signal handler or a console-control thread: it may only set
 * a flag) when the user presses Ctrl-C or the process is asked to terminate. */
void di_on_interrupt(void (*handler)(void));

/* Keeps the machine from going to sleep (on) until called with off; the display may
 * still sleep. Per thread on Windows (SetThreadExecutionState): the job's thread calls
 * it around the job. Nothing to do on Linux (see keep_awake.c). */
void di_keep_awake(bool on);

#endif
