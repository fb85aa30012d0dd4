/* Whether the drive a Write opened is still the one the user chose, as a pure decision
 * over the facts recorded then and those read now, so tests can feed it any pair. */
#ifndef DISKIMAGER_DRIVE_CHECK_H
#define DISKIMAGER_DRIVE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/drives.h"

/* The drive as it was when the user chose it. */
typedef struct di_drive_expect {
    uint64_t size;       /* 0: not checked */
    const char *model;   /* NULL or "": not checked */
    const char *serial;  /* NULL or "": not checked */
} di_drive_expect;

/* True when the drive is another one; error then says how, as a failed write of path
 * ("the drive changed since it was chosen: ...; nothing was written, choose it again"),
 * and is cleared otherwise. size_now is the opened device's size; now is what
 * di_drive_describe says of it, NULL when it could not tell (model and serial are then
 * not checked). A model missing now counts as a change; a serial number missing now
 * does not: many drives report none, or report it on one route and not another. */
bool di_drive_changed(const di_drive_expect *expect, uint64_t size_now,
                      const di_drive_info *now, const char *path, di_error *error);

#endif
