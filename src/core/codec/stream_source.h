/* A compressed image seen as a device: reads give the decoded image, front to back.
 * Decoding happens in the read calls, that is in the pipeline's reader thread, so it
 * is a stage of its own beside the writers and the hashers. Internal to the core. */
#ifndef DISKIMAGER_STREAM_SOURCE_H
#define DISKIMAGER_STREAM_SOURCE_H

#include <stdatomic.h>

#include "diskimager/compression.h"
#include "diskimager/device.h"
#include "diskimager/hash.h"

/* Takes file (the compressed file as stored; closed with the stream, or on failure).
 * zip_member names the zip member to decode (NULL: the only one). file_hashers
 * (DI_HASH_COUNT entries, NULL where not wanted) see every byte of the stored file
 * once, in order, while it is decoded the first time; stream_source_hashed says
 * whether they saw it all. cancel (may be NULL) stops a long skip over data not read. */
di_status stream_source_open(di_device *file, di_format format, const char *zip_member,
                             di_hasher **file_hashers, atomic_bool *cancel, di_device **out,
                             di_error *error);

/* The zip member being decoded, "" for other formats. */
const char *stream_source_member(const di_device *dev);

/* For a stream device: whether it was given file hashers, and whether they have seen
 * the whole stored file. */
bool stream_source_hashed(const di_device *dev, bool *has_hashers);

#endif
