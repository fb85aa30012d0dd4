/* Compressed images and containers: the formats the engine reads (recognised by their
 * magic bytes, not the name), peeled layer by layer (an .img.xz inside a zip, a .tar.gz),
 * and writes (chosen by the output file's name). Formats it recognises but cannot decode
 * (DMG, lz4, 7-Zip, virtual disks, ...) are refused by name instead of being written as
 * if they were images. */
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
    DI_FORMAT_TAR,       /* ustar, GNU or pax: one member is the image */
    /* Recognised, never decoded: a job refuses them, naming the format. */
    DI_FORMAT_DMG,
    DI_FORMAT_LZ4,
    DI_FORMAT_LZO,
    DI_FORMAT_LZIP,
    DI_FORMAT_COMPRESS,  /* Unix compress, .Z */
    DI_FORMAT_7Z,
    DI_FORMAT_RAR,
    DI_FORMAT_QCOW,
    DI_FORMAT_VHD,       /* a dynamic VHD (a fixed one is a raw image with a footer) */
    DI_FORMAT_VHDX,
    DI_FORMAT_VMDK,
    DI_FORMAT_VDI,
    DI_FORMAT_COUNT
} di_format;

/* Layers peeled at most: xz around bzip2 around gzip around a zip is four. */
#define DI_LAYERS_MAX 6

/* "raw", "gzip", "xz", "zstd", "bzip2", "zip", "tar", "DMG", "lz4", ... */
const char *di_format_name(di_format format);

/* True for the formats the engine decodes (raw included). */
bool di_format_decodable(di_format format);

/* True for the containers of several files (zip, tar): one of them is the image. */
bool di_format_is_archive(di_format format);

/* The format the first bytes of a file say it is; DI_FORMAT_RAW for anything else.
 * len may be short (a tiny file): only what is there is looked at. */
di_format di_format_detect(const unsigned char *head, size_t len);

/* DI_FORMAT_DMG when the last 512 bytes of a file are a DMG trailer ("koly"), else
 * DI_FORMAT_RAW: a DMG's own signature is at its end, not its start. */
di_format di_format_detect_tail(const unsigned char *tail, size_t len);

/* "xz, then tar": the names of layers peeled off an image (di_format values, outermost
 * first, as a job's result lists them). */
void di_format_layers_name(const int *formats, unsigned count, char *out, size_t out_size);

/* Whether name ends with suffix (lowercase), in any case: "PI.IMG" ends with ".img". */
bool di_name_ends_with(const char *name, const char *suffix);

/* Whether a file name inside an archive looks like a disk image: .img, .iso, .raw,
 * .bin, .wic, .sdcard, .hddimg, .dsk, also compressed (pi.img.xz); any case. */
bool di_name_looks_like_image(const char *name);

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

/* The files of the image's archive (a zip or a tar, under any compressed layers) that
 * could be the image, one call of each per file, so a front end can let the user pick
 * one when there are several; *count gets how many (0: the image is no archive, or the
 * job will say what is wrong with it, or the archive is inside a compressed layer,
 * where listing it would mean decoding it all). Files whose names look like images are
 * the candidates; with none, every file is (Finder's litter aside). */
typedef void (*di_member_name_fn)(void *ctx, const char *name, uint64_t size);
di_status di_archive_list_candidates(const char *path, di_member_name_fn each, void *ctx,
                                     unsigned *count, di_error *error);

#endif
