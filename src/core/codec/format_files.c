/* What the front ends ask about an image file before a job: its format, and the files
 * of a zip. */
#include <string.h>

#include "diskimager/compression.h"
#include "diskimager/device.h"
#include "stream_source.h"
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

#define MAGIC_BYTES 4096u

di_status di_format_of_device(di_device *dev, di_format *format, di_error *error)
{
    *format = DI_FORMAT_RAW;
    unsigned char *head = di_aligned_alloc(4096, MAGIC_BYTES);
    if (!head) return di_error_set(error, DI_ERR_NO_MEMORY, "open", dev->path, 0, NULL);
    size_t want = MAGIC_BYTES;
    if (dev->kind == DI_DEVICE_FILE && dev->size < want) want = (size_t)dev->size;
    size_t got = 0;
    di_status st = di_device_read_upto(dev, head, want, 0, &got, error);
    if (st == DI_OK) *format = di_format_detect(head, got);
    di_aligned_free(head);
    return st;
}

di_format di_format_of_file(const char *path)
{
    di_error error;
    di_device *dev = open_file(path, &error);
    di_format format = DI_FORMAT_RAW;
    if (!dev) return format;
    di_format_of_device(dev, &format, &error);
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
    di_error error;
    di_device *dev = open_file(path, &error);
    di_format format;
    if (!dev) return false;
    if (di_format_of_device(dev, &format, &error) != DI_OK || format == DI_FORMAT_RAW) {
        *size = dev->size;
        di_device_close(dev);
        return format == DI_FORMAT_RAW;
    }
    /* The stream source finds what the container records; nothing is decoded. */
    di_device *image = NULL;
    if (stream_source_open(dev, format, member_name, NULL, NULL, &image, &error) != DI_OK)
        return false;
    bool known = !image->size_unknown;
    if (known) *size = image->size;
    di_device_close(image);
    return known;
}
