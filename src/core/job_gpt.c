/* GPT work for jobs: the table read through a device, the backup written at an
 * image's end or moved to a larger drive's end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/stream_sink.h"
#include "diskimager/units.h"
#include "job_internal.h"
#include "job_source.h"

typedef struct gpt_sectors {
    uint8_t *entries, *primary, *backup;
    size_t table_span;
} gpt_sectors;

static void free_gpt_sectors(gpt_sectors *g)
{
    di_aligned_free(g->entries);
    di_aligned_free(g->primary);
    di_aligned_free(g->backup);
}

/* The backup entry table and header, and the primary header pointing at them, for a
 * disk of t->image_size bytes; the entries come from `from` (the source). */
static di_status make_gpt_sectors(job_run *run, const di_partition_table *t, di_device *from,
                                  di_device *to, gpt_sectors *g)
{
    uint32_t ss = t->sector_size;
    size_t table_bytes = (size_t)t->gpt_entry_count * t->gpt_entry_size;
    g->table_span = (table_bytes + ss - 1) / ss * ss;
    g->entries = di_aligned_alloc(DI_DIRECT_ALIGNMENT, g->table_span);
    g->primary = di_aligned_alloc(DI_DIRECT_ALIGNMENT, ss);
    g->backup = di_aligned_alloc(DI_DIRECT_ALIGNMENT, ss);
    di_error error;
    di_error_clear(&error);
    if (!g->entries || !g->primary || !g->backup) {
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_WRITE_BACKUP_GPT, to->path,
                     DI_REASON_NONE, DI_NO_ARGS);
        return job_fail(run, &error);
    }
    memset(g->entries, 0, g->table_span);
    memset(g->primary, 0, ss);
    memset(g->backup, 0, ss);
    if (di_device_read_full(from, g->entries, g->table_span, t->gpt_entries_lba * ss,
                            NULL, &error) != DI_OK)
        return job_fail(run, &error);
    di_gpt_make_backup(t, g->primary, g->entries, g->backup);
    return DI_OK;
}

/* Writes a GPT's backup entry table and header into the last sectors of `to` (as
 * t->image_size says), then the primary header pointing there, CRCs recomputed. The
 * entries come from the source. Backup first, primary last: a stop half way leaves the
 * old primary valid. A GPT image gets its backup this way, so it is a correct disk by
 * itself; a verified write can move it to the end of a larger drive the same way.
 * A compressed output cannot go back to its primary header: job_patch_gpt_primary
 * gave it the new one before the copy. */
di_status job_write_gpt_backup(job_run *run, const di_partition_table *t, di_device *to)
{
    uint32_t ss = t->sector_size;
    uint64_t last_lba = t->image_size / ss - 1;
    gpt_sectors g = {0};
    di_error error;
    di_error_clear(&error);
    di_status st = make_gpt_sectors(run, t, run->source, to, &g);
    if (st == DI_OK &&
        (di_device_write_full(to, g.entries, g.table_span, (last_lba - g.table_span / ss) * ss,
                              &error) != DI_OK ||
         di_device_write_full(to, g.backup, ss, last_lba * ss, &error) != DI_OK ||
         di_device_flush(to, &error) != DI_OK ||
         (!to->sequential && (di_device_write_full(to, g.primary, ss, ss, &error) != DI_OK ||
                              di_device_flush(to, &error) != DI_OK))))
        st = job_fail(run, &error);
    free_gpt_sectors(&g);
    return st;
}

di_status job_patch_gpt_primary(job_run *run, const di_partition_table *t, di_device *to)
{
    gpt_sectors g = {0};
    di_error error;
    di_error_clear(&error);
    di_status st = make_gpt_sectors(run, t, run->source, to, &g);
    if (st == DI_OK && stream_sink_patch(to, t->sector_size, g.primary, t->sector_size,
                                         &error) != DI_OK)
        st = job_fail(run, &error);
    free_gpt_sectors(&g);
    return st;
}

di_status job_gpt_primary_for(job_run *run, const di_partition_table *t, di_device *from,
                              uint8_t *primary)
{
    gpt_sectors g = {0};
    di_status st = make_gpt_sectors(run, t, from, from, &g);
    if (st == DI_OK) memcpy(primary, g.primary, t->sector_size);
    free_gpt_sectors(&g);
    return st;
}

/* After a verified write of a GPT image to a larger device: the backup entry table and
 * header move to the device's last sectors, and the primary header points there (with
 * the usable area grown), so the partition tools see the whole device. */
di_status job_move_gpt_backup(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_partition_table *t = malloc(sizeof *t);
    di_device *dev = NULL;
    di_error error;
    di_error_clear(&error);
    di_status st = DI_OK;
    if (!t) {
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_MOVE_BACKUP_GPT, run->target_path,
                     DI_REASON_NONE, DI_NO_ARGS);
        st = job_fail(run, &error);
        goto out;
    }
    /* A drive's partitions alone were written (job_source.c): its table was read from
     * all of the drive, and its backup goes to this drive's end whatever the sectors. */
    const di_partition_table *cut = job_source_table(run->source);
    if (cut) {
        *t = *cut;
    } else if (di_partition_table_parse(di_device_read_exact, run->source, run->source->size,
                                        run->source->sector_size, t, &error) != DI_OK) {
        t->kind = DI_TABLE_NONE;
    }
    if (t->kind != DI_TABLE_GPT) {
        if (error.status == DI_OK)
            di_error_why(&error, DI_ERR_PARTITIONS, DI_OP_MOVE_BACKUP_GPT, "",
                         DI_REASON_IMAGE_HAS_MBR,
                         DI_NO_ARGS);
        if (!error.path[0]) snprintf(error.path, sizeof error.path, "%s", spec->source_path);
        st = job_fail(run, &error);
        goto out;
    }
    if (job_open(run, run->target_path, DI_OPEN_WRITE, DI_ROLE_TARGET, &dev)) {
        st = run->result->status;
        goto out;
    }
    uint32_t ss = t->sector_size;
    if ((!cut && dev->sector_size != ss) || dev->size / ss <= t->image_size / ss)
        goto out; /* nothing to move */
    t->image_size = dev->size / ss * ss;
    st = job_write_gpt_backup(run, t, dev);
    run->result->gpt_backup_moved = st == DI_OK;
    /* The table changed again, flushed: the OS reads it anew (the write's own re-read
     * saw the backup where the image left it). */
    if (st == DI_OK && dev->ops->after_write) dev->ops->after_write(dev);
out:
    di_device_close(dev);
    free(t);
    return st;
}

