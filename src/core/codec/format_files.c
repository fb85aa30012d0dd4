/* What the front ends ask about an image file before a job: its format, the size of
 * the image inside, and which files of its archive could be the image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/compression.h"
#include "diskimager/device.h"
#include "image_layers.h"
#include "member_pick.h"
#include "stream_source.h"
#include "tar_archive.h"
#include "zip_archive.h"

static di_device *open_file(const char *path, di_error *error)
{
    di_open_options options = {.mode = DI_OPEN_READ};
    di_device *dev = NULL;
    if (di_device_open(path, &options, &dev, error) != DI_OK) return NULL;
    if (dev->kind != DI_DEVICE_FILE) {
        di_device_close(dev);
        di_error_why(error, DI_ERR_USAGE, DI_OP_OPEN, path, DI_REASON_NOT_A_FILE, DI_NO_ARGS);
        return NULL;
    }
    return dev;
}

#define MAGIC_BYTES 4096u

di_status di_format_of_device(di_device *dev, di_format *format, di_error *error)
{
    *format = DI_FORMAT_RAW;
    unsigned char *head = di_aligned_alloc(DI_DIRECT_ALIGNMENT, MAGIC_BYTES);
    if (!head) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_OPEN, dev->path,
                                   DI_REASON_NONE, DI_NO_ARGS);
    size_t want = MAGIC_BYTES;
    if (dev->kind == DI_DEVICE_FILE && !dev->size_unknown && dev->size < want)
        want = (size_t)dev->size;
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

/* The names offered, and which of them the pick rule keeps. */
typedef struct candidates {
    member_pick pick;
    struct {
        char name[ZIP_NAME_MAX];
        uint64_t size;
        bool image, litter;
    } *files;
    size_t count, cap;
    bool out_of_memory;
} candidates;

static void collect(void *ctx, const char *name, uint64_t size)
{
    candidates *c = ctx;
    member_pick_offer(&c->pick, name);
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        void *grown = realloc(c->files, cap * sizeof *c->files);
        if (!grown) {
            c->out_of_memory = true;
            return;
        }
        c->files = grown;
        c->cap = cap;
    }
    snprintf(c->files[c->count].name, sizeof c->files[c->count].name, "%s", name);
    c->files[c->count].size = size;
    c->files[c->count].image = di_name_looks_like_image(name);
    c->files[c->count].litter = member_is_litter(name);
    c->count++;
}

di_status di_archive_list_candidates(const char *path, di_member_name_fn each, void *ctx,
                                     unsigned *count, di_error *error)
{
    *count = 0;
    di_device *file = open_file(path, error);
    if (!file) return error->status;
    image_open_options options = {.stop_at_archive = true};
    image_layers layers;
    di_device *dev = NULL;
    di_status st = image_layers_open(file, &options, &layers, &dev, error);
    if (st != DI_OK) return st;
    di_format format = layers.count ? layers.formats[layers.count - 1] : DI_FORMAT_RAW;
    /* An archive inside a compressed layer is listed only by decoding all of it: a
     * front end asking before the job would wait for that. The job picks instead. */
    if (!di_format_is_archive(format) || layers.count > 1) {
        di_device_close(dev);
        return DI_OK;
    }
    candidates c;
    memset(&c, 0, sizeof c);
    member_pick_init(&c.pick, NULL);
    unsigned files = 0;
    if (format == DI_FORMAT_ZIP) {
        /* A zip inside a compressed layer: its directory is at its end. */
        if (dev->size_unknown) st = di_device_read_to_end(dev, error);
        if (st == DI_OK)
            st = zip_list_members(di_device_read_exact, dev, path, dev->size, collect, &c, &files,
                                  error);
    } else {
        st = tar_list_members(dev, collect, &c, &files, NULL, error);
    }
    if (st == DI_OK && c.out_of_memory)
        st = di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_OPEN_ARCHIVE, path,
                          DI_REASON_NONE, DI_NO_ARGS);
    for (size_t i = 0; st == DI_OK && i < c.count; i++) {
        /* No file named like an image: every file is one the user may mean. */
        bool candidate = !c.files[i].litter && (c.pick.images ? c.files[i].image : true);
        if (!candidate) continue;
        (*count)++;
        if (each) each(ctx, c.files[i].name, c.files[i].size);
    }
    free(c.files);
    di_device_close(dev);
    return st;
}

bool di_image_size_of_file(const char *path, const char *member_name, uint64_t *size)
{
    di_error error;
    di_device *dev = open_file(path, &error);
    if (!dev) return false;
    /* The layers find what the containers record. An archive inside a compressed
     * layer would be decoded whole to find its file: that size counts as unrecorded. */
    image_open_options options = {.member = member_name, .stop_at_archive = true};
    image_layers layers;
    di_device *image = NULL;
    if (image_layers_open(dev, &options, &layers, &image, &error) != DI_OK) return false;
    if (layers.count > 0 && di_format_is_archive(layers.formats[layers.count - 1])) {
        if (layers.count > 1) {
            di_device_close(image);
            return false;
        }
        di_device_close(image);
        if (!(dev = open_file(path, &error))) return false;
        options.stop_at_archive = false;
        if (image_layers_open(dev, &options, &layers, &image, &error) != DI_OK) return false;
    }
    bool known = !image->size_unknown;
    if (known) *size = image->size;
    di_device_close(image);
    return known;
}
