/* What an errno means for a disk imager: which errors pass (a device busy for a moment)
 * and are worth retrying, which say the medium is bad, missing or locked. */
#include "diskimager/status.h"

#include <errno.h>

di_fault di_os_fault(int os_code, di_io_op op)
{
    switch (os_code) {
    case 0: return DI_FAULT_UNKNOWN;
    case EAGAIN:
        return DI_FAULT_TRANSIENT;
    case EBUSY:
        /* On open: another program holds the device exclusively for a moment (udisks
         * probing a new partition, a mount being set up). Mounts are refused before the
         * open, so what is left usually passes. */
        return op == DI_IO_OPEN || op == DI_IO_LOCK ? DI_FAULT_TRANSIENT : DI_FAULT_UNKNOWN;
    case EIO:
    case EILSEQ:
#ifdef ENODATA
    case ENODATA:      /* the block layer's critical medium error */
#endif
#ifdef EREMOTEIO
    case EREMOTEIO:    /* a target failure reported by the device */
#endif
#ifdef EBADMSG
    case EBADMSG:
#endif
#ifdef EMEDIUMTYPE
    case EMEDIUMTYPE:
#endif
        return DI_FAULT_MEDIA;
#ifdef ENOMEDIUM
    case ENOMEDIUM:
        return DI_FAULT_NO_MEDIUM;
#endif
    case EROFS:
        return DI_FAULT_WRITE_PROTECTED;
    case EPERM:
        /* A write to a read-only block device (a card's lock switch, blockdev --setro)
         * fails so; an open, for want of privilege. */
        return op == DI_IO_WRITE ? DI_FAULT_WRITE_PROTECTED : DI_FAULT_UNKNOWN;
    case EACCES:
        /* Here it is about who runs the program, which waiting never changes (Windows'
         * access denied passes, Linux's does not). */
        return DI_FAULT_UNKNOWN;
    case ENODEV:
    case ENXIO:
#ifdef ENOLINK
    case ENOLINK:      /* the link to the device went down */
#endif
        /* On open, a node with no device behind it (an unused loop device); later, the
         * device went away under us. */
        return op == DI_IO_OPEN ? DI_FAULT_UNKNOWN : DI_FAULT_GONE;
    case EINVAL:
        /* An aligned O_DIRECT request refused: only I/O can say so. */
        return op == DI_IO_READ || op == DI_IO_WRITE ? DI_FAULT_UNBUFFERED_REFUSED
                                                     : DI_FAULT_UNKNOWN;
    default:
        return DI_FAULT_UNKNOWN;
    }
}

di_reason di_os_access_denied_reason(void)
{
    return DI_REASON_ACCESS_DENIED_NEEDS_ROOT;
}
