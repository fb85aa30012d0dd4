/* GPT work for jobs: the table read through a device, the backup written at an
 * image's end or moved to a larger drive's end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/units.h"
#include "job_internal.h"

di_status job_read_table_sectors(void *ctx, uint64_t offset, void *buf, size_t len,
                                    di_error *error)
{
    return di_device_read_full(ctx, buf, len, offset, NULL, error);
}

/* Writes a GPT's backup entry table and header into the last sectors of `to` (as
 * t->image_size says), then the primary header pointing there, CRCs recomputed. The
 * entries come from the source. Backup first, primary last: a stop half way leaves the
 * old primary valid. A GPT image gets its backup this way, so it is a correct disk by
 * itself; a verified write can move it to the end of a larger drive the same way. */
di_status job_write_gpt_backup(job_run *run, const di_partition_table *t, di_device *to)
{
    uint32_t ss = t->sector_size;
    size_t table_bytes = (size_t)t->gpt_entry_count * t->gpt_entry_size;
    size_t table_span = (table_bytes + ss - 1) / ss * ss;
    uint64_t last_lba = t->image_size / ss - 1;
    uint8_t *entries = di_aligned_alloc(4096, table_span);
    uint8_t *primary = di_aligned_alloc(4096, ss), *backup = di_aligned_alloc(4096, ss);
    di_error error;
    di_error_clear(&error);
    di_status st = DI_OK;
    if (!entries || !primary || !backup) {
        di_error_set(&error, DI_ERR_NO_MEMORY, "write backup GPT", to->path, 0, NULL);
        st = job_fail(run, &error);
        goto out;
    }
    memset(entries, 0, table_span);
    memset(primary, 0, ss);
    memset(backup, 0, ss);
    if (di_device_read_full(run->source, entries, table_span, t->gpt_entries_lba * ss, NULL,
                            &error) != DI_OK) {
        st = job_fail(run, &error);
        goto out;
    }
    di_gpt_make_backup(t, primary, entries, backup);
    if (di_device_write_full(to, entries, table_span, (last_lba - table_span / ss) * ss,
                             &error) != DI_OK ||
        di_device_write_full(to, backup, ss, last_lba * ss, &error) != DI_OK ||
        to->ops->flush(to, &error) != DI_OK ||
        di_device_write_full(to, primary, ss, ss, &error) != DI_OK ||
        to->ops->flush(to, &error) != DI_OK)
        st = job_fail(run, &error);
out:
    di_aligned_free(entries);
    di_aligned_free(primary);
    di_aligned_free(backup);
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
        di_error_set(&error, DI_ERR_NO_MEMORY, "move backup GPT", spec->target_path, 0, NULL);
        st = job_fail(run, &error);
        goto out;
    }
    if (di_partition_table_parse(job_read_table_sectors, run->source, run->source->size,
                                 run->source->sector_size, t, &error) != DI_OK ||
        t->kind != DI_TABLE_GPT) {
        if (error.status == DI_OK)
            di_error_set(&error, DI_ERR_PARTITIONS, "move backup GPT", "", 0,
                         "the image has an MBR, not a GPT");
        if (!error.path[0]) snprintf(error.path, sizeof error.path, "%s", spec->source_path);
        st = job_fail(run, &error);
        goto out;
    }
    if (job_open(run, spec->target_path, DI_OPEN_WRITE, DI_ROLE_TARGET, &dev)) {
        st = run->result->status;
        goto out;
    }
    uint32_t ss = t->sector_size;
    if (dev->sector_size != ss || dev->size / ss <= t->image_size / ss) goto out; /* nothing to move */
    t->image_size = dev->size / ss * ss;
    st = job_write_gpt_backup(run, t, dev);
    run->result->gpt_backup_moved = st == DI_OK;
out:
    di_device_close(dev);
    free(t);
    return st;
}

