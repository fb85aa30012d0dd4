#include "fault_device.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/threads.h"

typedef struct fault_device {
    di_device base;
    di_device *inner;
    fault_plan *plan;
    bool faulty; /* the role the plan injects into */
    bool buffered; /* fell back to buffered I/O */
} fault_device;

static fault_device *fd_of(di_device *dev)
{
    return (fault_device *)dev;
}

static bool covers(const fault_plan *plan, uint64_t offset, size_t len)
{
    return plan->at_offset >= offset && plan->at_offset < offset + (len ? len : 1);
}

static void note_alignment(fault_device *fd, const void *buf, size_t len, uint64_t offset)
{
    if (fd->base.kind != DI_DEVICE_BLOCK) return;
    uint32_t s = fd->base.sector_size;
    if (offset % s || len % s || (uintptr_t)buf % s) __atomic_add_fetch(&fd->plan->misaligned, 1, __ATOMIC_SEQ_CST);
}

/* Returns true when the request was answered by the fault (st and *done set). A short
 * transfer shrinks *len instead, at the device's sector granularity, as a real one would. */
static bool inject(fault_device *fd, bool writing, size_t *len_io, uint64_t offset, size_t *done,
                   di_status *st, di_error *error)
{
    size_t len = *len_io;
    fault_plan *plan = fd->plan;
    __atomic_add_fetch(&plan->requests, 1, __ATOMIC_SEQ_CST);
    if (!fd->faulty || plan->on_write != writing || plan->kind == FAULT_NONE) return false;
    if (plan->kind == FAULT_SLOW) {
        if (offset + len > plan->at_offset) {
            di_sleep_ms(plan->delay_ms);
            __atomic_add_fetch(&plan->slowed, 1, __ATOMIC_SEQ_CST);
        }
        return false;
    }
    if (!covers(plan, offset, len)) return false;
    unsigned already = __atomic_fetch_add(&plan->triggered, 1, __ATOMIC_SEQ_CST);
    const char *op = writing ? "write" : "read";
    switch (plan->kind) {
    case FAULT_EIO:
        *st = di_error_set(error, writing ? DI_ERR_WRITE : DI_ERR_READ, op, fd->base.path, EIO, NULL);
        di_error_at(error, offset);
        return true;
    case FAULT_NO_SPACE:
        *st = di_error_set(error, DI_ERR_NO_SPACE, op, fd->base.path, ENOSPC, NULL);
        di_error_at(error, offset);
        return true;
    case FAULT_END:
        *done = 0;
        *st = DI_OK;
        return true;
    case FAULT_SHORT_ONCE:
        if (already == 0 && len > 1) {
            uint32_t s = fd->base.kind == DI_DEVICE_BLOCK ? fd->base.sector_size : 1;
            if (len / 2 >= s) *len_io = len / 2 / s * s;
        }
        return false;
    case FAULT_CANCEL:
        if (plan->job) di_job_cancel(plan->job);
        return false;
    case FAULT_TRANSIENT:
        if (plan->times && already >= plan->times) return false;
        *st = di_error_set(error, writing ? DI_ERR_WRITE : DI_ERR_READ, op, fd->base.path, EAGAIN,
                           NULL);
        error->fault = DI_FAULT_TRANSIENT;
        di_error_at(error, offset);
        return true;
    case FAULT_MEDIA:
        *st = di_error_set(error, writing ? DI_ERR_WRITE : DI_ERR_READ, op, fd->base.path, EIO, NULL);
        error->fault = DI_FAULT_MEDIA;
        di_error_at(error, offset);
        return true;
    case FAULT_UNBUFFERED:
        if (fd->buffered) return false;
        *st = di_error_set(error, writing ? DI_ERR_WRITE : DI_ERR_READ, op, fd->base.path, EINVAL,
                           NULL);
        error->fault = DI_FAULT_UNBUFFERED_REFUSED;
        di_error_at(error, offset);
        return true;
    default:
        return false;
    }
}

static di_status fault_read_at(di_device *dev, void *buf, size_t len, uint64_t offset,
                               size_t *done, di_error *error)
{
    fault_device *fd = fd_of(dev);
    di_status st = DI_OK;
    note_alignment(fd, buf, len, offset);
    if (inject(fd, false, &len, offset, done, &st, error)) return st;
    st = fd->inner->ops->read_at(fd->inner, buf, len, offset, done, error);
    fault_plan *plan = fd->plan;
    if (st == DI_OK && fd->faulty && !plan->on_write && plan->kind == FAULT_FLIP &&
        plan->at_offset >= offset && plan->at_offset < offset + *done) {
        ((unsigned char *)buf)[plan->at_offset - offset] ^= 0xFF;
        __atomic_add_fetch(&plan->triggered, 1, __ATOMIC_SEQ_CST);
    }
    return st;
}

static void log_write(fault_device *fd, uint64_t offset)
{
    fault_plan *plan = fd->plan;
    if (!fd->faulty) return;
    unsigned at = __atomic_fetch_add(&plan->writes, 1, __ATOMIC_SEQ_CST);
    if (at < sizeof plan->write_offsets / sizeof plan->write_offsets[0]) {
        plan->write_offsets[at] = offset;
        plan->write_flushes[at] = __atomic_load_n(&plan->flushes, __ATOMIC_SEQ_CST);
    }
}

static di_status fault_write_at(di_device *dev, const void *buf, size_t len, uint64_t offset,
                                size_t *done, di_error *error)
{
    fault_device *fd = fd_of(dev);
    log_write(fd, offset);
    di_status st = DI_OK;
    note_alignment(fd, buf, len, offset);
    if (inject(fd, true, &len, offset, done, &st, error)) return st;
    return fd->inner->ops->write_at(fd->inner, buf, len, offset, done, error);
}

static di_status fault_flush(di_device *dev, di_error *error)
{
    fault_device *fd = fd_of(dev);
    if (fd->faulty) {
        unsigned n = __atomic_add_fetch(&fd->plan->flushes, 1, __ATOMIC_SEQ_CST);
        if (n == fd->plan->fail_flush) {
            fd->plan->triggered++;
            return di_error_set(error, DI_ERR_FLUSH, "flush", fd->base.path, EIO, NULL);
        }
    }
    return fd->inner->ops->flush(fd->inner, error);
}

static void fault_after_write(di_device *dev)
{
    di_device *inner = fd_of(dev)->inner;
    if (inner->ops->after_write) inner->ops->after_write(inner);
}

static di_status fault_set_size(di_device *dev, uint64_t size, di_error *error)
{
    di_device *inner = fd_of(dev)->inner;
    if (!inner->ops->set_size)
        return di_error_set(error, DI_ERR_INTERNAL, "set size", dev->path, 0, "not a regular file");
    di_status st = inner->ops->set_size(inner, size, error);
    if (st == DI_OK) dev->size = size;
    return st;
}

static di_status fault_fall_back_buffered(di_device *dev, di_error *error)
{
    fault_device *fd = fd_of(dev);
    __atomic_add_fetch(&fd->plan->fell_back, 1, __ATOMIC_SEQ_CST);
    di_device *inner = fd->inner;
    if (inner->ops->fall_back_buffered) {
        di_status st = inner->ops->fall_back_buffered(inner, error);
        if (st != DI_OK) return st;
    }
    fd->buffered = true;
    return DI_OK;
}

static void fault_close(di_device *dev)
{
    di_device_close(fd_of(dev)->inner);
    free(dev);
}

/* Forwarded, counted; a plan can make the device say it cannot discard, ignore the
 * discard, or fail it with EIO. */
static di_status fault_discard(di_device *dev, uint64_t offset, uint64_t length,
                               bool *unsupported, di_error *error)
{
    fault_device *fd = fd_of(dev);
    *unsupported = false;
    if (fd->faulty) {
        fd->plan->discards++;
        if (fd->plan->no_discard) {
            *unsupported = true;
            return DI_OK;
        }
        if (fd->plan->discard_ignored) return DI_OK;
        if (fd->plan->discard_fails) {
            fd->plan->triggered++;
            di_error_set(error, DI_ERR_WRITE, "discard", dev->path, EIO, NULL);
            di_error_at(error, offset);
            return DI_ERR_WRITE;
        }
    }
    return di_device_discard(fd->inner, offset, length, unsupported, error);
}

static const di_device_ops fault_ops = {
    .read_at = fault_read_at,
    .write_at = fault_write_at,
    .flush = fault_flush,
    .after_write = fault_after_write,
    .close = fault_close,
    .set_size = fault_set_size,
    .fall_back_buffered = fault_fall_back_buffered,
    .discard = fault_discard,
};

di_device *fault_wrap(di_device *inner, di_role role, void *ctx)
{
    fault_plan *plan = ctx;
    /* The read-only look a Write takes before it opens its target is never faulty, but
     * sees the target as the target will be presented. */
    if (role == DI_ROLE_PROBE) plan->probes++;
    di_role shown_as = role == DI_ROLE_PROBE ? DI_ROLE_TARGET : role;
    bool faulty = role == plan->role && (!plan->only_path || strcmp(inner->path, plan->only_path) == 0);
    if (!faulty && !(plan->as_block_sector && shown_as == plan->role) &&
        !(plan->block_roles & (1u << shown_as)))
        return inner;
    fault_device *fd = calloc(1, sizeof *fd);
    if (!fd) return NULL;
    fd->base = *inner;
    fd->base.ops = &fault_ops;
    fd->inner = inner;
    fd->plan = plan;
    fd->faulty = faulty;
    if (plan->as_block_sector) {
        fd->base.kind = DI_DEVICE_BLOCK;
        fd->base.sector_size = plan->as_block_sector;
        fd->base.parallel_io = 4;
    }
    if (faulty) plan->wrapped++;
    return &fd->base;
}
