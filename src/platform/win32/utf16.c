#include "utf16.h"

#include <stdlib.h>
#include <windows.h>

wchar_t *di_utf8_to_utf16(const char *text)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text, -1, NULL, 0);
    if (n <= 0) return NULL;
    wchar_t *out = malloc((size_t)n * sizeof *out);
    if (out && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text, -1, out, n) <= 0) {
        free(out);
        return NULL;
    }
    return out;
}

char *di_utf16_to_utf8(const wchar_t *text, char *out, size_t out_size)
{
    if (out_size == 0) return out;
    int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, out, (int)out_size, NULL, NULL);
    if (n <= 0) out[0] = '\0';
    out[out_size - 1] = '\0';
    return out;
}
