/* The copy pipeline: a fixed ring of sector-aligned buffers, one reader thread, for
 * each target a pool of I/O threads (several writes in flight) and one hasher thread per
 * digest, so a job runs at the speed of its slowest stage. One ring feeds every target
 * (a Write to several drives reads and decodes the image once); a target that fails is
 * dropped with its own error while the others go on. Internal to the core. */
#ifndef DISKIMAGER_PIPELINE_H
#define DISKIMAGER_PIPELINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/device.h"
#include "diskimager/hash.h"
#include "progress_state.h"

typedef enum pl_target_mode {
    PL_TARGET_NONE = 0,  /* only read (and hash) the source */
    PL_TARGET_WRITE,     /* write each chunk to the target at the same offset */
    PL_TARGET_COMPARE    /* read the target at the same offset and compare */
} pl_target_mode;

typedef struct pl_range {
    uint64_t offset;
    uint64_t length;
} pl_range;

/* Sees every chunk the reader read, in order, before anyone else; false (with error
 * set) stops the pass. */
typedef bool (*pl_read_hook)(void *ctx, uint64_t offset, const unsigned char *data, size_t len,
                             di_error *error);

/* One target of a pass. */
typedef struct pl_target {
    di_device *device;
    uint64_t end;             /* no byte at or past this goes to it (a smaller drive whose
                                 share of the image ends there); 0: no limit */
    di_hasher **hashers;      /* COMPARE: hashes what was read from it (DI_HASH_COUNT
                                 entries, NULL where not wanted); NULL: none */
    unsigned io_threads;      /* its requests in flight, >= 1 */
    _Atomic uint64_t *done;   /* bytes written to or compared on it so far (NULL: not
                                 counted): a front end's line per drive */
} pl_target;

typedef struct pl_target_outcome {
    di_status status;         /* DI_OK, its own failure, or DI_ERR_MISMATCH */
    di_error error;
    bool mismatch;            /* COMPARE: first at this byte: the first one outside the */
    uint64_t mismatch_offset; /* tolerated ranges, else the first one inside them */
    bool mismatch_tolerated;  /* every difference lay inside the tolerated ranges */
    uint64_t tolerated_bytes; /* differing bytes inside them */
    uint64_t target_bytes;    /* bytes written to or read from it, padding included */
} pl_target_outcome;

typedef struct pl_config {
    di_device *source;
    uint64_t start;           /* first byte, on both devices; a multiple of chunk_size's
                                 alignment */
    uint64_t length;          /* payload bytes to move from start on; a source of unknown
                                 size (a stream) may end before, UINT64_MAX: its end */
    /* The targets (NULL with PL_TARGET_NONE), target_count of them; their outcomes go
     * to pl_run's per_target. cfg->hashers then hash the source's data. */
    const pl_target *targets;
    unsigned target_count;
    /* One target, the short way (targets NULL): its I/O threads, and whether
     * cfg->hashers hash what is read from it instead of the source's data. */
    di_device *target;
    unsigned io_threads;
    bool hash_target_data;
    pl_target_mode mode;
    bool pad_to_sector;       /* WRITE: zero-pad the last chunk to the target's sector */
    di_hasher **hashers;      /* DI_HASH_COUNT entries, NULL where not wanted */
    size_t chunk_size;        /* a multiple of both devices' sector sizes */
    unsigned chunk_count;     /* ring size, >= 1 */
    atomic_bool *cancel;
    di_progress_state *progress;
    /* Only these byte ranges (a bmap's mapped blocks), ascending, instead of
     * [start, start + length); a chunk never spans two of them. */
    const pl_range *ranges;
    size_t range_count;
    pl_read_hook on_read;
    void *on_read_ctx;
    /* COMPARE: differences inside these byte ranges (ascending, not overlapping) are
     * counted and do not stop the pass; one outside them does, as always. Verify Only
     * passes the FAT fields an OS changes when it mounts a card (fat_mount_marks.h). */
    const pl_range *tolerated;
    size_t tolerated_count;
} pl_config;

/* The pass as a whole: DI_OK while the source was read to the end and some target
 * succeeded; a source's failure, a cancel, or, when every target failed, the first
 * target's failure. With one target, its outcome is repeated here. */
typedef struct pl_outcome {
    di_status status;
    di_error error;
    bool mismatch;            /* the pass failed DI_ERR_MISMATCH ... */
    uint64_t mismatch_offset; /* ... first at this byte: the first one outside the
                                 tolerated ranges, else the first one inside them */
    bool mismatch_tolerated;  /* every difference lay inside the tolerated ranges */
    uint64_t tolerated_bytes; /* differing bytes inside them */
    uint64_t target_bytes;    /* bytes written to or read from the target, padding included */
    uint64_t source_bytes;    /* payload bytes read from the source */
    bool source_ended;        /* a source of unknown size ended before length */
} pl_outcome;

/* per_target: an outcome for each of config->targets (NULL with one target given the
 * short way). */
di_status pl_run(const pl_config *config, pl_outcome *outcome, pl_target_outcome *per_target);

/* Largest sector size of the two devices (or the one), the alignment of all I/O. */
uint32_t pl_alignment(const di_device *a, const di_device *b);

#endif
