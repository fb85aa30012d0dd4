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
    uint16_t method;            /* 0 stored, 8 deflate */
    uint32_t crc32;
    uint64_t compressed_size;
    uint64_t size;
    uint64_t header_offset;     /* of the local file header */
    uint64_t data_offset;       /* of the member's data */
} zip_member;


/* Picks the member called wanted (NULL or "": the only file in the archive) and
 * checks it can be written: stored or deflate, not encrypted, inside the file.
 * Errors name path and, where it helps, the archive's files. */
di_status zip_find_member(codec_read_fn read, void *ctx, const char *path, uint64_t file_size,
                          const char *wanted, zip_member *out, di_error *error);

/* The files of the archive, one name per call of each; returns how many there are.
 * Directories are left out. */
typedef void (*zip_name_fn)(void *ctx, const char *name, uint64_t size);
di_status zip_list_members(codec_read_fn read, void *ctx, const char *path, uint64_t file_size,
                           zip_name_fn each, void *each_ctx, unsigned *count, di_error *error);

#endif
