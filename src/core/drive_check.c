/* Another card in the same slot, or another stick in the same port, gets the same
 * device path: the size, the model and the serial number tell it apart. Checked in
 * that order, so the message names the most visible difference. */
#include "drive_check.h"

#include <stdio.h>
#include <string.h>

#include "diskimager/units.h"

#define CHANGED "the drive changed since it was chosen: "
#define NOTHING_WRITTEN "; nothing was written, choose it again"

bool di_drive_changed(const di_drive_expect *expect, uint64_t size_now,
                      const di_drive_info *now, char *reason, size_t reason_size)
{
    if (reason_size) reason[0] = '\0';
    if (expect->size && size_now != expect->size) {
        char was[32], is[32];
        snprintf(reason, reason_size,
                 CHANGED "it had %s, it now has %s (another card or stick?)" NOTHING_WRITTEN,
                 di_format_size(expect->size, was, sizeof was),
                 di_format_size(size_now, is, sizeof is));
        return true;
    }
    if (!now) return false;
    if (expect->model && expect->model[0] && strcmp(now->model, expect->model) != 0) {
        snprintf(reason, reason_size, CHANGED "it was a %s, it is now a %s" NOTHING_WRITTEN,
                 expect->model, now->model[0] ? now->model : "drive of unknown model");
        return true;
    }
    if (expect->serial && expect->serial[0] && now->serial[0] &&
        strcmp(now->serial, expect->serial) != 0) {
        snprintf(reason, reason_size, CHANGED "serial number %s, now %s" NOTHING_WRITTEN,
                 expect->serial, now->serial);
        return true;
    }
    return false;
}
