#include "request_look.h"

#include <stdlib.h>

#include "app_messages.h"

/* An image path that names a file (not a folder, not nothing). */
static bool names_file(const char *path)
{
    di_drive_info facts;
    di_error ignored;
    return path && path[0] && di_drive_describe(path, &facts, &ignored) == DI_OK &&
           facts.exists && !facts.is_folder;
}

static void look(void *arg)
{
    request_look *lk = arg;
    const di_request *r = &lk->asked.request;
    lk->check = di_request_check(r, &lk->drive, &lk->refusal);
    lk->image_is_file = names_file(r->image);
    if (lk->list_members && lk->image_is_file) member_list_read(r->image, &lk->members);
    PostMessageW(lk->notify, WM_APP_REQUEST_LOOKED, 0, (LPARAM)lk);
}

request_look *request_look_start(const di_request *request, bool list_members, HWND notify)
{
    request_look *lk = calloc(1, sizeof *lk);
    if (!lk) return NULL;
    lk->notify = notify;
    lk->list_members = list_members;
    request_copy_make(&lk->asked, request);
    lk->thread = di_thread_start(look, lk);
    if (!lk->thread) {
        free(lk);
        return NULL;
    }
    return lk;
}

void request_look_done(request_look *lk)
{
    if (!lk->thread) return;
    di_thread_join(lk->thread);
    lk->thread = NULL;
}

void request_look_free(request_look *lk)
{
    if (!lk) return;
    request_look_done(lk);
    free(lk);
}
