/* What a GetLastError() code means for a disk imager. Cards and readers fail briefly
 * right after insertion or when a USB port wakes up, and while Windows or an indexer
 * mounts a partition that just appeared: those pass and are worth retrying. A media
 * error must show the card as bad, never be retried away. */
#include "diskimager/status.h"

#include <windows.h>

/* Not in every MinGW header set. */
#ifndef ERROR_DEV_NOT_EXIST
#define ERROR_DEV_NOT_EXIST 55L
#endif
#ifndef ERROR_NO_MEDIA_IN_DRIVE
#define ERROR_NO_MEDIA_IN_DRIVE 1112L
#endif
#ifndef ERROR_MEDIA_CHANGED
#define ERROR_MEDIA_CHANGED 1110L
#endif
#ifndef ERROR_DEVICE_NOT_CONNECTED
#define ERROR_DEVICE_NOT_CONNECTED 1167L
#endif
#ifndef ERROR_NO_SUCH_DEVICE
#define ERROR_NO_SUCH_DEVICE 433L
#endif

di_fault di_os_fault(int os_code, di_io_op op)
{
    switch ((DWORD)os_code) {
    case 0: return DI_FAULT_UNKNOWN;
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_BUSY:
        return DI_FAULT_TRANSIENT;
    case ERROR_MEDIA_CHANGED:
        /* Another card may be in the slot now: writing on would finish the image there. */
        return DI_FAULT_GONE;
    case ERROR_DEV_NOT_EXIST:
    case ERROR_FILE_NOT_FOUND:
        /* On opening a drive, right after insertion or a port waking up; in the middle of
         * a job, the drive is gone. */
        return op == DI_IO_OPEN ? DI_FAULT_TRANSIENT : DI_FAULT_GONE;
    case ERROR_NOT_READY:
        /* On open an empty reader slot; on I/O a drive waking up, and on Windows 11
         * 24H2 the first write after IOCTL_DISK_UPDATE_PROPERTIES. */
        return op == DI_IO_OPEN ? DI_FAULT_NO_MEDIUM : DI_FAULT_TRANSIENT;
    case ERROR_NO_MEDIA_IN_DRIVE:
        return DI_FAULT_NO_MEDIUM;
    case ERROR_ACCESS_DENIED:
        /* A volume lock is denied while files are open on it: the lock's own advice
         * (close the programs) is the right one, not Controlled folder access. */
        return op == DI_IO_LOCK ? DI_FAULT_TRANSIENT : DI_FAULT_ACCESS_DENIED;
    case ERROR_WRITE_PROTECT:
        return DI_FAULT_WRITE_PROTECTED;
    case ERROR_CRC:
    case ERROR_IO_DEVICE:
    case ERROR_SECTOR_NOT_FOUND:
    case ERROR_SEEK:
    case ERROR_READ_FAULT:
    case ERROR_WRITE_FAULT:
    case ERROR_GEN_FAILURE:
        return DI_FAULT_MEDIA;
    case ERROR_INVALID_PARAMETER:
        /* An aligned unbuffered request refused by the reader's driver. */
        return op == DI_IO_READ || op == DI_IO_WRITE ? DI_FAULT_UNBUFFERED_REFUSED
                                                     : DI_FAULT_UNKNOWN;
    case ERROR_DEVICE_NOT_CONNECTED:
    case ERROR_NO_SUCH_DEVICE:
        return DI_FAULT_GONE;
    default:
        return DI_FAULT_UNKNOWN;
    }
}

di_reason di_os_access_denied_reason(void)
{
    /* The error's own text sends people looking in the wrong place. */
    return DI_REASON_ACCESS_DENIED_WINDOWS;
}
