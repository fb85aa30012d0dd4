/* Status names, and errors recorded with their context. */
#include "diskimager/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diskimager/system.h"
#include "diskimager/units.h"

void di_error_clear(di_error *error)
{
    memset(error, 0, sizeof *error);
}

static void copy_text(char *dst, size_t size, const char *src)
{
    if (!src) src = "";
    snprintf(dst, size, "%s", src);
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

/* Keeps the arguments as data and the English sentence in detail. */
static void set_reason(di_error *error, di_reason reason, const di_arg *args, size_t count)
{
    error->reason = reason;
    size_t text_used = 0;
    for (size_t i = 0; i < count && i < DI_ERROR_ARGS_MAX; i++) {
        error->args[i].kind = (unsigned char)args[i].kind;
        error->args[i].n = args[i].n;
        error->args[i].text_at = (unsigned short)text_used;
        if (args[i].kind == DI_ARG_TEXT) {
            /* Texts are cut where the buffer ends, still NUL-terminated. */
            int n = snprintf(error->arg_text + text_used, sizeof error->arg_text - text_used, "%s",
                             args[i].text);
            text_used += (size_t)n + 1;
            if (text_used >= sizeof error->arg_text) text_used = sizeof error->arg_text - 1;
        }
        error->arg_count = (unsigned)i + 1;
    }
    const char *english = di_reason_english(reason);
    if (english) di_error_fill(english, error, di_format_size, error->detail, sizeof error->detail);
}

di_status di_error_why(di_error *error, di_status status, di_op op, const char *path,
                       di_reason reason, const di_arg *args, size_t arg_count)
{
    if (!error) return status;
    di_error_clear(error);
    error->status = status;
    error->op = op;
    copy_text(error->operation, sizeof error->operation, di_op_name(op));
    copy_text(error->path, sizeof error->path, path);
    set_reason(error, reason, args, arg_count);
    return status;
}

void di_error_reword(di_error *error, di_reason reason, const di_arg *args, size_t arg_count)
{
    if (!error) return;
    error->arg_count = 0;
    memset(error->args, 0, sizeof error->args);
    error->arg_text[0] = '\0';
    error->detail[0] = '\0';
    set_reason(error, reason, args, arg_count);
}

di_status di_error_why_code(di_error *error, di_status status, di_op op, const char *path,
                            int os_code, di_reason reason, const di_arg *args, size_t arg_count)
{
    if (!error) return status;
    di_error_why(error, status, op, path, reason, args, arg_count);
    error->os_code = os_code;
    if (os_code != 0) di_os_error_text(os_code, error->os_text, sizeof error->os_text);
    return status;
}

di_status di_error_why_os(di_error *error, di_status status, di_io_op io, di_op op,
                          const char *path, int os_code, di_reason reason, const di_arg *args,
                          size_t arg_count)
{
    if (!error) return status;
    di_error_why(error, status, op, path, reason, args, arg_count);
    error->os_code = os_code;
    if (os_code != 0) di_os_error_text(os_code, error->os_text, sizeof error->os_text);
    error->fault = di_os_fault(os_code, io);
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

