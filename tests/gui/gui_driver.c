/* Drives the running Win32 Disk Imager dialog the way a person would, from another
 * process: finds controls by the labels a person reads, types into them, picks list
 * entries, clicks buttons and answers message boxes. Used by gui_test.sh under Wine.
 *
 *   gui_driver.exe STEP [ARGS]... [STEP [ARGS]...]...
 *     wait-window                  wait for the dialog
 *     type LABEL TEXT              set the edit box after the label LABEL
 *     select LABEL SUBSTRING       pick the combo entry containing SUBSTRING
 *     check LABEL on|off           set a check box (by clicking it)
 *     click LABEL                  click a button
 *     answer BUTTON                wait for a message box, print its text, press BUTTON
 *                                  (Yes, No, OK)
 *     no-message                   fail if a message box is open
 *     restore-options FS LABEL on|off   in the Restore dialog: print its text and the
 *                                  label offered, pick the file system entry FS (else
 *                                  the first containing it), type LABEL ("-": keep the
 *                                  one offered), set erase
 *     restore-press OK|Cancel      press a Restore dialog button
 *     check-choose quick|full|cancel   in the Check dialog: print its text, pick the
 *                                  check and press Check (or Cancel)
 *     fit                          print the main dialog's texts wider than their controls
 *     fit-box                      the same for the dialog box open over it
 *     wait-idle                    wait until the job ends (Write is enabled again)
 *     wait-progress PERCENT        wait until the progress bar reaches PERCENT
 *     get LABEL                    print the text of the control after LABEL
 *     status                       print the status line
 *     enabled LABEL                print 1 or 0
 *     checked LABEL                print 1 or 0: is the check box ticked
 *     controls                     print which visible controls are enabled, in order
 *     threads                      print how many threads the dialog's process has
 *     title                        print the dialog's title bar
 *     several-choose SUBSTRING...  in Several...'s box: print each drive listed, tick the
 *                                  ones containing one of the SUBSTRINGs (up to the
 *                                  next step's name or "--"), untick the others, OK
 *     drive-lines                  print the Drives window's lines ("drive-line: ...")
 *     source-open                  click "From a drive...": print each drive its box
 *                                  lists ("source-choice: ...") and which is chosen
 *     source-pick SUBSTRING        in that box: pick the drive containing SUBSTRING, OK
 *     source-drive SUBSTRING       both
 *     box-cancel                   press Cancel in the dialog box open over the dialog
 *     close                        close the dialog (the title bar's close box)
 * Each printed value is one line "name: value". Exit code 1 on any failure. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include <commctrl.h>
#include <tlhelp32.h>

#define TIMEOUT_MS 120000
#define STEP_MS 50

static HWND dialog;

static void fail(const char *what, const wchar_t *detail)
{
    fprintf(stdout, "error: %s%s%ls\n", what, detail ? ": " : "", detail ? detail : L"");
    fflush(stdout);
    exit(1);
}

static void print_line(const char *name, const wchar_t *value)
{
    char utf8[4096];
    WideCharToMultiByte(CP_UTF8, 0, value, -1, utf8, sizeof utf8, NULL, NULL);
    /* One line per value: message boxes have several. */
    for (char *p = utf8; *p; p++)
        if (*p == '\r' || *p == '\n') *p = ' ';
    printf("%s: %s\n", name, utf8);
    fflush(stdout);
}

static wchar_t *widen(const char *s)
{
    static wchar_t buf[4][2048];
    static int next;
    wchar_t *out = buf[next++ % 4];
    MultiByteToWideChar(CP_UTF8, 0, s, -1, out, 2048);
    return out;
}

static BOOL CALLBACK find_dialog(HWND hwnd, LPARAM lparam)
{
    wchar_t title[256], cls[64];
    GetWindowTextW(hwnd, title, 256);
    GetClassNameW(hwnd, cls, 64);
    /* Visible: the title is set in WM_INITDIALOG, before the dialog is shown, and until
     * then no control is visible either. */
    if (wcsncmp(title, L"Win32 Disk Imager ", 18) == 0 && wcscmp(cls, L"#32770") == 0 &&
        GetDlgItem(hwnd, 1016 /* Write */) && IsWindowVisible(hwnd)) {
        *(HWND *)lparam = hwnd;
        return FALSE;
    }
    return TRUE;
}

static void wait_window(void)
{
    for (int t = 0; t < TIMEOUT_MS; t += STEP_MS) {
        HWND found = NULL;
        EnumWindows(find_dialog, (LPARAM)&found);
        if (found) {
            dialog = found;
            return;
        }
        Sleep(STEP_MS);
    }
    fail("the dialog did not appear", NULL);
}

/* The control whose own text is label (a button, a check box), or the control that
 * follows the static text label (an edit box, a combo box). */
static HWND by_label(const char *label)
{
    const wchar_t *wlabel = widen(label);
    for (HWND child = GetWindow(dialog, GW_CHILD); child; child = GetWindow(child, GW_HWNDNEXT)) {
        wchar_t text[512], cls[64];
        GetWindowTextW(child, text, 512);
        GetClassNameW(child, cls, 64);
        if (wcscmp(text, wlabel) != 0) continue;
        if (_wcsicmp(cls, L"Static") == 0) return GetWindow(child, GW_HWNDNEXT);
        return child;
    }
    fail("no control labelled", wlabel);
    return NULL;
}

/* GetWindowText does not ask a control in another process for its text; WM_GETTEXT does. */
static void text_of(HWND control, wchar_t *out, int size)
{
    out[0] = L'\0';
    SendMessageW(control, WM_GETTEXT, (WPARAM)size, (LPARAM)out);
}

static HWND message_box(void)
{
    /* A message box is a #32770 window owned by the dialog; the Drives window (a line
     * per drive, left open beside it) is not one. */
    HWND hwnd = NULL;
    while ((hwnd = FindWindowExW(NULL, hwnd, L"#32770", NULL))) {
        if (hwnd != dialog && GetWindow(hwnd, GW_OWNER) == dialog && IsWindowVisible(hwnd) &&
            !GetDlgItem(hwnd, 1103 /* IDC_LINES_LIST */))
            return hwnd;
    }
    return NULL;
}

/* Waits for a box over the dialog holding the control `control` (0: any box), then lets
 * it finish laying out its text; fails naming `what` if none appears. */
static HWND box_with(int control, const char *what)
{
    for (int t = 0; t < TIMEOUT_MS; t += STEP_MS) {
        HWND box = message_box();
        if (box && (!control || GetDlgItem(box, control))) {
            Sleep(100);
            return box;
        }
        Sleep(STEP_MS);
    }
    fail(what, NULL);
    return NULL;
}

/* Presses the box's button id and waits (10 s at most) for the box to close. */
static void press(HWND box, int id)
{
    PostMessageW(box, WM_COMMAND, MAKEWPARAM(id, BN_CLICKED), (LPARAM)GetDlgItem(box, id));
    for (int t = 0; t < 10000 && IsWindow(box); t += STEP_MS) Sleep(STEP_MS);
}

/* Prints a control's text as "name: text". */
static void print_control(HWND box, int control, const char *name)
{
    wchar_t text[4096];
    text_of(GetDlgItem(box, control), text, 4096);
    print_line(name, text);
}

static void answer(const char *button)
{
    HWND box = box_with(0, "no message box appeared");
    print_control(box, 0xFFFF, "message");
    int id = strcmp(button, "Yes") == 0 ? IDYES : strcmp(button, "No") == 0 ? IDNO : IDOK;
    if (!GetDlgItem(box, id)) fail("the message box has no such button", widen(button));
    press(box, id);
}

/* The zip member picker: prints its choices, selects the one starting with prefix, OK. */
static void pick(const char *prefix)
{
    HWND box = box_with(0, "no list to pick from appeared");
    HWND list = GetDlgItem(box, 1027);
    if (!list) fail("no list to pick from appeared", NULL);
    LRESULT count = SendMessageW(list, LB_GETCOUNT, 0, 0);
    for (LRESULT i = 0; i < count; i++) {
        wchar_t text[512];
        if (SendMessageW(list, LB_GETTEXTLEN, (WPARAM)i, 0) >= 512) continue;
        SendMessageW(list, LB_GETTEXT, (WPARAM)i, (LPARAM)text);
        print_line("choice", text);
    }
    LRESULT at = SendMessageW(list, LB_FINDSTRING, (WPARAM)-1, (LPARAM)widen(prefix));
    if (at == LB_ERR) fail("no choice starting with", widen(prefix));
    SendMessageW(list, LB_SETCURSEL, (WPARAM)at, 0);
    press(box, IDOK);
}

/* Restore's options dialog: the box with the file system list. */
#define RESTORE_FS_LIST 1038

static void restore_options(const char *fs, const char *label, bool erase)
{
    HWND box = box_with(RESTORE_FS_LIST, "the Restore dialog did not appear");
    wchar_t text[2048];
    print_control(box, 1036, "restore-intro");
    print_control(box, 1040, "restore-label");
    HWND list = GetDlgItem(box, RESTORE_FS_LIST);
    LRESULT count = SendMessageW(list, CB_GETCOUNT, 0, 0), at = CB_ERR;
    for (LRESULT i = 0; i < count; i++) {
        SendMessageW(list, CB_GETLBTEXT, (WPARAM)i, (LPARAM)text);
        print_line("restore-fs-choice", text);
    }
    /* The entry that is FS, else the first that holds it. */
    for (int pass = 0; pass < 2 && at == CB_ERR; pass++) {
        for (LRESULT i = 0; i < count && at == CB_ERR; i++) {
            SendMessageW(list, CB_GETLBTEXT, (WPARAM)i, (LPARAM)text);
            if (pass == 0 ? wcscmp(text, widen(fs)) == 0 : wcsstr(text, widen(fs)) != NULL) at = i;
        }
    }
    if (at == CB_ERR) fail("no file system entry containing", widen(fs));
    SendMessageW(list, CB_SETCURSEL, (WPARAM)at, 0);
    SendMessageW(box, WM_COMMAND, MAKEWPARAM(RESTORE_FS_LIST, CBN_SELCHANGE), (LPARAM)list);
    if (strcmp(label, "-") != 0) SendMessageW(GetDlgItem(box, 1040), WM_SETTEXT, 0, (LPARAM)widen(label));
    HWND erase_box = GetDlgItem(box, 1041);
    if ((SendMessageW(erase_box, BM_GETCHECK, 0, 0) == BST_CHECKED) != erase)
        SendMessageW(erase_box, BM_CLICK, 0, 0);
}

static void restore_press(const char *button)
{
    HWND box = box_with(RESTORE_FS_LIST, "the Restore dialog did not appear");
    press(box, strcmp(button, "OK") == 0 ? IDOK : IDCANCEL);
}

static void check_choose(const char *choice)
{
    HWND box = box_with(1044, "the Check dialog did not appear");
    print_control(box, 1043, "check-intro");
    print_control(box, 1044, "check-quick");
    print_control(box, 1045, "check-full");
    int id = IDCANCEL;
    if (strcmp(choice, "cancel") != 0) {
        SendMessageW(GetDlgItem(box, strcmp(choice, "full") == 0 ? 1045 : 1044), BM_CLICK, 0, 0);
        id = IDOK;
    }
    press(box, id);
}

/* Several...'s box: a list view with check boxes, in the dialog's process. Its items'
 * texts and states go through memory of that process (list view messages carry
 * pointers, which Windows does not carry across processes). */
#define DRIVES_LIST 1102

static void several_choose(char **wanted, int count)
{
    HWND box = box_with(DRIVES_LIST, "the Several drives box did not appear");
    HWND view = GetDlgItem(box, DRIVES_LIST);
    DWORD pid = 0;
    GetWindowThreadProcessId(view, &pid);
    HANDLE process = OpenProcess(PROCESS_VM_OPERATION | PROCESS_VM_READ | PROCESS_VM_WRITE,
                                 FALSE, pid);
    if (!process) fail("cannot open the dialog's process", NULL);
    const SIZE_T text_chars = 1024;
    BYTE *remote = VirtualAllocEx(process, NULL, sizeof(LVITEMW) + text_chars * sizeof(wchar_t),
                                  MEM_COMMIT, PAGE_READWRITE);
    if (!remote) fail("cannot allocate in the dialog's process", NULL);
    wchar_t *remote_text = (wchar_t *)(remote + sizeof(LVITEMW));
    int rows = (int)SendMessageW(view, LVM_GETITEMCOUNT, 0, 0), ticked = 0;
    for (int r = 0; r < rows; r++) {
        LVITEMW item = {.iSubItem = 0, .pszText = remote_text, .cchTextMax = (int)text_chars};
        wchar_t text[1024] = L"";
        if (!WriteProcessMemory(process, remote, &item, sizeof item, NULL)) fail("WriteProcessMemory", NULL);
        SendMessageW(view, LVM_GETITEMTEXTW, (WPARAM)r, (LPARAM)remote);
        ReadProcessMemory(process, remote_text, text, sizeof text - sizeof(wchar_t), NULL);
        print_line("several-choice", text);
        bool want = false;
        for (int k = 0; k < count; k++) want |= wcsstr(text, widen(wanted[k])) != NULL;
        ticked += want;
        LVITEMW state = {.stateMask = LVIS_STATEIMAGEMASK,
                         .state = INDEXTOSTATEIMAGEMASK(want ? 2 : 1)};
        WriteProcessMemory(process, remote, &state, sizeof state, NULL);
        SendMessageW(view, LVM_SETITEMSTATE, (WPARAM)r, (LPARAM)remote);
        /* Read back as the dialog will: the box's check state. */
        LRESULT now = SendMessageW(view, LVM_GETITEMSTATE, (WPARAM)r, LVIS_STATEIMAGEMASK);
        if (((now >> 12) - 1 == 1) != want) fail("a drive's check box did not take", text);
    }
    VirtualFreeEx(process, remote, 0, MEM_RELEASE);
    CloseHandle(process);
    printf("several-ticked: %d\n", ticked);
    fflush(stdout);
    press(box, IDOK);
}

/* Drive to drive: the box behind the image field's "From a drive..." button. */
#define FROM_DRIVE 1110
#define SOURCE_LIST 1112

static HWND source_box(void)
{
    return box_with(SOURCE_LIST, "the From a drive box did not appear");
}

static void source_open(void)
{
    HWND button = GetDlgItem(dialog, FROM_DRIVE);
    if (!button || !IsWindowEnabled(button)) fail("From a drive... is missing or disabled", NULL);
    PostMessageW(dialog, WM_COMMAND, MAKEWPARAM(FROM_DRIVE, BN_CLICKED), (LPARAM)button);
    HWND list = GetDlgItem(source_box(), SOURCE_LIST);
    LRESULT count = SendMessageW(list, LB_GETCOUNT, 0, 0), chosen = SendMessageW(list, LB_GETCURSEL, 0, 0);
    for (LRESULT i = 0; i < count; i++) {
        wchar_t text[1024];
        if (SendMessageW(list, LB_GETTEXTLEN, (WPARAM)i, 0) >= 1024) continue;
        SendMessageW(list, LB_GETTEXT, (WPARAM)i, (LPARAM)text);
        print_line(i == chosen ? "source-chosen" : "source-choice", text);
    }
}

static void source_pick(const char *substring)
{
    HWND box = source_box();
    HWND list = GetDlgItem(box, SOURCE_LIST);
    LRESULT count = SendMessageW(list, LB_GETCOUNT, 0, 0), at = LB_ERR;
    for (LRESULT i = 0; i < count && at == LB_ERR; i++) {
        wchar_t text[1024];
        if (SendMessageW(list, LB_GETTEXTLEN, (WPARAM)i, 0) >= 1024) continue;
        SendMessageW(list, LB_GETTEXT, (WPARAM)i, (LPARAM)text);
        if (wcsstr(text, widen(substring))) at = i;
    }
    if (at == LB_ERR) fail("no drive to copy containing", widen(substring));
    SendMessageW(list, LB_SETCURSEL, (WPARAM)at, 0);
    press(box, IDOK);
}

/* The Drives window's lines (a Write to several drives). */
static void print_drive_lines(void)
{
    HWND found = NULL;
    for (int t = 0; t < TIMEOUT_MS && !(found = FindWindowW(L"#32770", L"Drives - Win32 Disk Imager"));
         t += STEP_MS)
        Sleep(STEP_MS);
    if (!found) fail("the Drives window did not appear", NULL);
    HWND list = GetDlgItem(found, 1103 /* IDC_LINES_LIST */);
    LRESULT count = SendMessageW(list, LB_GETCOUNT, 0, 0);
    for (LRESULT i = 0; i < count; i++) {
        static wchar_t text[4096];
        if (SendMessageW(list, LB_GETTEXTLEN, (WPARAM)i, 0) >= 4096) continue;
        SendMessageW(list, LB_GETTEXT, (WPARAM)i, (LPARAM)text);
        print_line("drive-line", text);
    }
}

/* The Log window's text, a "log: " line for each of its lines. */
static HWND log_window(void)
{
    HWND found = NULL;
    for (int t = 0; t < TIMEOUT_MS && !(found = FindWindowW(L"#32770", L"Log - Win32 Disk Imager"));
         t += STEP_MS)
        Sleep(STEP_MS);
    if (!found) fail("the Log window did not appear", NULL);
    return found;
}

static void print_log(void)
{
    HWND edit = GetDlgItem(log_window(), 1030 /* IDC_LOG_TEXT */);
    static wchar_t text[300 * 1024];
    text_of(edit, text, (int)(sizeof text / sizeof text[0]));
    for (wchar_t *line = text, *next; line && *line; line = next) {
        next = wcsstr(line, L"\r\n");
        if (next) {
            *next = L'\0';
            next += 2;
        }
        print_line("log", line);
    }
}

/* Every label, button and check box whose text is wider than the room the control gives
 * it, measured with GetTextExtentPoint32W on the control's own font: "overflow: ..."
 * lines, then "fit: N controls, M too narrow". */
static void check_fit(HWND window)
{
    int checked = 0, over = 0;
    for (HWND c = GetWindow(window, GW_CHILD); c; c = GetWindow(c, GW_HWNDNEXT)) {
        wchar_t cls[64], text[512];
        GetClassNameW(c, cls, 64);
        bool button = _wcsicmp(cls, L"Button") == 0, label = _wcsicmp(cls, L"Static") == 0;
        int id = GetDlgCtrlID(c);
        /* The status and match lines hold what a job says, not a fixed text; the option
         * dialogs' (and Several...'s, From a drive...'s) introductions are sentences that
         * wrap in their room. */
        if (!IsWindowVisible(c) || (!button && !label) || id == 1014 || id == 1022 ||
            id == 1036 || id == 1043 || id == 1101 || id == 1111)
            continue;
        text_of(c, text, 512);
        if (!text[0]) continue;
        HDC dc = GetDC(c);
        HGDIOBJ old = SelectObject(dc, (HFONT)SendMessageW(c, WM_GETFONT, 0, 0));
        SIZE size = {0};
        GetTextExtentPoint32W(dc, text, (int)wcslen(text), &size);
        int dpi = GetDeviceCaps(dc, LOGPIXELSX);
        SelectObject(dc, old);
        ReleaseDC(c, dc);
        RECT rc;
        GetClientRect(c, &rc);
        int room = rc.right - rc.left;
        LONG type = GetWindowLongW(c, GWL_STYLE) & BS_TYPEMASK;
        if (button && (type == BS_AUTORADIOBUTTON || type == BS_RADIOBUTTON))
            /* Two lines of room (BS_MULTILINE), less the circle and its gap. */
            room = 2 * (room - MulDiv(13 + 4, dpi, 96)) - MulDiv(40, dpi, 96);
        else if (button && (type == BS_AUTOCHECKBOX || type == BS_CHECKBOX))
            room -= MulDiv(13 + 4, dpi, 96); /* the box and its gap */
        else if (button)
            room -= MulDiv(6, dpi, 96);      /* the push button's edges */
        checked++;
        if (size.cx > room) {
            over++;
            char utf8[1024];
            WideCharToMultiByte(CP_UTF8, 0, text, -1, utf8, sizeof utf8, NULL, NULL);
            printf("overflow: %s: %ld px in %d px\n", utf8, (long)size.cx, room);
        }
    }
    printf("fit: %d controls, %d too narrow\n", checked, over);
    fflush(stdout);
}

/* Picks a language in the dialog's language box, as a user would. */
static void choose_language(const char *name)
{
    HWND combo = GetDlgItem(dialog, 1034 /* IDC_LANGUAGE */);
    LRESULT at = SendMessageW(combo, CB_FINDSTRING, (WPARAM)-1, (LPARAM)widen(name));
    if (at == CB_ERR) fail("no language called", widen(name));
    SendMessageW(combo, CB_SETCURSEL, (WPARAM)at, 0);
    SendMessageW(dialog, WM_COMMAND, MAKEWPARAM(1034, CBN_SELCHANGE), (LPARAM)combo);
    Sleep(200);
}

static void wait_idle(void)
{
    /* Write is disabled while a job runs, but not yet for a moment after a click or a
     * confirmation (the job is being set up): idle must last a second to count, unless
     * the end shows its result in a message box. */
    HWND write = GetDlgItem(dialog, 1016);
    HWND cancel = GetDlgItem(dialog, 1018);
    int idle_for = 0;
    for (int t = 0; t < TIMEOUT_MS; t += STEP_MS) {
        if (message_box()) return;
        idle_for = IsWindowEnabled(write) && !IsWindowEnabled(cancel) ? idle_for + STEP_MS : 0;
        if (idle_for >= 1000) return;
        Sleep(STEP_MS);
    }
    fail("the job did not end", NULL);
}

static void wait_progress(int percent)
{
    HWND bar = GetDlgItem(dialog, 1013);
    for (int t = 0; t < TIMEOUT_MS; t += 10) {
        LRESULT pos = SendMessageW(bar, PBM_GETPOS, 0, 0);
        LRESULT max = SendMessageW(bar, PBM_GETRANGE, FALSE, 0);
        if (max > 0 && pos * 100 >= percent * max) {
            printf("progress: %ld of %ld\n", (long)pos, (long)max);
            fflush(stdout);
            return;
        }
        Sleep(10);
    }
    fail("the progress bar did not move", NULL);
}

static void select_entry(const char *label, const char *substring)
{
    HWND combo = by_label(label);
    const wchar_t *want = widen(substring);
    LRESULT count = SendMessageW(combo, CB_GETCOUNT, 0, 0);
    for (LRESULT i = 0; i < count; i++) {
        wchar_t text[512];
        if (SendMessageW(combo, CB_GETLBTEXTLEN, (WPARAM)i, 0) >= 512) continue;
        SendMessageW(combo, CB_GETLBTEXT, (WPARAM)i, (LPARAM)text);
        if (!wcsstr(text, want)) continue;
        SendMessageW(combo, CB_SETCURSEL, (WPARAM)i, 0);
        SendMessageW(dialog, WM_COMMAND, MAKEWPARAM(GetDlgCtrlID(combo), CBN_SELCHANGE), (LPARAM)combo);
        print_line("selected", text);
        return;
    }
    fail("no entry containing", want);
}

/* "controls: Write=1 Read=1 ... Cancel=0": what a user can press or type into. */
static void print_controls(void)
{
    char line[8192] = "";
    size_t used = 0;
    for (HWND c = GetWindow(dialog, GW_CHILD); c; c = GetWindow(c, GW_HWNDNEXT)) {
        wchar_t cls[64], text[256];
        GetClassNameW(c, cls, 64);
        if (!IsWindowVisible(c) || wcscmp(cls, L"Static") == 0 || wcscmp(cls, L"msctls_progress32") == 0)
            continue;
        text_of(c, text, 256);
        if (wcscmp(cls, L"Edit") == 0 || wcscmp(cls, L"ComboBox") == 0) swprintf(text, 256, L"#%d", GetDlgCtrlID(c));
        char utf8[1024]; /* %ls would go through the C locale: not for accents or CJK */
        WideCharToMultiByte(CP_UTF8, 0, text, -1, utf8, sizeof utf8, NULL, NULL);
        used += (size_t)snprintf(line + used, sizeof line - used, "%s%s=%d", used ? " " : "", utf8,
                                 IsWindowEnabled(c) ? 1 : 0);
        if (used >= sizeof line) break;
    }
    printf("controls: %s\n", line);
    fflush(stdout);
}

static void print_threads(void)
{
    DWORD pid = 0;
    GetWindowThreadProcessId(dialog, &pid);
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    int count = 0;
    THREADENTRY32 t = {.dwSize = sizeof t};
    if (snap != INVALID_HANDLE_VALUE && Thread32First(snap, &t)) {
        do {
            if (t.th32OwnerProcessID == pid) count++;
        } while (Thread32Next(snap, &t));
    }
    if (snap != INVALID_HANDLE_VALUE) CloseHandle(snap);
    printf("threads: %d\n", count);
    fflush(stdout);
}

int wmain(int argc, wchar_t **wargv)
{
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    for (int i = 0; i < argc; i++) {
        int n = WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
        argv[i] = malloc((size_t)n);
        WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, argv[i], n, NULL, NULL);
    }
    /* Tells the test that Wine started the driver (its steps print only what they read). */
    printf("driver: started\n");
    fflush(stdout);
    for (int i = 1; i < argc; i++) {
        const char *step = argv[i];
        if (strcmp(step, "wait-window") == 0) {
            wait_window();
            continue;
        }
        if (!dialog) wait_window();
        if (strcmp(step, "type") == 0 && i + 2 < argc) {
            SendMessageW(by_label(argv[i + 1]), WM_SETTEXT, 0, (LPARAM)widen(argv[i + 2]));
            i += 2;
        } else if (strcmp(step, "select") == 0 && i + 2 < argc) {
            select_entry(argv[i + 1], argv[i + 2]);
            i += 2;
        } else if (strcmp(step, "check") == 0 && i + 2 < argc) {
            HWND box = by_label(argv[i + 1]);
            bool want = strcmp(argv[i + 2], "on") == 0;
            if ((SendMessageW(box, BM_GETCHECK, 0, 0) == BST_CHECKED) != want)
                SendMessageW(box, BM_CLICK, 0, 0);
            i += 2;
        } else if (strcmp(step, "click") == 0 && i + 1 < argc) {
            HWND b = by_label(argv[++i]);
            if (!IsWindowEnabled(b)) fail("the button is disabled", widen(argv[i]));
            /* Posted: the click may open a modal message box. */
            PostMessageW(dialog, WM_COMMAND, MAKEWPARAM(GetDlgCtrlID(b), BN_CLICKED), (LPARAM)b);
            Sleep(200);
        } else if (strcmp(step, "answer") == 0 && i + 1 < argc) {
            answer(argv[++i]);
        } else if (strcmp(step, "no-message") == 0) {
            Sleep(300);
            if (message_box()) fail("a message box is open", NULL);
        } else if (strcmp(step, "wait-idle") == 0) {
            wait_idle();
        } else if (strcmp(step, "wait-progress") == 0 && i + 1 < argc) {
            wait_progress(atoi(argv[++i]));
        } else if (strcmp(step, "get") == 0 && i + 1 < argc) {
            wchar_t text[4096];
            text_of(by_label(argv[++i]), text, 4096);
            print_line(argv[i], text);
        } else if (strcmp(step, "status") == 0) {
            wchar_t text[4096];
            text_of(GetDlgItem(dialog, 1014), text, 4096);
            print_line("status", text);
        } else if (strcmp(step, "enabled") == 0 && i + 1 < argc) {
            HWND c = by_label(argv[++i]);
            printf("enabled %s: %d\n", argv[i], IsWindowEnabled(c) ? 1 : 0);
            fflush(stdout);
        } else if (strcmp(step, "checked") == 0 && i + 1 < argc) {
            HWND c = by_label(argv[++i]);
            printf("checked %s: %d\n", argv[i],
                   SendMessageW(c, BM_GETCHECK, 0, 0) == BST_CHECKED ? 1 : 0);
            fflush(stdout);
        } else if (strcmp(step, "fit") == 0) {
            check_fit(dialog);
        } else if (strcmp(step, "fit-box") == 0) {
            /* The dialog box open over the main one (Restore's or Check's options). */
            check_fit(box_with(0, "no dialog box appeared"));
        } else if (strcmp(step, "choose-language") == 0 && i + 1 < argc) {
            choose_language(argv[++i]);
        } else if (strcmp(step, "log-text") == 0) {
            print_log();
        } else if (strcmp(step, "log-close") == 0) {
            press(log_window(), IDCANCEL);
        } else if (strcmp(step, "controls") == 0) {
            print_controls();
        } else if (strcmp(step, "threads") == 0) {
            print_threads();
        } else if (strcmp(step, "title") == 0) {
            wchar_t text[256];
            GetWindowTextW(dialog, text, 256);
            print_line("title", text);
        } else if (strcmp(step, "restore-options") == 0 && i + 3 < argc) {
            restore_options(argv[i + 1], argv[i + 2], strcmp(argv[i + 3], "on") == 0);
            i += 3;
        } else if (strcmp(step, "check-choose") == 0 && i + 1 < argc) {
            check_choose(argv[++i]);
        } else if (strcmp(step, "restore-press") == 0 && i + 1 < argc) {
            restore_press(argv[++i]);
        } else if (strcmp(step, "pick") == 0 && i + 1 < argc) {
            pick(argv[++i]);
        } else if (strcmp(step, "autoplay") == 0) {
            /* What Explorer asks the foreground window before AutoPlay or a format prompt:
             * 1 refuses it. */
            UINT query = RegisterWindowMessageW(L"QueryCancelAutoPlay");
            printf("autoplay: %d\n", (int)SendMessageW(dialog, query, 0, 0));
            fflush(stdout);
        } else if (strcmp(step, "several-choose") == 0 && i + 1 < argc) {
            /* Its substrings run to "--" or the end. */
            int first = i + 1, n = 0;
            while (first + n < argc && strcmp(argv[first + n], "--") != 0) n++;
            several_choose(&argv[first], n);
            i = first + n;
        } else if (strcmp(step, "box-cancel") == 0) {
            press(box_with(0, "no dialog box appeared"), IDCANCEL);
        } else if (strcmp(step, "source-open") == 0) {
            source_open();
        } else if (strcmp(step, "source-pick") == 0 && i + 1 < argc) {
            source_pick(argv[++i]);
        } else if (strcmp(step, "source-drive") == 0 && i + 1 < argc) {
            source_open();
            source_pick(argv[++i]);
        } else if (strcmp(step, "drive-lines") == 0) {
            print_drive_lines();
        } else if (strcmp(step, "close") == 0) {
            PostMessageW(dialog, WM_CLOSE, 0, 0);
        } else if (strcmp(step, "sleep") == 0 && i + 1 < argc) {
            Sleep((DWORD)atoi(argv[++i]));
        } else {
            fail("unknown step or missing argument", widen(step));
        }
    }
    return 0;
}
