/* The zip container around an image: finds the member to write in the central
 * directory (zip64 too). The archive is untrusted input: every size and offset is
 * checked against the file before use, and memory is bounded. Internal to the core. */
#ifndef DISKIMAGER_ZIP_ARCHIVE_H
#define DISKIMAGER_ZIP_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "decoder.h"
#include "diskimager/status.h"

#define ZIP_NAME_MAX 512

typedef struct zip_member {
    char name[ZIP_NAME_MAX];
    uint16_t method;            /* 0 stored, 8 deflate, 12 bzip2, 14 LZMA, 93 zstd, 95 xz */
    uint32_t crc32;
    uint64_t compressed_size;
    uint64_t size;
    uint64_t header_offset;     /* of the local file header */
    uint64_t data_offset;       /* of the member's data */
} zip_member;


/* Picks the member called wanted (NULL or "": see member_pick.h) and checks it can be
 * written: a method we decode, not encrypted, inside the file.
 * Errors name path and, where it helps, the archive's files. */
di_status zip_find_member(codec_read_fn read, void *ctx, const char *path, uint64_t file_size,
                          const char *wanted, zip_member *out, di_error *error);

/* The files of the archive, one name per call of each; returns how many there are.
 * Directories are left out. */
typedef void (*zip_name_fn)(void *ctx, const char *name, uint64_t size);
di_status zip_list_members(codec_read_fn read, void *ctx, const char *path, uint64_t file_size,
                           zip_name_fn each, void *each_ctx, unsigned *count, di_error *error);

/* "Deflate64", "PPMd", ...; NULL for a number no one assigned. */
const char *zip_method_name(unsigned method);
bool zip_method_decodable(unsigned method);

#endif
