#include "request_copy.h"

#include <stdio.h>

/* text, or NULL kept as NULL, copied into buffer. */
static const char *keep(const char *text, char *buffer, size_t size)
{
    if (!text) return NULL;
    snprintf(buffer, size, "%s", text);
    return buffer;
}

void request_copy_make(request_copy *copy, const di_request *request)
{
    copy->request = *request;
    copy->request.image = keep(request->image, copy->image, sizeof copy->image);
    copy->request.drive = keep(request->drive, copy->drive, sizeof copy->drive);
    copy->request.member = keep(request->member, copy->member, sizeof copy->member);
    copy->request.expected = keep(request->expected, copy->expected, sizeof copy->expected);
    copy->request.bmap = keep(request->bmap, copy->bmap, sizeof copy->bmap);
    copy->request.card_label = keep(request->card_label, copy->card_label, sizeof copy->card_label);
    copy->request.chosen = NULL;
    if (request->chosen) {
        copy->chosen = *request->chosen;
        copy->request.chosen = &copy->chosen;
    }
    unsigned count = request->drive_count <= DI_TARGETS_MAX ? request->drive_count : 0;
    copy->request.drives = count ? copy->drive_list : NULL;
    copy->request.chosen_drives = count && request->chosen_drives ? copy->chosen_list : NULL;
    for (unsigned i = 0; i < count; i++) {
        copy->drive_list[i] = keep(request->drives[i], copy->drives[i], sizeof copy->drives[i]);
        copy->chosen_list[i] = NULL;
        if (request->chosen_drives && request->chosen_drives[i]) {
            copy->chosen_drives[i] = *request->chosen_drives[i];
            copy->chosen_list[i] = &copy->chosen_drives[i];
        }
    }
}
