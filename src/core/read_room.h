/* Whether a Read's output can be made where it is to go: a raw image too large for its
 * destination's free space, or of 4 GiB or more on FAT, is refused before the first
 * byte is read; a compressed one (its size is not known beforehand) gets warnings. */
#ifndef DISKIMAGER_READ_ROOM_H
#define DISKIMAGER_READ_ROOM_H

#include <stdbool.h>
#include <stdint.h>

#include "diskimager/status.h"
#include "diskimager/volumes.h"

/* The room an output has: the free space plus what replacing the file there frees. */
uint64_t read_room_free(const di_volume_space *volume);

/* Pure. image_bytes: what the Read will produce before compression; compressed: the
 * output is written compressed (di_format_for_output). volume NULL: the destination
 * could not be inspected, and nothing is refused. Returns DI_OK (adding DI_WARN_* bits
 * to *warnings) or DI_ERR_NO_SPACE with error set (operation "read", path = path). */
di_status read_room_check(const char *path, uint64_t image_bytes, bool compressed,
                          const di_volume_space *volume, unsigned *warnings,
                          di_error *error);

struct job_run;
/* The same for a running READ: looks at the destination of path, records the room in
 * the result (destination_free, warnings), fails the job when it is refused. */
di_status read_room_check_job(struct job_run *run, const char *path, uint64_t image_bytes);

#endif
