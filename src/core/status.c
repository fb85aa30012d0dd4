/* Status names and the one error formatter every front end uses. */
#include "diskimager/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diskimager/system.h"
#include "diskimager/units.h"

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

di_status di_error_set(di_error *error, di_status status, const char *operation,
                       const char *path, int os_code, const char *detail, ...)
{
    if (!error) return status;
    di_error_clear(error);
    error->status = status;
    copy_text(error->operation, sizeof error->operation, operation);
    copy_text(error->path, sizeof error->path, path);
    error->os_code = os_code;
    if (os_code != 0) di_os_error_text(os_code, error->os_text, sizeof error->os_text);
    if (detail) {
        va_list args;
        va_start(args, detail);
        vsnprintf(error->detail, sizeof error->detail, detail, args);
        va_end(args);
    }
    return status;
}

void di_error_at(di_error *error, uint64_t offset)
{
    error->has_offset = true;
    error->offset = offset;
}

char *di_error_format(const di_error *error, char *out, size_t out_size)
{
    size_t used = 0;
    if (out_size == 0) return out;
    out[0] = '\0';
#define APPEND(...)                                                              \
    do {                                                                         \
        if (used < out_size) {                                                   \
            int n_ = snprintf(out + used, out_size - used, __VA_ARGS__);         \
            if (n_ > 0) used += (size_t)n_;                                      \
        }                                                                        \
    } while (0)

    if (error->operation[0]) APPEND("%s failed", error->operation);
    else APPEND("%s", di_status_name(error->status));
    if (error->path[0]) APPEND(" on %s", error->path);
    if (error->has_offset) {
        char human[32];
        APPEND(" at byte %llu (%s)", (unsigned long long)error->offset,
               di_format_size(error->offset, human, sizeof human));
    }
    if (error->detail[0]) APPEND(": %s", error->detail);
    if (error->os_code != 0)
        APPEND("%s%s [os error %d]", error->detail[0] ? "; " : ": ", error->os_text,
               error->os_code);
#undef APPEND
    return out;
}
