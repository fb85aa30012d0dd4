#include "progress_view.h"

#include <string.h>

#include "diskimager/system.h"
#include "diskimager/units.h"

#define PLAIN_INTERVAL_SECONDS 1.0

void progress_view_init(progress_view *view, cli_progress_mode mode, bool terminal, FILE *out)
{
    memset(view, 0, sizeof *view);
    view->mode = mode == CLI_PROGRESS_AUTO ? CLI_PROGRESS_PLAIN : mode;
    view->live = mode == CLI_PROGRESS_AUTO && terminal;
    view->out = out;
    view->last_plain_seconds = -PLAIN_INTERVAL_SECONDS;
    view->last_phase = -1;
}

static double percent_of(const di_progress *p)
{
    return p->bytes_total ? 100.0 * (double)p->bytes_done / (double)p->bytes_total : 100.0;
}

void progress_format_line(const di_progress *p, char *out, size_t size)
{
    char done[32], total[32], rate[32], left[32];
    snprintf(out, size, "%-9s %5.1f%%  %s of %s  %s  %s left", di_phase_name(p->phase),
             percent_of(p), di_format_size(p->bytes_done, done, sizeof done),
             di_format_size(p->bytes_total, total, sizeof total),
             di_format_rate(p->rate, rate, sizeof rate),
             di_format_duration(p->seconds_left, left, sizeof left));
}

void progress_format_json(const di_progress *p, char *out, size_t size)
{
    snprintf(out, size,
             "{\"phase\":\"%s\",\"bytes_done\":%llu,\"bytes_total\":%llu,\"percent\":%.2f,"
             "\"rate\":%.0f,\"average_rate\":%.0f,\"elapsed_seconds\":%.3f,"
             "\"seconds_left\":%.1f,\"retries\":%u,\"retrying\":%s}",
             di_phase_name(p->phase), (unsigned long long)p->bytes_done,
             (unsigned long long)p->bytes_total, percent_of(p), p->rate, p->average_rate,
             p->elapsed_seconds, p->seconds_left, p->retries, p->retrying ? "true" : "false");
}

static const char *target_state_name(di_target_state state)
{
    switch (state) {
    case DI_TARGET_WAITING: return "waiting";
    case DI_TARGET_WRITING: return "writing";
    case DI_TARGET_VERIFYING: return "verifying";
    case DI_TARGET_DONE: return "done";
    case DI_TARGET_FAILED: return "failed";
    }
    return "unknown";
}

void progress_json_string(const char *text, char *out, size_t size)
{
    size_t n = 0;
    if (size < 3) {
        if (size) out[0] = '\0';
        return;
    }
    out[n++] = '"';
    for (const unsigned char *c = (const unsigned char *)text; *c && n + 8 < size; c++) {
        if (*c == '"' || *c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*c;
        } else if (*c < 0x20) {
            n += (size_t)snprintf(out + n, size - n, "\\u%04x", *c);
        } else {
            out[n++] = (char)*c;
        }
    }
    out[n++] = '"';
    out[n] = '\0';
}

static size_t append(char *out, size_t size, size_t used, const char *text)
{
    if (used >= size) return used;
    int n = snprintf(out + used, size - used, "%s", text);
    return n < 0 ? used : used + (size_t)n;
}

void progress_format_targets_json(const di_job *job, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    unsigned count = job ? di_job_target_count(job) : 0;
    if (count < 2) return;
    used = append(out, size, used, ",\"targets\":[");
    for (unsigned i = 0; i < count; i++) {
        di_target_progress t;
        di_job_target_progress(job, i, &t);
        char device[2 * DI_PATH_MAX + 8], item[3 * DI_PATH_MAX];
        progress_json_string(di_job_target_path(job, i), device, sizeof device);
        snprintf(item, sizeof item,
                 "%s{\"device\":%s,\"state\":\"%s\",\"bytes_done\":%llu,\"bytes_total\":%llu,"
                 "\"percent\":%.2f,\"average_rate\":%.0f}",
                 i ? "," : "", device, target_state_name(t.state),
                 (unsigned long long)t.bytes_done, (unsigned long long)t.bytes_total,
                 t.bytes_total ? 100.0 * (double)t.bytes_done / (double)t.bytes_total : 0.0,
                 t.average_rate);
        used = append(out, size, used, item);
    }
    append(out, size, used, "]");
}

void progress_format_targets_line(const di_job *job, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    unsigned count = job ? di_job_target_count(job) : 0;
    if (count < 2) return;
    for (unsigned i = 0; i < count; i++) {
        di_target_progress t;
        di_job_target_progress(job, i, &t);
        char item[DI_PATH_MAX + 64], rate[32];
        if (t.state == DI_TARGET_WRITING || t.state == DI_TARGET_VERIFYING)
            snprintf(item, sizeof item, "%s%s %.0f%% %s", i ? ", " : " | ",
                     di_job_target_path(job, i),
                     t.bytes_total ? 100.0 * (double)t.bytes_done / (double)t.bytes_total : 0.0,
                     di_format_rate(t.average_rate, rate, sizeof rate));
        else
            snprintf(item, sizeof item, "%s%s %s", i ? ", " : " | ", di_job_target_path(job, i),
                     target_state_name(t.state));
        used = append(out, size, used, item);
    }
}

static const char *request_name(di_io_op op)
{
    switch (op) {
    case DI_IO_OPEN: return "opening the drive";
    case DI_IO_LOCK: return "locking the drive";
    case DI_IO_READ: return "a read";
    case DI_IO_WRITE: return "a write";
    case DI_IO_FLUSH: return "a flush";
    }
    return "a request";
}

void progress_format_retry(const di_progress *p, char *out, size_t size)
{
    char at[64] = "", human[32], os_text[256];
    if (p->retry_op == DI_IO_READ || p->retry_op == DI_IO_WRITE)
        snprintf(at, sizeof at, " at byte %llu (%s)", (unsigned long long)p->retry_offset,
                 di_format_size(p->retry_offset, human, sizeof human));
    snprintf(out, size, "retrying %s%s in %.2g s after: %s [os error %d] (retry %u)",
             request_name(p->retry_op), at, (double)p->retry_wait_ms / 1000.0,
             di_os_error_text(p->retry_os_code, os_text, sizeof os_text), p->retry_os_code,
             p->retries);
}

/* A retry is news in every mode but JSON (whose objects carry the counts): a line of
 * its own, so a log shows each one. */
static void show_retries(progress_view *view, const di_progress *p)
{
    if (p->retries == view->retries_shown || view->mode == CLI_PROGRESS_JSON) return;
    view->retries_shown = p->retries;
    char line[512];
    progress_format_retry(p, line, sizeof line);
    if (view->line_open) {
        fputc('\n', view->out);
        view->line_open = false;
    }
    fprintf(view->out, "diskimager: %s\n", line);
    fflush(view->out);
}

void progress_view_update(progress_view *view, const di_progress *p, bool final)
{
    char line[256], targets[DI_TARGETS_MAX * (3 * DI_PATH_MAX / 4)];
    if (view->mode == CLI_PROGRESS_NONE) return;
    show_retries(view, p);
    bool moving = p->phase == DI_PHASE_WRITING || p->phase == DI_PHASE_READING ||
                  p->phase == DI_PHASE_VERIFYING || p->phase == DI_PHASE_HASHING;
    if (view->mode == CLI_PROGRESS_JSON) {
        progress_format_json(p, line, sizeof line);
        /* The targets go inside the object, before its closing brace. */
        progress_format_targets_json(view->job, targets, sizeof targets);
        size_t len = strlen(line);
        if (targets[0] && len) line[--len] = '\0';
        fprintf(view->out, "%s%s%s\n", line, targets, targets[0] ? "}" : "");
        fflush(view->out);
        return;
    }
    if (view->live) {
        if (view->line_open && moving && (int)p->phase != view->last_phase) {
            fputc('\n', view->out);
            view->line_open = false;
        }
        if (moving || final) {
            progress_format_line(p, line, sizeof line);
            fprintf(view->out, "\r%-78s", line);
            view->line_open = true;
        }
        if (final && view->line_open) {
            fputc('\n', view->out);
            view->line_open = false;
        }
        view->last_phase = (int)p->phase;
        fflush(view->out);
        return;
    }
    /* Plain: a line per second, and one at each phase change. */
    bool phase_changed = (int)p->phase != view->last_phase;
    if (!moving && !final) return;
    if (!final && !phase_changed &&
        p->elapsed_seconds - view->last_plain_seconds < PLAIN_INTERVAL_SECONDS)
        return;
    progress_format_line(p, line, sizeof line);
    progress_format_targets_line(view->job, targets, sizeof targets);
    fprintf(view->out, "%s%s\n", line, targets);
    fflush(view->out);
    view->last_plain_seconds = p->elapsed_seconds;
    view->last_phase = (int)p->phase;
}
