#include "tr_wide.h"

#include <windows.h>

#include <stdlib.h>

const wchar_t *tr_w(text_id id)
{
    /* On the heap: MinGW stores even a zeroed static array in the .exe. Dialog thread only. */
    static wchar_t (*ring)[2048];
    static unsigned next;
    if (!ring && !(ring = calloc(8, sizeof *ring))) return L"";
    wchar_t *out = ring[next++ % 8];
    if (!MultiByteToWideChar(CP_UTF8, 0, tr(id), -1, out, 2048)) out[0] = L'\0';
    return out;
}

void tr_set_item(void *window, int id, text_id text)
{
    SetDlgItemTextW((HWND)window, id, tr_w(text));
}
