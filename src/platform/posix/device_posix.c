/* Files and Linux block devices behind the device interface. Block devices are
 * opened O_DIRECT (no page cache: what is verified is what the medium holds) and,
 * for writing, O_EXCL, which the kernel refuses while a partition is mounted. */
#define _GNU_SOURCE
#include "diskimager/device.h"
#include "diskimager/system.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
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
/* The same for a file written around the page cache (bench/file_write). */
#define FILE_PARALLEL_IO 4
/* Flushing an output file as the copy goes keeps the final fsync short: one of a whole
 * image waits for the drive's cache to empty, a third of the copy's time here. */
#define FILE_FLUSH_BYTES ((uint64_t)64 << 20)

typedef struct posix_device {
    di_device base;
    int fd;
    /* An output file's second descriptor, opened O_DIRECT: aligned chunks go around
     * the page cache, whose dirty-page throttling otherwise stalls the one writer for
     * long stretches (issue 12); the unaligned tail goes through fd. -1: none. */
    int direct_fd;
    uint32_t direct_align;
    /* Set by the first direct write the file system refuses (EINVAL) although it opened
     * the descriptor: the rest go through fd without asking again. Several I/O threads
     * read it, hence atomic; direct_fd itself stays open until the close. */
    atomic_bool direct_refused;
} posix_device;

static int fd_of(di_device *dev)
{
    return ((posix_device *)dev)->fd;
}

/* A drive's errors get their kind, so the core retries what passes and names what does
 * not; an image file's are reported as they are (a slow retry of a file that cannot be
 * read helps no one). */
static void classify(const di_device *dev, di_error *error, di_io_op op)
{
    if (dev->kind == DI_DEVICE_BLOCK) error->fault = di_os_fault(error->os_code, op);
}

static di_status posix_read_at(di_device *dev, void *buf, size_t len, uint64_t offset,
                               size_t *done, di_error *error)
{
    ssize_t n;
    do n = pread(fd_of(dev), buf, len, (off_t)offset);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        di_error_why_code(error, DI_ERR_READ, DI_OP_READ, dev->path, errno,
                          DI_REASON_NONE, DI_NO_ARGS);
        classify(dev, error, DI_IO_READ);
        di_error_at(error, offset);
        return DI_ERR_READ;
    }
    *done = (size_t)n;
    return DI_OK;
}

/* A file's write around the page cache when the request allows it; -1 with errno
 * EINVAL when the file system refuses it after all (it then goes through the cache). */
static ssize_t write_direct(posix_device *pd, const void *buf, size_t len, uint64_t offset)
{
    if (pd->direct_fd < 0 || atomic_load_explicit(&pd->direct_refused, memory_order_relaxed) ||
        !di_io_aligned(buf, len, offset, pd->direct_align)) {
        errno = EINVAL;
        return -1;
    }
    ssize_t n;
    do n = pwrite(pd->direct_fd, buf, len, (off_t)offset);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EINVAL) atomic_store(&pd->direct_refused, true);
    return n;
}

static di_status posix_write_at(di_device *dev, const void *buf, size_t len, uint64_t offset,
                                size_t *done, di_error *error)
{
    ssize_t n = write_direct((posix_device *)dev, buf, len, offset);
    if (n < 0 && errno == EINVAL) {
        do n = pwrite(fd_of(dev), buf, len, (off_t)offset);
        while (n < 0 && errno == EINTR);
    }
    if (n < 0) {
        int err = errno;
        di_status st = err == ENOSPC || err == EFBIG ? DI_ERR_NO_SPACE : DI_ERR_WRITE;
        di_error_why_code(error, st, DI_OP_WRITE, dev->path, err, DI_REASON_NONE, DI_NO_ARGS);
        classify(dev, error, DI_IO_WRITE);
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
        di_error_why_code(error, st, DI_OP_FLUSH, dev->path, err, DI_REASON_NONE, DI_NO_ARGS);
        classify(dev, error, DI_IO_FLUSH);
        return st;
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
        return di_error_why(error, DI_ERR_INTERNAL, DI_OP_SET_SIZE, dev->path,
                            DI_REASON_NOT_REGULAR_FILE, DI_NO_ARGS);
    int r;
    do r = ftruncate(fd_of(dev), (off_t)size);
    while (r != 0 && errno == EINTR);
    if (r != 0) {
        int err = errno;
        di_status st = err == ENOSPC || err == EFBIG ? DI_ERR_NO_SPACE : DI_ERR_WRITE;
        return di_error_why_code(error, st, DI_OP_SET_SIZE, dev->path, err, DI_REASON_NONE,
                                 DI_NO_ARGS);
    }
    dev->size = size;
    return DI_OK;
}

/* For a reader that refuses O_DIRECT requests: buffered from now on; the job's flush
 * (fsync) still puts everything on the medium before the head is written. */
static di_status posix_fall_back_buffered(di_device *dev, di_error *error)
{
    int flags = fcntl(fd_of(dev), F_GETFL);
    if (flags < 0 || fcntl(fd_of(dev), F_SETFL, flags & ~O_DIRECT) != 0)
        return di_error_why_os(error, DI_ERR_WRITE, DI_IO_WRITE, DI_OP_TURN_OFF_DIRECT_IO,
                               dev->path,
                               errno, DI_REASON_NONE, DI_NO_ARGS);
    return DI_OK;
}

static void posix_close(di_device *dev)
{
    posix_device *pd = (posix_device *)dev;
    if (pd->direct_fd >= 0) close(pd->direct_fd);
    close(fd_of(dev));
    free(dev);
}

#ifdef __linux__
#include <linux/cdrom.h>
#include <scsi/sg.h>

/* One SCSI command without data through SG_IO; false with *err an errno, or 0 when the
 * drive answered with a bad status. */
static bool scsi_no_data(int fd, unsigned char *cdb, int *err)
{
    unsigned char sense[32];
    sg_io_hdr_t io;
    memset(&io, 0, sizeof io);
    io.interface_id = 'S';
    io.cmd_len = 6;
    io.cmdp = cdb;
    io.dxfer_direction = SG_DXFER_NONE;
    io.mx_sb_len = sizeof sense;
    io.sbp = sense;
    io.timeout = 10000; /* ms */
    if (ioctl(fd, SG_IO, &io) != 0) {
        *err = errno;
        return false;
    }
    *err = 0;
    return io.status == 0 && io.host_status == 0 && io.driver_status == 0;
}
#endif

/* Ejects the medium as util-linux's eject does: CDROMEJECT for a CD drive, else, for a
 * USB card reader or stick, SCSI ALLOW MEDIUM REMOVAL then START STOP UNIT with LoEj
 * through SG_IO. A descriptor of its own: O_NONBLOCK opens a drive whatever its medium,
 * read-write lets START STOP UNIT through the kernel's SG_IO command filter. Refused
 * while an automounter has mounted the card's new partitions. */
static di_status posix_eject(di_device *dev, di_error *error)
{
#ifdef __linux__
    struct stat st;
    char mounts[DI_TEXT_MAX];
    if (stat(dev->path, &st) == 0 && S_ISBLK(st.st_mode) &&
        di_mounts_of_disk("/proc/self/mountinfo", "/sys", major(st.st_rdev), minor(st.st_rdev),
                          mounts, sizeof mounts) > 0)
        return di_error_why(error, DI_ERR_BUSY, DI_OP_EJECT, dev->path, DI_REASON_MOUNTED_AGAIN,
                            DI_ARGS(di_text(mounts)));
    int fd = open(dev->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) fd = open(dev->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return di_error_why_code(error, DI_ERR_OPEN, DI_OP_EJECT, dev->path, errno,
                                         DI_REASON_NONE, DI_NO_ARGS);
    if (ioctl(fd, CDROMEJECT) == 0) {
        close(fd);
        return DI_OK;
    }
    int cd_err = errno, version = 0;
    if (ioctl(fd, SG_GET_VERSION_NUM, &version) != 0 || version < 30000) {
        close(fd);
        return di_error_why_code(error, DI_ERR_OPEN, DI_OP_EJECT, dev->path, cd_err,
                                 DI_REASON_NOTHING_TO_EJECT,
                                 DI_NO_ARGS);
    }
    unsigned char allow_removal[6] = {0x1e, 0, 0, 0, 0, 0}; /* PREVENT ALLOW: allow */
    unsigned char start[6] = {0x1b, 0, 0, 0, 0x01, 0};      /* START STOP UNIT: start */
    unsigned char load_eject[6] = {0x1b, 0, 0, 0, 0x02, 0}; /* START STOP UNIT: LoEj */
    int err = 0;
    /* Some readers eject only from the started state; what that answers does not
     * matter, as util-linux does. */
    bool ok = scsi_no_data(fd, allow_removal, &err);
    if (ok) {
        scsi_no_data(fd, start, &err);
        ok = scsi_no_data(fd, load_eject, &err);
    }
    close(fd);
    if (!ok)
        return di_error_why_code(error, DI_ERR_OPEN, DI_OP_EJECT, dev->path, err,
                                 err ? DI_REASON_NONE : DI_REASON_EJECT_REFUSED, DI_NO_ARGS);
    return DI_OK;
#else
    return di_error_why(error, DI_ERR_OPEN, DI_OP_EJECT, dev->path,
                        DI_REASON_EJECT_LINUX_ONLY, DI_NO_ARGS);
#endif
}

/* A drive: BLKDISCARD. A file (a test's drive, an image restored in place): its blocks
 * freed, a hole that reads back as zeros. */
static di_status posix_discard(di_device *dev, uint64_t offset, uint64_t length,
                               bool *unsupported, di_error *error)
{
    *unsupported = false;
    int r = -1, err = ENOTSUP;
#ifdef __linux__
    if (dev->kind == DI_DEVICE_BLOCK) {
        uint64_t range[2] = {offset, length};
        r = ioctl(fd_of(dev), BLKDISCARD, range);
    } else {
        do r = fallocate(fd_of(dev), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset,
                         (off_t)length);
        while (r != 0 && errno == EINTR);
    }
    if (r != 0) err = errno;
#else
    (void)length;
#endif
    if (r == 0) return DI_OK;
    /* The kernel's ways of saying "this device cannot": the caller writes zeros. */
    if (err == EOPNOTSUPP || err == ENOTSUP || err == ENOTTY || err == EINVAL || err == ENOSYS) {
        *unsupported = true;
        return DI_OK;
    }
    di_error_why_code(error, DI_ERR_WRITE, DI_OP_DISCARD, dev->path, err, DI_REASON_NONE,
                      DI_NO_ARGS);
    classify(dev, error, DI_IO_WRITE);
    di_error_at(error, offset);
    return DI_ERR_WRITE;
}

static const di_device_ops posix_ops = {
    .read_at = posix_read_at,
    .write_at = posix_write_at,
    .flush = posix_flush,
    .after_write = posix_after_write,
    .close = posix_close,
    .set_size = posix_set_size,
    .fall_back_buffered = posix_fall_back_buffered,
    .eject = posix_eject,
    .discard = posix_discard,
};

static di_reason open_failure_reason(int err, di_open_mode mode)
{
    switch (err) {
    case EBUSY: return DI_REASON_DEVICE_IN_USE;
    case EACCES:
    case EPERM: return mode == DI_OPEN_READ ? DI_REASON_READ_NEEDS_ROOT : DI_REASON_WRITE_NEEDS_ROOT;
    default: return DI_REASON_NONE;
    }
}

static di_status open_block(posix_device *pd, const char *path, const struct stat *st,
                            const di_open_options *opt, di_error *error)
{
#ifdef __linux__
    if (opt->mode == DI_OPEN_CREATE)
        return di_error_why(error, DI_ERR_USAGE, DI_OP_OPEN, path,
                            DI_REASON_BLOCK_DEVICE_IS_NO_IMAGE_FILE,
                            DI_NO_ARGS);
    if (opt->mode == DI_OPEN_WRITE) {
        char mounts[DI_TEXT_MAX];
        if (di_mounts_of_disk("/proc/self/mountinfo", "/sys", major(st->st_rdev),
                              minor(st->st_rdev), mounts, sizeof mounts) > 0)
            return di_error_why(error, DI_ERR_BUSY, DI_OP_OPEN, path, DI_REASON_DEVICE_MOUNTED,
                                DI_ARGS(di_text(mounts)));
    }
    int flags = O_CLOEXEC | O_DIRECT;
    flags |= opt->mode == DI_OPEN_WRITE ? O_WRONLY | O_EXCL : O_RDONLY;
    pd->fd = open(path, flags);
    if (pd->fd < 0) {
        int err = errno;
        return di_error_why_os(error, err == EBUSY ? DI_ERR_BUSY : DI_ERR_OPEN, DI_IO_OPEN, DI_OP_OPEN,
                               path, err, open_failure_reason(err, opt->mode), DI_NO_ARGS);
    }
    uint64_t size = 0;
    int sector = 0;
    if (ioctl(pd->fd, BLKGETSIZE64, &size) != 0 || ioctl(pd->fd, BLKSSZGET, &sector) != 0 ||
        sector <= 0) {
        int err = errno;
        close(pd->fd);
        return di_error_why_code(error, DI_ERR_OPEN, DI_OP_QUERY_SIZE, path, err,
                                 DI_REASON_NONE, DI_NO_ARGS);
    }
    int read_only = 0;
    pd->base.read_only = ioctl(pd->fd, BLKROGET, &read_only) == 0 && read_only != 0;
    pd->base.kind = DI_DEVICE_BLOCK;
    pd->base.size = size;
    pd->base.sector_size = (uint32_t)sector;
    pd->base.parallel_io = BLOCK_PARALLEL_IO;
    return DI_OK;
#else
    (void)pd; (void)st; (void)opt;
    return di_error_why(error, DI_ERR_OPEN, DI_OP_OPEN, path,
                        DI_REASON_BLOCK_DEVICES_LINUX_ONLY, DI_NO_ARGS);
#endif
}

/* The file's second descriptor for aligned writes; a file system without O_DIRECT
 * (tmpfs, some FUSE ones) refuses it and every write goes through the cache. */
static bool same_file(int a, int b)
{
    struct stat sa, sb;
    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* The alignment the file system asks of direct requests: at least DI_DIRECT_ALIGNMENT,
 * more when statx says so (for buffer addresses as well as offsets). */
static uint32_t direct_alignment(int fd)
{
    uint32_t align = DI_DIRECT_ALIGNMENT;
#ifdef STATX_DIOALIGN
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 && (sx.stx_mask & STATX_DIOALIGN)) {
        if (sx.stx_dio_offset_align > align) align = sx.stx_dio_offset_align;
        if (sx.stx_dio_mem_align > align) align = sx.stx_dio_mem_align;
    }
#else
    (void)fd;
#endif
    return align;
}

static void open_direct(posix_device *pd, const char *path)
{
#ifdef O_DIRECT
    pd->direct_fd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
    if (pd->direct_fd < 0) return;
    /* Opened by its path: a rename or a new file there since the first open would send
     * the chunks elsewhere. Only the very file fd writes to will do. */
    if (!same_file(pd->fd, pd->direct_fd)) {
        close(pd->direct_fd);
        pd->direct_fd = -1;
        return;
    }
    pd->direct_align = direct_alignment(pd->direct_fd);
    pd->base.parallel_io = FILE_PARALLEL_IO;
#else
    (void)pd; (void)path;
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
        return di_error_why_code(error, DI_ERR_OPEN, DI_OP_OPEN, path, err,
                                 DI_REASON_NONE, DI_NO_ARGS);
    }
    struct stat st = {0};
    if (fstat(pd->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int err = errno;
        close(pd->fd);
        return di_error_why_code(error, DI_ERR_OPEN, DI_OP_OPEN, path, S_ISDIR(st.st_mode) ? 0 : err,
                                 S_ISDIR(st.st_mode) ? DI_REASON_DIRECTORY_NOT_IMAGE
                                                     : DI_REASON_NOT_FILE_NOR_DEVICE,
                                 DI_NO_ARGS);
    }
    pd->base.kind = DI_DEVICE_FILE;
    pd->base.size = (uint64_t)st.st_size;
    pd->base.sector_size = DI_FILE_SECTOR_SIZE;
    pd->base.parallel_io = 1;
    if (opt->mode != DI_OPEN_READ) {
        pd->base.flush_every = FILE_FLUSH_BYTES;
        open_direct(pd, path);
    }
    return DI_OK;
}

di_status di_device_open(const char *path, const di_open_options *options, di_device **out,
                         di_error *error)
{
    di_open_options defaults = {0};
    const di_open_options *opt = options ? options : &defaults;
    *out = NULL;
    if (!path || !path[0]) return di_error_why(error, DI_ERR_USAGE, DI_OP_OPEN, "",
                                               DI_REASON_NO_PATH, DI_NO_ARGS);

    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (!exists && (errno != ENOENT || opt->mode == DI_OPEN_READ))
        return di_error_why_code(error, DI_ERR_OPEN, DI_OP_OPEN, path, errno,
                                 DI_REASON_NONE, DI_NO_ARGS);
    if (exists && S_ISDIR(st.st_mode))
        return di_error_why(error, DI_ERR_OPEN, DI_OP_OPEN, path,
                            DI_REASON_DIRECTORY_NOT_IMAGE_OR_DEVICE,
                            DI_NO_ARGS);
    if (exists && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        return di_error_why(error, DI_ERR_OPEN, DI_OP_OPEN, path,
                            DI_REASON_NOT_FILE_NOR_DEVICE, DI_NO_ARGS);

    posix_device *pd = calloc(1, sizeof *pd);
    if (!pd) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_OPEN, path,
                                 DI_REASON_NONE, DI_NO_ARGS);
    pd->base.ops = &posix_ops;
    pd->direct_fd = -1;
    atomic_init(&pd->direct_refused, false);
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
