/* The Log window and the log file (log_window.h). Everything here runs on the dialog's
 * thread: the job only fills the queue. */
#include "log_window.h"

#include <commdlg.h>
#include <shlobj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_text.h"
#include "platform/win32/utf16.h"
#include "resource.h"
#include "tr_wide.h"

static di_log *queue;
/* On the heap: a static one would add its 256 KiB to the .exe (MinGW puts it in .data). */
static log_text *shown;
static HWND window;

di_log *log_window_queue(void)
{
    if (!queue) queue = di_log_new(0);
    if (!shown) shown = calloc(1, sizeof *shown);
    return queue;
}

/* %LOCALAPPDATA%\diskimager\diskimager.log, the folder made on first use. */
static bool log_file_path(wchar_t *out, size_t size)
{
    wchar_t base[MAX_PATH];
    if (SHGetFolderPathW(NULL, CSIDL_LOCAL_APPDATA, NULL, SHGFP_TYPE_CURRENT, base) != S_OK)
        return false;
    _snwprintf(out, size, L"%ls\\diskimager", base);
    out[size - 1] = L'\0';
    CreateDirectoryW(out, NULL);
    _snwprintf(out, size, L"%ls\\diskimager\\diskimager.log", base);
    out[size - 1] = L'\0';
    return true;
}

static void append_to_file(const char *lines, size_t len)
{
    wchar_t path[MAX_PATH + 32], old[MAX_PATH + 40];
    if (!len || !log_file_path(path, MAX_PATH + 32)) return;
    WIN32_FILE_ATTRIBUTE_DATA data;
    if (GetFileAttributesExW(path, GetFileExInfoStandard, &data)) {
        uint64_t size = ((uint64_t)data.nFileSizeHigh << 32) | data.nFileSizeLow;
        if (log_file_must_rotate(size, len)) {
            _snwprintf(old, MAX_PATH + 40, L"%ls.1", path);
            old[MAX_PATH + 39] = L'\0';
            MoveFileExW(path, old, MOVEFILE_REPLACE_EXISTING);
        }
    }
    HANDLE f = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (f == INVALID_HANDLE_VALUE) return; /* the log is a help, never a reason to fail */
    DWORD written;
    WriteFile(f, lines, (DWORD)len, &written, NULL);
    CloseHandle(f);
}

static void show_text(void)
{
    if (!window) return;
    wchar_t *wide = di_utf8_to_utf16(shown ? shown->text : "");
    HWND edit = GetDlgItem(window, IDC_LOG_TEXT);
    SetWindowTextW(edit, wide ? wide : L"");
    free(wide);
    int end = GetWindowTextLengthW(edit);
    SendMessageW(edit, EM_SETSEL, (WPARAM)end, (LPARAM)end);
    SendMessageW(edit, EM_SCROLLCARET, 0, 0);
}

void log_window_drain(void)
{
    di_log_record record;
    char line[DI_LOG_TEXT_MAX + 64];
    char *batch = NULL;
    size_t used = 0, size = 0;
    while (di_log_next(queue, &record)) {
        di_log_format(&record, line, sizeof line);
        if (shown) log_text_add(shown, line);
        size_t len = strlen(line);
        if (used + len + 2 > size) {
            size_t grown = (size ? size * 2 : 8192) + len + 2;
            char *more = realloc(batch, grown);
            if (!more) break;
            batch = more;
            size = grown;
        }
        memcpy(batch + used, line, len);
        memcpy(batch + used + len, "\r\n", 2);
        used += len + 2;
    }
    if (!used) return;
    append_to_file(batch, used);
    free(batch);
    show_text();
}

static void save_as(void)
{
    wchar_t path[MAX_PATH] = L"diskimager.log", filter[1024];
    /* name\0pattern\0name\0pattern\0\0 */
    const wchar_t *parts[] = {tr_w(T_FILTER_LOG), L"*.log;*.txt", tr_w(T_FILTER_ALL), L"*.*"};
    size_t used = 0;
    for (size_t i = 0; i < 4; i++) {
        size_t n = wcslen(parts[i]);
        if (used + n + 2 >= sizeof filter / sizeof filter[0]) break;
        memcpy(filter + used, parts[i], (n + 1) * sizeof(wchar_t));
        used += n + 1;
    }
    filter[used] = L'\0';
    OPENFILENAMEW ofn = {.lStructSize = sizeof ofn, .hwndOwner = window,
                         .lpstrFilter = filter,
                         .lpstrFile = path, .nMaxFile = MAX_PATH, .lpstrDefExt = L"log",
                         .Flags = OFN_OVERWRITEPROMPT | OFN_PATHMUSTEXIST};
    if (!GetSaveFileNameW(&ofn)) return;
    HANDLE f = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD written = 0;
    BOOL ok = f != INVALID_HANDLE_VALUE && shown &&
              WriteFile(f, shown->text, (DWORD)shown->used, &written, NULL) &&
              written == shown->used;
    if (f != INVALID_HANDLE_VALUE) CloseHandle(f);
    if (!ok) MessageBoxW(window, tr_w(T_LOG_NOT_SAVED), tr_w(T_LOG), MB_OK | MB_ICONWARNING);
}

static INT_PTR CALLBACK log_proc(HWND dlg, UINT msg, WPARAM wparam, LPARAM lparam)
{
    (void)lparam;
    switch (msg) {
    case WM_INITDIALOG:
        SetWindowTextW(dlg, tr_w(T_LOG_CAPTION));
        tr_set_item(dlg, IDC_LOG_COPY, T_LOG_COPY_ALL);
        tr_set_item(dlg, IDC_LOG_SAVE, T_LOG_SAVE_AS);
        tr_set_item(dlg, IDC_LOG_CLEAR, T_LOG_CLEAR);
        tr_set_item(dlg, IDCANCEL, T_CLOSE);
        return TRUE;
    case WM_COMMAND:
        switch (LOWORD(wparam)) {
        case IDC_LOG_COPY: {
            HWND edit = GetDlgItem(dlg, IDC_LOG_TEXT);
            SendMessageW(edit, EM_SETSEL, 0, -1);
            SendMessageW(edit, WM_COPY, 0, 0);
            return TRUE;
        }
        case IDC_LOG_SAVE: save_as(); return TRUE;
        case IDC_LOG_CLEAR:
            if (shown) log_text_clear(shown);
            show_text();
            return TRUE;
        case IDCANCEL: log_window_close(); return TRUE;
        default: return FALSE;
        }
    case WM_CLOSE: log_window_close(); return TRUE;
    default: return FALSE;
    }
}

void log_window_show(HWND owner)
{
    if (!window) {
        window = CreateDialogParamW(GetModuleHandleW(NULL), MAKEINTRESOURCEW(IDD_LOG), owner,
                                    log_proc, 0);
        if (!window) return;
        show_text();
    }
    ShowWindow(window, SW_SHOW);
    SetForegroundWindow(window);
}

void log_window_close(void)
{
    if (window) DestroyWindow(window);
    window = NULL;
}
