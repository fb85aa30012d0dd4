/* A request the dialog made, copied with every text it points to, so another thread
 * can read it while the dialog's buffers change. */
#ifndef DISKIMAGER_GUI_REQUEST_COPY_H
#define DISKIMAGER_GUI_REQUEST_COPY_H

#include "diskimager/request.h"

typedef struct request_copy {
    di_request request;          /* points into this copy */
    di_drive_info chosen;
    char image[DI_PATH_MAX], drive[DI_PATH_MAX], member[DI_MEMBER_MAX];
    char expected[DI_TEXT_MAX], bmap[DI_PATH_MAX];
    char card_label[DI_CARD_LABEL_MAX + 1];
    /* A Write to several drives: their paths and facts. */
    char drives[DI_TARGETS_MAX][DI_PATH_MAX];
    const char *drive_list[DI_TARGETS_MAX];
    di_drive_info chosen_drives[DI_TARGETS_MAX];
    const di_drive_info *chosen_list[DI_TARGETS_MAX];
} request_copy;

/* copy gets request; NULL texts stay NULL. copy must not move afterwards. */
void request_copy_make(request_copy *copy, const di_request *request);

#endif
