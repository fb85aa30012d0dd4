#include "drive_text.h"

#include <stdio.h>
#include <string.h>

#include "lang.h"
#include "platform/win32/drive_path.h"

/* "\\.\T:" -> 'T', else 0. */
static char drive_letter(const char *path)
{
    bool shaped = strlen(path) == 6 && strncmp(path, "\\\\.\\", 4) == 0 && path[5] == ':';
    char c = shaped ? path[4] : 0;
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? c : 0;
}

char *drive_text(const di_drive_info *d, char *out, size_t out_size)
{
    char size[32], letter[3], number[16];
    const char *space = d->no_medium ? tr(T_NO_CARD) : tr_size(d->size, size, sizeof size);
    char l = drive_letter(d->path);
    unsigned disk;
    if (l) {
        snprintf(letter, sizeof letter, "%c:", l);
        return tr_format(out, out_size, T_DRIVE_LETTER, letter,
                         tr(d->removable ? T_REMOVABLE_DRIVE : T_FIXED_DRIVE), space, NULL);
    }
    if (di_physical_drive_number(d->path, &disk)) {
        snprintf(number, sizeof number, "%u", disk);
        tr_format(out, out_size, d->removable ? T_DRIVE_DISK : T_DRIVE_DISK_FIXED, number,
                  d->model[0] ? d->model : tr(T_UNKNOWN_MODEL), space,
                  d->mounts[0] ? d->mounts : tr(T_NO_LETTER), NULL);
        return out;
    }
    snprintf(out, out_size, "%s%s%s", d->path, d->model[0] ? " \xC2\xB7 " : "", d->model);
    return out;
}
