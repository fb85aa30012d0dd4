/* The image inside a file: compressed layers and archives peeled one by one (an
 * .img.xz inside a zip, a .tar.gz, etcher-sdk's .zip.gz.bz2.xz), each recognised by
 * its first bytes, at most DI_LAYERS_MAX deep. Formats recognised but not decoded
 * (DMG, lz4, 7-Zip, virtual disks, ...) are refused by name. Internal to the core. */
#ifndef DISKIMAGER_IMAGE_LAYERS_H
#define DISKIMAGER_IMAGE_LAYERS_H

#include <stdatomic.h>
#include <stdbool.h>

#include "diskimager/compression.h"
#include "diskimager/device.h"
#include "diskimager/hash.h"

typedef struct image_layers {
    di_format formats[DI_LAYERS_MAX];   /* outermost first; none for a plain image */
    unsigned count;
    char member[256];                   /* the archive's file that is the image, or "" */
} image_layers;

typedef struct image_open_options {
    const char *member;         /* the first archive's file to use (NULL: see member_pick.h) */
    di_hasher **file_hashers;   /* see stream_source_open: the outermost file's digests */
    atomic_bool *cancel;
    bool stop_at_archive;       /* give the device holding the first archive, unopened */
} image_open_options;

/* Takes file (closed with *out, or on failure). */
di_status image_layers_open(di_device *file, const image_open_options *options,
                            image_layers *layers, di_device **out, di_error *error);

/* True once the outermost file's digests (options.file_hashers) have seen all of it. */
bool image_layers_file_hashed(const di_device *dev);

#endif
