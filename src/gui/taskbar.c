#define COBJMACROS
#include "taskbar.h"

#include <shobjidl.h>

static ITaskbarList3 *taskbar;

UINT taskbar_created_message(void)
{
    static UINT message;
    if (!message) message = RegisterWindowMessageW(L"TaskbarButtonCreated");
    return message;
}

void taskbar_attach(HWND hwnd)
{
    (void)hwnd;
    if (taskbar) return;
    if (FAILED(CoCreateInstance(&CLSID_TaskbarList, NULL, CLSCTX_INPROC_SERVER, &IID_ITaskbarList3,
                                (void **)&taskbar)))
        taskbar = NULL;
    else if (FAILED(ITaskbarList3_HrInit(taskbar))) {
        ITaskbarList3_Release(taskbar);
        taskbar = NULL;
    }
}

void taskbar_progress(HWND hwnd, uint64_t done, uint64_t total)
{
    if (!taskbar) return;
    ITaskbarList3_SetProgressState(taskbar, hwnd, TBPF_NORMAL);
    ITaskbarList3_SetProgressValue(taskbar, hwnd, done, total ? total : 1);
}

void taskbar_error(HWND hwnd)
{
    if (!taskbar) return;
    ITaskbarList3_SetProgressState(taskbar, hwnd, TBPF_ERROR);
    ITaskbarList3_SetProgressValue(taskbar, hwnd, 1, 1);
}

void taskbar_clear(HWND hwnd)
{
    if (taskbar) ITaskbarList3_SetProgressState(taskbar, hwnd, TBPF_NOPROGRESS);
}

void taskbar_release(void)
{
    if (taskbar) ITaskbarList3_Release(taskbar);
    taskbar = NULL;
}
