/* UTF-8 inside, UTF-16 at the Windows edge. */
#ifndef DISKIMAGER_WIN32_UTF16_H
#define DISKIMAGER_WIN32_UTF16_H

#include <stddef.h>
#include <wchar.h>

/* Returns a malloc'd UTF-16 copy, or NULL (invalid UTF-8 or no memory). */
wchar_t *di_utf8_to_utf16(const char *text);
/* Converts into out (always NUL-terminated); returns out. */
char *di_utf16_to_utf8(const wchar_t *text, char *out, size_t out_size);

#endif
