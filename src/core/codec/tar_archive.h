/* The tar container around an image (ustar, GNU and pax tar, as tar and bsdtar make
 * them): the member to write, seen as a device that reads the member's bytes in place.
 * Works over a file and over a decoded stream (.tar.gz, .tar.xz), which it reads front
 * to back. Headers are untrusted input: checksums, sizes and name lengths are checked.
 * Internal to the core. */
#ifndef DISKIMAGER_TAR_ARCHIVE_H
#define DISKIMAGER_TAR_ARCHIVE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "diskimager/device.h"
#include "diskimager/hash.h"
#include "diskimager/status.h"

#define TAR_BLOCK 512u
#define TAR_NAME_MAX 1024

typedef enum tar_header_kind {
    TAR_HEADER_FILE = 0,        /* a regular file (types '0', '\0', '7') */
    TAR_HEADER_SPARSE,          /* a GNU sparse file ('S'): not written */
    TAR_HEADER_LONG_NAME,       /* GNU 'L': the next member's name is the data */
    TAR_HEADER_PAX,             /* 'x': the next member's records are the data */
    TAR_HEADER_OTHER,           /* directories, links, devices, global pax, ... */
    TAR_HEADER_END,             /* a block of zeros */
    TAR_HEADER_BAD              /* its checksum is wrong or a field is no number */
} tar_header_kind;

typedef struct tar_header {
    tar_header_kind kind;
    char name[TAR_NAME_MAX];    /* prefix/name for ustar */
    uint64_t size;              /* of the data after the header */
} tar_header;

/* One 512-byte header block. */
void tar_parse_header(const unsigned char block[TAR_BLOCK], tar_header *out);

/* Picks the member called wanted (NULL or "": see member_pick.h) in file and opens it
 * as a device. Takes file: closed with the member, or on failure. file_hashers (NULL,
 * or DI_HASH_COUNT entries) see every byte of file once, in order, on the first pass;
 * tar_member_hashed says whether they saw it all. cancel (may be NULL) stops the walk
 * over the headers and the hashing between reads. */
di_status tar_member_open(di_device *file, const char *wanted, di_hasher **file_hashers,
                          atomic_bool *cancel, di_device **out, di_error *error);

/* For a tar device: whether it was given file hashers, and whether they saw it all. */
bool tar_member_hashed(const di_device *dev, bool *has_hashers);

/* The regular files of the tar in file, one call of each per file; *count gets how
 * many. file stays open. */
typedef void (*tar_name_fn)(void *ctx, const char *name, uint64_t size);
di_status tar_list_members(di_device *file, tar_name_fn each, void *ctx, unsigned *count,
                           atomic_bool *cancel, di_error *error);

/* The member a tar device reads, "" for other devices. */
const char *tar_member_name(const di_device *dev);

#endif
