#include "commands.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "diskimager/checksum.h"
#include "diskimager/compression.h"
#include "diskimager/drives.h"
#include "diskimager/job.h"
#include "diskimager/log.h"
#include "diskimager/partitions.h"
#include "diskimager/request.h"
#include "diskimager/system.h"
#include "diskimager/threads.h"
#include "diskimager/units.h"
#include "progress_view.h"

/* The one version: project(VERSION) in CMakeLists.txt, also in VERSIONINFO and the ZIP's name. */
#ifndef DISKIMAGER_VERSION
#error "DISKIMAGER_VERSION is defined by CMakeLists.txt from project(VERSION)"
#endif

#define POLL_INTERVAL_MS 100
#define INTERRUPT_CHECK_MS 20

static volatile sig_atomic_t interrupted;

static void on_interrupt(void)
{
    interrupted = 1;
}

static int usage_error(const char *message)
{
    fprintf(stderr, "diskimager: %s\n%s", message, cli_usage_text);
    return CLI_EXIT_USAGE;
}

/* ---- list ---- */

static int cmd_list(const cli_args *args)
{
    di_drive_info *drives = NULL;
    di_drive_skip *skipped = NULL;
    size_t count = 0, skipped_count = 0;
    di_error error;
    di_error_clear(&error);
    /* --all also says what was left out and why (virtual drives, the system disk). */
    if ((args->all ? di_drive_list_skipped(true, &drives, &count, &skipped, &skipped_count, &error)
                   : di_drive_list(false, &drives, &count, &error)) != DI_OK) {
        char text[2048];
        fprintf(stderr, "diskimager: %s\n", di_error_format(&error, text, sizeof text));
        return CLI_EXIT_FAILURE;
    }
    if (count == 0) {
        fprintf(stderr, "diskimager: no %sdrives found%s\n", args->all ? "" : "removable ",
                args->all ? "" : " (--all shows fixed disks too)");
    } else {
        printf("%-16s %10s %6s %-9s %-28s %s\n", "PATH", "SIZE", "SECTOR", "BUS", "MODEL",
               "MOUNTED");
    }
    for (size_t i = 0; i < count; i++) {
        char size[32], bus[32];
        const di_drive_info *d = &drives[i];
        snprintf(bus, sizeof bus, "%s%s", d->bus[0] ? d->bus : "-",
                 args->all && !d->removable ? " (fixed)" : "");
        printf("%-16s %10s %6u %-9s %-28s %s\n", d->path,
               d->no_medium ? "no card" : di_format_size(d->size, size, sizeof size),
               (unsigned)d->sector_size, bus, d->model[0] ? d->model : "-",
               d->mounts[0] ? d->mounts : "-");
    }
    char why[256];
    for (size_t i = 0; i < skipped_count; i++)
        printf("skipped: %s (%s)\n", skipped[i].path,
               di_skip_text(&skipped[i].why, why, sizeof why));
    free(drives);
    free(skipped);
    return CLI_EXIT_OK;
}

/* ---- confirmation before writing ---- */

static bool read_answer(char *answer, size_t size)
{
    if (!fgets(answer, (int)size, stdin)) return false;
    answer[strcspn(answer, "\r\n")] = '\0';
    return true;
}

/* Asks before a WRITE or FORMAT overwrites the drive (or a file) the plan describes;
 * returns CLI_EXIT_OK to go ahead. The refusals were the plan's. */
static int confirm_overwrite(const cli_args *args, const char *device, const di_drive_info *info)
{
    char size[32];
    /* Writing a new or empty file loses nothing; anything else is asked about. */
    if (!info->is_block_device && (!info->exists || info->size == 0)) return CLI_EXIT_OK;
    if (args->yes) return CLI_EXIT_OK;

    char what[1024];
    if (info->is_block_device)
        snprintf(what, sizeof what, "%s (%s%s%s, %s%s%s%s%s)", device,
                 info->model[0] ? info->model : "unknown model",
                 info->serial[0] ? ", serial number " : "", info->serial,
                 di_format_size(info->size, size, sizeof size), info->bus[0] ? ", " : "",
                 info->bus, info->mounts[0] ? ", mounted at " : "", info->mounts);
    else
        snprintf(what, sizeof what, "the file %s (%s)", device,
                 di_format_size(info->size, size, sizeof size));
    if (!di_stdin_is_terminal()) {
        fprintf(stderr,
                "diskimager: refusing to overwrite %s without confirmation: there is no "
                "terminal to ask on; pass --yes\n",
                what);
        return CLI_EXIT_FAILURE;
    }
    if (args->kind == DI_JOB_CHECK && !args->check_full) {
        unsigned probes = di_check_probe_count(info->size, info->sector_size);
        fprintf(stderr, "The quick probe writes %u sectors of %s and puts back what they held; "
                        "if the power fails during it, those sectors can be lost.\n"
                        "Type 'yes' to continue: ", probes, what);
    } else {
        fprintf(stderr, "All data on %s will be %s.\nType 'yes' to continue: ", what,
                args->kind == DI_JOB_WRITE ? "overwritten" : "erased");
    }
    fflush(stderr);
    char answer[32];
    if (!read_answer(answer, sizeof answer) || strcmp(answer, "yes") != 0) {
        fprintf(stderr, "diskimager: not confirmed; nothing was written\n");
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

static int report_expectation(const di_result *r, const di_expected_hash *expected)
{
    if (expected->present && !r->expected_checked && r->status == DI_OK && r->bmap_used)
        fprintf(stderr, "diskimager: the expected %s was not checked: with a bmap the image is "
                        "not read whole (--no-bmap checks it)\n", di_hash_name(expected->alg));
    if (!r->expected_checked) return CLI_EXIT_OK;
    const char *from = expected->source[0] ? expected->source : "--expect";
    if (r->expected_match) {
        fprintf(stderr, "diskimager: %s%s matches %s\n", di_hash_name(expected->alg),
                r->expected_matched_file ? " of the compressed file" : "", from);
        return CLI_EXIT_OK;
    }
    fprintf(stderr, "diskimager: %s MISMATCH: expected %s (%s), computed %s",
            di_hash_name(expected->alg), expected->hex, from, r->hashes[expected->alg]);
    if (r->file_hashed)
        fprintf(stderr, " (image) and %s (compressed file)", r->file_hashes[expected->alg]);
    fputc('\n', stderr);
    return CLI_EXIT_MISMATCH;
}

/* ---- running a job ---- */

/* Coreutils lines: the image's digests under its own name (pi.img for pi.img.xz), then
 * those of the compressed file as stored, so either checks with sha256sum -c. */
static void print_hashes(const di_result *r, const char *name, bool decoded)
{
    char inner[DI_PATH_MAX];
    /* An archive's pi.img.gz is decoded too: its digest is pi.img's. */
    if (decoded && r->zip_member[0]) di_format_inner_name(r->zip_member, inner, sizeof inner);
    else if (decoded) di_format_inner_name(name, inner, sizeof inner);
    for (unsigned i = 0; i < DI_HASH_COUNT; i++)
        if ((r->hash_mask & DI_HASH_BIT(i)) && r->hashes[i][0])
            printf("%s  %s\n", r->hashes[i], decoded ? inner : name);
    for (unsigned i = 0; r->file_hashed && i < DI_HASH_COUNT; i++)
        if ((r->hash_mask & DI_HASH_BIT(i)) && r->file_hashes[i][0])
            printf("%s  %s\n", r->file_hashes[i], name);
    fflush(stdout);
}

static void print_notes(const cli_args *args, const di_result *r)
{
    char a[32], b[32];
    if (r->image_format != DI_FORMAT_RAW && args->kind != DI_JOB_HASH) {
        char layers[160];
        di_format_layers_name(r->layer_formats, r->layer_count, layers, sizeof layers);
        fprintf(stderr, "diskimager: image %s %s%s%s%s: %s\n",
                args->kind == DI_JOB_READ ? "compressed with" : "decoded from",
                layers[0] ? layers : di_format_name((di_format)r->image_format),
                r->zip_member[0] ? " (" : "", r->zip_member, r->zip_member[0] ? ")" : "",
                di_format_size(r->image_bytes, b, sizeof b));
    }
    if (args->allocated_only)
        fprintf(stderr, "diskimager: read the allocated part of %s (partition table: %s): %s\n",
                args->first, r->table_kind == DI_TABLE_GPT ? "GPT, backup rebuilt at the image's end"
                                                           : "MBR",
                di_format_size(r->image_bytes, b, sizeof b));
    if (r->bmap_made[0])
        fprintf(stderr, "diskimager: block map %s written: %s of the image's %s hold data%s\n",
                r->bmap_made, di_format_size(r->bmap_mapped_bytes, a, sizeof a),
                di_format_size(r->image_bytes, b, sizeof b),
                r->sparse_image ? "; the other blocks were left as holes in the image" : "");
    if (r->padded)
        fprintf(stderr,
                "diskimager: note: the image's size (%llu bytes) is not a multiple of the "
                "sector size; its last sector was padded with zeros\n",
                (unsigned long long)r->image_bytes);
    if (r->truncated)
        fprintf(stderr,
                "diskimager: note: the image is larger than %s; its last %llu bytes (%s) are "
                "all zeros and were not written\n",
                args->second, (unsigned long long)r->truncated_bytes,
                di_format_size(r->truncated_bytes, a, sizeof a));
    if (r->source_partitions_only)
        fprintf(stderr, "diskimager: note: %s holds data past the end of %s: only its partitions "
                        "were %s, its first %s of %s\n",
                args->first, args->second, args->kind == DI_JOB_WRITE ? "written" : "compared",
                di_format_size(r->image_bytes, a, sizeof a),
                di_format_size(r->source_drive_bytes, b, sizeof b));
    if (r->gpt_backup_moved)
        fprintf(stderr, "diskimager: the backup GPT was moved to the end of %s\n", args->second);
    else if (args->move_gpt_backup && r->status == DI_OK)
        fprintf(stderr, "diskimager: the backup GPT is already at the end of %s\n", args->second);
    if (r->bmap_used)
        fprintf(stderr, "diskimager: block map: %s of the image's %s %s; the image's own digest "
                        "is not taken with a bmap\n",
                di_format_size(r->mapped_bytes, a, sizeof a),
                di_format_size(r->image_bytes, b, sizeof b),
                args->kind == DI_JOB_WRITE ? "written, each range's checksum checked"
                                           : "compared");
    if (r->bmap_signature_unchecked)
        fprintf(stderr, "diskimager: note: the bmap is PGP-signed; its signature was not checked (gpg --verify checks it)\n");
    if (r->verified && args->kind == DI_JOB_WRITE && r->bmap_used)
        fprintf(stderr, "diskimager: verified: the mapped blocks on %s match the image\n",
                args->second);
    else if (r->verified && args->kind == DI_JOB_WRITE)
        fprintf(stderr, "diskimager: verified: %s holds the image's %s\n", args->second,
                di_format_size(r->image_bytes - r->truncated_bytes, b, sizeof b));
    if (r->ejected) {
        fprintf(stderr, "diskimager: ejected %s: the card can be taken out\n", args->second);
    } else if (r->warnings & DI_WARN_EJECT_FAILED) {
        char text[2048];
        fprintf(stderr, "diskimager: warning: could not eject %s (it was written all the "
                        "same): %s\n",
                args->second, di_error_format(&r->eject_error, text, sizeof text));
    }
}

/* Looked at before a Read into a compressed file: it may not fit (its size is not known
 * beforehand), printed whether the read then succeeded or failed for want of room. */
static void print_room_warnings(const cli_args *args, const di_result *r)
{
    char a[32], b[32];
    if (r->warnings & DI_WARN_OUTPUT_MAY_NOT_FIT)
        fprintf(stderr, "diskimager: warning: only %s were free for %s, less than the %s read: "
                        "a compressed image fits only if it is smaller\n",
                di_format_size(r->destination_free, a, sizeof a), args->second,
                di_format_size(r->image_bytes, b, sizeof b));
    if (r->warnings & DI_WARN_FAT_FILE_LIMIT)
        fprintf(stderr, "diskimager: warning: %s is on a FAT file system, where a file cannot "
                        "reach 4 GiB: the %s read fits only if it compresses below that\n",
                args->second, di_format_size(r->image_bytes, b, sizeof b));
}

/* "one FAT32 partition of 7.94 GB from sector 8192 (a 4 MiB boundary), clusters of
 * 32 KiB, label 8GB" */
static char *describe_layout(const di_card_layout *l, char *out, size_t size)
{
    char part[32], unit[32], cluster[32];
    uint64_t ss = l->sector_size;
    snprintf(out, size, "one %s partition of %s from sector %llu (a %s boundary), clusters of %s, "
             "label %s",
             l->fs == DI_CARD_FS_EXFAT ? "exFAT" : "FAT32",
             di_format_size(l->partition_sectors * ss, part, sizeof part),
             (unsigned long long)l->partition_start,
             di_format_block_size(l->boundary_sectors * ss, unit, sizeof unit),
             di_format_block_size((uint64_t)l->cluster_sectors * ss, cluster, sizeof cluster),
             l->label);
    return out;
}

/* FORMAT: the layout the drive will get, said before the question. */
static void print_layout_plan(const cli_args *args, const di_plan *plan)
{
    if (args->kind != DI_JOB_FORMAT || !plan->layout_known) return;
    char text[256];
    fprintf(stderr, "diskimager: %s will get %s%s\n", args->first,
            describe_layout(&plan->layout, text, sizeof text),
            args->erase ? ", the whole drive erased first" : "");
}

static void print_format_result(const cli_args *args, const di_result *r)
{
    char text[256];
    if (r->erased == DI_ERASE_DISCARDED)
        fprintf(stderr, "diskimager: erased %s: every block discarded\n", args->first);
    else if (r->erased == DI_ERASE_ZEROED)
        fprintf(stderr, "diskimager: erased %s: overwritten with zeros (it does not discard)\n",
                args->first);
    fprintf(stderr, "diskimager: %s restored as %s\n", args->first,
            describe_layout(&r->layout, text, sizeof text));
}

/* CHECK: the report as "key: value" lines on stdout, the verdict in a sentence on
 * stderr; 3 for a fake or failing card. */
static int print_check_result(const cli_args *args, const di_result *r)
{
    const di_check_report *c = &r->check;
    static const char *const verdicts[] = {"genuine", "fake", "bad sectors"};
    char a[32], b[32], d[32], e[32];
    printf("verdict: %s\n", verdicts[c->verdict]);
    printf("reported: %llu bytes (%s)\n", (unsigned long long)c->reported_bytes,
           di_format_size(c->reported_bytes, a, sizeof a));
    printf("%s: %llu bytes (%s)\n", c->mode == DI_CHECK_QUICK && c->verdict == DI_CHECK_FAKE
                                        ? "holds at most" : "holds",
           (unsigned long long)c->good_bytes, di_format_size(c->good_bytes, a, sizeof a));
    printf("tested: %llu bytes%s\n", (unsigned long long)c->tested_bytes,
           c->mode == DI_CHECK_QUICK ? " (quick probe)" : "");
    if (c->mode == DI_CHECK_QUICK) printf("probes: %u sectors\n", c->probes);
    printf("wrong: %llu bytes in %llu ranges\n", (unsigned long long)c->wrong_bytes,
           (unsigned long long)c->range_count);
    for (uint64_t i = 0; i < c->range_count && i < DI_CHECK_RANGES_MAX; i++) {
        const di_check_range *g = &c->ranges[i];
        if (g->holds == DI_CHECK_HOLDS_NOTHING)
            printf("range: %llu+%llu holds nothing it was given\n", (unsigned long long)g->offset,
                   (unsigned long long)g->length);
        else
            printf("range: %llu+%llu holds the data of %llu\n", (unsigned long long)g->offset,
                   (unsigned long long)g->length, (unsigned long long)g->holds);
    }
    if (c->write.bytes)
        printf("write: %s average, %s slowest 1%%\nread: %s average, %s slowest 1%%\n",
               di_format_rate(di_speed_average(&c->write), a, sizeof a),
               di_format_rate(di_speed_slowest_percent(&c->write), b, sizeof b),
               di_format_rate(di_speed_average(&c->read), d, sizeof d),
               di_format_rate(di_speed_slowest_percent(&c->read), e, sizeof e));
    fflush(stdout);
    di_format_size(c->good_bytes, a, sizeof a);
    di_format_size(c->reported_bytes, b, sizeof b);
    switch (c->verdict) {
    case DI_CHECK_GENUINE:
        if (c->mode == DI_CHECK_FULL)
            fprintf(stderr, "diskimager: %s holds all of its %s: every sector kept its own data\n",
                    args->first, b);
        else
            fprintf(stderr, "diskimager: no sign of a fake card: the %u sectors probed on %s kept "
                            "their data (check --full tests every sector)\n", c->probes, args->first);
        return CLI_EXIT_OK;
    case DI_CHECK_FAKE:
        fprintf(stderr, "diskimager: this card holds %s%s, not the %s it reports: data written "
                        "past %s is lost\n",
                c->mode == DI_CHECK_QUICK ? "at most " : "", a, b, a);
        break;
    case DI_CHECK_BAD_SECTORS:
        fprintf(stderr, "diskimager: %s of %s did not keep what was written (%llu places, the "
                        "first at byte %llu): the card is failing\n",
                di_format_size(c->wrong_bytes, d, sizeof d), args->first,
                (unsigned long long)c->range_count, (unsigned long long)c->ranges[0].offset);
        break;
    }
    return CLI_EXIT_MISMATCH;
}

static int exit_code_for(di_status status)
{
    switch (status) {
    case DI_OK: return CLI_EXIT_OK;
    case DI_ERR_MISMATCH: return CLI_EXIT_MISMATCH;
    case DI_ERR_CANCELLED: return CLI_EXIT_CANCELLED;
    case DI_ERR_USAGE: return CLI_EXIT_USAGE;
    default: return CLI_EXIT_FAILURE;
    }
}

/* The log's records so far: appended to --log FILE, and with -v printed on stderr
 * (after the progress line, which then starts again). */
typedef struct log_outputs {
    di_log *log;
    FILE *file;
    bool to_stderr;
} log_outputs;

static void drain_log(log_outputs *out, progress_view *view)
{
    di_log_record record;
    char line[DI_LOG_TEXT_MAX + 64];
    while (di_log_next(out->log, &record)) {
        di_log_format(&record, line, sizeof line);
        if (out->file) fprintf(out->file, "%s\n", line);
        if (!out->to_stderr) continue;
        if (view->line_open) {
            fputc('\n', stderr);
            view->line_open = false;
        }
        fprintf(stderr, "%s\n", line);
    }
    if (out->file) fflush(out->file);
}

/* A Write to several drives: the image's digests once, then a line per drive with its
 * verdict, bytes and the digest of what was read back from it. */
static int print_targets(const cli_args *args, const di_job *job, const di_job_spec *spec,
                         const char *hash_name)
{
    const di_result *r = di_job_result(job);
    unsigned count = di_job_target_count(job);
    bool some_written = r->targets_failed < count;
    if (some_written) print_hashes(r, hash_name, r->image_format != DI_FORMAT_RAW);
    char size[32], text[2048];
    for (unsigned i = 0; i < count; i++) {
        const di_result *t = di_job_target_result(job, i);
        const char *path = di_job_target_path(job, i);
        if (t->status != DI_OK) {
            fprintf(stderr, "diskimager: %s: failed: %s\n", path,
                    di_error_format(&t->error, text, sizeof text));
            if (t->may_be_fake)
                fprintf(stderr, "diskimager: %s may be fake: what it holds at the first "
                                "difference is also %s away; `diskimager check %s` tells for sure\n",
                        path, di_format_block_size(t->fake_wrap_bytes, size, sizeof size), path);
            continue;
        }
        fprintf(stderr, "diskimager: %s: %s, %s%s", path,
                t->verified ? "written and verified" : "written",
                di_format_size(t->device_bytes, size, sizeof size),
                t->truncated ? " (the image's zero tail past its end not written)" : "");
        for (unsigned a = 0; a < DI_HASH_COUNT; a++)
            if (t->readback_hashes[a][0])
                fprintf(stderr, ", read back %s %s", di_hash_name((di_hash_alg)a),
                        t->readback_hashes[a]);
        fputc('\n', stderr);
        if (t->source_partitions_only)
            fprintf(stderr, "diskimager: note: only the source's partitions went to %s\n", path);
        if (t->gpt_backup_moved)
            fprintf(stderr, "diskimager: the backup GPT was moved to the end of %s\n", path);
        if (t->ejected) fprintf(stderr, "diskimager: ejected %s\n", path);
        else if (t->warnings & DI_WARN_EJECT_FAILED)
            fprintf(stderr, "diskimager: warning: could not eject %s (it was written all the "
                            "same): %s\n", path, di_error_format(&t->eject_error, text, sizeof text));
    }
    fprintf(stderr, "diskimager: %u of %u drives written%s\n", count - r->targets_failed, count,
            args->verify ? " and verified" : "");
    int code = exit_code_for(r->status);
    if (some_written) {
        int expected = report_expectation(r, &spec->expected);
        if (code == CLI_EXIT_OK) code = expected;
    }
    return code;
}

static int run_job(const cli_args *args, const di_job_spec *spec, const char *hash_name,
                   log_outputs *log)
{
    di_job *job = di_job_new(spec);
    if (!job) {
        fprintf(stderr, "diskimager: out of memory\n");
        return CLI_EXIT_FAILURE;
    }
    progress_view view;
    progress_view_init(&view, args->progress, di_stderr_is_terminal(), stderr);
    view.job = job;
    di_on_interrupt(on_interrupt);
    if (!di_job_start(job, NULL, NULL)) {
        di_job_free(job);
        fprintf(stderr, "diskimager: could not start the worker thread\n");
        return CLI_EXIT_FAILURE;
    }
    bool cancel_sent = false;
    uint64_t shown_at = di_now_ns();
    /* The wait ends as the job does; between waits, a Ctrl-C is passed on and, ten times
     * a second, the progress shown (also while a cancelled job stops). */
    while (!di_job_wait(job, INTERRUPT_CHECK_MS)) {
        if (interrupted && !cancel_sent) {
            di_job_cancel(job);
            cancel_sent = true;
        }
        if (di_now_ns() - shown_at < (uint64_t)POLL_INTERVAL_MS * 1000000u) continue;
        shown_at = di_now_ns();
        di_progress p;
        di_job_progress(job, &p);
        drain_log(log, &view);
        progress_view_update(&view, &p, false);
    }
    drain_log(log, &view);
    di_progress p;
    di_job_progress(job, &p);
    const di_result *r = di_job_result(job);
    /* Several drives: the last line says where each one ended, failed or not. */
    if (r->status == DI_OK || di_job_target_count(job) > 1) progress_view_update(&view, &p, true);
    else if (view.line_open) fputc('\n', stderr);

    int code = exit_code_for(r->status);
    if (r->retries)
        fprintf(stderr, "diskimager: %u retr%s after errors that passed\n", r->retries,
                r->retries == 1 ? "y" : "ies");
    if (r->warnings & DI_WARN_BUFFERED_IO)
        fprintf(stderr, "diskimager: warning: the drive's reader refused unbuffered I/O; the "
                        "rest of the job went through the system's cache, flushed at the end\n");
    if (spec->kind == DI_JOB_READ) print_room_warnings(args, r);
    if (di_job_target_count(job) > 1) {
        code = print_targets(args, job, spec, hash_name);
    } else if (r->status == DI_OK && spec->kind == DI_JOB_CHECK) {
        code = print_check_result(args, r);
    } else if (r->status == DI_OK && spec->kind == DI_JOB_FORMAT) {
        print_format_result(args, r);
        if (r->ejected) fprintf(stderr, "diskimager: ejected %s: the card can be taken out\n", args->first);
    } else if (r->status == DI_OK) {
        print_hashes(r, hash_name, spec->kind != DI_JOB_HASH && r->image_format != DI_FORMAT_RAW);
        print_notes(args, r);
        code = report_expectation(r, &spec->expected);
    } else {
        char text[2048];
        fprintf(stderr, "diskimager: %s\n", di_error_format(&r->error, text, sizeof text));
        if (r->status == DI_ERR_PARTITIONS)
            fprintf(stderr, "diskimager: to read the whole drive instead, run the same command "
                            "without --allocated-only\n");
        if (r->may_be_fake) {
            char lap[32];
            fprintf(stderr, "diskimager: this card may be fake: what it holds at the first "
                            "difference is also %s away, as on a card that wraps its addresses "
                            "around a smaller real capacity; `diskimager check %s` tells for sure\n",
                    di_format_block_size(r->fake_wrap_bytes, lap, sizeof lap), args->second);
        }
        if (r->partial_removed)
            fprintf(stderr, "diskimager: the incomplete image %s was deleted\n", args->second);
        else if (spec->kind == DI_JOB_READ && spec->keep_partial)
            fprintf(stderr, "diskimager: the incomplete image %s was kept (--keep-partial)\n",
                    args->second);
    }
    di_job_free(job);
    return code;
}

/* What the command line asks, as a request: the policy is the request layer's. */
static void request_from_args(const cli_args *args, di_request *r)
{
    *r = (di_request){
        .kind = args->kind,
        .hash_mask = args->hash_mask,
        .member = args->member,
        .expected = args->expect,
        .bmap = args->bmap,
        .no_bmap = args->no_bmap,
        .verify_after_write = args->verify,
        .move_gpt_backup = args->move_gpt_backup,
        .eject = args->eject,
        .keep_partial = args->keep_partial,
        .allocated_only = args->allocated_only,
        .make_bmap = args->make_bmap,
        .read_size = args->size,
        .buffer_size = (size_t)args->buffer_size,
        .buffer_count = args->buffers,
        .fixed_disk_confirmed = args->force,
        .card_fs = args->card_fs,
        .card_label = args->label,
        .erase = args->erase,
        .check_mode = args->check_full ? DI_CHECK_FULL : DI_CHECK_QUICK,
    };
    if (args->kind == DI_JOB_READ) {
        r->drive = args->first;
        r->image = args->second;
    } else if (args->kind == DI_JOB_HASH || args->kind == DI_JOB_FORMAT ||
               args->kind == DI_JOB_CHECK) {
        r->drive = args->first;
    } else {
        r->image = args->first;
        r->drive = args->second;
    }
    if (args->kind == DI_JOB_WRITE && args->device_count > 1) {
        r->drives = args->devices;
        r->drive_count = args->device_count;
    }
}

/* Every drive the plan writes is asked about (one question for several). */
static int confirm_drives(const cli_args *args, const di_plan *plan)
{
    if (plan->drive_count < 2) return confirm_overwrite(args, plan->device, &plan->drive);
    if (args->yes) return CLI_EXIT_OK;
    fprintf(stderr, "diskimager: the image goes to %u drives at once:\n", plan->drive_count);
    for (unsigned i = 0; i < plan->drive_count; i++) {
        const di_drive_info *d = &plan->drives[i];
        char size[32];
        fprintf(stderr, "  %s (%s%s%s, %s%s%s)\n", plan->devices[i],
                d->model[0] ? d->model : d->is_block_device ? "unknown model" : "a file",
                d->serial[0] ? ", serial number " : "", d->serial,
                di_format_size(d->size, size, sizeof size), d->mounts[0] ? ", mounted at " : "",
                d->mounts);
    }
    di_drive_info all = {.is_block_device = true, .exists = true};
    char what[64];
    snprintf(what, sizeof what, "these %u drives", plan->drive_count);
    snprintf(all.model, sizeof all.model, "%s", "listed above");
    return confirm_overwrite(args, what, &all);
}

static int refused(const di_error *refusal)
{
    char text[2048];
    fprintf(stderr, "diskimager: %s%s\n", di_error_format(refusal, text, sizeof text),
            refusal->reason == DI_REASON_FIXED_DISK ? "; pass --force if you really mean this disk"
                                                    : "");
    return CLI_EXIT_FAILURE;
}

/* What the plan found with the image, said before the job starts. */
static void print_plan_notes(const cli_args *args, const di_plan *plan)
{
    if (plan->bmap_found)
        fprintf(stderr, "diskimager: using the block map %s%s%s (--no-bmap to %s everything)\n",
                plan->bmap.path, plan->bmap.member[0] ? ":" : "", plan->bmap.member,
                args->kind == DI_JOB_WRITE ? "write" : "compare");
    if (plan->expected_found)
        fprintf(stderr, "diskimager: checking the %s digest given in %s\n",
                di_hash_name(plan->spec.expected.alg), plan->spec.expected.source);
}

static int cmd_job(const cli_args *args)
{
    di_request request;
    request_from_args(args, &request);
    char target[DI_PATH_MAX];
    /* What is written: the device, or READ's image. */
    if ((args->kind == DI_JOB_WRITE || args->kind == DI_JOB_READ) &&
        di_resolve_symlink(args->second, target, sizeof target))
        fprintf(stderr, "diskimager: note: %s is a symbolic link to %s; writing %s\n",
                args->second, target, target);
    di_plan *plan = malloc(sizeof *plan);
    if (!plan) {
        fprintf(stderr, "diskimager: out of memory\n");
        return CLI_EXIT_FAILURE;
    }
    log_outputs log = {.to_stderr = args->verbose};
    if (args->log_file || args->verbose) log.log = di_log_new(0);
    if (args->log_file && !(log.file = di_fopen(args->log_file, "a"))) {
        char text[DI_TEXT_MAX];
        fprintf(stderr, "diskimager: cannot open the log file %s: %s\n", args->log_file,
                di_os_error_text(errno, text, sizeof text));
        di_log_free(log.log);
        free(plan);
        return CLI_EXIT_FAILURE;
    }
    int code;
    if (di_request_plan(&request, plan) != DI_OK) {
        char text[2048];
        di_log_emit(log.log, DI_LOG_ERROR, "%s refused: %s", di_job_kind_name(args->kind),
                    di_error_format(&plan->refusal, text, sizeof text));
        if (log.file) drain_log(&log, &(progress_view){0});
        else while (di_log_next(log.log, &(di_log_record){0})) {} /* -v: refused() says it */
        code = refused(&plan->refusal);
    } else if (di_job_kind_writes_drive(args->kind) &&
               (print_layout_plan(args, plan),
                (code = confirm_drives(args, plan)) != CLI_EXIT_OK)) {
        /* not confirmed: said */
    } else {
        print_plan_notes(args, plan);
        plan->spec.log = log.log;
        code = run_job(args, &plan->spec, args->kind == DI_JOB_READ ? args->second : args->first,
                       &log);
    }
    if (log.file) fclose(log.file);
    di_log_free(log.log);
    free(plan);
    return code;
}

int cli_main(int argc, char **argv)
{
    cli_args args;
    char error[512];
    if (!cli_parse_args(argc, argv, &args, error, sizeof error)) return usage_error(error);
    switch (args.command) {
    case CLI_HELP:
        fputs(cli_usage_text, stdout);
        return CLI_EXIT_OK;
    case CLI_VERSION:
        printf("diskimager %s\n", DISKIMAGER_VERSION);
        return CLI_EXIT_OK;
    case CLI_LIST:
        return cmd_list(&args);
    case CLI_JOB:
        return cmd_job(&args);
    }
    return CLI_EXIT_USAGE;
}
