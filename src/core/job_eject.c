/* "Eject when done": once a WRITE has succeeded (written, verified, its backup GPT
 * moved, the partition table re-read) and every handle it used is flushed and closed,
 * the target is opened once more and its medium ejected. The data is already safe on
 * the card by then, so an eject that fails is a warning (DI_WARN_EJECT_FAILED with
 * eject_error), never a failed write. */
#include "job_internal.h"

static void eject_failed(di_result *result, const di_error *error)
{
    result->warnings |= DI_WARN_EJECT_FAILED;
    result->eject_error = *error;
}

void job_eject(job_run *run)
{
    const di_job_spec *spec = &run->job->spec;
    di_result *result = run->result;
    if (result->status != DI_OK || !spec->eject || !job_kind_def_of(spec->kind)->writes_drive)
        return;
    di_error error;
    di_error_clear(&error);
    di_device *dev = NULL;
    if (job_try_open(run, run->target_path, DI_OPEN_READ, DI_ROLE_EJECT, NULL, &dev, &error) !=
        DI_OK) {
        eject_failed(result, &error);
        return;
    }
    if (dev->kind != DI_DEVICE_BLOCK)
        di_error_why(&error, DI_ERR_USAGE, DI_OP_EJECT, run->target_path, DI_REASON_EJECT_A_FILE,
                     DI_NO_ARGS);
    else if (!dev->ops->eject)
        di_error_why(&error, DI_ERR_INTERNAL, DI_OP_EJECT, run->target_path,
                     DI_REASON_EJECT_UNSUPPORTED,
                     DI_NO_ARGS);
    else {
        /* Windows mounts the new partitions right after the write, and Explorer or an
         * indexer holds them for a moment: the lock is retried as any transient error. */
        di_retry_state retry = {0};
        di_status st;
        while ((st = dev->ops->eject(dev, &error)) != DI_OK &&
               di_retry_after(&run->job->retry, &retry, DI_IO_LOCK, 0, &error)) {
        }
        result->ejected = st == DI_OK;
    }
    if (!result->ejected) eject_failed(result, &error);
    di_device_close(dev);
}
