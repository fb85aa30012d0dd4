/* Compressed images: the formats the engine reads (recognised by their magic bytes,
 * never by the name) and writes (chosen by the output file's name). */
#ifndef DISKIMAGER_COMPRESSION_H
#define DISKIMAGER_COMPRESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/device.h"
#include "diskimager/status.h"

typedef enum di_format {
    DI_FORMAT_RAW = 0,   /* a plain image */
    DI_FORMAT_GZIP,
    DI_FORMAT_XZ,
    DI_FORMAT_ZSTD,
    DI_FORMAT_BZIP2,
    DI_FORMAT_ZIP,
    DI_FORMAT_COUNT
} di_format;

/* "raw", "gzip", "xz", "zstd", "bzip2", "zip". */
const char *di_format_name(di_format format);

/* The format the first bytes of a file say it is; DI_FORMAT_RAW for anything else.
 * len may be short (a tiny file): only what is there is looked at. */
di_format di_format_detect(const unsigned char *head, size_t len);

/* The format a Read writes for an output named like this: ".gz", ".xz", ".zst"
 * (any case); DI_FORMAT_RAW otherwise. */
di_format di_format_for_output(const char *path);

/* The name of the image inside a compressed file named like this: "pi.img.xz" ->
 * "pi.img". Copies the name unchanged when it has no compression suffix. */
void di_format_inner_name(const char *name, char *out, size_t out_size);

/* The format of an opened file or device by its first bytes (one aligned read, as a
 * block device wants). */
di_status di_format_of_device(di_device *dev, di_format *format, di_error *error);

/* The format of the file at path by its first bytes; DI_FORMAT_RAW when it cannot be
 * read (the job that opens it says why). */
di_format di_format_of_file(const char *path);

/* The size of the image inside a compressed file, where the file records it (xz, zstd,
 * zip; for zip the member named, or the only one); a plain image's own size. False
 * when it is not recorded (gzip, bzip2) or the file cannot be read. */
bool di_image_size_of_file(const char *path, const char *member_name, uint64_t *size);

/* The files in a zip archive (directories left out), one call of each per file, so a
 * front end can let the user pick one; *count gets how many. */
typedef void (*di_zip_name_fn)(void *ctx, const char *name, uint64_t size);
di_status di_zip_list_files(const char *path, di_zip_name_fn each, void *ctx, unsigned *count,
                            di_error *error);

#endif
