/* A compressed output seen as a device: the image is written to it front to back and
 * leaves compressed into the file beneath. Internal to the core. */
#ifndef DISKIMAGER_STREAM_SINK_H
#define DISKIMAGER_STREAM_SINK_H

#include <stdatomic.h>

#include "diskimager/compression.h"
#include "diskimager/device.h"

/* Takes file (closed with the sink, or on failure). size: the image's, when known (0:
 * not), so formats that record it (zstd) do. Writes must follow each other;
 * a write beyond the end so far fills the gap with zeros. flush ends the stream, which
 * can take the compressors a while: cancel (may be NULL) is watched meanwhile. */
di_status stream_sink_open(di_device *file, di_format format, uint64_t size,
                           atomic_bool *cancel, di_device **out, di_error *error);

/* Bytes to put at offset instead of what the writes bring (at most one sector, not
 * yet written): how a Read into a compressed file gets its GPT header rewritten,
 * since it cannot go back to it. */
di_status stream_sink_patch(di_device *dev, uint64_t offset, const void *bytes, size_t len,
                            di_error *error);

#endif
