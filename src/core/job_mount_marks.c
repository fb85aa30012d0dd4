/* Verify Only of a card that was plugged in since it was written: the OS that mounted
 * it set the FAT dirty flag and rewrote the free-cluster hints, so the card differs
 * from the image in a few bytes though it holds the image as written. The compare
 * goes on past those bytes; if nothing else differs, the mismatch says so. */
#include <stdlib.h>
#include <string.h>

#include "fat_mount_marks.h"
#include "job_internal.h"

/* The image's bytes at any offset and length, through the job's image device (whole
 * sectors, an aligned buffer: it may be unbuffered). A compressed image decodes from
 * its start again for the pass that follows, which reads it from byte 0. */
static di_status read_image(void *ctx, uint64_t offset, void *buf, size_t len,
                            di_error *error)
{
    job_run *run = ctx;
    di_device *image = run->source;
    if (atomic_load(&run->job->cancel))
        return di_error_why(error, DI_ERR_CANCELLED, DI_OP_READ, image->path, DI_REASON_CANCELLED,
                            DI_NO_ARGS);
    uint64_t sector = image->sector_size ? image->sector_size : 512;
    uint64_t start = offset / sector * sector, end = offset + len;
    size_t io = (size_t)((end - start + sector - 1) / sector * sector);
    unsigned char *bounce = di_aligned_alloc(DI_DIRECT_ALIGNMENT, io);
    if (!bounce) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ, image->path,
                                     DI_REASON_NONE, DI_NO_ARGS);
    size_t got = 0;
    di_status st = di_device_read_upto(image, bounce, io, start, &got, error);
    if (st == DI_OK && got < end - start)
        st = di_error_why(error, DI_ERR_READ, DI_OP_READ, image->path, DI_REASON_IMAGE_ENDS_BEFORE,
                          DI_ARGS(di_number(end)));
    if (st == DI_OK) memcpy(buf, bounce + (offset - start), len);
    di_aligned_free(bounce);
    return st;
}

void job_tolerate_mount_marks(job_run *run)
{
    job_drop_mount_marks(run);
    di_fat_marks *marks = malloc(sizeof *marks);
    if (!marks) return; /* then nothing is tolerated: a plain mismatch */
    di_device *image = run->source;
    di_fat_find_mount_marks(read_image, run, image->size_unknown ? UINT64_MAX : image->size,
                            DI_FAT_MARKS_READ_LIMIT, marks);
    if (marks->count) run->tolerated = malloc(marks->count * sizeof *run->tolerated);
    if (run->tolerated) {
        for (size_t i = 0; i < marks->count; i++)
            run->tolerated[i] = (pl_range){marks->marks[i].offset, marks->marks[i].length};
        run->tolerated_count = marks->count;
    }
    free(marks);
}

void job_drop_mount_marks(job_run *run)
{
    free(run->tolerated);
    run->tolerated = NULL;
    run->tolerated_count = 0;
}
