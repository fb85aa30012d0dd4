/* Pure: the drive list's skip and "no card" decisions (drive_probe.h). A drive Windows
 * shows with a letter is not always a disk: subst folders, mapped shares, CD drives,
 * RAM disks and file systems of programs (VeraCrypt, Dokan-based Google Drive) also
 * have letters; probing them the way a disk is probed can hang on a share, spin up a
 * CD or bring up "There is no disk in the drive". */
#include "drive_probe.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static di_probe_verdict say(di_probe_verdict verdict, char *reason, size_t size, const char *fmt,
                            ...)
{
    if (reason && size) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(reason, size, fmt, args);
        va_end(args);
    }
    return verdict;
}

static bool no_medium_error(unsigned error)
{
    return error == DI_WIN_ERROR_NOT_READY || error == DI_WIN_ERROR_NO_MEDIA_IN_DRIVE;
}

/* Everything decided before the drive is opened; DI_PROBE_LIST: go on probing. */
static di_probe_verdict early_verdict(const di_letter_probe *p, bool show_all, char *reason,
                                      size_t size)
{
    if (p->holds_windows) return say(DI_PROBE_SKIP, reason, size, "it holds Windows");
    if (p->drive_type == DI_DRIVE_REMOTE) return say(DI_PROBE_SKIP, reason, size, "a network drive");
    /* A subst drive names a folder: "\??\C:\work", "\??\UNC\server\share\dir". Its type is
     * that of the drive holding the folder, so this comes before the type. */
    if (strncmp(p->dos_device, "\\??\\", 4) == 0) {
        const char *folder = p->dos_device + 4;
        bool unc = strncmp(folder, "UNC\\", 4) == 0;
        return say(DI_PROBE_SKIP, reason, size, "a subst drive for the folder %s%s",
                   unc ? "\\\\" : "", unc ? folder + 4 : folder);
    }
    switch (p->drive_type) {
    case DI_DRIVE_REMOVABLE: break;
    case DI_DRIVE_FIXED:
        if (!show_all)
            return say(DI_PROBE_SKIP, reason, size, "a fixed drive (shown with all disks)");
        break;
    case DI_DRIVE_CDROM: return say(DI_PROBE_SKIP, reason, size, "a CD or DVD drive");
    case DI_DRIVE_RAMDISK: return say(DI_PROBE_SKIP, reason, size, "a RAM disk");
    case DI_DRIVE_NO_ROOT_DIR: return say(DI_PROBE_SKIP, reason, size, "no such drive");
    default:
        return say(DI_PROBE_SKIP, reason, size, "a drive of a kind Windows does not know (%u)",
                   p->drive_type);
    }
    return say(DI_PROBE_LIST, reason, size, "%s", "");
}

bool di_letter_worth_opening(const di_letter_probe *probe, bool show_all)
{
    return early_verdict(probe, show_all, NULL, 0) == DI_PROBE_LIST;
}

di_probe_verdict di_letter_verdict(const di_letter_probe *p, bool show_all, char *reason,
                                   size_t size)
{
    di_probe_verdict early = early_verdict(p, show_all, reason, size);
    if (early != DI_PROBE_LIST) return early;
    bool removable = p->drive_type == DI_DRIVE_REMOVABLE;
    if (!p->opened) {
        if (removable && no_medium_error(p->open_error))
            return say(DI_PROBE_NO_MEDIUM, reason, size, "no card in the reader");
        return say(DI_PROBE_SKIP, reason, size, "it cannot be opened (error %u)", p->open_error);
    }
    if (!p->number_ok) {
        if (removable && no_medium_error(p->number_error))
            return say(DI_PROBE_NO_MEDIUM, reason, size, "no card in the reader");
        /* Every disk and card Windows drives has a device number; the file systems of
         * programs (VeraCrypt, Dokan-based drives such as Google Drive) have none. */
        return say(DI_PROBE_SKIP, reason, size,
                   "not a disk Windows numbers (a virtual drive: VeraCrypt, Google Drive, "
                   "Dokan...; error %u)",
                   p->number_error);
    }
    if (p->size == 0) {
        if (p->size_error == DI_WIN_ERROR_ACCESS_DENIED)
            return say(DI_PROBE_SKIP, reason, size,
                       "its size cannot be read without administrator rights");
        if (removable) return say(DI_PROBE_NO_MEDIUM, reason, size, "no card in the reader");
        return say(DI_PROBE_SKIP, reason, size, "it reports no size (error %u)", p->size_error);
    }
    return say(DI_PROBE_LIST, reason, size, "%s", "");
}

di_probe_verdict di_sizeless_disk_verdict(bool removable, unsigned size_error, char *reason,
                                          size_t size)
{
    if (removable && size_error != DI_WIN_ERROR_ACCESS_DENIED)
        return say(DI_PROBE_NO_MEDIUM, reason, size, "no card in the reader");
    if (size_error == DI_WIN_ERROR_ACCESS_DENIED)
        return say(DI_PROBE_SKIP, reason, size,
                   "its size cannot be read without administrator rights");
    return say(DI_PROBE_SKIP, reason, size, "it reports no size (error %u)", size_error);
}
