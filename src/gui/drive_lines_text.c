/* See drive_lines_text.h. */
#include "drive_lines_text.h"

#include <stdio.h>
#include <string.h>

#include "hash_choices.h"
#include "lang.h"

char *drive_line_progress(const char *name, const di_target_progress *p, char *out, size_t size)
{
    char percent[32], rate[32];
    unsigned whole = p->bytes_total ? (unsigned)(100.0 * (double)p->bytes_done /
                                                 (double)p->bytes_total)
                                    : 0;
    tr_number(whole > 100 ? 100 : whole, percent, sizeof percent);
    tr_rate(p->average_rate, rate, sizeof rate);
    switch (p->state) {
    case DI_TARGET_WRITING: return tr_format(out, size, T_LINE_WRITING, name, percent, rate, NULL);
    case DI_TARGET_VERIFYING:
        return tr_format(out, size, T_LINE_VERIFYING, name, percent, rate, NULL);
    /* Why it failed is the end's to say (drive_line_result): its result is final then. */
    case DI_TARGET_FAILED: return tr_format(out, size, T_LINE_DROPPED, name, NULL);
    case DI_TARGET_WAITING:
    case DI_TARGET_DONE: break;
    }
    return tr_format(out, size, T_LINE_WAITING, name, NULL);
}

char *drive_line_result(const char *name, const di_result *t, char *out, size_t size)
{
    char bytes[32], why[2048];
    if (t->status != DI_OK) {
        /* One line: the error's paragraphs run on. */
        result_error_text(&t->error, why, sizeof why);
        char *w = why;
        for (const char *c = why; *c; c++) {
            if (*c != '\n') *w++ = *c;
            else if (w > why && w[-1] != ' ') *w++ = ' ';
        }
        *w = '\0';
        return tr_format(out, size, T_LINE_FAILED, name, why, NULL);
    }
    tr_size(t->device_bytes, bytes, sizeof bytes);
    for (unsigned i = 0; t->verified && i < DI_HASH_COUNT; i++)
        if (t->readback_hashes[i][0])
            return tr_format(out, size, T_LINE_VERIFIED, name, bytes,
                             hash_label((di_hash_alg)i), t->readback_hashes[i], NULL);
    return tr_format(out, size, T_LINE_WRITTEN, name, bytes, NULL);
}

void result_render_several(const di_result *r, const di_result *const *targets,
                           const char *const *names, unsigned count,
                           const di_expected_hash *expected, result_view *view)
{
    unsigned written = count - r->targets_failed;
    /* The image's digest and its match, as a Write that succeeded shows them, when any
     * drive got the image; a cancel or a failure of the image itself, as any job. */
    di_result shown = *r;
    if (written > 0 && r->status != DI_ERR_CANCELLED) shown.status = DI_OK;
    result_render(DI_JOB_WRITE, &shown, expected, NULL, 0, view);
    if (r->status == DI_ERR_CANCELLED || written == 0) {
        if (written == 0 && r->status != DI_ERR_CANCELLED) view->failed = true;
        if (r->status == DI_ERR_CANCELLED) return;
    }
    bool verified = true;
    for (unsigned i = 0; i < count; i++) verified &= targets[i]->status != DI_OK || targets[i]->verified;
    char a[32], b[32];
    tr_number(written, a, sizeof a);
    tr_number(count, b, sizeof b);
    tr_format(view->status, sizeof view->status,
              verified && written ? T_SEVERAL_DONE_VERIFIED : T_SEVERAL_DONE,
              result_kind_word(DI_JOB_WRITE), a, b, NULL);
    size_t used = strlen(view->status);
    snprintf(view->box, sizeof view->box, "%s", view->status);
    used = strlen(view->box);
    for (unsigned i = 0; i < count && used + 2 < sizeof view->box; i++) {
        char line[3072];
        drive_line_result(names[i], targets[i], line, sizeof line);
        used += (size_t)snprintf(view->box + used, sizeof view->box - used, "\n%s", line);
    }
    view->failed = r->targets_failed > 0;
    view->icon = r->targets_failed == count ? RESULT_ERROR
                 : r->targets_failed        ? RESULT_WARNING
                                            : RESULT_INFO;
}
