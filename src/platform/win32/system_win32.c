/* OS services on Windows: the one OS error formatter, file removal, aligned buffers,
 * the console, Ctrl-C. */
#include "diskimager/system.h"

#include <malloc.h>
#include <stdlib.h>
#include <stdio.h>
#include <windows.h>

#include "diskimager/device.h"
#include "utf16.h"

char *di_os_error_text(int code, char *out, size_t out_size)
{
    wchar_t *text = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, (DWORD)code, 0, (LPWSTR)&text, 0, NULL);
    if (n == 0 || !text) {
        snprintf(out, out_size, "error 0x%08lX", (unsigned long)code);
        return out;
    }
    /* FormatMessage ends its text with CRLF (and often a period). */
    while (n > 0 && (text[n - 1] == L'\r' || text[n - 1] == L'\n' || text[n - 1] == L' '))
        text[--n] = L'\0';
    di_utf16_to_utf8(text, out, out_size);
    LocalFree(text);
    return out;
}

bool di_remove_file(const char *path, di_error *error)
{
    wchar_t *wpath = di_utf8_to_utf16(path);
    bool ok = wpath && DeleteFileW(wpath);
    if (!ok) di_error_why_code(error, DI_ERR_WRITE, DI_OP_REMOVE, path, (int)GetLastError(),
                               DI_REASON_NONE, DI_NO_ARGS);
    free(wpath);
    return ok;
}

void *di_aligned_alloc(size_t alignment, size_t size)
{
    return _aligned_malloc(size ? size : alignment, alignment);
}

void di_aligned_free(void *ptr)
{
    _aligned_free(ptr);
}

bool di_resolve_symlink(const char *path, char *out, size_t out_size)
{
    (void)path;
    (void)out;
    (void)out_size;
    return false; /* device paths and image files on Windows are not followed links */
}

/* _isatty is true for any character device, NUL included; only a console has a mode. */
static bool is_console(DWORD which)
{
    DWORD mode;
    return GetConsoleMode(GetStdHandle(which), &mode) != 0;
}

FILE *di_fopen(const char *path, const char *mode)
{
    wchar_t *wide_path = di_utf8_to_utf16(path), *wide_mode = di_utf8_to_utf16(mode);
    FILE *f = wide_path && wide_mode ? _wfopen(wide_path, wide_mode) : NULL;
    free(wide_path);
    free(wide_mode);
    return f;
}

uint64_t di_utc_ms(void)
{
    /* FILETIME: 100 ns ticks since 1601-01-01 UTC. */
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    uint64_t ticks = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    return ticks / 10000u - 11644473600000ull;
}

bool di_stdin_is_terminal(void) { return is_console(STD_INPUT_HANDLE); }
bool di_stderr_is_terminal(void) { return is_console(STD_ERROR_HANDLE); }

unsigned di_cpu_count(void)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return info.dwNumberOfProcessors ? (unsigned)info.dwNumberOfProcessors : 1u;
}

static void (*interrupt_handler)(void);

static BOOL WINAPI on_console_event(DWORD event)
{
    (void)event;
    if (interrupt_handler) interrupt_handler();
    return TRUE; /* the job stops cleanly; the process exits by itself */
}

void di_on_interrupt(void (*handler)(void))
{
    interrupt_handler = handler;
    SetConsoleCtrlHandler(on_console_event, TRUE);
}
