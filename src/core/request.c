/* The request layer: every policy that turns what the user asked into a job, once, for
 * the dialog and the CLI alike (include/diskimager/request.h). */
#include "diskimager/request.h"

#include "diskimager/device.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool given(const char *s)
{
    return s && s[0];
}

static bool takes_image_file(di_job_kind kind)
{
    return kind == DI_JOB_WRITE || kind == DI_JOB_VERIFY;
}

/* The kinds that take no image. */
static bool drive_only(di_job_kind kind)
{
    return kind == DI_JOB_FORMAT || kind == DI_JOB_CHECK;
}

/* An image the system does not see. The platform may know why (Windows: a network
 * drive mapped in the user's own session, unseen by an elevated program): its open
 * error then says so; otherwise the image is missing. */
static di_status missing_image(const char *image, di_error *error)
{
    di_open_options options = {.mode = DI_OPEN_READ};
    di_device *dev = NULL;
    di_error opened;
    di_error_clear(&opened);
    if (di_device_open(image, &options, &dev, &opened) == DI_OK) {
        di_device_close(dev); /* there after all: the job reads it */
        return DI_OK;
    }
    if (opened.detail[0]) {
        *error = opened;
        return error->status;
    }
    return di_error_refuse(error, DI_ERR_OPEN, DI_REASON_IMAGE_MISSING, "open", image);
}

/* WRITE and VERIFY read an image that must be a file with something in it; READ makes
 * one, which must not be a folder. */
static di_status check_image(const di_request *r, di_error *error)
{
    if (r->kind == DI_JOB_HASH || drive_only(r->kind)) return DI_OK; /* see request.h */
    if (!given(r->image))
        return di_error_refuse(error, DI_ERR_USAGE, DI_REASON_NO_IMAGE, "open", "");
    di_drive_info facts;
    di_error ignored;
    if (di_drive_describe(r->image, &facts, &ignored) != DI_OK) return DI_OK; /* the job says */
    if (facts.is_folder)
        return di_error_refuse(error, DI_ERR_USAGE, DI_REASON_IMAGE_IS_FOLDER, "open", r->image);
    if (!takes_image_file(r->kind) || facts.is_block_device) return DI_OK;
    if (!facts.exists) return missing_image(r->image, error);
    if (facts.size == 0)
        return di_error_refuse(error, DI_ERR_USAGE, DI_REASON_IMAGE_EMPTY, "open", r->image);
    return DI_OK;
}

/* The target of a kind that writes the drive: never the system disk; a fixed disk only
 * when the user insisted. */
static di_status check_target(const di_request *r, const char *path, const di_drive_info *chosen,
                              di_drive_info *drive, di_error *error)
{
    const char *op = di_job_kind_name(r->kind);
    if (chosen) {
        *drive = *chosen;
    } else if (di_drive_describe(path, drive, error) != DI_OK) {
        return error->status;
    }
    if (drive->system)
        return di_error_refuse(error, DI_ERR_USAGE, DI_REASON_SYSTEM_DISK, op, path);
    /* Restore and Check work on a drive; a name that is none is a typo, not a file to
     * make (Write makes one). */
    if (r->kind != DI_JOB_WRITE && !drive->exists)
        return di_error_why(error, DI_ERR_OPEN, r->kind == DI_JOB_CHECK ? DI_OP_CHECK : DI_OP_FORMAT,
                            path, DI_REASON_NO_SUCH_DRIVE, DI_NO_ARGS);
    if (drive->is_block_device && !drive->removable && !r->fixed_disk_confirmed) {
        di_error_refuse(error, DI_ERR_USAGE, DI_REASON_FIXED_DISK, op, path);
        error->sizes[0] = drive->size;
        snprintf(error->value, sizeof error->value, "%s", drive->bus);
        return DI_ERR_USAGE;
    }
    return DI_OK;
}

/* FORMAT: the layout the drive's size and sectors get, when the system told them (a
 * card, or a file-backed drive that exists); the label is checked either way. */
static di_status check_layout(const di_request *r, const di_drive_info *drive,
                              di_card_layout *layout, di_error *error)
{
    di_card_layout scratch;
    if (!layout) layout = &scratch;
    bool known = drive->exists && drive->size > 0 && !drive->no_medium;
    uint64_t size = known ? drive->size : 64ull << 20;
    if (di_card_layout_plan(size, di_card_sector_for(drive->sector_size), r->card_fs, r->card_label, 0, layout, error) == DI_OK)
        return DI_OK;
    if (!known && error->reason != DI_REASON_CARD_LABEL_INVALID) {
        di_error_clear(error);
        return DI_OK; /* the job decides from the drive it opens */
    }
    snprintf(error->path, sizeof error->path, "%s", r->drive);
    return error->status;
}

static bool several(const di_request *r)
{
    return r->drive_count > 1;
}

/* Drive i of several is stored apart from those named before it: not the same drive
 * under another name (a link, another case), not a partition of one, not holding one. */
static di_status targets_overlap(const di_request *r, unsigned i, di_error *error)
{
    di_storage_id *ids = malloc(2 * sizeof *ids);
    if (!ids) return DI_OK; /* the job's exclusive opens still keep two writers apart */
    di_status st = DI_OK;
    if (di_storage_id_of(r->drives[i], &ids[0])) {
        for (unsigned k = 0; k < i && st == DI_OK; k++)
            if (di_storage_id_of(r->drives[k], &ids[1]) &&
                di_storage_relate(&ids[0], &ids[1]) != DI_STORAGE_APART)
                st = di_error_why(error, DI_ERR_USAGE, DI_OP_START_JOB, r->drives[i],
                                  DI_REASON_DRIVES_OVERLAP, DI_ARGS(di_text(r->drives[k])));
    }
    free(ids);
    return st;
}

/* Several drives: only a Write, without a bmap, each drive checked as one would be and
 * none named twice. facts (NULL allowed) gets each one's; drive the first's. */
static di_status check_targets(const di_request *r, di_drive_info *drive, di_drive_info *facts,
                               di_error *error)
{
    if (r->kind != DI_JOB_WRITE || given(r->bmap) || r->drive_count > DI_TARGETS_MAX)
        return di_error_why(error, DI_ERR_USAGE, DI_OP_START_JOB, "", DI_REASON_SEVERAL_TARGETS,
                            DI_ARGS(di_number(r->drive_count), di_number(DI_TARGETS_MAX)));
    for (unsigned i = 0; i < r->drive_count; i++) {
        const char *path = r->drives[i];
        if (!given(path)) return di_error_refuse(error, DI_ERR_USAGE, DI_REASON_NO_DRIVE, "open", "");
        for (unsigned k = 0; k < i; k++)
            if (strcmp(r->drives[k], path) == 0)
                return di_error_why(error, DI_ERR_USAGE, DI_OP_START_JOB, path,
                                    DI_REASON_DRIVE_NAMED_TWICE, DI_NO_ARGS);
        if (targets_overlap(r, i, error)) return error->status;
        di_drive_info one;
        const di_drive_info *chosen = r->chosen_drives ? r->chosen_drives[i] : NULL;
        if (check_target(r, path, chosen, facts ? &facts[i] : &one, error) != DI_OK)
            return error->status;
        if (i == 0) *drive = facts ? facts[0] : one;
    }
    return DI_OK;
}

/* A Write's source (a drive cloned to another, or a file) is never its own target, nor
 * on it, nor holding it: told by where each is stored, not by how it is spelled. */
static di_status check_source_apart(const di_request *r, di_error *error)
{
    if (r->kind != DI_JOB_WRITE || !given(r->image)) return DI_OK;
    unsigned count = several(r) ? r->drive_count : 1;
    for (unsigned i = 0; i < count; i++) {
        const char *target = several(r) ? r->drives[i] : r->drive;
        if (given(target) && di_source_apart(r->image, target, error) != DI_OK)
            return error->status;
    }
    return DI_OK;
}

di_status di_request_check(const di_request *r, di_drive_info *drive, di_error *error)
{
    di_drive_info scratch;
    if (!drive) drive = &scratch;
    memset(drive, 0, sizeof *drive);
    di_error_clear(error);
    if ((unsigned)r->kind >= DI_JOB_KIND_COUNT) {
        return di_error_why(error, DI_ERR_USAGE, DI_OP_START_JOB, "", DI_REASON_UNKNOWN_JOB_KIND,
                            DI_ARGS(di_number((uint64_t)r->kind)));
    }
    if (given(r->expected)) {
        di_expected_hash check;
        if (!di_expected_from_hex(r->expected, &check)) {
            di_error_refuse(error, DI_ERR_USAGE, DI_REASON_BAD_EXPECTED, "check", "");
            snprintf(error->value, sizeof error->value, "%s", r->expected);
            return DI_ERR_USAGE;
        }
    }
    if (r->move_gpt_backup && (r->kind != DI_JOB_WRITE || !r->verify_after_write))
        return di_error_refuse(error, DI_ERR_USAGE, DI_REASON_MOVE_GPT_NEEDS_VERIFY, "write", "");
    if (check_image(r, error) != DI_OK) return error->status;
    if (!given(r->drive) && !several(r))
        return di_error_refuse(error, DI_ERR_USAGE, DI_REASON_NO_DRIVE, "open", "");
    if (check_source_apart(r, error) != DI_OK) return error->status;
    if (several(r)) return check_targets(r, drive, NULL, error);
    if (di_job_kind_writes_drive(r->kind) &&
        check_target(r, r->drive, r->chosen, drive, error) != DI_OK)
        return error->status;
    if (r->kind == DI_JOB_FORMAT) return check_layout(r, drive, NULL, error);
    return DI_OK;
}

/* HASH's image is optional: one that is no file means the whole drive is hashed. */
static bool hash_image_given(const di_request *r)
{
    if (!given(r->image)) return false;
    di_drive_info facts;
    di_error ignored;
    return di_drive_describe(r->image, &facts, &ignored) == DI_OK && facts.exists &&
           !facts.is_folder;
}

/* The digest to check: the one typed, else one published with the image. READ's image
 * is made by the job: only a typed one applies; FORMAT and CHECK have no image. HASH of a path
 * alone: only sums published beside it, not those inside it. */
static void find_expected(const di_request *r, bool hash_image, di_plan *plan)
{
    di_expected_hash *out = &plan->spec.expected;
    if (given(r->expected)) {
        di_expected_from_hex(r->expected, out);
        return;
    }
    if (r->kind == DI_JOB_READ || drive_only(r->kind)) return;
    if (r->kind == DI_JOB_HASH && !hash_image)
        plan->expected_found = di_checksum_find_sidecar(r->drive, out);
    else
        plan->expected_found = di_checksum_find_for_image(r->image, plan->spec.zip_member, out);
}

/* A bmap named, none wanted, or one found with the image: only the mapped blocks. */
static void find_bmap(const di_request *r, di_plan *plan)
{
    /* Several drives are written whole: the bmap's ranges are one drive's plan. */
    if (!takes_image_file(r->kind) || r->no_bmap || several(r)) return;
    if (given(r->bmap)) {
        snprintf(plan->bmap.path, sizeof plan->bmap.path, "%s", r->bmap);
    } else if (di_bmap_find_for_image(r->image, plan->spec.zip_member, &plan->bmap)) {
        plan->bmap_found = true;
    } else {
        return;
    }
    plan->spec.bmap_path = plan->bmap.path;
    plan->spec.bmap_member = plan->bmap.member[0] ? plan->bmap.member : NULL;
}

/* The job stops if another card was put in since the user chose this one. */
static void expect_chosen_drive(di_plan *plan)
{
    if (!plan->drive.is_block_device) return;
    plan->spec.expect_size = plan->drive.size;
    plan->spec.expect_model = plan->drive.model[0] ? plan->drive.model : NULL;
    plan->spec.expect_serial = plan->drive.serial[0] ? plan->drive.serial : NULL;
}

/* Drive to drive: a drive given as the image holds no image to measure; its size is
 * what a copy of it put on the drive. 0 when image is no drive. */
static uint64_t drive_image_size(const char *image)
{
    di_drive_info facts;
    di_error ignored;
    return di_drive_describe(image, &facts, &ignored) == DI_OK && facts.is_block_device
               ? facts.size : 0;
}

static void fill_spec(const di_request *r, bool hash_image, di_plan *plan)
{
    di_job_spec *spec = &plan->spec;
    spec->kind = r->kind;
    spec->hash_mask = r->hash_mask;
    spec->buffer_size = r->buffer_size;
    spec->buffer_count = r->buffer_count;
    spec->zip_member = plan->member[0] ? plan->member : NULL;
    switch (r->kind) {
    case DI_JOB_READ:
        spec->source_path = plan->device;
        spec->target_path = plan->image;
        spec->read_size = r->read_size;
        spec->keep_partial = r->keep_partial;
        spec->allocated_only = r->allocated_only;
        spec->make_bmap = r->make_bmap;
        break;
    case DI_JOB_HASH:
        spec->source_path = plan->device;
        /* The drive's first image-size bytes prove it holds the image; without one, all
         * of it is hashed, to identify it. */
        if (hash_image && !(spec->read_size = drive_image_size(plan->image)))
            spec->size_of_image = plan->image;
        else if (!hash_image)
            spec->read_size = r->read_size;
        if (!spec->hash_mask) spec->hash_mask = DI_HASH_BIT(DI_HASH_MD5);
        break;
    case DI_JOB_WRITE:
        spec->verify_after_write = r->verify_after_write;
        spec->move_gpt_backup = r->move_gpt_backup;
        spec->eject = r->eject;
        expect_chosen_drive(plan);
        /* fall through */
    case DI_JOB_VERIFY:
        spec->source_path = plan->image;
        spec->target_path = plan->device;
        if (plan->drive_count > 1) {
            for (unsigned i = 0; i < plan->drive_count; i++) {
                const di_drive_info *d = &plan->drives[i];
                di_target_spec *t = &plan->targets[i];
                *t = (di_target_spec){.path = plan->devices[i]};
                if (!d->is_block_device) continue;
                t->expect_size = d->size;
                t->expect_model = d->model[0] ? d->model : NULL;
                t->expect_serial = d->serial[0] ? d->serial : NULL;
            }
            spec->targets = plan->targets;
            spec->target_count = plan->drive_count;
        }
        break;
    case DI_JOB_FORMAT:
        spec->target_path = plan->device;
        spec->card_fs = r->card_fs;
        spec->card_label = plan->card_label[0] ? plan->card_label : NULL;
        spec->erase = r->erase;
        spec->eject = r->eject;
        expect_chosen_drive(plan);
        break;
    case DI_JOB_CHECK:
        spec->target_path = plan->device;
        spec->check_mode = r->check_mode;
        expect_chosen_drive(plan);
        break;
    case DI_JOB_KIND_COUNT: break;
    }
}

di_status di_request_plan(const di_request *r, di_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    if (di_request_check(r, &plan->drive, &plan->refusal) != DI_OK) return plan->refusal.status;
    plan->drive_count = 1;
    if (several(r)) {
        if (check_targets(r, &plan->drive, plan->drives, &plan->refusal) != DI_OK)
            return plan->refusal.status;
        plan->drive_count = r->drive_count;
        for (unsigned i = 0; i < r->drive_count; i++)
            snprintf(plan->devices[i], sizeof plan->devices[i], "%s", r->drives[i]);
    }
    bool hash_image = r->kind == DI_JOB_HASH && hash_image_given(r);
    snprintf(plan->image, sizeof plan->image, "%s", given(r->image) ? r->image : "");
    snprintf(plan->device, sizeof plan->device, "%s", several(r) ? r->drives[0] : r->drive);
    snprintf(plan->member, sizeof plan->member, "%s", given(r->member) ? r->member : "");
    if (r->kind == DI_JOB_FORMAT) {
        snprintf(plan->card_label, sizeof plan->card_label, "%s",
                 given(r->card_label) ? r->card_label : "");
        di_error ignored;
        plan->layout_known = plan->drive.exists && plan->drive.size > 0 &&
                             check_layout(r, &plan->drive, &plan->layout, &ignored) == DI_OK;
    }
    fill_spec(r, hash_image, plan);
    find_bmap(r, plan);
    find_expected(r, hash_image, plan);
    return DI_OK;
}
