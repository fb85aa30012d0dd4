/* A Write's (or a Verify's) source that is a drive: a card cloned to another. Internal to
 * the core (job_source.c). */
#ifndef DISKIMAGER_JOB_SOURCE_H
#define DISKIMAGER_JOB_SOURCE_H

#include "job_internal.h"

/* Opens spec.source_path into *out. An image file goes through job_open_image (decoded
 * when compressed). A drive is read as it is, opened read-only and never locked, after a
 * Write has refused a source that is one of its targets (before any target is opened for
 * writing); when it is larger than a target and holds data past that target's end, only
 * its partitions are read (up to the end of the last one), or that target is refused
 * (several drives: dropped) naming both sizes. */
di_status job_open_source(job_run *run, di_device **out);

/* A Write's last step, after the write and its verify: a drive's GPT whose partitions
 * alone were written gets its backup entries and header at each target's end, and the
 * primary header pointing there. Nothing to do otherwise. DI_OK while a target is live. */
di_status job_source_finish(job_run *run);

/* The partition table of a drive whose partitions alone are the source (read from all of
 * the drive), or NULL when the source is read whole. */
const di_partition_table *job_source_table(const di_device *source);

/* job_gpt.c: the primary GPT header for a disk of t->image_size bytes, pointing at a
 * backup at its end; the entries are read from `from`. primary holds t->sector_size. */
di_status job_gpt_primary_for(job_run *run, const di_partition_table *t, di_device *from,
                              uint8_t *primary);

#endif
