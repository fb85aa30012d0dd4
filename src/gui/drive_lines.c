#include "drive_lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive_lines_text.h"
#include "platform/win32/utf16.h"
#include "resource.h"
#include "tr_wide.h"

#define LINE_MAX 3072

static HWND window;
static unsigned line_count;
/* On the heap: zeroed static arrays would take their size in the .exe. */
typedef struct lines {
    char names[DI_TARGETS_MAX][DI_PATH_MAX + 256];
    char shown[DI_TARGETS_MAX][LINE_MAX];
} lines;
static lines *held;

static INT_PTR CALLBACK lines_proc(HWND dlg, UINT msg, WPARAM wparam, LPARAM lparam)
{
    (void)lparam;
    switch (msg) {
    case WM_INITDIALOG:
        SetWindowTextW(dlg, tr_w(T_LINES_CAPTION));
        tr_set_item(dlg, IDCANCEL, T_CLOSE);
        return TRUE;
    case WM_COMMAND:
        if (LOWORD(wparam) != IDCANCEL) return FALSE;
        drive_lines_close();
        return TRUE;
    case WM_CLOSE: drive_lines_close(); return TRUE;
    default: return FALSE;
    }
}

/* Line i says text, changed only when it differs (no flicker on every tick). */
static void set_line(unsigned i, const char *text)
{
    if (!window || !held || i >= line_count || strcmp(held->shown[i], text) == 0) return;
    snprintf(held->shown[i], sizeof held->shown[i], "%s", text);
    HWND list = GetDlgItem(window, IDC_LINES_LIST);
    wchar_t *wide = di_utf8_to_utf16(text);
    SendMessageW(list, LB_DELETESTRING, i, 0);
    SendMessageW(list, LB_INSERTSTRING, i, (LPARAM)(wide ? wide : L"?"));
    /* Long error lines scroll sideways. */
    SIZE extent = {0};
    if (wide) {
        HDC dc = GetDC(list);
        HGDIOBJ old = SelectObject(dc, (HFONT)SendMessageW(list, WM_GETFONT, 0, 0));
        GetTextExtentPoint32W(dc, wide, (int)wcslen(wide), &extent);
        SelectObject(dc, old);
        ReleaseDC(list, dc);
        free(wide);
    }
    if ((LRESULT)extent.cx + 8 > SendMessageW(list, LB_GETHORIZONTALEXTENT, 0, 0))
        SendMessageW(list, LB_SETHORIZONTALEXTENT, (WPARAM)extent.cx + 8, 0);
}

void drive_lines_open(HWND owner, const di_job *job, const char *const *drive_names, unsigned count)
{
    if (!held && !(held = calloc(1, sizeof *held))) return;
    if (!window) {
        window = CreateDialogParamW(GetModuleHandleW(NULL), MAKEINTRESOURCEW(IDD_DRIVE_LINES),
                                    owner, lines_proc, 0);
        if (!window) return;
        /* Below the dialog, not over its progress bar; moved up to stay on its screen. */
        RECT at, own;
        GetWindowRect(owner, &at);
        GetWindowRect(window, &own);
        MONITORINFO screen = {.cbSize = sizeof screen};
        int top = at.bottom + 4, height = own.bottom - own.top;
        if (GetMonitorInfoW(MonitorFromWindow(owner, MONITOR_DEFAULTTONEAREST), &screen) &&
            top + height > screen.rcWork.bottom)
            top = screen.rcWork.bottom - height;
        SetWindowPos(window, NULL, at.left, top, 0, 0, SWP_NOSIZE | SWP_NOZORDER);
    }
    SendDlgItemMessageW(window, IDC_LINES_LIST, LB_RESETCONTENT, 0, 0);
    line_count = count < DI_TARGETS_MAX ? count : DI_TARGETS_MAX;
    for (unsigned i = 0; i < line_count; i++) {
        snprintf(held->names[i], sizeof held->names[i], "%s", drive_names[i]);
        held->shown[i][0] = '\0';
        SendDlgItemMessageW(window, IDC_LINES_LIST, LB_ADDSTRING, 0, (LPARAM)L"");
    }
    drive_lines_update(job);
    ShowWindow(window, SW_SHOWNOACTIVATE);
}

void drive_lines_update(const di_job *job)
{
    for (unsigned i = 0; window && held && i < line_count; i++) {
        di_target_progress p;
        di_job_target_progress(job, i, &p);
        char line[LINE_MAX];
        set_line(i, drive_line_progress(held->names[i], &p, line, sizeof line));
    }
}

void drive_lines_finish(const di_job *job)
{
    for (unsigned i = 0; window && held && i < line_count; i++) {
        char line[LINE_MAX];
        set_line(i, drive_line_result(held->names[i], di_job_target_result(job, i), line, sizeof line));
    }
}

void drive_lines_close(void)
{
    if (window) DestroyWindow(window);
    window = NULL;
}
