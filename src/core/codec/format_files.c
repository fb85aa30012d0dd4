/* What the front ends ask about an image file before a job: its format, and the files
 * of a zip. */
#include <string.h>

#include "diskimager/compression.h"
#include "diskimager/device.h"
#include "stream_size.h"
#include "zip_archive.h"

static di_device *open_file(const char *path, di_error *error)
{
    di_open_options options = {.mode = DI_OPEN_READ};
    di_device *dev = NULL;
    if (di_device_open(path, &options, &dev, error) != DI_OK) return NULL;
    if (dev->kind != DI_DEVICE_FILE) {
        di_device_close(dev);
        di_error_set(error, DI_ERR_USAGE, "open", path, 0, "is not a file");
        return NULL;
    }
    return dev;
}

di_format di_format_of_file(const char *path)
{
    di_error error;
    di_device *dev = open_file(path, &error);
    if (!dev) return DI_FORMAT_RAW;
    unsigned char head[16];
    size_t got = 0;
    di_format format = DI_FORMAT_RAW;
    if (di_device_read_upto(dev, head, sizeof head, 0, &got, &error) == DI_OK)
        format = di_format_detect(head, got);
    di_device_close(dev);
    return format;
}

di_status di_zip_list_files(const char *path, di_zip_name_fn each, void *ctx, unsigned *count,
                            di_error *error)
{
    di_device *dev = open_file(path, error);
    if (!dev) return error->status;
    di_status st = zip_list_members(di_device_read_exact, dev, path, dev->size, each, ctx, count, error);
    di_device_close(dev);
    return st;
}

bool di_image_size_of_file(const char *path, const char *member_name, uint64_t *size)
{
    di_format format = di_format_of_file(path);
    di_error error;
    di_device *dev = open_file(path, &error);
    if (!dev) return false;
    bool known = false;
    zip_member m;
    switch (format) {
    case DI_FORMAT_RAW: *size = dev->size; known = true; break;
    case DI_FORMAT_XZ: known = stream_size_xz(di_device_read_exact, dev, dev->size, size); break;
    case DI_FORMAT_ZSTD: known = stream_size_zstd(di_device_read_exact, dev, dev->size, size); break;
    case DI_FORMAT_ZIP:
        known = zip_find_member(di_device_read_exact, dev, path, dev->size, member_name, &m, &error) == DI_OK;
        if (known) *size = m.size;
        break;
    default: break;
    }
    di_device_close(dev);
    return known;
}
