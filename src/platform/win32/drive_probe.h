/* Which drives the Windows drive list shows, skips or shows as "no card", decided from
 * what the enumeration asked Windows, as pure functions over recorded answers (drive
 * types, DOS device names, error codes), so tests feed them on any OS. Each skip has
 * its reason as data (di_skip_why), for a log and for `list --all`. No <windows.h>. */
#ifndef DISKIMAGER_WIN32_DRIVE_PROBE_H
#define DISKIMAGER_WIN32_DRIVE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/drives.h"

/* GetDriveTypeW's answers (winbase.h). */
enum {
    DI_DRIVE_UNKNOWN = 0, DI_DRIVE_NO_ROOT_DIR = 1, DI_DRIVE_REMOVABLE = 2, DI_DRIVE_FIXED = 3,
    DI_DRIVE_REMOTE = 4, DI_DRIVE_CDROM = 5, DI_DRIVE_RAMDISK = 6
};

/* The Win32 error codes these decisions look at (winerror.h). */
enum {
    DI_WIN_ERROR_FILE_NOT_FOUND = 2, DI_WIN_ERROR_PATH_NOT_FOUND = 3,
    DI_WIN_ERROR_ACCESS_DENIED = 5, DI_WIN_ERROR_NOT_READY = 21,
    DI_WIN_ERROR_BAD_NETPATH = 53, DI_WIN_ERROR_NO_SUCH_DEVICE = 433,
    DI_WIN_ERROR_NO_MEDIA_IN_DRIVE = 1112
};

typedef enum di_probe_verdict {
    DI_PROBE_LIST = 0,   /* a drive to offer */
    DI_PROBE_NO_MEDIUM,  /* a reader with no card: listed as "no card", never a target */
    DI_PROBE_SKIP        /* not listed; the reason says why */
} di_probe_verdict;

/* What the enumeration learned about a drive letter that no listed physical disk
 * accounts for (on Windows, mostly virtual drives; under Wine, every drive). The
 * later fields are filled only as far as the probing went: a network drive is never
 * opened, so a disconnected share cannot make the list wait. */
typedef struct di_letter_probe {
    char letter;                 /* 'E' */
    bool holds_windows;          /* the Windows directory is on it */
    unsigned drive_type;         /* GetDriveTypeW of "E:\" */
    char dos_device[260];        /* QueryDosDeviceW("E:"), UTF-8: "\Device\HarddiskVolume5";
                                    a subst drive's is "\??\C:\folder"; "" if unknown */
    bool opened;                 /* \\.\E: opened for the queries below */
    unsigned open_error;         /* GetLastError() when not */
    bool number_ok;              /* IOCTL_STORAGE_GET_DEVICE_NUMBER answered */
    unsigned number_error;       /* GetLastError() when not */
    uint64_t size;               /* the volume's size, 0 when unknown */
    unsigned size_error;         /* GetLastError() of the size query, 0 if it answered */
} di_letter_probe;

/* Whether the drive is worth opening for the queries below, from its type and DOS
 * device alone: network drives, subst drives, CD drives, RAM disks are never opened,
 * so a disconnected share or an empty CD drive cannot make the list wait. */
bool di_letter_worth_opening(const di_letter_probe *probe, bool show_all);

/* The verdict for a lettered drive: show_all adds fixed drives. why (may be NULL) gets
 * why it is skipped or has no medium (DI_REASON_SKIP_NETWORK_DRIVE, _SUBST_DRIVE with
 * its folder, _CD_DRIVE, _NO_CARD, ...), DI_REASON_NONE when listed. */
di_probe_verdict di_letter_verdict(const di_letter_probe *probe, bool show_all, di_skip_why *why);

/* A physical disk whose size could not be learned (size 0, size_error the error of the
 * size queries): a card reader with an empty slot (removable media or a USB, SD or MMC
 * bus; ERROR_NOT_READY, ERROR_NO_MEDIA_IN_DRIVE or simply no size) has no medium, any
 * other disk is skipped with the reason. */
di_probe_verdict di_sizeless_disk_verdict(bool removable, unsigned size_error, di_skip_why *why);

#endif
