/* Whole-buffer I/O over the device interface: the loops every caller would
 * otherwise write again around short reads and writes. */
#include "diskimager/device.h"

#include <stdio.h>

#include "retry.h"

di_status di_device_read_upto(di_device *dev, void *buf, size_t len, uint64_t offset,
                              size_t *done, di_error *error)
{
    size_t total = 0;
    di_status st = DI_OK;
    di_retry_state retry = {0};
    bool buffered = false;
    while (total < len) {
        size_t got = 0;
        st = dev->ops->read_at(dev, (unsigned char *)buf + total, len - total, offset + total,
                               &got, error);
        if (st != DI_OK && (di_fall_back_buffered(dev, &buffered, error) ||
                            di_retry_after(dev->retry, &retry, DI_IO_READ, offset + total, error)))
            continue;
        if (st != DI_OK) st = error->status; /* a cancel during the wait */
        if (st != DI_OK || got == 0) break; /* a failure, or the end of the data */
        total += got;
    }
    if (done) *done = total;
    return st;
}

di_status di_device_read_full(di_device *dev, void *buf, size_t len, uint64_t offset,
                              size_t *done, di_error *error)
{
    size_t total = 0;
    di_status st = di_device_read_upto(dev, buf, len, offset, &total, error);
    if (done) *done = total;
    if (st != DI_OK) return st;
    if (total < len) {
        di_error_why(error, DI_ERR_READ, DI_OP_READ, dev->path, DI_REASON_ENDED_EARLY,
                     DI_ARGS(di_number(total), di_number(len), di_number(offset)));
        di_error_at(error, offset + total);
        return DI_ERR_READ;
    }
    return DI_OK;
}

di_status di_device_read_exact(void *dev, uint64_t offset, void *buf, size_t len,
                               di_error *error)
{
    return di_device_read_full(dev, buf, len, offset, NULL, error);
}

di_status di_device_write_full(di_device *dev, const void *buf, size_t len,
                               uint64_t offset, di_error *error)
{
    size_t total = 0;
    di_retry_state retry = {0};
    bool buffered = false;
    while (total < len) {
        size_t put = 0;
        di_status st = dev->ops->write_at(dev, (const unsigned char *)buf + total,
                                          len - total, offset + total, &put, error);
        if (st != DI_OK && (di_fall_back_buffered(dev, &buffered, error) ||
                            di_retry_after(dev->retry, &retry, DI_IO_WRITE, offset + total, error)))
            continue;
        if (st != DI_OK) return error->status;
        if (put == 0) {
            /* The device accepted nothing: it has ended (or shrank) here. */
            di_error_why(error, DI_ERR_NO_SPACE, DI_OP_WRITE, dev->path, DI_REASON_DEVICE_FULL,
                         DI_NO_ARGS);
            di_error_at(error, offset + total);
            return DI_ERR_NO_SPACE;
        }
        total += put;
    }
    return DI_OK;
}

di_status di_device_flush(di_device *dev, di_error *error)
{
    di_retry_state retry = {0};
    di_status st;
    /* Once I/O goes through a cache, a failed flush may have dropped what it held: a
     * second flush that succeeds would hide that. */
    di_retry *policy = dev->retry && atomic_load(&dev->retry->buffered_fallback) ? NULL : dev->retry;
    while ((st = dev->ops->flush(dev, error)) != DI_OK &&
           di_retry_after(policy, &retry, DI_IO_FLUSH, 0, error)) {
    }
    return st != DI_OK ? error->status : DI_OK;
}

di_status di_device_discard(di_device *dev, uint64_t offset, uint64_t length, bool *unsupported,
                            di_error *error)
{
    *unsupported = false;
    if (!dev->ops->discard) {
        *unsupported = true;
        return DI_OK;
    }
    return dev->ops->discard(dev, offset, length, unsupported, error);
}

di_status di_device_read_to_end(di_device *dev, di_error *error)
{
    unsigned char byte;
    size_t got = 0;
    return dev->ops->read_at(dev, &byte, 1, DI_LAYER_END, &got, error);
}

void di_device_init_stream(di_device *dev, const di_device_ops *ops, const di_device *file)
{
    dev->ops = ops;
    dev->kind = DI_DEVICE_FILE;
    snprintf(dev->path, sizeof dev->path, "%s", file->path);
    snprintf(dev->target_path, sizeof dev->target_path, "%s", file->target_path);
    dev->sector_size = file->sector_size;
    dev->parallel_io = 1;
    dev->sequential = true;
}

void di_device_close(di_device *dev)
{
    if (dev) dev->ops->close(dev);
}
