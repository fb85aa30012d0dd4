/* CHECK: does the card hold what it reports (card_check.h)? The Write's safety around
 * it: its refusals before the drive is taken, the drive re-checked once opened. The
 * full check writes the pattern over every sector, timing each chunk, and reads it all
 * back through a fresh handle (what the medium holds, not a cache); the card is left
 * blank (its first MiB zeros) for Restore. The quick probe saves the sectors it will
 * test, writes them low to high (a wrapped high write lands on a low one last), reads
 * them back through a fresh handle, and writes the saved sectors back, whatever
 * happened in between. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/threads.h"
#include "job_internal.h"

#define CHUNK_BYTES (4u * 1024 * 1024)
/* So many chunks failing in a row: the card is gone, not bad in places. */
#define FAILED_CHUNKS_MAX 16

static double seconds_since(uint64_t start_ns)
{
    return (double)(di_now_ns() - start_ns) / 1e9;
}

static di_status no_memory(job_run *run)
{
    di_error error;
    di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_CHECK, run->job->spec.target_path,
                 DI_REASON_NONE, DI_NO_ARGS);
    return job_fail(run, &error);
}

/* ---- the full check ---- */

/* A chunk that failed to write, a sector at a time: the good sectors around a bad one
 * get their pattern (the read-back then names the bad ones to the sector). False when
 * not one could be written. */
static bool write_by_sector(di_device *dev, const uint8_t *buf, size_t n, uint64_t at)
{
    uint8_t *one = di_aligned_alloc(DI_DIRECT_ALIGNMENT, dev->sector_size);
    bool any = false;
    for (size_t s = 0; one && s < n; s += dev->sector_size) {
        di_error error;
        memcpy(one, buf + s, dev->sector_size);
        if (di_device_write_full(dev, one, dev->sector_size, at + s, &error) == DI_OK) any = true;
    }
    di_aligned_free(one);
    return any;
}

/* Writes the pattern; *dead_from: where writes stopped being taken at all (so many chunks
 * in a row refused whole: a fake card that errors past its real capacity, or a card
 * pulled out, which the read-back tells apart), else the drive's size. */
static di_status write_pattern(job_run *run, uint8_t *buf, uint64_t seed, uint64_t *dead_from)
{
    di_device *dev = run->target;
    di_check_report *report = &run->result->check;
    di_error error;
    di_error_clear(&error);
    unsigned failing = 0;
    uint64_t failing_from = 0;
    *dead_from = dev->size;
    di_progress_begin_phase(&run->job->progress, DI_PHASE_WRITING, dev->size);
    for (uint64_t at = 0; at < dev->size;) {
        if (job_check_cancel(run, DI_PHASE_WRITING, dev->path, at)) return run->result->status;
        size_t n = dev->size - at < CHUNK_BYTES ? (size_t)(dev->size - at) : CHUNK_BYTES;
        di_check_fill(buf, n, at, dev->sector_size, seed);
        uint64_t start = di_now_ns();
        if (di_device_write_full(dev, buf, n, at, &error) == DI_OK) {
            failing = 0;
            di_speed_add(&report->write, n, seconds_since(start));
        } else if (error.status == DI_ERR_CANCELLED) {
            return job_fail(run, &error);
        } else if (write_by_sector(dev, buf, n, at)) {
            failing = 0;
        } else {
            if (!failing++) failing_from = at;
            if (failing >= FAILED_CHUNKS_MAX) {
                *dead_from = failing_from;
                di_log_emit(run->job->spec.log, DI_LOG_WARN,
                            "%s takes no writes from byte %llu on: the rest is not written",
                            dev->path, (unsigned long long)failing_from);
                break;
            }
        }
        di_progress_add(&run->job->progress, n);
        at += n;
    }
    /* A card that refuses writes may refuse the flush too: the read-back judges. */
    if (di_device_flush(dev, &error) != DI_OK && *dead_from == dev->size) return job_fail(run, &error);
    return DI_OK;
}

/* The sectors of a chunk read back, noted in order. */
static void judge_chunk(di_check_report *report, const uint8_t *buf, size_t n, uint64_t at,
                        uint32_t sector, uint64_t seed)
{
    for (size_t s = 0; s < n; s += sector) {
        uint64_t holds;
        if (di_check_sector(buf + s, at + s, sector, seed, report->reported_bytes, &holds))
            di_check_note_good(report, at + s, sector);
        else
            di_check_note_wrong(report, at + s, sector, holds);
    }
}

/* A chunk that failed to read, a sector at a time: the bad ones are named to the
 * sector. False when not one of them could be read (the card may be gone). */
static bool read_by_sector(job_run *run, uint8_t *buf, size_t n, uint64_t at, uint64_t seed)
{
    di_device *dev = run->target;
    di_check_report *report = &run->result->check;
    bool any = false;
    for (size_t s = 0; s < n; s += dev->sector_size) {
        di_error error;
        if (di_device_read_full(dev, buf, dev->sector_size, at + s, NULL, &error) == DI_OK) {
            any = true;
            judge_chunk(report, buf, dev->sector_size, at + s, dev->sector_size, seed);
        } else {
            di_check_note_wrong(report, at + s, dev->sector_size, DI_CHECK_HOLDS_NOTHING);
        }
    }
    return any;
}

/* Reads the pattern back up to dead_from; past it nothing was taken. So many chunks in a
 * row that cannot be read at all fail the job: the card is gone. */
static di_status read_pattern(job_run *run, uint8_t *buf, uint64_t seed, uint64_t dead_from)
{
    di_device *dev = run->target;
    di_check_report *report = &run->result->check;
    di_error error;
    di_error_clear(&error);
    unsigned failing = 0;
    di_progress_begin_phase(&run->job->progress, DI_PHASE_VERIFYING, dev->size);
    for (uint64_t at = 0; at < dead_from;) {
        if (job_check_cancel(run, DI_PHASE_VERIFYING, dev->path, at)) return run->result->status;
        size_t n = dead_from - at < CHUNK_BYTES ? (size_t)(dead_from - at) : CHUNK_BYTES;
        uint64_t start = di_now_ns();
        if (di_device_read_full(dev, buf, n, at, NULL, &error) == DI_OK) {
            failing = 0;
            di_speed_add(&report->read, n, seconds_since(start));
            judge_chunk(report, buf, n, at, dev->sector_size, seed);
        } else if (error.status == DI_ERR_CANCELLED) {
            return job_fail(run, &error);
        } else if (read_by_sector(run, buf, n, at, seed)) {
            failing = 0;
        } else if (++failing >= FAILED_CHUNKS_MAX) {
            return job_fail(run, &error);
        }
        di_progress_add(&run->job->progress, n);
        at += n;
    }
    if (dead_from < dev->size)
        di_check_note_wrong(report, dead_from, dev->size - dead_from, DI_CHECK_HOLDS_NOTHING);
    return DI_OK;
}

static di_status full_check(job_run *run, const di_device *shape, uint64_t seed)
{
    uint8_t *buf = di_aligned_alloc(DI_DIRECT_ALIGNMENT, CHUNK_BYTES);
    if (!buf) return no_memory(run);
    di_status st = DI_OK;
    uint64_t dead_from = shape->size;
    /* The pattern's head erased at the end: the card reads as blank, no table by chance. */
    size_t blank_bytes = shape->size < DI_SAFE_HEAD_BYTES ? (size_t)shape->size : DI_SAFE_HEAD_BYTES;
    if (write_pattern(run, buf, seed, &dead_from) || job_reopen_target(run, DI_OPEN_READ, shape) ||
        read_pattern(run, buf, seed, dead_from) || job_reopen_target(run, DI_OPEN_WRITE, shape) ||
        job_erase_head(run, blank_bytes))
        st = run->result->status;
    run->result->check.tested_bytes = shape->size;
    di_aligned_free(buf);
    return st;
}

/* ---- the quick probe ---- */

typedef struct probe_set {
    uint64_t offsets[DI_CHECK_PROBES_MAX];
    unsigned count;
    size_t stride;    /* bytes between saved sectors: a sector, aligned for unbuffered I/O */
    uint8_t *saved;   /* the sectors as they were, count of them */
    uint8_t *sector;  /* one sector */
    /* Sectors that could not even be read before the probe (a fake card that errors
     * past its capacity): not written, not put back, counted as not holding data. */
    bool unreadable[DI_CHECK_PROBES_MAX];
} probe_set;

static uint8_t *saved_sector(const probe_set *p, unsigned i)
{
    return p->saved + (size_t)i * p->stride;
}

/* The sectors as they are; one that cannot be read is marked, and so many of them that
 * not one could be read fails the job (the card is gone). */
static di_status save_sectors(job_run *run, probe_set *p, di_error *error)
{
    di_device *dev = run->target;
    unsigned unreadable = 0;
    for (unsigned i = 0; i < p->count; i++) {
        if (di_device_read_full(dev, saved_sector(p, i), dev->sector_size, p->offsets[i], NULL,
                                error) != DI_OK) {
            if (error->status == DI_ERR_CANCELLED) return error->status;
            p->unreadable[i] = true;
            unreadable++;
        }
        di_progress_add(&run->job->progress, dev->sector_size);
    }
    return unreadable == p->count ? error->status : DI_OK;
}

static di_status write_probes(job_run *run, probe_set *p, uint64_t seed, di_error *error)
{
    di_device *dev = run->target;
    for (unsigned i = 0; i < p->count; i++) {
        if (p->unreadable[i]) continue;
        di_check_fill(p->sector, dev->sector_size, p->offsets[i], dev->sector_size, seed);
        if (di_device_write_full(dev, p->sector, dev->sector_size, p->offsets[i], error) != DI_OK)
            return error->status;
        di_progress_add(&run->job->progress, dev->sector_size);
    }
    return di_device_flush(dev, error);
}

static di_status read_probes(job_run *run, probe_set *p, uint64_t seed, di_error *error)
{
    di_device *dev = run->target;
    di_check_report *report = &run->result->check;
    for (unsigned i = 0; i < p->count; i++) {
        uint64_t at = p->offsets[i], holds;
        if (p->unreadable[i]) {
            di_check_note_wrong(report, at, dev->sector_size, DI_CHECK_HOLDS_NOTHING);
            continue;
        }
        if (di_device_read_full(dev, p->sector, dev->sector_size, at, NULL, error) != DI_OK)
            return error->status;
        if (di_check_sector(p->sector, at, dev->sector_size, seed, report->reported_bytes, &holds))
            di_check_note_good(report, at, dev->sector_size);
        else
            di_check_note_wrong(report, at, dev->sector_size, holds);
        di_progress_add(&run->job->progress, dev->sector_size);
    }
    return DI_OK;
}

/* The probes written low to high, then read back through a fresh handle. */
static di_status probe(job_run *run, probe_set *p, const di_device *shape, uint64_t seed)
{
    di_error error;
    di_error_clear(&error);
    if (job_reopen_target(run, DI_OPEN_WRITE, shape)) return run->result->status;
    if (write_probes(run, p, seed, &error) != DI_OK) return job_fail(run, &error);
    if (job_reopen_target(run, DI_OPEN_READ, shape)) return run->result->status;
    if (read_probes(run, p, seed, &error) != DI_OK) return job_fail(run, &error);
    return DI_OK;
}

static di_status save(job_run *run, probe_set *p, const di_device *shape)
{
    di_error error;
    di_error_clear(&error);
    if (job_reopen_target(run, DI_OPEN_READ, shape)) return run->result->status;
    if (save_sectors(run, p, &error) != DI_OK) return job_fail(run, &error);
    return DI_OK;
}

/* The saved sectors written back, every one tried, whatever happened before: a Cancel
 * does not stop it (its own retry policy ignores it; the job's honours it after). A
 * sector that could not go back is the job's error, before any other: the user must
 * know what the probe cost. */
static void restore(job_run *run, probe_set *p, const di_device *shape)
{
    di_retry steady = {.budget_ms = run->job->retry.budget_ms,
                       .progress = run->job->retry.progress,
                       .log = run->job->retry.log};
    atomic_init(&steady.buffered_fallback, false);
    di_device_close(run->target);
    run->target = NULL;
    di_error error;
    di_error_clear(&error);
    unsigned lost = 0;
    uint64_t first_lost = 0;
    if (job_try_open(run, shape->path, DI_OPEN_WRITE, DI_ROLE_TARGET, &steady, &run->target,
                     &error) != DI_OK) {
        lost = p->count;
        first_lost = p->offsets[0];
    } else {
        for (unsigned i = 0; i < p->count; i++) {
            di_error failed;
            if (p->unreadable[i] ||
                di_device_write_full(run->target, saved_sector(p, i), shape->sector_size,
                                     p->offsets[i], &failed) == DI_OK)
                continue;
            if (!lost++) {
                first_lost = p->offsets[i];
                error = failed;
            }
        }
        if (di_device_flush(run->target, &error) != DI_OK && !lost) {
            lost = p->count;
            first_lost = p->offsets[0];
        }
        run->target->retry = &run->job->retry; /* steady ends here */
    }
    if (!lost) return;
    di_log_emit(run->job->spec.log, DI_LOG_ERROR,
                "the quick probe could not put back %u of the %u sectors it wrote over on %s, "
                "the first at byte %llu",
                lost, p->count, shape->path, (unsigned long long)first_lost);
    di_error_reword(&error, DI_REASON_PROBE_NOT_RESTORED,
                    DI_ARGS(di_number(lost), di_number(p->count), di_number(first_lost)));
    snprintf(error.path, sizeof error.path, "%s", shape->path);
    run->result->status = error.status;
    run->result->error = error;
}

static di_status quick_probe(job_run *run, const di_device *shape, uint64_t seed)
{
    uint32_t ss = shape->sector_size;
    probe_set *p = calloc(1, sizeof *p);
    if (!p) return no_memory(run);
    p->count = di_check_probe_offsets(shape->size, ss, p->offsets, DI_CHECK_PROBES_MAX);
    p->stride = (ss + DI_DIRECT_ALIGNMENT - 1) / DI_DIRECT_ALIGNMENT * DI_DIRECT_ALIGNMENT;
    p->saved = di_aligned_alloc(DI_DIRECT_ALIGNMENT, (size_t)p->count * p->stride);
    p->sector = di_aligned_alloc(DI_DIRECT_ALIGNMENT, ss);
    di_status st = DI_OK;
    if (!p->saved || !p->sector) {
        st = no_memory(run);
    } else {
        run->result->check.probes = p->count;
        run->result->check.tested_bytes = (uint64_t)p->count * ss;
        di_progress_begin_phase(&run->job->progress, DI_PHASE_VERIFYING, 4ull * p->count * ss);
        /* Once saved, the sectors go back whatever happens. */
        if (save(run, p, shape) == DI_OK) {
            probe(run, p, shape, seed);
            restore(run, p, shape);
        }
        st = run->result->status;
        if (st == DI_OK) st = job_check_cancel(run, DI_PHASE_VERIFYING, shape->path, 0);
    }
    di_aligned_free(p->saved);
    di_aligned_free(p->sector);
    free(p);
    return st;
}

/* A seed of its own for each run: a card that kept an earlier run's pattern (or a cache
 * that answers with it) is not taken for one that holds this run's. */
static uint64_t new_seed(uint64_t drive_bytes)
{
    return di_now_ns() ^ (drive_bytes * 0x9E3779B97F4A7C15ull) ^ (uint64_t)(uintptr_t)&drive_bytes;
}

di_status job_check(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_result *result = run->result;
    di_device shape;
    if (job_preflight_write(run, &shape, NULL) ||
        job_open(run, spec->target_path, DI_OPEN_WRITE, DI_ROLE_TARGET, &run->target) ||
        job_check_as_probed(run, &shape))
        return result->status;
    di_check_report_init(&result->check, spec->check_mode, shape.size, shape.sector_size);
    uint64_t seed = new_seed(shape.size);
    di_status st = spec->check_mode == DI_CHECK_FULL ? full_check(run, &shape, seed)
                                                     : quick_probe(run, &shape, seed);
    if (st != DI_OK) return st;
    di_check_conclude(&result->check);
    result->device_bytes = result->check.tested_bytes;
    return DI_OK;
}

/* ---- a Write's verify that failed as a fake card fails ---- */

static bool uniform(const uint8_t *sector, uint32_t size)
{
    for (uint32_t i = 1; i < size; i++)
        if (sector[i] != sector[0]) return false;
    return true;
}

void job_look_for_wrap(job_run *run)
{
    di_result *r = run->result;
    di_device *dev = run->target;
    if (!r->mismatch || !dev || dev->kind != DI_DEVICE_BLOCK) return;
    uint32_t ss = dev->sector_size;
    uint64_t at = r->mismatch_offset / ss * ss;
    uint8_t *here = di_aligned_alloc(DI_DIRECT_ALIGNMENT, ss);
    uint8_t *there = di_aligned_alloc(DI_DIRECT_ALIGNMENT, ss);
    di_error ignored;
    if (here && there && di_device_read_full(dev, here, ss, at, NULL, &ignored) == DI_OK &&
        !uniform(here, ss)) {
        /* The same data a power of two away, up or down: one place behind two
         * addresses, as on a card that wraps them around its real capacity. */
        for (unsigned k = 20; k < 63 && !r->may_be_fake && (1ull << k) < dev->size; k++) {
            uint64_t lap = 1ull << k;
            uint64_t candidates[2] = {at >= lap ? at - lap : UINT64_MAX,
                                      at + lap < dev->size ? at + lap : UINT64_MAX};
            for (int c = 0; c < 2 && !r->may_be_fake; c++) {
                if (candidates[c] == UINT64_MAX ||
                    di_device_read_full(dev, there, ss, candidates[c], NULL, &ignored) != DI_OK)
                    continue;
                if (memcmp(here, there, ss) == 0) {
                    r->may_be_fake = true;
                    r->fake_wrap_bytes = lap;
                }
            }
        }
    }
    di_aligned_free(here);
    di_aligned_free(there);
}
