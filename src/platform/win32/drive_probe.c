/* Pure: the drive list's skip and "no card" decisions (drive_probe.h). A drive Windows
 * shows with a letter is not always a disk: subst folders, mapped shares, CD drives,
 * RAM disks and file systems of programs (VeraCrypt, Dokan-based Google Drive) also
 * have letters; probing them the way a disk is probed can hang on a share, spin up a
 * CD or bring up "There is no disk in the drive". */
#include "drive_probe.h"

#include <stdio.h>
#include <string.h>

/* The verdict, with why (may be NULL) set to reason and its code. */
static di_probe_verdict say(di_probe_verdict verdict, di_skip_why *why, di_reason reason,
                            unsigned code)
{
    if (why) {
        memset(why, 0, sizeof *why);
        why->reason = reason;
        why->code = code;
    }
    return verdict;
}

static bool no_medium_error(unsigned error)
{
    return error == DI_WIN_ERROR_NOT_READY || error == DI_WIN_ERROR_NO_MEDIA_IN_DRIVE;
}

/* Everything decided before the drive is opened; DI_PROBE_LIST: go on probing. */
static di_probe_verdict early_verdict(const di_letter_probe *p, bool show_all, di_skip_why *why)
{
    if (p->holds_windows) return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_HOLDS_WINDOWS, 0);
    if (p->drive_type == DI_DRIVE_REMOTE) return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_NETWORK_DRIVE, 0);
    /* A subst drive names a folder: "\??\C:\work", "\??\UNC\server\share\dir". Its type is
     * that of the drive holding the folder, so this comes before the type. */
    if (strncmp(p->dos_device, "\\??\\", 4) == 0) {
        const char *folder = p->dos_device + 4;
        bool unc = strncmp(folder, "UNC\\", 4) == 0;
        say(DI_PROBE_SKIP, why, DI_REASON_SKIP_SUBST_DRIVE, 0);
        if (why)
            snprintf(why->folder, sizeof why->folder, "%s%s", unc ? "\\\\" : "",
                     unc ? folder + 4 : folder);
        return DI_PROBE_SKIP;
    }
    switch (p->drive_type) {
    case DI_DRIVE_REMOVABLE: break;
    case DI_DRIVE_FIXED:
        if (!show_all)
            return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_FIXED_DRIVE, 0);
        break;
    case DI_DRIVE_CDROM: return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_CD_DRIVE, 0);
    case DI_DRIVE_RAMDISK: return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_RAM_DISK, 0);
    case DI_DRIVE_NO_ROOT_DIR: return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_NO_SUCH_DRIVE, 0);
    default:
        return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_UNKNOWN_DRIVE_TYPE, p->drive_type);
    }
    return say(DI_PROBE_LIST, why, DI_REASON_NONE, 0);
}

bool di_letter_worth_opening(const di_letter_probe *probe, bool show_all)
{
    return early_verdict(probe, show_all, NULL) == DI_PROBE_LIST;
}

di_probe_verdict di_letter_verdict(const di_letter_probe *p, bool show_all, di_skip_why *why)
{
    di_probe_verdict early = early_verdict(p, show_all, why);
    if (early != DI_PROBE_LIST) return early;
    bool removable = p->drive_type == DI_DRIVE_REMOVABLE;
    if (!p->opened) {
        if (removable && no_medium_error(p->open_error))
            return say(DI_PROBE_NO_MEDIUM, why, DI_REASON_SKIP_NO_CARD, 0);
        return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_CANNOT_OPEN, p->open_error);
    }
    if (!p->number_ok) {
        if (removable && no_medium_error(p->number_error))
            return say(DI_PROBE_NO_MEDIUM, why, DI_REASON_SKIP_NO_CARD, 0);
        /* Every disk and card Windows drives has a device number; the file systems of
         * programs (VeraCrypt, Dokan-based drives such as Google Drive) have none. */
        return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_NOT_NUMBERED, p->number_error);
    }
    if (p->size == 0) {
        if (p->size_error == DI_WIN_ERROR_ACCESS_DENIED)
            return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_SIZE_NEEDS_ADMIN, 0);
        if (removable) return say(DI_PROBE_NO_MEDIUM, why, DI_REASON_SKIP_NO_CARD, 0);
        return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_NO_SIZE_CODE, p->size_error);
    }
    return say(DI_PROBE_LIST, why, DI_REASON_NONE, 0);
}

di_probe_verdict di_sizeless_disk_verdict(bool removable, unsigned size_error, di_skip_why *why)
{
    if (removable && size_error != DI_WIN_ERROR_ACCESS_DENIED)
        return say(DI_PROBE_NO_MEDIUM, why, DI_REASON_SKIP_NO_CARD, 0);
    if (size_error == DI_WIN_ERROR_ACCESS_DENIED)
        return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_SIZE_NEEDS_ADMIN, 0);
    return say(DI_PROBE_SKIP, why, DI_REASON_SKIP_NO_SIZE_CODE, size_error);
}
