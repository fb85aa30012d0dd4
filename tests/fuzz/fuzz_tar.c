/* libFuzzer target: the tar header walker on any bytes as an archive, seen through a
 * device held in memory. A member it accepts lies inside the archive, and reading it
 * whole and past its end stays inside too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec/tar_archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct memory_device {
    di_device base;
    const uint8_t *data;
    size_t size;
} memory_device;

static di_status memory_read(di_device *dev, void *buf, size_t len, uint64_t offset, size_t *done,
                             di_error *error)
{
    (void)error;
    const memory_device *m = (const memory_device *)dev;
    *done = 0;
    if (offset >= m->size) return DI_OK;
    if (len > m->size - offset) len = (size_t)(m->size - offset);
    memcpy(buf, m->data + offset, len);
    *done = len;
    return DI_OK;
}

static di_status memory_write(di_device *dev, const void *buf, size_t len, uint64_t offset,
                              size_t *done, di_error *error)
{
    (void)buf; (void)len; (void)offset; (void)done;
    return di_error_set(error, DI_ERR_USAGE, "write", dev->path, 0, "read only");
}

static di_status memory_flush(di_device *dev, di_error *error)
{
    (void)dev; (void)error;
    return DI_OK;
}

static void memory_close(di_device *dev)
{
    free(dev);
}

static const di_device_ops memory_ops = {.read_at = memory_read, .write_at = memory_write,
                                         .flush = memory_flush, .close = memory_close};

static di_device *memory_open(const uint8_t *data, size_t size)
{
    memory_device *m = calloc(1, sizeof *m);
    if (!m) abort();
    m->base.ops = &memory_ops;
    m->base.kind = DI_DEVICE_FILE;
    strcpy(m->base.path, "fuzz.tar");
    m->base.size = size;
    m->base.sector_size = 512;
    m->base.parallel_io = 1;
    m->data = data;
    m->size = size;
    return &m->base;
}

static void count_name(void *ctx, const char *name, uint64_t size)
{
    (void)name;
    (void)size;
    ++*(unsigned *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    di_error error;
    di_device *file = memory_open(data, size);
    unsigned seen = 0, count = 0;
    if (tar_list_members(file, count_name, &seen, &count, NULL, &error) == DI_OK && seen != count)
        abort();
    di_device_close(file);

    di_device *member = NULL;
    if (tar_member_open(memory_open(data, size), NULL, NULL, NULL, &member, &error) != DI_OK) return 0;
    if (member->size > size) abort();
    static unsigned char buf[65536];
    size_t done = 0;
    size_t want = member->size < sizeof buf ? (size_t)member->size : sizeof buf;
    if (di_device_read_full(member, buf, want, 0, &done, &error) == DI_OK && done != want) abort();
    member->ops->read_at(member, buf, 1, member->size, &done, &error);
    if (done != 0) abort();
    di_device_close(member);
    return 0;
}
