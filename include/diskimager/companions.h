/* What comes with an image: a bmap and a published checksum, beside the image file or,
 * when the image is a zip or tar that carries them (etcher-sdk's .meta/image.bmap, a
 * SHA256SUMS next to the .img), inside its archive, used as if they were beside it.
 * The front ends ask here, so the lookup is the same in the dialog and the CLI. */
#ifndef DISKIMAGER_COMPANIONS_H
#define DISKIMAGER_COMPANIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "diskimager/bmap.h"
#include "diskimager/checksum.h"

#define DI_MEMBER_MAX 512

typedef struct di_bmap_location {
    char path[DI_PATH_MAX];       /* the bmap file, or the archive holding it */
    char member[DI_MEMBER_MAX];   /* "" for a file of its own; else its name in the archive */
} di_bmap_location;

/* A bmap for the image (image_member: the archive's file the user chose, or NULL):
 * beside it (di_bmap_find_beside), else inside its archive: IMAGE.bmap next to the image
 * member, else the archive's only .bmap file. */
bool di_bmap_find_for_image(const char *image_path, const char *image_member,
                            di_bmap_location *out);

/* Loads the bmap at a location (a file, or a file inside an archive). */
di_status di_bmap_load_location(const char *path, const char *member, di_bmap *out,
                                di_error *error);

/* A digest published for the image: beside it (di_checksum_find_sidecar), else in a
 * checksum file inside its archive (IMAGE.sha256, SHA256SUMS, ... naming the image
 * member). out->source names "archive:member". */
bool di_checksum_find_for_image(const char *image_path, const char *image_member,
                                di_expected_hash *out);

#endif
