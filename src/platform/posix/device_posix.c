/* Files and Linux block devices behind the device interface. Block devices are
 * opened O_DIRECT (no page cache: what is verified is what the medium holds) and,
 * for writing, O_EXCL, which the kernel refuses while a partition is mounted. */
#define _GNU_SOURCE
#include "diskimager/device.h"
#include "diskimager/system.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include "mountinfo.h"
#endif

/* Writes kept in flight on a block device; measured here, one synchronous O_DIRECT
 * write at a time leaves the device idle between requests. */
#define BLOCK_PARALLEL_IO 4

typedef struct posix_device {
    di_device base;
    int fd;
} posix_device;

static int fd_of(di_device *dev)
{
    return ((posix_device *)dev)->fd;
}

static di_status posix_read_at(di_device *dev, void *buf, size_t len, uint64_t offset,
                               size_t *done, di_error *error)
{
    ssize_t n;
    do n = pread(fd_of(dev), buf, len, (off_t)offset);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        di_error_set(error, DI_ERR_READ, "read", dev->path, errno, NULL);
        di_error_at(error, offset);
        return DI_ERR_READ;
    }
    *done = (size_t)n;
    return DI_OK;
}

static di_status posix_write_at(di_device *dev, const void *buf, size_t len, uint64_t offset,
                                size_t *done, di_error *error)
{
    ssize_t n;
    do n = pwrite(fd_of(dev), buf, len, (off_t)offset);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        int err = errno;
        di_status st = err == ENOSPC || err == EFBIG ? DI_ERR_NO_SPACE : DI_ERR_WRITE;
        di_error_set(error, st, "write", dev->path, err, NULL);
        di_error_at(error, offset);
        return st;
    }
    *done = (size_t)n;
    return DI_OK;
}

static di_status posix_flush(di_device *dev, di_error *error)
{
    if (fsync(fd_of(dev)) != 0) {
        int err = errno;
        /* fsync reports the write errors the page cache held back. */
        di_status st = err == ENOSPC ? DI_ERR_NO_SPACE : DI_ERR_FLUSH;
        return di_error_set(error, st, "flush", dev->path, err, NULL);
    }
    return DI_OK;
}

static void posix_after_write(di_device *dev)
{
#ifdef BLKRRPART
    /* Have the kernel read the new partition table. Loop devices without partition
     * scanning refuse; nothing is lost then. */
    if (dev->kind == DI_DEVICE_BLOCK) (void)ioctl(fd_of(dev), BLKRRPART);
#else
    (void)dev;
#endif
}

static di_status posix_set_size(di_device *dev, uint64_t size, di_error *error)
{
    if (dev->kind != DI_DEVICE_FILE)
        return di_error_set(error, DI_ERR_INTERNAL, "set size", dev->path, 0, "not a regular file");
    int r;
    do r = ftruncate(fd_of(dev), (off_t)size);
    while (r != 0 && errno == EINTR);
    if (r != 0) {
        int err = errno;
        return di_error_set(error, err == ENOSPC || err == EFBIG ? DI_ERR_NO_SPACE : DI_ERR_WRITE,
                            "set size", dev->path, err, NULL);
    }
    dev->size = size;
    return DI_OK;
}

static void posix_close(di_device *dev)
{
    close(fd_of(dev));
    free(dev);
}

static const di_device_ops posix_ops = {
    .read_at = posix_read_at,
    .write_at = posix_write_at,
    .flush = posix_flush,
    .after_write = posix_after_write,
    .close = posix_close,
    .set_size = posix_set_size,
};

static di_status open_block(posix_device *pd, const char *path, const struct stat *st,
                            const di_open_options *opt, di_error *error)
{
#ifdef __linux__
    if (opt->mode == DI_OPEN_CREATE)
        return di_error_set(error, DI_ERR_USAGE, "open", path, 0,
                            "is a block device; an image is read into a file");
    if (opt->mode == DI_OPEN_WRITE && !opt->allow_mounted) {
        char mounts[DI_TEXT_MAX];
        if (di_mounts_of_disk("/proc/self/mountinfo", "/sys", major(st->st_rdev),
                              minor(st->st_rdev), mounts, sizeof mounts) > 0)
            return di_error_set(error, DI_ERR_BUSY, "open", path, 0,
                                "the device is mounted at %s; unmount it first", mounts);
    }
    int flags = O_CLOEXEC | O_DIRECT;
    flags |= opt->mode == DI_OPEN_WRITE ? O_WRONLY | O_EXCL : O_RDONLY;
    pd->fd = open(path, flags);
    if (pd->fd < 0) {
        int err = errno;
        return di_error_set(error, err == EBUSY ? DI_ERR_BUSY : DI_ERR_OPEN, "open", path, err,
                            err == EBUSY ? "the device is in use (mounted or opened "
                                           "exclusively by another program)"
                                         : NULL);
    }
    uint64_t size = 0;
    int sector = 0;
    if (ioctl(pd->fd, BLKGETSIZE64, &size) != 0 || ioctl(pd->fd, BLKSSZGET, &sector) != 0 ||
        sector <= 0) {
        int err = errno;
        close(pd->fd);
        return di_error_set(error, DI_ERR_OPEN, "query size", path, err, NULL);
    }
    pd->base.kind = DI_DEVICE_BLOCK;
    pd->base.size = size;
    pd->base.sector_size = (uint32_t)sector;
    pd->base.parallel_io = BLOCK_PARALLEL_IO;
    return DI_OK;
#else
    (void)pd; (void)st; (void)opt;
    return di_error_set(error, DI_ERR_OPEN, "open", path, 0,
                        "block devices are supported on Linux only");
#endif
}

static di_status open_file(posix_device *pd, const char *path, const di_open_options *opt,
                           di_error *error)
{
    int flags = O_CLOEXEC;
    switch (opt->mode) {
    case DI_OPEN_READ: flags |= O_RDONLY; break;
    case DI_OPEN_WRITE: flags |= O_WRONLY | O_CREAT; break;
    case DI_OPEN_CREATE: flags |= O_WRONLY | O_CREAT | O_TRUNC; break;
    }
    pd->fd = open(path, flags, 0644);
    if (pd->fd < 0) {
        int err = errno;
        return di_error_set(error, DI_ERR_OPEN, "open", path, err, NULL);
    }
    struct stat st = {0};
    if (fstat(pd->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int err = errno;
        close(pd->fd);
        return di_error_set(error, DI_ERR_OPEN, "open", path, S_ISDIR(st.st_mode) ? 0 : err,
                            S_ISDIR(st.st_mode) ? "is a directory, not an image file"
                                                : "is neither a regular file nor a block device");
    }
    pd->base.kind = DI_DEVICE_FILE;
    pd->base.size = (uint64_t)st.st_size;
    pd->base.sector_size = opt->file_sector_size ? opt->file_sector_size : 512;
    pd->base.parallel_io = 1;
    return DI_OK;
}

di_status di_device_open(const char *path, const di_open_options *options, di_device **out,
                         di_error *error)
{
    di_open_options defaults = {0};
    const di_open_options *opt = options ? options : &defaults;
    *out = NULL;
    if (!path || !path[0]) return di_error_set(error, DI_ERR_USAGE, "open", "", 0, "no path given");

    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (!exists && (errno != ENOENT || opt->mode == DI_OPEN_READ))
        return di_error_set(error, DI_ERR_OPEN, "open", path, errno, NULL);
    if (exists && S_ISDIR(st.st_mode))
        return di_error_set(error, DI_ERR_OPEN, "open", path, 0,
                            "is a directory, not an image file or a device");
    if (exists && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        return di_error_set(error, DI_ERR_OPEN, "open", path, 0,
                            "is neither a regular file nor a block device");

    posix_device *pd = calloc(1, sizeof *pd);
    if (!pd) return di_error_set(error, DI_ERR_NO_MEMORY, "open", path, 0, NULL);
    pd->base.ops = &posix_ops;
    snprintf(pd->base.path, sizeof pd->base.path, "%s", path);
    di_resolve_symlink(path, pd->base.target_path, sizeof pd->base.target_path);

    di_status status = exists && S_ISBLK(st.st_mode) ? open_block(pd, path, &st, opt, error)
                                                     : open_file(pd, path, opt, error);
    if (status != DI_OK) {
        free(pd);
        return status;
    }
    *out = &pd->base;
    return DI_OK;
}
