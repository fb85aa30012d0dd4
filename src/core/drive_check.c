/* Another card in the same slot, or another stick in the same port, gets the same
 * device path: the size, the model and the serial number tell it apart. Checked in
 * that order, so the message names the most visible difference. */
#include "drive_check.h"

#include <stdio.h>
#include <string.h>


bool di_drive_changed(const di_drive_expect *expect, uint64_t size_now,
                      const di_drive_info *now, const char *path, di_error *error)
{
    di_error_clear(error);
    if (expect->size && size_now != expect->size) {
        di_error_why(error, DI_ERR_BUSY, DI_OP_WRITE, path, DI_REASON_DRIVE_CHANGED_SIZE,
                     DI_ARGS(di_size(expect->size), di_size(size_now)));
        return true;
    }
    if (!now) return false;
    if (expect->model && expect->model[0] && strcmp(now->model, expect->model) != 0) {
        if (now->model[0])
            di_error_why(error, DI_ERR_BUSY, DI_OP_WRITE, path, DI_REASON_DRIVE_CHANGED_MODEL,
                         DI_ARGS(di_text(expect->model), di_text(now->model)));
        else
            di_error_why(error, DI_ERR_BUSY, DI_OP_WRITE, path,
                         DI_REASON_DRIVE_CHANGED_TO_UNKNOWN_MODEL, DI_ARGS(di_text(expect->model)));
        return true;
    }
    if (expect->serial && expect->serial[0] && now->serial[0] &&
        strcmp(now->serial, expect->serial) != 0) {
        di_error_why(error, DI_ERR_BUSY, DI_OP_WRITE, path, DI_REASON_DRIVE_CHANGED_SERIAL,
                     DI_ARGS(di_text(expect->serial), di_text(now->serial)));
        return true;
    }
    return false;
}
