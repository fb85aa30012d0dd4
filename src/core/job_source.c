/* A drive as the source of a Write: a card cloned to another. It is read as it is (a
 * drive is never decoded, whatever its first bytes look like), opened read-only, which
 * takes no lock and no exclusive access, and checked not to be any of the targets before
 * one of them is opened for writing. A drive larger than a target follows the image's
 * size rules (zeros past the target's end are not written), and otherwise may still fit
 * by its partitions: then only they are read, seen through a view of the drive that ends
 * where the last partition does, and a GPT's backup is rebuilt at each target's end once
 * the write (and its verify) is done. The size decision itself is di_plan_source_on_device
 * (size_plan.c), a pure function. */
#include "job_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/drives.h"

/* The drive seen up to the end of its last partition. Verify Only of a GPT sees the
 * primary header as the write left it on the target (pointing at the backup rebuilt at
 * the target's end), so the compare covers what a write made. */
typedef struct source_view {
    di_device base;
    di_device *drive;              /* owned */
    di_partition_table table;      /* read from all of the drive */
    bool rebuild_gpt;
    uint8_t patch[DI_DIRECT_ALIGNMENT];
    uint64_t patch_offset;
    size_t patch_length;           /* 0: none */
} source_view;

static di_status view_read_at(di_device *dev, void *buf, size_t len, uint64_t offset,
                              size_t *done, di_error *error)
{
    source_view *v = (source_view *)dev;
    *done = 0;
    if (offset >= dev->size) return DI_OK;
    if (len > dev->size - offset) len = (size_t)(dev->size - offset);
    di_status st = v->drive->ops->read_at(v->drive, buf, len, offset, done, error);
    if (st != DI_OK || !v->patch_length) return st;
    uint64_t from = offset > v->patch_offset ? offset : v->patch_offset;
    uint64_t to = offset + *done < v->patch_offset + v->patch_length
                      ? offset + *done : v->patch_offset + v->patch_length;
    if (from < to)
        memcpy((uint8_t *)buf + (from - offset), v->patch + (from - v->patch_offset),
               (size_t)(to - from));
    return DI_OK;
}

static di_status view_write_at(di_device *dev, const void *buf, size_t len, uint64_t offset,
                               size_t *done, di_error *error)
{
    (void)buf;
    (void)len;
    *done = 0;
    /* The source is never written: nothing in the job asks, and nothing may. */
    di_error_why(error, DI_ERR_INTERNAL, DI_OP_WRITE, dev->path, DI_REASON_NONE, DI_NO_ARGS);
    di_error_at(error, offset);
    return DI_ERR_INTERNAL;
}

static di_status view_flush(di_device *dev, di_error *error)
{
    (void)dev;
    (void)error;
    return DI_OK;
}

static di_status view_fall_back_buffered(di_device *dev, di_error *error)
{
    di_device *drive = ((source_view *)dev)->drive;
    if (!drive->ops->fall_back_buffered)
        return di_error_why(error, DI_ERR_INTERNAL, DI_OP_READ, dev->path, DI_REASON_NONE,
                            DI_NO_ARGS);
    return drive->ops->fall_back_buffered(drive, error);
}

static void view_close(di_device *dev)
{
    source_view *v = (source_view *)dev;
    di_device_close(v->drive);
    free(v);
}

static const di_device_ops view_ops = {
    .read_at = view_read_at,
    .write_at = view_write_at,
    .flush = view_flush,
    .close = view_close,
    .fall_back_buffered = view_fall_back_buffered,
};

const di_partition_table *job_source_table(const di_device *source)
{
    return source && source->ops == &view_ops ? &((const source_view *)source)->table : NULL;
}

static source_view *view_of(const di_device *source)
{
    return source && source->ops == &view_ops ? (source_view *)source : NULL;
}

/* The drive up to length, its table kept for the GPT's backup. */
static source_view *make_view(di_device *drive, const di_partition_table *table, uint64_t length)
{
    source_view *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->base = *drive;
    v->base.ops = &view_ops;
    v->base.size = length;
    v->base.read_only = true;
    v->base.below = NULL;
    v->drive = drive;
    v->table = *table;
    v->rebuild_gpt = table->kind == DI_TABLE_GPT;
    return v;
}

/* A target as its read-only look before the write will see it: what it holds. A file
 * grows (as job_plan_image takes it); one that cannot be looked at is left for that look
 * to refuse. */
static uint64_t target_capacity(job_run *run, const char *path)
{
    di_device *probe = NULL;
    di_error error;
    di_error_clear(&error);
    if (job_try_open(run, path, DI_OPEN_READ, DI_ROLE_PROBE, NULL, &probe, &error) != DI_OK)
        return UINT64_MAX;
    uint64_t capacity = probe->kind == DI_DEVICE_FILE && run->job->spec.kind == DI_JOB_WRITE
                            ? UINT64_MAX : probe->size;
    di_device_close(probe);
    return capacity;
}

/* Where the drive's data ends, looked for from its end down to floor: *end is the end of
 * its last byte that is not zero, or floor when only zeros lie above it. From the end,
 * since that is where a GPT keeps its backup and where a card written full ends: the
 * answer usually comes from the first chunk read. */
static di_status find_data_end(job_run *run, di_device *drive, uint64_t floor, uint64_t *end)
{
    uint32_t sector = drive->sector_size ? drive->sector_size : 512;
    size_t chunk = job_chunk_size(&run->job->spec, sector);
    unsigned char *buf = di_aligned_alloc(DI_DIRECT_ALIGNMENT, chunk);
    di_error error;
    di_error_clear(&error);
    if (!buf) {
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_READ, drive->path, DI_REASON_NONE, DI_NO_ARGS);
        return job_fail(run, &error);
    }
    di_progress_set_phase(&run->job->progress, DI_PHASE_PREPARING);
    uint64_t low = floor / sector * sector, pos = drive->size / sector * sector;
    di_status st = DI_OK;
    *end = floor;
    while (pos > low) {
        if ((st = job_check_cancel(run, DI_PHASE_PREPARING, drive->path, pos)) != DI_OK) break;
        uint64_t start = pos - low > chunk ? pos - chunk : low;
        size_t n = (size_t)(pos - start);
        if (di_device_read_full(drive, buf, n, start, NULL, &error) != DI_OK) {
            st = job_fail(run, &error);
            break;
        }
        size_t i = n;
        while (i > 0 && buf[i - 1] == 0) i--;
        if (i > 0) {
            *end = start + i > floor ? start + i : floor;
            break;
        }
        pos = start;
    }
    di_aligned_free(buf);
    return st;
}

/* The drive's partition table, read from all of it; false when it has none that can be
 * trusted (the log says why). */
static bool read_table(job_run *run, di_device *drive, di_partition_table *table)
{
    di_error error;
    di_error_clear(&error);
    if (di_partition_table_parse(di_device_read_exact, drive, drive->size, drive->sector_size,
                                 table, &error) == DI_OK)
        return true;
    char text[1024];
    di_log_emit(run->job->spec.log, DI_LOG_INFO, "source %s: no partition table to go by (%s)",
                drive->path, di_error_format(&error, text, sizeof text));
    return false;
}

/* A target the source does not fit: the job's failure with one drive; with several,
 * that drive's, dropped while the others go on. */
static void refuse_target(job_run *run, job_target *t, const di_source_facts *facts,
                          uint64_t capacity)
{
    di_error error;
    const char *source = run->job->spec.source_path;
    if (facts->table)
        di_error_why(&error, DI_ERR_TOO_SMALL, DI_OP_CHECK_SIZE, t->spec->path,
                     DI_REASON_SOURCE_PARTITIONS_PAST_TARGET,
                     DI_ARGS(di_text(source), di_number(facts->size), di_size(facts->size),
                             di_number(capacity), di_size(capacity),
                             di_size(facts->allocated_size)));
    else
        di_error_why(&error, DI_ERR_TOO_SMALL, DI_OP_CHECK_SIZE, t->spec->path,
                     DI_REASON_SOURCE_DATA_PAST_TARGET,
                     DI_ARGS(di_text(source), di_number(facts->size), di_size(facts->size),
                             di_number(capacity), di_size(capacity)));
    if (run->target_count == 1) {
        job_fail(run, &error);
        t->dropped = true;
        return;
    }
    job_target_enter(run, t);
    job_fail(run, &error);
    job_target_leave(run, t, error.status);
}

/* VERIFY of a GPT's partitions: the primary header as the write left it on the target. */
static di_status patch_primary(job_run *run, source_view *v, uint64_t capacity)
{
    di_partition_table t = v->table;
    uint32_t ss = t.sector_size;
    if (ss > sizeof v->patch) return DI_OK;
    t.image_size = capacity / ss * ss;
    if (job_gpt_primary_for(run, &t, v->drive, v->patch) != DI_OK) return run->result->status;
    v->patch_offset = ss;
    v->patch_length = ss;
    return DI_OK;
}

/* The size rules for a drive larger than some target: see di_plan_source_on_device. */
static di_status plan_extent(job_run *run, di_device **source)
{
    di_device *drive = *source;
    uint64_t capacity[DI_TARGETS_MAX], smallest = UINT64_MAX;
    for (unsigned i = 0; i < run->target_count; i++) {
        capacity[i] = run->targets[i].dropped ? UINT64_MAX
                                              : target_capacity(run, run->targets[i].spec->path);
        if (capacity[i] < smallest) smallest = capacity[i];
    }
    if (drive->size <= smallest) return DI_OK;

    di_source_facts facts = {.size = drive->size, .sector_size = drive->sector_size};
    if (find_data_end(run, drive, smallest, &facts.data_end)) return run->result->status;
    di_partition_table *table = calloc(1, sizeof *table);
    if (!table) {
        di_error error;
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_READ_PARTITION_TABLE, drive->path,
                     DI_REASON_NONE, DI_NO_ARGS);
        return job_fail(run, &error);
    }
    if (facts.data_end > smallest && read_table(run, drive, table)) {
        facts.table = true;
        facts.gpt = table->kind == DI_TABLE_GPT;
        facts.used_end = table->used_end;
        facts.allocated_size = table->image_size;
    }
    bool partitions = false;
    for (unsigned i = 0; i < run->target_count; i++) {
        job_target *t = &run->targets[i];
        if (t->dropped || capacity[i] >= drive->size) continue;
        di_source_plan plan;
        di_plan_source_on_device(&facts, capacity[i], &plan);
        if (plan.fit == DI_SOURCE_TOO_LARGE) refuse_target(run, t, &facts, capacity[i]);
        partitions |= plan.fit == DI_SOURCE_PARTITIONS;
    }
    di_status st = job_targets_live(run) ? DI_OK : run->result->status;
    if (st == DI_OK && partitions) {
        /* Every drive gets the partitions then: one reading of the source feeds them all,
         * and a drive that could hold more gets all the source holds in partitions. */
        source_view *v = make_view(drive, table, facts.used_end);
        if (!v) {
            di_error error;
            di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_READ, drive->path, DI_REASON_NONE,
                         DI_NO_ARGS);
            st = job_fail(run, &error);
        } else {
            *source = &v->base;
            run->result->source_partitions_only = true;
            run->result->source_drive_bytes = drive->size;
            di_log_emit(run->job->spec.log, DI_LOG_INFO,
                        "source %s: %llu bytes, data past the end of the smallest drive "
                        "(%llu bytes): only its partitions are written, up to byte %llu (%s)",
                        drive->path, (unsigned long long)drive->size,
                        (unsigned long long)smallest, (unsigned long long)facts.used_end,
                        facts.gpt ? "GPT, its backup rebuilt at each drive's end" : "MBR");
            if (run->job->spec.kind == DI_JOB_VERIFY && v->rebuild_gpt)
                st = patch_primary(run, v, capacity[0]);
        }
    }
    free(table);
    return st;
}

di_status job_open_source(job_run *run, di_device **out)
{
    const di_job_spec *spec = &run->job->spec;
    const char *path = spec->source_path;
    *out = NULL;
    di_drive_info facts;
    di_error error;
    di_error_clear(&error);
    if (!path || di_drive_describe(path, &facts, &error) != DI_OK || !facts.is_block_device)
        return job_open_image(run, path, true, out);
    /* Before any target is opened for writing: a drive is never written from itself. */
    for (unsigned i = 0; spec->kind == DI_JOB_WRITE && i < run->target_count; i++) {
        di_error_clear(&error);
        if (di_source_apart(path, run->targets[i].spec->path, &error) != DI_OK)
            return job_fail(run, &error);
    }
    di_device *drive = NULL;
    if (job_open(run, path, DI_OPEN_READ, DI_ROLE_SOURCE, &drive)) return run->result->status;
    di_log_emit(spec->log, DI_LOG_INFO,
                "source %s is a drive: read as it is, read-only, %llu bytes, %u-byte sectors",
                path, (unsigned long long)drive->size, (unsigned)drive->sector_size);
    *out = drive;
    return plan_extent(run, out);
}

static di_status rebuild_on_target(job_run *run, source_view *v, job_target *t)
{
    /* Taken again for writing (locked, on Windows), and still the drive looked at. */
    if (job_reopen_target(run, DI_OPEN_WRITE, &t->shape)) return run->result->status;
    di_partition_table table = v->table;
    uint32_t ss = table.sector_size;
    table.image_size = run->target->size / ss * ss;
    if (job_write_gpt_backup(run, &table, run->target)) return run->result->status;
    run->result->gpt_backup_moved = true;
    /* The table is whole now: the OS reads it again. */
    if (run->target->ops->after_write) run->target->ops->after_write(run->target);
    return DI_OK;
}

di_status job_source_finish(job_run *run)
{
    source_view *v = view_of(run->source);
    if (!v || !v->rebuild_gpt || run->job->result.status != DI_OK) return DI_OK;
    for (unsigned i = 0; i < run->target_count; i++) {
        job_target *t = &run->targets[i];
        if (t->dropped || t->result->status != DI_OK) continue;
        job_target_enter(run, t);
        di_status st = rebuild_on_target(run, v, t);
        job_target_leave(run, t, st);
    }
    return job_targets_live(run) ? DI_OK : run->targets[0].result->status;
}
