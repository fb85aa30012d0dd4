/* di_error_format: the one English renderer of errors, for the CLI, the tests and the
 * log. The dialog words the same data from its own string table. */
#include <stdarg.h>
#include <stdio.h>

#include "diskimager/drives.h"
#include "diskimager/status.h"
#include "diskimager/units.h"

typedef struct text_out {
    char *out;
    size_t size, used;
} text_out;

#if defined(__MINGW32__)
__attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void append(text_out *t, const char *fmt, ...)
{
    if (t->used >= t->size) return;
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(t->out + t->used, t->size - t->used, fmt, args);
    va_end(args);
    if (n > 0) t->used += (size_t)n;
}

/* A refusal's sentence with its data. The reasons past the refusals have their sentence
 * in include/diskimager/reasons/ (tests/test_lang.c checks each has one). */
static void append_reason(text_out *t, const di_error *e)
{
    char a[32], b[32];
    switch (e->reason) {
    case DI_REASON_NONE: break;
    case DI_REASON_COUNT: break;
    case DI_REASON_NO_IMAGE: append(t, "no image file was given"); break;
    case DI_REASON_IMAGE_MISSING:
        append(t, "%s failed on %s: the image file does not exist", e->operation, e->path);
        break;
    case DI_REASON_IMAGE_IS_FOLDER:
        append(t, "%s failed on %s: it is a folder, not an image file", e->operation, e->path);
        break;
    case DI_REASON_IMAGE_EMPTY:
        append(t, "%s failed on %s: the image file is empty: there is nothing to write or "
                  "compare", e->operation, e->path);
        break;
    case DI_REASON_NO_DRIVE: append(t, "no device was given"); break;
    case DI_REASON_SYSTEM_DISK:
        append(t, "refusing to write to %s: it holds the running system; it is never written",
               e->path);
        break;
    case DI_REASON_FIXED_DISK:
        append(t, "refusing to write to %s: it is not a removable drive (%s%s, %s)", e->path,
               e->value[0] ? "bus " : "fixed disk", e->value,
               di_format_size(e->sizes[0], a, sizeof a));
        break;
    case DI_REASON_BAD_EXPECTED:
        append(t, "the expected hash \"%s\" is not an MD5, SHA-1, SHA-256 or SHA-512 digest "
                  "(32, 40, 64 or 128 hex digits)", e->value);
        break;
    case DI_REASON_IMAGE_SIZE_UNKNOWN:
        append(t, "%s does not record the size of the image inside it, so the drive's first "
                  "image-size bytes cannot be told; verify compares the drive with it instead",
               e->path);
        break;
    case DI_REASON_IMAGE_TOO_BIG_TO_HASH:
        append(t, "the image %s (%s) is larger than %s (%s): the drive cannot hold it", e->path,
               di_format_size(e->sizes[0], a, sizeof a), e->path2,
               di_format_size(e->sizes[1], b, sizeof b));
        break;
    case DI_REASON_MOVE_GPT_NEEDS_VERIFY:
        append(t, "the backup GPT is moved only after a write has been verified");
        break;
    default: break; /* the reasons worded inside the frame (di_reason_has_frame) */
    }
}

static const char *const reason_english[DI_REASON_COUNT] = {
#define DI_REASON(name, english) [DI_REASON_##name] = english,
#include "diskimager/reasons/core.def"
#include "diskimager/reasons/codec.def"
#include "diskimager/reasons/platform.def"
#undef DI_REASON
};

static const char *const op_english[DI_OP_COUNT] = {
    [DI_OP_NONE] = "",
#define DI_OP(name, english) [DI_OP_##name] = english,
#include "diskimager/operations.def"
#undef DI_OP
};

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

bool di_reason_has_frame(di_reason reason)
{
    return reason > DI_REASON_MOVE_GPT_NEEDS_VERIFY && reason < DI_REASON_COUNT;
}

const char *di_reason_english(di_reason reason)
{
    return di_reason_has_frame(reason) ? reason_english[reason] : NULL;
}

const char *di_op_name(di_op op)
{
    return (unsigned)op < DI_OP_COUNT ? op_english[op] : "";
}

/* One argument, worded. */
static void append_arg(text_out *t, const di_error *e, unsigned n, di_size_text_fn size_text)
{
    if (n >= e->arg_count) {
        append(t, "?");
        return;
    }
    char size[48];
    switch ((di_arg_kind)e->args[n].kind) {
    case DI_ARG_TEXT: append(t, "%s", e->arg_text + e->args[n].text_at); break;
    case DI_ARG_NUMBER: append(t, "%llu", (unsigned long long)e->args[n].n); break;
    case DI_ARG_SIZE: append(t, "%s", size_text(e->args[n].n, size, sizeof size)); break;
    case DI_ARG_HEX32: append(t, "0x%08x", (unsigned)e->args[n].n); break;
    }
}

char *di_error_fill(const char *template_text, const di_error *e, di_size_text_fn size_text,
                    char *out, size_t out_size)
{
    if (out_size == 0) return out;
    out[0] = '\0';
    text_out t = {out, out_size, 0};
    for (const char *p = template_text; *p; p++) {
        if (p[0] == '{' && p[1] >= '0' && p[1] <= '9' && p[2] == '}') {
            append_arg(&t, e, (unsigned)(p[1] - '0'), size_text);
            p += 2;
        } else {
            append(&t, "%c", *p);
        }
    }
    return out;
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
    case DI_FAULT_ACCESS_DENIED: return di_reason_english(di_os_access_denied_reason());
    default: return "";
    }
}

char *di_error_format(const di_error *error, char *out, size_t out_size)
{
    if (out_size == 0) return out;
    out[0] = '\0';
    text_out t = {out, out_size, 0};
    if (error->reason != DI_REASON_NONE && !di_reason_has_frame(error->reason)) {
        append_reason(&t, error);
        return out;
    }
    if (error->operation[0]) append(&t, "%s failed", error->operation);
    else append(&t, "%s", di_status_name(error->status));
    if (error->path[0]) append(&t, " on %s", error->path);
    if (error->has_offset) {
        char human[32];
        append(&t, " at byte %llu (%s)", (unsigned long long)error->offset,
               di_format_size(error->offset, human, sizeof human));
    }
    if (error->detail[0]) append(&t, ": %s", error->detail);
    if (error->os_code != 0)
        append(&t, "%s%s [os error %d]", error->detail[0] ? "; " : ": ", error->os_text,
               error->os_code);
    const char *advice = di_fault_advice(error->fault);
    if (advice[0]) append(&t, "; %s", advice);
    return out;
}

char *di_reason_text(di_reason reason, const di_arg *args, size_t arg_count, char *out,
                     size_t size)
{
    di_error error;
    di_error_why(&error, DI_OK, DI_OP_NONE, "", reason, args, arg_count);
    snprintf(out, size, "%s", error.detail);
    return out;
}

char *di_skip_text(const di_skip_why *why, char *out, size_t size)
{
    if (why->folder[0]) return di_reason_text(why->reason, DI_ARGS(di_text(why->folder)), out, size);
    return di_reason_text(why->reason, DI_ARGS(di_number(why->code)), out, size);
}
