/* WRITE and VERIFY with a bmap: only the mapped ranges are written, in the safe order
 * (the first MiB last, whatever the image's size), each range's checksum checked as its
 * bytes are read; verify reads back only those ranges. A regular file written ends up
 * exactly the image's size, as with bmaptool. The image's own digest is not taken (most
 * of it is never read); a compressed image's file digest still is, since it is decoded
 * whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/bmap.h"
#include "diskimager/companions.h"
#include "diskimager/units.h"
#include "job_internal.h"

typedef struct mapped_job {
    di_bmap bmap;
    pl_range *ranges;            /* the mapped blocks in bytes, clipped to the image */
    size_t range_count;
    uint64_t mapped_bytes;
    uint64_t data_end;           /* the end of the last range */
} mapped_job;

/* Checks each range's digest as its bytes go past, in order; bytes outside the ranges
 * are ignored. A range may be fed in several pieces and several passes. */
typedef struct range_checker {
    const mapped_job *mj;
    const char *path;
    size_t index;
    uint64_t fed_to;             /* the next byte of the current range */
    di_hasher *hasher;
} range_checker;

static bool checker_feed(void *ctx, uint64_t offset, const unsigned char *data, size_t len,
                         di_error *error)
{
    range_checker *rc = ctx;
    const mapped_job *mj = rc->mj;
    if (!mj->bmap.has_checksums) return true;
    uint64_t end = offset + len;
    while (rc->index < mj->range_count) {
        const pl_range *r = &mj->ranges[rc->index];
        uint64_t r_end = r->offset + r->length;
        if (end <= r->offset) return true;
        uint64_t from = offset > r->offset ? offset : r->offset;
        if (from >= r_end) {
            rc->index++;
            continue;
        }
        if (from != (rc->hasher ? rc->fed_to : r->offset)) {
            di_error_why(error, DI_ERR_INTERNAL, DI_OP_CHECK_BMAP, rc->path,
                         DI_REASON_BMAP_RANGE_ORDER,
                         DI_NO_ARGS);
            di_error_at(error, from);
            return false;
        }
        if (!rc->hasher) rc->hasher = di_hasher_new(mj->bmap.checksum_alg);
        if (!rc->hasher) {
            di_error_why(error, DI_ERR_INTERNAL, DI_OP_CHECK_BMAP, rc->path,
                         DI_REASON_NO_DIGEST, DI_NO_ARGS);
            return false;
        }
        uint64_t to = end < r_end ? end : r_end;
        di_hasher_update(rc->hasher, data + (from - offset), (size_t)(to - from));
        rc->fed_to = to;
        if (to < r_end) return true;
        char hex[DI_HASH_HEX_MAX];
        unsigned char got[64];
        di_hasher_final_hex(rc->hasher, hex);
        di_hasher_free(rc->hasher);
        rc->hasher = NULL;
        di_bmap_digest_from_hex(hex, mj->bmap.checksum_alg, got);
        const di_bmap_range *br = &mj->bmap.ranges[rc->index];
        if (memcmp(got, br->digest, di_bmap_digest_size(mj->bmap.checksum_alg)) != 0) {
            di_error_why(error, DI_ERR_MISMATCH, DI_OP_CHECK_BMAP, rc->path,
                         DI_REASON_BMAP_BLOCKS_DIFFER,
                         DI_ARGS(di_number(br->first), di_number(br->last),
                                 di_text(di_hash_name(mj->bmap.checksum_alg))));
            di_error_at(error, r->offset);
            return false;
        }
        rc->index++;
    }
    return true;
}

static void mapped_free(mapped_job *mj)
{
    di_bmap_free(&mj->bmap);
    free(mj->ranges);
}

/* Loads the bmap and checks it fits the image and the device. */
/* The bmap loaded and checked against the image and the device (the target, or its
 * shape as job_preflight_write saw it, before it is opened for writing). */
static di_status mapped_open(job_run *run, const di_device *device, mapped_job *mj)
{
    const di_job_spec *spec = &run->job->spec;
    di_device *image = run->source;
    di_error error;
    di_error_clear(&error);
    memset(mj, 0, sizeof *mj);
    if (di_bmap_load_location(spec->bmap_path, spec->bmap_member, &mj->bmap, &error) != DI_OK)
        return job_fail(run, &error);
    const di_bmap *b = &mj->bmap;
    run->result->bmap_signature_unchecked = b->signature_unchecked;
    /* A range checksum that is not hex can match no data: the bmap is damaged. Refused
     * before anything is written, naming the first such range. */
    for (size_t i = 0; i < b->range_count; i++) {
        if (!b->ranges[i].digest_malformed) continue;
        di_error_why(&error, DI_ERR_USAGE, DI_OP_READ_BMAP, spec->bmap_path,
                     DI_REASON_BMAP_DIGEST_NOT_HEX,
                     DI_ARGS(di_number(b->ranges[i].first), di_number(b->ranges[i].last),
                             di_text(di_hash_name(b->checksum_alg))));
        return job_fail(run, &error);
    }
    if (!image->size_unknown && image->size != b->image_size) {
        di_error_why(&error, DI_ERR_USAGE, DI_OP_READ_BMAP, spec->bmap_path,
                     DI_REASON_BMAP_SIZE_DIFFERS,
                     DI_ARGS(di_number(b->image_size), di_text(image->path), di_number(image->size)));
        return job_fail(run, &error);
    }
    if (device->kind == DI_DEVICE_BLOCK && b->block_size % device->sector_size != 0) {
        di_error_why(&error, DI_ERR_USAGE, DI_OP_READ_BMAP, spec->bmap_path,
                     DI_REASON_BMAP_BLOCKS_TOO_SMALL,
                     DI_ARGS(di_number(b->block_size), di_number(device->sector_size),
                             di_text(device->path)));
        return job_fail(run, &error);
    }
    mj->ranges = malloc((b->range_count ? b->range_count : 1) * sizeof *mj->ranges);
    if (!mj->ranges) {
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_READ_BMAP, spec->bmap_path,
                     DI_REASON_NONE, DI_NO_ARGS);
        return job_fail(run, &error);
    }
    for (size_t i = 0; i < b->range_count; i++) {
        uint64_t from = b->ranges[i].first * b->block_size;
        uint64_t to = (b->ranges[i].last + 1) * b->block_size;
        if (to > b->image_size) to = b->image_size; /* the last block may be partial */
        if (to <= from) continue; /* cannot happen in a parsed bmap; never an empty range */
        mj->ranges[mj->range_count++] = (pl_range){from, to - from};
        mj->mapped_bytes += to - from;
        mj->data_end = to;
    }
    uint64_t capacity = device->kind == DI_DEVICE_FILE && spec->kind == DI_JOB_WRITE
                            ? UINT64_MAX : device->size;
    if (mj->data_end > capacity) {
        di_error_why(&error, DI_ERR_TOO_SMALL, DI_OP_CHECK_SIZE, device->path,
                     DI_REASON_DATA_BEYOND_DEVICE,
                     DI_ARGS(di_number(mj->data_end), di_size(mj->data_end), di_number(device->size),
                             di_size(device->size)));
        return job_fail(run, &error);
    }
    run->result->bmap_used = true;
    run->result->mapped_bytes = mj->mapped_bytes;
    run->result->image_bytes = b->image_size;
    return DI_OK;
}

/* The ranges from byte `from` on (cut at it), into out; returns how many. */
static size_t ranges_from(const mapped_job *mj, uint64_t from, pl_range *out, uint64_t *bytes)
{
    size_t n = 0;
    *bytes = 0;
    for (size_t i = 0; i < mj->range_count; i++) {
        pl_range r = mj->ranges[i];
        uint64_t end = r.offset + r.length;
        if (end <= from) continue;
        if (r.offset < from) r = (pl_range){from, end - from};
        out[n++] = r;
        *bytes += r.length;
    }
    return n;
}

/* The safe order, for every image size. The head (the image's first MiB, or all of a
 * smaller image) is read and its ranges checked before anything is written; the
 * device's head is erased, the mapped ranges past it written (each checked) and
 * flushed, and the image's head goes out last. An image of 1 MiB or less is thus
 * checked whole before its first byte reaches the device, and then written in one go.
 * On a block device the head is whole sectors (zero-padded past the image's end, as a
 * plain write pads its last sector), never past the device's end. A regular file is
 * then given exactly the image's size (bmaptool truncates it so too): a file of holes
 * stays as long as the image, and no sector padding is left at its end. */
static di_status write_ranges(job_run *run, mapped_job *mj, range_checker *rc)
{
    di_device *source = run->source, *target = run->target;
    uint64_t image_size = mj->bmap.image_size;
    uint64_t head = image_size < DI_SAFE_HEAD_BYTES ? image_size : DI_SAFE_HEAD_BYTES;
    if (target->kind == DI_DEVICE_BLOCK) {
        head = (head + target->sector_size - 1) / target->sector_size * target->sector_size;
        /* Only unmapped bytes can lie past the device's end: mapped_open checked. */
        if (head > target->size) head = target->size / target->sector_size * target->sector_size;
    }
    size_t head_data = (size_t)(head < image_size ? head : image_size); /* of the image */
    pl_range *rest = malloc((mj->range_count ? mj->range_count : 1) * sizeof *rest);
    size_t head_room =
        (size_t)(head + DI_DIRECT_ALIGNMENT - 1) / DI_DIRECT_ALIGNMENT * DI_DIRECT_ALIGNMENT;
    unsigned char *image_head = head ? di_aligned_alloc(DI_DIRECT_ALIGNMENT, head_room) : NULL;
    di_error error;
    di_error_clear(&error);
    di_status st = DI_OK;
    if (!rest || (head && !image_head)) {
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_WRITE, target->path,
                     DI_REASON_NONE, DI_NO_ARGS);
        st = job_fail(run, &error);
        goto out;
    }
    uint64_t rest_bytes;
    size_t rest_count = ranges_from(mj, head, rest, &rest_bytes);
    di_progress_begin_phase(&run->job->progress, DI_PHASE_WRITING, rest_bytes + head);
    if (head) {
        memset(image_head + head_data, 0, (size_t)head - head_data);
        if (di_device_read_full(source, image_head, head_data, 0, NULL, &error) != DI_OK ||
            !checker_feed(rc, 0, image_head, head_data, &error)) {
            st = job_fail(run, &error);
            goto out;
        }
        /* A regular file is emptied and made the image's size, all holes, as bmaptool
         * does: what it held before must not show through the unmapped blocks. A drive
         * is erased only when something is written before the head: with nothing past
         * it, the head is the whole write, and it goes out once all is checked. */
        if (target->kind == DI_DEVICE_FILE && target->ops->set_size) {
            if (target->ops->set_size(target, 0, &error) != DI_OK ||
                target->ops->set_size(target, image_size, &error) != DI_OK) {
                st = job_fail(run, &error);
                goto out;
            }
        } else if (rest_count > 0 && (st = job_erase_head(run, (size_t)head)) != DI_OK) {
            goto out;
        }
    }
    st = job_pass_ranges(run, DI_PHASE_WRITING, source, rest, rest_count, rest_bytes, target,
                         PL_TARGET_WRITE, checker_feed, rc);
    uint64_t written = run->result->device_bytes;
    /* A compressed image is checked to its end before the head makes the disk whole. */
    if (st == DI_OK) st = job_finish_stream(run, image_size, DI_REASON_IMAGE_HOLDS_MORE_THAN_BMAP);
    if (st == DI_OK && rest_count > 0) st = job_flush(run);
    if (st != DI_OK) goto out;
    if (target->kind == DI_DEVICE_FILE && target->ops->set_size &&
        target->ops->set_size(target, image_size, &error) != DI_OK) {
        st = job_fail(run, &error);
        goto out;
    }
    if (head ? (st = job_write_head(run, image_head, (size_t)head)) != DI_OK
             : (st = job_flush(run)) != DI_OK)
        goto out;
    di_progress_add(&run->job->progress, head);
    run->result->device_bytes = written + head;
out:
    free(rest);
    di_aligned_free(image_head);
    return st;
}

static di_status compare_ranges(job_run *run, mapped_job *mj, di_phase phase)
{
    di_progress_begin_phase(&run->job->progress, phase, mj->mapped_bytes);
    range_checker rc = {.mj = mj, .path = run->source->path};
    di_status st = job_pass_ranges(run, phase, run->source, mj->ranges, mj->range_count,
                                   mj->mapped_bytes, run->target, PL_TARGET_COMPARE,
                                   checker_feed, &rc);
    di_hasher_free(rc.hasher);
    return st;
}

di_status job_write_mapped(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_result *result = run->result;
    mapped_job mj;
    memset(&mj, 0, sizeof mj);
    range_checker rc = {.mj = &mj, .path = spec->source_path};
    di_device shape;
    if (job_open_image(run, spec->source_path, true, &run->source) ||
        job_preflight_write(run, &shape, NULL) || mapped_open(run, &shape, &mj) ||
        job_open(run, spec->target_path, DI_OPEN_WRITE, DI_ROLE_TARGET, &run->target) ||
        job_check_as_probed(run, &shape) || write_ranges(run, &mj, &rc))
        goto out;
    if (run->target->ops->after_write) run->target->ops->after_write(run->target);
    if (spec->verify_after_write) {
        di_device_close(run->target);
        run->target = NULL;
        uint64_t written = result->device_bytes;
        if (job_open(run, spec->target_path, DI_OPEN_READ, DI_ROLE_READBACK, &run->target))
            goto out;
        if (compare_ranges(run, &mj, DI_PHASE_VERIFYING)) {
            job_look_for_wrap(run);
            goto out;
        }
        result->device_bytes = written;
        result->verified = true;
    }
out:
    di_hasher_free(rc.hasher);
    mapped_free(&mj);
    return result->status;
}

di_status job_verify_mapped(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    mapped_job mj;
    memset(&mj, 0, sizeof mj);
    di_status st = DI_OK;
    if (job_open_image(run, spec->source_path, true, &run->source) ||
        job_open(run, spec->target_path, DI_OPEN_READ, DI_ROLE_TARGET, &run->target) ||
        mapped_open(run, run->target, &mj))
        goto out;
    /* As job_verify: the FAT fields a mount changes are told apart. */
    job_tolerate_mount_marks(run);
    st = compare_ranges(run, &mj, DI_PHASE_VERIFYING);
    job_drop_mount_marks(run);
    if (st || job_finish_stream(run, mj.bmap.image_size, DI_REASON_IMAGE_HOLDS_MORE_THAN_BMAP)) goto out;
    run->result->verified = true;
out:
    mapped_free(&mj);
    return run->result->status;
}
