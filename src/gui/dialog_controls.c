/* Reading and setting the dialog's controls (dialog.h). */
#include "dialog.h"

#include <shellapi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/win32/utf16.h"
#include "resource.h"

#define TEXT_MAX 4096

HWND dialog_item(int id)
{
    return GetDlgItem(dialog.hwnd, id);
}

/* printf into UTF-16 for the W APIs; the caller frees. */
static wchar_t *format_wide(const char *fmt, va_list args)
{
    char text[TEXT_MAX];
    vsnprintf(text, sizeof text, fmt, args);
    return di_utf8_to_utf16(text);
}

int dialog_message(UINT flags, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    wchar_t *wide = format_wide(fmt, args);
    va_end(args);
    int answer = MessageBoxW(dialog.hwnd, wide ? wide : L"?", APP_TITLE, flags);
    free(wide);
    return answer;
}

void dialog_status(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    wchar_t *wide = format_wide(fmt, args);
    va_end(args);
    SetDlgItemTextW(dialog.hwnd, IDC_STATUS, wide ? wide : L"");
    free(wide);
}

void dialog_text_utf8(int id, char *out, size_t size)
{
    wchar_t wide[DI_PATH_MAX];
    GetDlgItemTextW(dialog.hwnd, id, wide, DI_PATH_MAX);
    /* People paste paths in quotes from Explorer's "Copy as path". */
    wchar_t *start = wide;
    size_t n = wcslen(start);
    while (n && (start[n - 1] == L' ' || start[n - 1] == L'"')) start[--n] = L'\0';
    while (*start == L' ' || *start == L'"') start++;
    di_utf16_to_utf8(start, out, size);
}

bool dialog_checked(int id)
{
    return IsDlgButtonChecked(dialog.hwnd, id) == BST_CHECKED;
}

void dialog_set_busy(bool busy)
{
    static const int inputs[] = {IDC_IMAGE_EDIT, IDC_BROWSE, IDC_FROM_DRIVE, IDC_DEVICE_COMBO,
                                 IDC_SHOW_ALL,
                                 IDC_SEVERAL,
                                 IDC_EXPECTED_EDIT, IDC_ALLOCATED_ONLY, IDC_MAKE_BMAP,
                                 IDC_HASH_CHECK, IDC_VERIFY_AFTER, IDC_EJECT, IDC_READ, IDC_WRITE,
                                 IDC_VERIFY, IDC_COPY, IDC_HASH_DRIVE, IDC_RESTORE, IDC_CHECK,
                                 IDC_LANGUAGE};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        EnableWindow(dialog_item(inputs[i]), !busy);
    EnableWindow(dialog_item(IDC_HASH_ALG), !busy && dialog_checked(IDC_HASH_CHECK));
    /* The backup GPT moves only once the write has been verified. */
    EnableWindow(dialog_item(IDC_MOVE_GPT), !busy && dialog_checked(IDC_VERIFY_AFTER));
    EnableWindow(dialog_item(IDC_CANCEL_JOB), busy);
    DragAcceptFiles(dialog.hwnd, !busy);
}

void dialog_copy_hash(void)
{
    wchar_t text[DI_HASH_HEX_MAX + 16];
    int n = GetDlgItemTextW(dialog.hwnd, IDC_HASH_EDIT, text, DI_HASH_HEX_MAX + 16);
    if (n <= 0 || !OpenClipboard(dialog.hwnd)) return;
    EmptyClipboard();
    HGLOBAL mem = GlobalAlloc(GMEM_MOVEABLE, ((size_t)n + 1) * sizeof(wchar_t));
    if (mem) {
        memcpy(GlobalLock(mem), text, ((size_t)n + 1) * sizeof(wchar_t));
        GlobalUnlock(mem);
        if (!SetClipboardData(CF_UNICODETEXT, mem)) GlobalFree(mem);
    }
    CloseClipboard();
}
