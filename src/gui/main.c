/* Win32DiskImager.exe: starts COM and the common controls, then runs the dialog. */
#include <windows.h>

#include <commctrl.h>
#include <objbase.h>

#include "main_dialog.h"
#include "resource.h"

int WINAPI wWinMain(HINSTANCE instance, HINSTANCE previous, PWSTR command_line, int show)
{
    (void)previous;
    (void)command_line;
    (void)show;
    /* Load system DLLs from System32 only, never from the current folder. */
    SetDefaultDllDirectories(LOAD_LIBRARY_SEARCH_SYSTEM32);
    /* An empty card reader or CD drive answers an error, not a "No disk" box, on every
     * thread (the drive list also asks for it around its probing, for other callers). */
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOOPENFILEERRORBOX);
    CoInitializeEx(NULL, COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE);
    INITCOMMONCONTROLSEX controls = {sizeof controls,
                                     ICC_PROGRESS_CLASS | ICC_STANDARD_CLASSES | ICC_LISTVIEW_CLASSES};
    InitCommonControlsEx(&controls);
    INT_PTR result = DialogBoxParamW(instance, MAKEINTRESOURCEW(IDD_MAIN), NULL, main_dialog_proc, 0);
    CoUninitialize();
    return result < 0 ? 1 : 0;
}
