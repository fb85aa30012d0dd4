/* The refusals a Write makes before it takes the drive. Taking it is slow and can fail
 * for the very reason a refusal would name: Windows will not lock a volume while the
 * image is open on it, so the user would wait for the lock and then read "close the
 * programs that use the drive" instead of "the image is stored on this drive". So
 * everything that needs no exclusive access is decided first, from what the system says
 * of the drive and from a read-only look at it. */
#include <stdio.h>
#include <string.h>

#include "diskimager/drives.h"
#include "drive_check.h"
#include "job_internal.h"

static di_status refuse(job_run *run, di_status status, di_fault fault, const char *path,
                        di_reason reason, const di_arg *args, size_t arg_count)
{
    di_error error;
    di_error_why(&error, status, job_kind_op(run->job->spec.kind), path, reason, args, arg_count);
    error.fault = fault;
    return job_fail(run, &error);
}

di_status job_check_apart(job_run *run, const char *file, const di_device *device,
                          bool file_is_image)
{
    if (!file || device->kind != DI_DEVICE_BLOCK || !di_file_is_on_device(file, device->path))
        return DI_OK;
    di_error error;
    if (file_is_image)
        di_error_why(&error, DI_ERR_USAGE, DI_OP_WRITE, device->path, DI_REASON_IMAGE_ON_TARGET,
                     DI_ARGS(di_text(file)));
    else
        di_error_why(&error, DI_ERR_USAGE, DI_OP_READ, device->path, DI_REASON_IMAGE_ON_SOURCE,
                     DI_ARGS(di_text(file)));
    return job_fail(run, &error);
}

static di_status check_same_drive(job_run *run, const di_device *shape, const di_drive_info *info)
{
    const di_target_spec *chosen = run->target_spec;
    di_drive_expect expect = {
        .size = chosen->expect_size, .model = chosen->expect_model, .serial = chosen->expect_serial};
    di_error error;
    if (!di_drive_changed(&expect, shape->size, info->is_block_device ? info : NULL, shape->path,
                          &error))
        return DI_OK;
    return job_fail(run, &error);
}

static di_status check_drive_state(job_run *run, const di_device *shape, const di_drive_info *info)
{
    const char *path = shape->path;
    if (info->system)
        return refuse(run, DI_ERR_BUSY, DI_FAULT_UNKNOWN, path, DI_REASON_SYSTEM_DISK_NEVER_WRITTEN,
                      DI_NO_ARGS);
    if (info->read_only || shape->read_only)
        return refuse(run, DI_ERR_WRITE, DI_FAULT_WRITE_PROTECTED, path,
                      DI_REASON_DRIVE_WRITE_PROTECTED, DI_NO_ARGS);
    /* The look itself saw no medium (a separate probe may have met a reader waking up). */
    if (shape->size == 0)
        return refuse(run, DI_ERR_OPEN, DI_FAULT_NO_MEDIUM, path, DI_REASON_DRIVE_NO_MEDIUM,
                      DI_NO_ARGS);
    if (info->busy_mounts && info->mounts[0])
        return refuse(run, DI_ERR_BUSY, DI_FAULT_UNKNOWN, path, DI_REASON_DEVICE_MOUNTED,
                      DI_ARGS(di_text(info->mounts)));
    return DI_OK;
}

di_status job_preflight_write(job_run *run, di_device *shape, di_size_plan *plan)
{
    const di_job_spec *spec = &run->job->spec;
    const char *path = run->target_path;
    di_error error;
    di_error_clear(&error);
    di_drive_info info;
    /* What the system says of the drive (system disk, mounts, model); when it cannot
     * tell (a path its enumeration does not know), the look below still decides. */
    if (di_drive_describe(path, &info, &error) != DI_OK) memset(&info, 0, sizeof info);
    if (info.is_block_device)
        di_log_emit(spec->log, DI_LOG_INFO,
                    "drive %s: model \"%s\", serial \"%s\", %llu bytes, %u-byte sectors, bus "
                    "%s, %s%s%s%s%s",
                    path, info.model, info.serial, (unsigned long long)info.size,
                    (unsigned)info.sector_size, info.bus[0] ? info.bus : "unknown",
                    info.removable ? "removable" : "fixed", info.read_only ? ", read-only" : "",
                    info.system ? ", holds the system" : "", info.mounts[0] ? ", mounted at " : "",
                    info.mounts);

    memset(shape, 0, sizeof *shape);
    snprintf(shape->path, sizeof shape->path, "%s", path);
    shape->kind = DI_DEVICE_FILE;
    shape->sector_size = DI_FILE_SECTOR_SIZE;
    /* Read-only: no lock, no dismount, nothing another program notices. A path the
     * system did not describe is looked at too (a device path it does not enumerate);
     * if that fails it is a file still to be made. */
    di_device *probe = NULL;
    if (info.exists) {
        if (job_open(run, path, DI_OPEN_READ, DI_ROLE_PROBE, &probe)) return run->result->status;
    } else if (job_try_open(run, path, DI_OPEN_READ, DI_ROLE_PROBE, NULL, &probe, &error) != DI_OK) {
        /* Only a Write makes a file; Restore and Check need a drive that is there. */
        if (spec->kind != DI_JOB_WRITE) return job_fail(run, &error);
        probe = NULL;
        di_error_clear(&error);
    }
    if (probe) {
        shape->kind = probe->kind;
        shape->size = probe->size;
        shape->sector_size = probe->sector_size;
        shape->read_only = probe->read_only;
        snprintf(shape->target_path, sizeof shape->target_path, "%s", probe->target_path);
        di_device_close(probe);
    }
    if ((shape->kind == DI_DEVICE_BLOCK && check_drive_state(run, shape, &info)) ||
        check_same_drive(run, shape, &info) ||
        job_check_apart(run, spec->source_path, shape, true) ||
        (plan && job_plan_image(run, shape, plan)))
        return run->result->status;
    return DI_OK;
}

di_status job_check_as_probed(job_run *run, const di_device *shape)
{
    const di_device *opened = run->target;
    /* A link (/dev/disk/by-id/...) that now leads to another device counts as changed. */
    if (opened->kind == shape->kind && opened->sector_size == shape->sector_size &&
        (opened->kind == DI_DEVICE_FILE || opened->size == shape->size) &&
        strcmp(opened->target_path, shape->target_path) == 0)
        return DI_OK;
    return refuse(run, DI_ERR_BUSY, DI_FAULT_UNKNOWN, opened->path,
                  DI_REASON_DRIVE_CHANGED_WHILE_PREPARING,
                  DI_ARGS(di_number(shape->size), di_number(shape->sector_size),
                          di_number(opened->size), di_number(opened->sector_size)));
}
