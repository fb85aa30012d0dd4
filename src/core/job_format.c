/* FORMAT: a drive restored to one partition, as a new card comes (card_format.h). The
 * Write's safety throughout: its refusals before the drive is taken (never the system
 * disk; not a write-protected, mounted or other card than the one chosen) and the
 * layout planned from the drive's size then too, so a refusal costs no lock; then the
 * drive taken (its volumes locked and dismounted), erased when asked, the file system
 * written with the partition table last, flushed, and the table re-read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "job_internal.h"

/* A discard request at a time: progress and Cancel between them. */
#define DISCARD_STEP (1ull << 30)
/* The card writer's largest request (card_format.h). */
#define BOUNCE_BYTES (1024u * 1024u)

/* ---- erasing: discard, else zeros ---- */

/* A source that reads as zeros: what the pipeline copies over a drive that cannot
 * discard, at the drive's full speed, with its progress and Cancel. */
static di_status zeros_read_at(di_device *dev, void *buf, size_t len, uint64_t offset,
                               size_t *done, di_error *error)
{
    (void)error;
    size_t n = offset >= dev->size ? 0 : dev->size - offset < len ? (size_t)(dev->size - offset) : len;
    memset(buf, 0, n);
    *done = n;
    return DI_OK;
}

static void zeros_close(di_device *dev)
{
    free(dev);
}

static const di_device_ops zeros_ops = {.read_at = zeros_read_at, .close = zeros_close};

static di_device *zeros_new(const di_device *like)
{
    di_device *dev = calloc(1, sizeof *dev);
    if (!dev) return NULL;
    dev->ops = &zeros_ops;
    dev->kind = DI_DEVICE_FILE;
    dev->size = like->size;
    dev->sector_size = like->sector_size;
    return dev;
}

static di_status zero_fill(job_run *run, uint64_t from)
{
    di_device *target = run->target;
    run->source = zeros_new(target);
    if (!run->source) {
        di_error error;
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_ERASING, target->path, DI_REASON_NONE,
                     DI_NO_ARGS);
        return job_fail(run, &error);
    }
    /* job_pass begins the phase only from offset 0: a fill after discards goes on
     * counting where they stopped. */
    return job_pass(run, DI_PHASE_ERASING, run->source, from, target->size - from, target,
                    PL_TARGET_WRITE, false);
}

/* Marks written before the discard, to see whether it took: a drive may say yes and
 * keep its data (a loop device over a file system that cannot punch holes, readers that
 * drop the command), and then only zeros erase it. */
#define MARKS 64u

static uint64_t mark_offset(const di_device *dev, unsigned i)
{
    /* Spread over the drive, each at the start of its share, on a sector. */
    uint64_t at = dev->size / MARKS * i;
    return at / dev->sector_size * dev->sector_size;
}

static void mark_pattern(unsigned char *sector, uint32_t size, unsigned i)
{
    for (uint32_t b = 0; b < size; b++) sector[b] = (unsigned char)(0x5A ^ (b * 7 + i));
}

/* An erased sector reads as zeros, or as ones on cards whose erased state is 1. */
static bool erased_sector(const unsigned char *sector, uint32_t size)
{
    for (uint32_t b = 1; b < size; b++)
        if (sector[b] != sector[0]) return false;
    return sector[0] == 0x00 || sector[0] == 0xFF;
}

typedef enum { MARKS_WRITE, MARKS_CHECK } marks_step;

/* MARKS_WRITE: the marks written and flushed. MARKS_CHECK: *kept set when any mark
 * below `below` (or anything but an erased sector there) is still there. */
static di_status marks(job_run *run, marks_step step, uint64_t below, bool *kept)
{
    di_device *dev = run->target;
    di_error error;
    di_error_clear(&error);
    unsigned char *sector = di_aligned_alloc(DI_DIRECT_ALIGNMENT, dev->sector_size);
    if (!sector) {
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_ERASING, dev->path, DI_REASON_NONE,
                     DI_NO_ARGS);
        return job_fail(run, &error);
    }
    di_status st = DI_OK;
    for (unsigned i = 0; i < MARKS && st == DI_OK; i++) {
        uint64_t at = mark_offset(dev, i);
        if (at >= below) break;
        if (step == MARKS_WRITE) {
            mark_pattern(sector, dev->sector_size, i);
            st = di_device_write_full(dev, sector, dev->sector_size, at, &error);
        } else if ((st = di_device_read_full(dev, sector, dev->sector_size, at, NULL, &error)) ==
                       DI_OK &&
                   !erased_sector(sector, dev->sector_size)) {
            *kept = true;
        }
    }
    if (st == DI_OK && step == MARKS_WRITE) st = di_device_flush(dev, &error);
    di_aligned_free(sector);
    return st == DI_OK ? DI_OK : job_fail(run, &error);
}

/* Discards the drive a step at a time; *unsupported when it says it cannot, *from where
 * the zeros must start then. */
static di_status discard_all(job_run *run, bool *unsupported, uint64_t *from)
{
    di_device *target = run->target;
    di_error error;
    di_error_clear(&error);
    *unsupported = false;
    for (*from = 0; *from < target->size;) {
        if (job_check_cancel(run, DI_PHASE_ERASING, target->path, *from)) return run->result->status;
        uint64_t n = target->size - *from < DISCARD_STEP ? target->size - *from : DISCARD_STEP;
        if (di_device_discard(target, *from, n, unsupported, &error) != DI_OK) {
            /* A bridge that offers discard and then fails it: zeros do the job. */
            char text[1024];
            di_log_emit(run->job->spec.log, DI_LOG_WARN, "discard failed: %s",
                        di_error_format(&error, text, sizeof text));
            *unsupported = true;
        }
        if (*unsupported) return DI_OK;
        di_progress_add(&run->job->progress, n);
        *from += n;
    }
    return DI_OK;
}

static di_status erase_drive(job_run *run, const di_device *shape)
{
    const di_job_spec *spec = &run->job->spec;
    di_progress_begin_phase(&run->job->progress, DI_PHASE_ERASING, run->target->size);
    bool unsupported = false, kept = false;
    uint64_t from = 0;
    /* The marks in what was discarded (all of it, or up to where it could not) tell
     * whether the discards took. */
    if (marks(run, MARKS_WRITE, run->target->size, NULL) ||
        discard_all(run, &unsupported, &from) || job_reopen_target(run, DI_OPEN_READ, shape) ||
        marks(run, MARKS_CHECK, from, &kept) || job_reopen_target(run, DI_OPEN_WRITE, shape))
        return run->result->status;
    di_device *target = run->target;
    if (!unsupported && !kept) {
        run->result->erased = DI_ERASE_DISCARDED;
        di_log_emit(spec->log, DI_LOG_INFO, "discarded all %llu bytes of %s",
                    (unsigned long long)target->size, target->path);
        return DI_OK;
    }
    if (kept) {
        /* It said yes and kept the data: all of it is written over. */
        di_log_emit(spec->log, DI_LOG_WARN,
                    "%s accepted the discard but still holds its data: overwriting it all "
                    "with zeros", target->path);
        from = 0;
        di_progress_begin_phase(&run->job->progress, DI_PHASE_ERASING, target->size);
    } else {
        di_log_emit(spec->log, DI_LOG_INFO,
                    "%s cannot discard from byte %llu: overwriting the rest with zeros",
                    target->path, (unsigned long long)from);
    }
    run->result->erased = DI_ERASE_ZEROED;
    return zero_fill(run, from);
}

/* ---- the file system ---- */

typedef struct layout_writer {
    job_run *run;
    unsigned char *bounce;   /* aligned: the drive is written around the cache */
} layout_writer;

/* The card writer's requests, through an aligned buffer, counted as progress. Its writes
 * at offset 0 (the old partition table erased first, the new one last) are fenced by
 * flushes: a restore cut short leaves no table pointing at a half-made file system. */
static di_status write_layout_piece(void *ctx, uint64_t offset, const void *buf, size_t len,
                                    di_error *error)
{
    layout_writer *w = ctx;
    di_device *target = w->run->target;
    if (atomic_load(&w->run->job->cancel)) {
        di_error_why(error, DI_ERR_CANCELLED, DI_OP_FORMAT, target->path, DI_REASON_CANCELLED,
                     DI_NO_ARGS);
        di_error_at(error, offset);
        return DI_ERR_CANCELLED;
    }
    if (offset == 0 && di_device_flush(target, error) != DI_OK) return error->status;
    for (size_t done = 0; done < len;) {
        size_t n = len - done < BOUNCE_BYTES ? len - done : BOUNCE_BYTES;
        memcpy(w->bounce, (const unsigned char *)buf + done, n);
        di_status st = di_device_write_full(target, w->bounce, n, offset + done, error);
        if (st != DI_OK) return st;
        di_progress_add(&w->run->job->progress, n);
        done += n;
    }
    return offset == 0 ? di_device_flush(target, error) : DI_OK;
}

static di_status count_piece(void *ctx, uint64_t offset, const void *buf, size_t len,
                             di_error *error)
{
    (void)offset, (void)buf, (void)error;
    *(uint64_t *)ctx += len;
    return DI_OK;
}

static di_status write_layout(job_run *run, const di_card_layout *layout)
{
    di_error error;
    di_error_clear(&error);
    layout_writer w = {.run = run, .bounce = di_aligned_alloc(DI_DIRECT_ALIGNMENT, BOUNCE_BYTES)};
    if (!w.bounce) {
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_FORMAT, run->target->path, DI_REASON_NONE,
                     DI_NO_ARGS);
        return job_fail(run, &error);
    }
    /* The bar's total: what the writer will write, counted by a run that writes nothing. */
    uint64_t total = 0;
    if (di_card_write(layout, count_piece, &total, &error) != DI_OK) {
        di_aligned_free(w.bounce);
        return job_fail(run, &error);
    }
    di_progress_begin_phase(&run->job->progress, DI_PHASE_WRITING, total);
    di_status st = di_card_write(layout, write_layout_piece, &w, &error);
    di_aligned_free(w.bounce);
    if (st != DI_OK) return job_fail(run, &error);
    return job_flush(run);
}

/* The new volume's serial number: the time, as formatters take it, told apart from a
 * card restored in the same second by its size. */
static uint32_t new_volume_id(uint64_t drive_bytes)
{
    uint64_t t = (uint64_t)time(NULL);
    return (uint32_t)(t ^ (t >> 32) ^ (drive_bytes >> 20) * 2654435761u);
}

di_status job_format(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_result *result = run->result;
    di_device shape;
    di_error error;
    di_error_clear(&error);
    if (job_preflight_write(run, &shape, NULL)) return result->status;
    di_card_layout *layout = &result->layout;
    if (di_card_layout_plan(shape.size, shape.sector_size, spec->card_fs, spec->card_label,
                            new_volume_id(shape.size), layout, &error) != DI_OK) {
        snprintf(error.path, sizeof error.path, "%s", spec->target_path);
        return job_fail(run, &error);
    }
    if (job_open(run, spec->target_path, DI_OPEN_WRITE, DI_ROLE_TARGET, &run->target) ||
        job_check_as_probed(run, &shape))
        return result->status;
    di_log_emit(spec->log, DI_LOG_INFO,
                "layout: %s, partition at sector %llu, %llu sectors, clusters of %u bytes, "
                "label \"%s\"",
                layout->fs == DI_CARD_FS_EXFAT ? "exFAT" : "FAT32",
                (unsigned long long)layout->partition_start,
                (unsigned long long)layout->partition_sectors,
                (unsigned)(layout->cluster_sectors * layout->sector_size), layout->label);
    if (spec->erase && erase_drive(run, &shape)) return result->status;
    if (write_layout(run, layout)) return result->status;
    result->device_bytes = run->target->size;
    if (run->target->ops->after_write) run->target->ops->after_write(run->target);
    return DI_OK;
}
