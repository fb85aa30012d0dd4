/* Errors in the dialog's words: see error_text.h. */
#include "error_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lang.h"

typedef struct text_out {
    char *out;
    size_t size, used;
} text_out;

static void append(text_out *t, const char *text)
{
    if (t->used >= t->size) return;
    int n = snprintf(t->out + t->used, t->size - t->used, "%s", text);
    if (n > 0) t->used += (size_t)n;
    if (t->used >= t->size) t->used = t->size - 1;
}

/* A sentence from a reason's words: its first letter a capital, its full stop added. */
static void append_sentence(text_out *t, const char *words)
{
    size_t start = t->used;
    append(t, words);
    char *first = t->out + start;
    if (*first >= 'a' && *first <= 'z') *first = (char)(*first - 'a' + 'A');
    size_t n = strlen(first);
    if (n && !strchr(".?!", first[n - 1])) append(t, tr(T_SENTENCE_END));
}

static const char *advice(di_fault fault)
{
    switch (fault) {
    case DI_FAULT_WRITE_PROTECTED: return tr(T_ADVICE_WRITE_PROTECTED);
    case DI_FAULT_NO_MEDIUM: return tr(T_ADVICE_NO_MEDIUM);
    case DI_FAULT_MEDIA: return tr(T_ADVICE_MEDIA);
    case DI_FAULT_GONE: return tr(T_ADVICE_GONE);
    case DI_FAULT_ACCESS_DENIED: return lang_reason(lang_current(), di_os_access_denied_reason());
    case DI_FAULT_UNKNOWN:
    case DI_FAULT_TRANSIENT:
    case DI_FAULT_UNBUFFERED_REFUSED: break;
    }
    return NULL;
}

/* "Reading the zip failed on PATH at byte N (size)." then the reason, the OS's own text
 * and the advice, each a paragraph. An error made without an operation as data (a
 * platform's) keeps the core's English. */
static char *framed(const di_error *e, char *out, size_t out_size)
{
    const char *op = lang_op(lang_current(), e->op);
    const char *reason = lang_reason(lang_current(), e->reason);
    if (!op || (di_reason_has_frame(e->reason) && !reason)) return di_error_format(e, out, out_size);
    text_out t = {out, out_size, 0};
    char piece[DI_PATH_MAX + 1024], at[256] = "", digits[32], size[32];
    out[0] = '\0';
    if (e->has_offset) {
        snprintf(digits, sizeof digits, "%llu", (unsigned long long)e->offset);
        tr_format(at, sizeof at, T_ERR_AT, digits, tr_size(e->offset, size, sizeof size), NULL);
    }
    if (e->path[0]) append(&t, tr_format(piece, sizeof piece, T_ERR_FAILED, op, e->path, at, NULL));
    else append(&t, tr_format(piece, sizeof piece, T_ERR_FAILED_NO_PATH, op, at, NULL));
    if (reason) {
        append(&t, "\n\n");
        append_sentence(&t, di_error_fill(reason, e, tr_size, piece, sizeof piece));
    }
    if (e->os_code != 0) {
        snprintf(digits, sizeof digits, "%d", e->os_code);
        append(&t, "\n\n");
        append(&t, tr_format(piece, sizeof piece, T_ERR_OS, e->os_text, digits, NULL));
    }
    const char *said = advice(e->fault);
    if (said) {
        append(&t, "\n\n");
        append_sentence(&t, said);
    }
    return out;
}

char *result_error_text(const di_error *e, char *out, size_t out_size)
{
    if (out_size == 0) return out;
    out[0] = '\0';
    char a[32], b[32];
    /* Each refusal has its own sentence; reasons past them are worded in the frame. */
    switch (e->reason) {
    case DI_REASON_NONE:
    case DI_REASON_COUNT: framed(e, out, out_size); break;
    case DI_REASON_NO_IMAGE: tr_format(out, out_size, T_R_NO_IMAGE, NULL); break;
    case DI_REASON_IMAGE_MISSING: tr_format(out, out_size, T_R_IMAGE_MISSING, e->path, NULL); break;
    case DI_REASON_IMAGE_IS_FOLDER: tr_format(out, out_size, T_R_IMAGE_IS_FOLDER, e->path, NULL); break;
    case DI_REASON_IMAGE_EMPTY: tr_format(out, out_size, T_R_IMAGE_EMPTY, e->path, NULL); break;
    case DI_REASON_NO_DRIVE: tr_format(out, out_size, T_R_NO_DRIVE, NULL); break;
    case DI_REASON_SYSTEM_DISK: tr_format(out, out_size, T_R_SYSTEM_DISK, e->path, NULL); break;
    case DI_REASON_FIXED_DISK:
        tr_format(out, out_size, T_R_FIXED_DISK, e->path, tr_size(e->sizes[0], a, sizeof a), NULL);
        break;
    case DI_REASON_BAD_EXPECTED: tr_format(out, out_size, T_R_BAD_EXPECTED, e->value, NULL); break;
    case DI_REASON_IMAGE_SIZE_UNKNOWN:
        tr_format(out, out_size, T_R_IMAGE_SIZE_UNKNOWN, e->path, NULL);
        break;
    case DI_REASON_IMAGE_TOO_BIG_TO_HASH:
        tr_format(out, out_size, T_R_IMAGE_TOO_BIG_TO_HASH, e->path,
                  tr_size(e->sizes[0], a, sizeof a), e->path2, tr_size(e->sizes[1], b, sizeof b),
                  NULL);
        break;
    case DI_REASON_MOVE_GPT_NEEDS_VERIFY: tr_format(out, out_size, T_R_MOVE_GPT_NEEDS_VERIFY, NULL); break;
    default: framed(e, out, out_size); break; /* the reasons worded in the frame */
    }
    return out;
}
