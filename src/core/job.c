/* The job API: create, run, cancel, poll, and the dispatch to the job kinds, which
 * job_kinds.c lists (their runs live in job_write.c, job_read.c, ...), built from the
 * steps in job_steps.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/system.h"
#include "job_internal.h"

const char *di_phase_name(di_phase phase)
{
    switch (phase) {
    case DI_PHASE_IDLE: return "idle";
    case DI_PHASE_PREPARING: return "preparing";
    case DI_PHASE_WRITING: return "writing";
    case DI_PHASE_READING: return "reading";
    case DI_PHASE_VERIFYING: return "verifying";
    case DI_PHASE_HASHING: return "hashing";
    case DI_PHASE_FLUSHING: return "flushing";
    case DI_PHASE_ERASING: return "erasing";
    case DI_PHASE_DONE: return "done";
    }
    return "unknown";
}

static char *dup_or_null(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy) memcpy(copy, s, n);
    return copy;
}

static void free_targets(di_job *job)
{
    for (unsigned i = 0; job->targets && i < job->target_count; i++) {
        free((char *)job->targets[i].path);
        free((char *)job->targets[i].expect_model);
        free((char *)job->targets[i].expect_serial);
    }
    free(job->targets);
    free(job->live);
    free(job->target_results);
}

/* The drives, copied: the several a WRITE was given, or the spec's one target. The
 * spec's target_path and expect_* then name the first, so one-drive steps read them. */
static bool copy_targets(di_job *job, const di_job_spec *spec)
{
    unsigned count = spec->target_count > 1 ? spec->target_count : 1;
    if (count > DI_TARGETS_MAX) count = DI_TARGETS_MAX + 1; /* refused by spec_is_valid */
    job->targets = calloc(count, sizeof *job->targets);
    job->live = calloc(count, sizeof *job->live);
    if (!job->targets || !job->live) return false;
    job->target_count = count;
    for (unsigned i = 0; i < count; i++) {
        const di_target_spec *from = NULL;
        di_target_spec one = {job->spec.target_path, spec->expect_size, job->spec.expect_model,
                              job->spec.expect_serial};
        from = spec->target_count > 1 && i < spec->target_count ? &spec->targets[i] : &one;
        di_target_spec *to = &job->targets[i];
        to->expect_size = from->expect_size;
        to->path = dup_or_null(from->path);
        to->expect_model = dup_or_null(from->expect_model);
        to->expect_serial = dup_or_null(from->expect_serial);
        if ((from->path && !to->path) || (from->expect_model && !to->expect_model) ||
            (from->expect_serial && !to->expect_serial))
            return false;
        atomic_init(&job->live[i].state, DI_TARGET_WAITING);
    }
    if (count > 1) {
        job->target_results = calloc(count, sizeof *job->target_results);
        if (!job->target_results) return false;
        job->spec.target_path = job->targets[0].path;
        job->spec.expect_size = job->targets[0].expect_size;
        job->spec.expect_model = job->targets[0].expect_model;
        job->spec.expect_serial = job->targets[0].expect_serial;
    }
    job->spec.targets = job->targets;
    job->spec.target_count = count;
    return true;
}

di_job *di_job_new(const di_job_spec *spec)
{
    di_job *job = calloc(1, sizeof *job);
    if (!job) return NULL;
    job->spec = *spec;
    job->source_path = dup_or_null(spec->source_path);
    job->target_path = dup_or_null(spec->target_path);
    job->zip_member = dup_or_null(spec->zip_member);
    job->bmap_path = dup_or_null(spec->bmap_path);
    job->bmap_member = dup_or_null(spec->bmap_member);
    job->size_of_image = dup_or_null(spec->size_of_image);
    job->card_label = dup_or_null(spec->card_label);
    job->expect_model = dup_or_null(spec->expect_model);
    job->expect_serial = dup_or_null(spec->expect_serial);
    if ((spec->source_path && !job->source_path) || (spec->target_path && !job->target_path) ||
        (spec->zip_member && !job->zip_member) || (spec->bmap_path && !job->bmap_path) ||
        (spec->bmap_member && !job->bmap_member) ||
        (spec->size_of_image && !job->size_of_image) ||
        (spec->card_label && !job->card_label) ||
        (spec->expect_model && !job->expect_model) ||
        (spec->expect_serial && !job->expect_serial)) {
        di_job_free(job);
        return NULL;
    }
    job->spec.source_path = job->source_path;
    job->spec.target_path = job->target_path;
    job->spec.zip_member = job->zip_member;
    job->spec.bmap_path = job->bmap_path;
    job->spec.bmap_member = job->bmap_member;
    job->spec.size_of_image = job->size_of_image;
    job->spec.card_label = job->card_label;
    job->spec.expect_model = job->expect_model;
    job->spec.expect_serial = job->expect_serial;
    if (!copy_targets(job, spec)) {
        di_job_free(job);
        return NULL;
    }
    atomic_init(&job->cancel, false);
    return job;
}

void di_job_free(di_job *job)
{
    if (!job) return;
    job_thread_free(job);
    free(job->source_path);
    free(job->target_path);
    free(job->zip_member);
    free(job->bmap_path);
    free(job->bmap_member);
    free(job->size_of_image);
    free(job->card_label);
    free(job->expect_model);
    free(job->expect_serial);
    free_targets(job);
    free(job);
}

const di_result *di_job_result(const di_job *job)
{
    return &job->result;
}

unsigned di_job_target_count(const di_job *job)
{
    return job->target_count;
}

const char *di_job_target_path(const di_job *job, unsigned index)
{
    return index < job->target_count ? job->targets[index].path : NULL;
}

void di_job_target_progress(const di_job *job, unsigned index, di_target_progress *out)
{
    memset(out, 0, sizeof *out);
    if (index >= job->target_count) return;
    const job_target_live *live = &job->live[index];
    out->state = (di_target_state)atomic_load(&live->state);
    out->bytes_done = atomic_load(&live->done);
    out->bytes_total = atomic_load(&live->total);
    uint64_t start = atomic_load(&live->phase_start_ns), now = di_now_ns();
    if (start && now > start && out->bytes_done)
        out->average_rate = (double)out->bytes_done / ((double)(now - start) / 1e9);
}

const di_result *di_job_target_result(const di_job *job, unsigned index)
{
    if (index >= job->target_count) return NULL;
    return job->target_count > 1 ? &job->target_results[index] : &job->result;
}

void di_job_cancel(di_job *job)
{
    atomic_store(&job->cancel, true);
}

void di_job_progress(const di_job *job, di_progress *out)
{
    di_progress_read(&job->progress, out);
}

static bool spec_is_valid(const di_job_spec *spec, di_error *error)
{
    const job_kind_def *kind = job_kind_def_of(spec->kind);
    if (!kind) {
        di_error_why(error, DI_ERR_USAGE, DI_OP_START_JOB, "", DI_REASON_UNKNOWN_JOB_KIND,
                     DI_ARGS(di_number((uint64_t)spec->kind)));
        return false;
    }
    if ((kind->needs_source && (!spec->source_path || !spec->source_path[0])) ||
        (kind->needs_target && (!spec->target_path || !spec->target_path[0]))) {
        di_error_why(error, DI_ERR_USAGE, job_kind_op(spec->kind), "",
                     DI_REASON_PATHS_NEEDED, DI_NO_ARGS);
        return false;
    }
    if (spec->target_count > 1 &&
        (spec->kind != DI_JOB_WRITE || spec->bmap_path || spec->target_count > DI_TARGETS_MAX)) {
        di_error_why(error, DI_ERR_USAGE, job_kind_op(spec->kind), "", DI_REASON_SEVERAL_TARGETS,
                     DI_ARGS(di_number(spec->target_count), di_number(DI_TARGETS_MAX)));
        return false;
    }
    if (spec->move_gpt_backup && (spec->kind != DI_JOB_WRITE || !spec->verify_after_write)) {
        di_error_why(error, DI_ERR_USAGE, job_kind_op(spec->kind), "", DI_REASON_GPT_MOVE_NEEDS_VERIFY,
                     DI_NO_ARGS);
        return false;
    }
    if (spec->bmap_path && !kind->takes_bmap) {
        di_error_why(error, DI_ERR_USAGE, job_kind_op(spec->kind), spec->bmap_path,
                     DI_REASON_BMAP_WRITE_VERIFY_ONLY, DI_NO_ARGS);
        return false;
    }
    return true;
}

/* What was asked, in one record: the first line of a job in the log. */
static void log_request(const di_job_spec *spec)
{
    if (!spec->log) return;
    char options[4 * DI_PATH_MAX] = "";
    size_t used = 0;
#define OPTION(...)                                                                      \
    do {                                                                                 \
        if (used < sizeof options)                                                       \
            used += (size_t)snprintf(options + used, sizeof options - used, __VA_ARGS__); \
    } while (0)
    for (unsigned i = 0; i < DI_HASH_COUNT; i++)
        if (spec->hash_mask & DI_HASH_BIT(i)) OPTION("; %s", di_hash_name((di_hash_alg)i));
    if (spec->zip_member) OPTION("; member %s", spec->zip_member);
    if (spec->verify_after_write) OPTION("; verify");
    if (spec->move_gpt_backup) OPTION("; move the backup GPT");
    if (spec->allocated_only) OPTION("; allocated part only");
    if (spec->read_size) OPTION("; first %llu bytes", (unsigned long long)spec->read_size);
    if (spec->size_of_image) OPTION("; as many bytes as %s holds", spec->size_of_image);
    if (spec->eject) OPTION("; eject");
    if (spec->bmap_path)
        OPTION("; bmap %s%s%s", spec->bmap_path, spec->bmap_member ? ":" : "",
               spec->bmap_member ? spec->bmap_member : "");
    if (spec->expected.present)
        OPTION("; expected %s %s%s%s", di_hash_name(spec->expected.alg), spec->expected.hex,
               spec->expected.source[0] ? " from " : " (typed)", spec->expected.source);
    if (spec->kind == DI_JOB_FORMAT) {
        static const char *const fs_names[] = {"FAT32 or exFAT by size", "FAT32", "exFAT"};
        OPTION("; %s", (unsigned)spec->card_fs < 3 ? fs_names[spec->card_fs] : "?");
        if (spec->card_label && spec->card_label[0]) OPTION("; label %s", spec->card_label);
        if (spec->erase) OPTION("; erase the whole drive");
    }
    if (spec->kind == DI_JOB_CHECK)
        OPTION("; %s", spec->check_mode == DI_CHECK_FULL ? "every sector" : "quick probe");
    for (unsigned i = 1; spec->targets && i < spec->target_count; i++)
        OPTION("; and to %s", spec->targets[i].path);
#undef OPTION
    const char *source = spec->source_path ? spec->source_path : "";
    di_log_emit(spec->log, DI_LOG_INFO, "%s %s%s%s%s", di_job_kind_name(spec->kind), source,
                spec->target_path && source[0] ? " to " : "",
                spec->target_path ? spec->target_path : "", options);
}

/* How it ended, with the error's data or the digests: the last line of a job. */
static void log_result(const di_job_spec *spec, const di_result *r)
{
    if (!spec->log) return;
    char text[2048];
    if (r->status != DI_OK) {
        di_log_emit(spec->log, r->status == DI_ERR_CANCELLED ? DI_LOG_WARN : DI_LOG_ERROR,
                    "%s failed (%s): %s", di_job_kind_name(spec->kind), di_status_name(r->status),
                    di_error_format(&r->error, text, sizeof text));
        return;
    }
    for (unsigned i = 0; i < DI_HASH_COUNT; i++)
        if (r->hashes[i][0])
            di_log_emit(spec->log, DI_LOG_INFO, "%s of the image: %s", di_hash_name((di_hash_alg)i),
                        r->hashes[i]);
    if (r->expected_checked)
        di_log_emit(spec->log, r->expected_match ? DI_LOG_INFO : DI_LOG_WARN, "expected %s %s: %s",
                    di_hash_name(spec->expected.alg), spec->expected.hex,
                    r->expected_match ? "matches" : "MISMATCH");
    if (r->warnings & DI_WARN_EJECT_FAILED)
        di_log_emit(spec->log, DI_LOG_WARN, "eject failed: %s",
                    di_error_format(&r->eject_error, text, sizeof text));
    di_log_emit(spec->log, DI_LOG_INFO, "%s succeeded: %llu bytes of image, %llu bytes on the device%s%s",
                di_job_kind_name(spec->kind), (unsigned long long)r->image_bytes,
                (unsigned long long)r->device_bytes, r->verified ? ", verified" : "",
                r->retries ? ", after retries" : "");
}

di_status di_job_run(di_job *job)
{
    di_result *result = &job->result;
    memset(result, 0, sizeof *result);
    if (job->spec.expected.present) job->spec.hash_mask |= DI_HASH_BIT(job->spec.expected.alg);
    result->hash_mask = job->spec.hash_mask;
    job_run run = {.job = job, .result = result, .target_path = job->spec.target_path,
                   .target_spec = &job->targets[0]};
    job_target targets[DI_TARGETS_MAX];
    run.targets = targets;
    run.target_count = job->target_count <= DI_TARGETS_MAX ? job->target_count : 1;
    result->target_count = job->target_count;
    for (unsigned i = 0; i < run.target_count; i++) {
        job_target *t = &targets[i];
        memset(t, 0, sizeof *t);
        t->index = i;
        t->spec = &job->targets[i];
        t->live = &job->live[i];
        t->result = run.target_count > 1 ? &job->target_results[i] : result;
        if (run.target_count > 1) {
            memset(t->result, 0, sizeof *t->result);
            t->result->hash_mask = job->spec.hash_mask;
        }
    }
    job->retry.budget_ms = job->spec.retry_budget_ms ? job->spec.retry_budget_ms
                                                     : DI_DEFAULT_RETRY_MS;
    job->retry.cancel = &job->cancel;
    job->retry.progress = &job->progress;
    job->retry.log = job->spec.log;
    job->progress.log = job->spec.log;
    log_request(&job->spec);
    atomic_init(&job->retry.buffered_fallback, false);
    di_progress_begin_phase(&job->progress, DI_PHASE_PREPARING, 0);
    di_keep_awake(true); /* no sleep mid-job; on this thread, the one running the job */

    di_error error;
    di_error_clear(&error);
    if (!spec_is_valid(&job->spec, &error)) {
        job_fail(&run, &error);
        result->targets_failed = run.target_count > 1 ? run.target_count : 0;
    } else {
        job_kind_def_of(job->spec.kind)->run(&run);
    }

    job_free_hashers(&run);
    job_free_file_hashers(&run);
    di_device_close(run.source);
    di_device_close(run.target);
    for (unsigned i = 0; i < run.target_count; i++) {
        job_target *t = &targets[i];
        di_device_close(t->device);
        for (unsigned a = 0; a < DI_HASH_COUNT; a++) di_hasher_free(t->hashers[a]);
        if (run.target_count > 1 && t->result->status != DI_OK)
            memset(t->result->readback_hashes, 0, sizeof t->result->readback_hashes);
        job_target_set_state(t, t->result->status == DI_OK && result->status != DI_ERR_CANCELLED
                                    ? DI_TARGET_DONE : DI_TARGET_FAILED, 0);
    }
    if (job->spec.kind == DI_JOB_READ && result->status != DI_OK && run.target &&
        !job->spec.keep_partial) {
        /* A partial image must not look like a backup someone could restore. */
        di_error ignored;
        result->partial_removed = di_remove_file(job->spec.target_path, &ignored);
    }
    /* spec.eject: every handle is closed now. */
    if (run.target_count == 1) {
        job_eject(&run);
    } else {
        for (unsigned i = 0; i < run.target_count; i++) {
            if (targets[i].dropped) continue;
            job_target_enter(&run, &targets[i]);
            job_eject(&run);
            job_target_leave(&run, &targets[i], DI_OK);
        }
    }
    /* Several drives of which some were written: the image's digests stand. */
    bool some_written = run.target_count > 1 && result->targets_failed < run.target_count;
    if (result->status != DI_OK && !some_written) {
        memset(result->hashes, 0, sizeof result->hashes);
        memset(result->readback_hashes, 0, sizeof result->readback_hashes);
        memset(result->file_hashes, 0, sizeof result->file_hashes);
        result->file_hashed = false;
    }
    if ((result->status == DI_OK || some_written) && job->spec.expected.present) {
        const di_expected_hash *expected = &job->spec.expected;
        /* With a bmap the image's digest is not taken: only the file's can match, and a
         * sum that is not the file's may be the image's, which was not checked. */
        bool image_hashed = result->hashes[expected->alg][0] != '\0';
        bool file_matches = result->file_hashed &&
                            strcmp(result->file_hashes[expected->alg], expected->hex) == 0;
        result->expected_checked = image_hashed || file_matches;
        result->expected_match = image_hashed &&
                                 strcmp(result->hashes[expected->alg], expected->hex) == 0;
        if (!result->expected_match && file_matches)
            result->expected_match = result->expected_matched_file = true;
    }
    di_progress retried;
    di_progress_read(&job->progress, &retried);
    result->retries = retried.retries;
    if (atomic_load(&job->retry.buffered_fallback)) result->warnings |= DI_WARN_BUFFERED_IO;
    di_keep_awake(false);
    di_progress_set_phase(&job->progress, DI_PHASE_DONE);
    log_result(&job->spec, result);
    return result->status;
}

