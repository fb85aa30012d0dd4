/* Status names, and errors recorded with their context. */
#include "diskimager/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diskimager/system.h"

const char *di_status_name(di_status status)
{
    switch (status) {
    case DI_OK: return "ok";
    case DI_ERR_USAGE: return "invalid request";
    case DI_ERR_OPEN: return "open error";
    case DI_ERR_READ: return "read error";
    case DI_ERR_WRITE: return "write error";
    case DI_ERR_FLUSH: return "flush error";
    case DI_ERR_NO_SPACE: return "out of space";
    case DI_ERR_TOO_SMALL: return "device too small";
    case DI_ERR_BUSY: return "device busy";
    case DI_ERR_MISMATCH: return "verify mismatch";
    case DI_ERR_CANCELLED: return "cancelled";
    case DI_ERR_NO_MEMORY: return "out of memory";
    case DI_ERR_PARTITIONS: return "bad partition table";
    case DI_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

void di_error_clear(di_error *error)
{
    memset(error, 0, sizeof *error);
}

static void copy_text(char *dst, size_t size, const char *src)
{
    if (!src) src = "";
    snprintf(dst, size, "%s", src);
}

const char *di_fault_name(di_fault fault)
{
    switch (fault) {
    case DI_FAULT_UNKNOWN: return "error";
    case DI_FAULT_TRANSIENT: return "transient";
    case DI_FAULT_ACCESS_DENIED: return "access denied";
    case DI_FAULT_MEDIA: return "media error";
    case DI_FAULT_NO_MEDIUM: return "no medium";
    case DI_FAULT_WRITE_PROTECTED: return "write-protected";
    case DI_FAULT_UNBUFFERED_REFUSED: return "unbuffered I/O refused";
    case DI_FAULT_GONE: return "device removed";
    }
    return "error";
}

static di_status error_vset(di_error *error, di_status status, const char *operation,
                            const char *path, int os_code, const char *detail, va_list args)
{
    di_error_clear(error);
    error->status = status;
    copy_text(error->operation, sizeof error->operation, operation);
    copy_text(error->path, sizeof error->path, path);
    error->os_code = os_code;
    if (os_code != 0) di_os_error_text(os_code, error->os_text, sizeof error->os_text);
    if (detail) vsnprintf(error->detail, sizeof error->detail, detail, args);
    return status;
}

di_status di_error_set(di_error *error, di_status status, const char *operation,
                       const char *path, int os_code, const char *detail, ...)
{
    if (!error) return status;
    va_list args;
    va_start(args, detail);
    error_vset(error, status, operation, path, os_code, detail, args);
    va_end(args);
    return status;
}

di_status di_error_set_os(di_error *error, di_status status, di_io_op op, const char *operation,
                          const char *path, int os_code, const char *detail, ...)
{
    if (!error) return status;
    va_list args;
    va_start(args, detail);
    error_vset(error, status, operation, path, os_code, detail, args);
    va_end(args);
    error->fault = di_os_fault(os_code, op);
    return status;
}

di_status di_error_refuse(di_error *error, di_status status, di_reason reason,
                          const char *operation, const char *path)
{
    if (!error) return status;
    di_error_clear(error);
    error->status = status;
    error->reason = reason;
    copy_text(error->operation, sizeof error->operation, operation);
    copy_text(error->path, sizeof error->path, path);
    return status;
}

void di_error_at(di_error *error, uint64_t offset)
{
    error->has_offset = true;
    error->offset = offset;
}

const char *di_fault_advice(di_fault fault)
{
    switch (fault) {
    case DI_FAULT_WRITE_PROTECTED:
        return "the card is write-protected: slide the lock switch on its side up, towards "
               "the contacts, and insert the card again";
    case DI_FAULT_NO_MEDIUM: return "there is no card in the reader: insert one";
    case DI_FAULT_MEDIA:
        return "the drive reported a media error: the card may be failing (a bad card is "
               "never retried)";
    case DI_FAULT_GONE: return "the drive was removed or disconnected";
    case DI_FAULT_ACCESS_DENIED: return di_os_access_denied_advice();
    default: return "";
    }
}
