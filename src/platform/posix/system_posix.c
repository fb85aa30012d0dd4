/* OS services on POSIX: error text, file removal, aligned buffers, terminals, Ctrl-C. */
#define _GNU_SOURCE
#include "diskimager/system.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>

#include "diskimager/device.h"

char *di_os_error_text(int code, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s", strerror(code));
    return out;
}

bool di_remove_file(const char *path, di_error *error)
{
    if (unlink(path) == 0) return true;
    di_error_why_code(error, DI_ERR_WRITE, DI_OP_REMOVE, path, errno, DI_REASON_NONE, DI_NO_ARGS);
    return false;
}

void *di_aligned_alloc(size_t alignment, size_t size)
{
    void *p = NULL;
    if (posix_memalign(&p, alignment, size ? size : alignment) != 0) return NULL;
    return p;
}

void di_aligned_free(void *ptr)
{
    free(ptr);
}

bool di_resolve_symlink(const char *path, char *out, size_t out_size)
{
    struct stat st;
    char resolved[PATH_MAX];
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode) || !realpath(path, resolved)) return false;
    snprintf(out, out_size, "%s", resolved);
    return true;
}

FILE *di_fopen(const char *path, const char *mode)
{
    return fopen(path, mode);
}

uint64_t di_utc_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool di_stdin_is_terminal(void) { return isatty(STDIN_FILENO) == 1; }
bool di_stderr_is_terminal(void) { return isatty(STDERR_FILENO) == 1; }

unsigned di_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

static void (*interrupt_handler)(void);

static void on_signal(int sig)
{
    (void)sig;
    if (interrupt_handler) interrupt_handler();
}

void di_on_interrupt(void (*handler)(void))
{
    interrupt_handler = handler;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}
