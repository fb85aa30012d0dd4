/* Jobs: WRITE (image -> device), READ (device -> image), VERIFY (image vs device),
 * HASH (any file or device), FORMAT (a drive restored to one partition, as a new card
 * comes: card_format.h), CHECK (does a card hold what it reports: card_check.h). One pipelined engine runs them all; a UI starts one on
 * a worker thread and polls its progress from another thread without locks. */
#ifndef DISKIMAGER_JOB_H
#define DISKIMAGER_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/card_check.h"
#include "diskimager/card_format.h"
#include "diskimager/checksum.h"
#include "diskimager/compression.h"
#include "diskimager/device.h"
#include "diskimager/hash.h"
#include "diskimager/log.h"
#include "diskimager/status.h"

typedef enum di_job_kind {
    DI_JOB_WRITE = 0,
    DI_JOB_READ,
    DI_JOB_VERIFY,
    DI_JOB_HASH,
    DI_JOB_FORMAT,
    DI_JOB_CHECK,
    DI_JOB_KIND_COUNT   /* not a kind: how many there are (src/core/job_kinds.c) */
} di_job_kind;

typedef enum di_phase {
    DI_PHASE_IDLE = 0,
    DI_PHASE_PREPARING,
    DI_PHASE_WRITING,
    DI_PHASE_READING,
    DI_PHASE_VERIFYING,
    DI_PHASE_HASHING,
    DI_PHASE_FLUSHING,
    DI_PHASE_ERASING,    /* FORMAT --erase: the drive discarded, or overwritten with zeros */
    DI_PHASE_DONE
} di_phase;

const char *di_phase_name(di_phase phase); /* "writing", "verifying", ... */
/* The kind's stable name ("write", ...; "unknown" for no kind): JSON, logs, errors. */
const char *di_job_kind_name(di_job_kind kind);
/* Whether the kind writes a drive (WRITE, FORMAT, CHECK): never the system disk, a
 * fixed disk only when the user insisted, asked before it starts. */
bool di_job_kind_writes_drive(di_job_kind kind);

/* Which end of a job a device plays; passed to the test wrapper. */
typedef enum di_role {
    DI_ROLE_SOURCE = 0,  /* the image (WRITE, VERIFY), the device (READ), or HASH's input */
    DI_ROLE_TARGET,      /* the device (WRITE, VERIFY, FORMAT, CHECK) or the image file
                            (READ) */
    DI_ROLE_READBACK,    /* the device reopened to verify after a write */
    DI_ROLE_PROBE,       /* WRITE's (FORMAT's) target opened read-only before anything is taken, to
                            learn its kind and size; never written */
    DI_ROLE_EJECT        /* WRITE's target reopened once the job succeeded and every other
                            handle is closed, to eject the medium (spec.eject); no I/O */
} di_role;

typedef di_device *(*di_device_wrap_fn)(di_device *inner, di_role role, void *ctx);

/* A WRITE to several drives at once: each drive, as the user chose it (expect_*: as
 * di_job_spec's, checked on that drive). */
#define DI_TARGETS_MAX 32u
typedef struct di_target_spec {
    const char *path;
    uint64_t expect_size;
    const char *expect_model;
    const char *expect_serial;
} di_target_spec;

#define DI_DEFAULT_BUFFER_SIZE (4u * 1024u * 1024u)
#define DI_DEFAULT_BUFFER_COUNT 4u
/* A file written around the cache stalls now and then for its flushes on the way (and
 * for a source on the same disk); a longer ring keeps the reader and the hasher going
 * meanwhile (bench/read, bench/file_write): 12 default chunks, or as many larger ones
 * as fit in the same 48 MiB (never fewer than the default count). */
#define DI_FILE_TARGET_BUFFER_COUNT 12u
#define DI_FILE_TARGET_RING_BYTES (DI_FILE_TARGET_BUFFER_COUNT * DI_DEFAULT_BUFFER_SIZE)
/* Written last on WRITE: the partition tables and boot code live here. */
#define DI_SAFE_HEAD_BYTES (1024u * 1024u)
#define DI_DEFAULT_RETRY_MS 30000u

/* Things a job that succeeded wants the user to know (di_result.warnings). */
typedef enum di_warning {
    DI_WARN_BUFFERED_IO = 1u << 0,      /* the reader refused unbuffered I/O: written
                                           buffered, write-through, flushed */
    DI_WARN_EJECT_FAILED = 1u << 1,     /* eject_error says why */
    DI_WARN_OUTPUT_MAY_NOT_FIT = 1u << 2, /* READ into a compressed file: the device is
                                           larger than the destination's free space */
    DI_WARN_FAT_FILE_LIMIT = 1u << 3    /* READ into a compressed file on FAT: it fails
                                           if it reaches 4 GiB */
} di_warning;

/* How FORMAT erased the drive (spec.erase). */
typedef enum di_erase_method {
    DI_ERASE_NONE = 0,
    DI_ERASE_DISCARDED,   /* the drive was told its blocks are unused (BLKDISCARD, TRIM) */
    DI_ERASE_ZEROED       /* it cannot discard: every byte was overwritten with zeros */
} di_erase_method;

typedef struct di_job_spec {
    di_job_kind kind;
    const char *source_path;  /* WRITE/VERIFY: image; READ: device; HASH: anything;
                                 FORMAT: NULL */
    const char *target_path;  /* WRITE/VERIFY/FORMAT: device; READ: output image; HASH: NULL */
    unsigned hash_mask;       /* DI_HASH_BIT(DI_HASH_MD5) | ... */
    bool verify_after_write;  /* WRITE: read back, compare, hash the read-back data */
    bool move_gpt_backup;     /* WRITE: after verifying, move a GPT image's backup to the
                                 device's end (a device larger than the image) */
    uint64_t read_size;       /* READ, HASH: bytes to read from the start, 0 for all */
    const char *size_of_image;/* HASH (instead of read_size): as many bytes as this image
                                 holds (its member zip_member), to prove the drive holds it */
    bool keep_partial;        /* READ: keep the output of a failed or cancelled job */
    bool allocated_only;      /* READ: up to the end of the last partition (MBR, GPT) */
    bool make_bmap;           /* READ: a bmap beside the image (di_bmap_path_for_image), its
                                 zero blocks left as holes in a raw image */
    size_t buffer_size;       /* 0: DI_DEFAULT_BUFFER_SIZE; rounded up to the sector */
    unsigned buffer_count;    /* 0: DI_DEFAULT_BUFFER_COUNT */
    unsigned io_threads;      /* target I/O in flight; 0: the device's own choice */
    di_expected_hash expected;/* compare the image's digest with this (adds its algorithm);
                                 for a compressed image, the file's digest too */
    const char *zip_member;   /* WRITE, VERIFY of a zip: the member (NULL: the only one) */
    /* WRITE: the drive as it was when the user chose it. If the device opened then has
     * another size, model or serial number (another card in the slot), nothing is
     * written. 0, NULL: no check; a serial number the drive does not report now is not
     * checked either. */
    uint64_t expect_size;
    const char *expect_model;
    const char *expect_serial;
    /* WRITE to several drives (2 to DI_TARGETS_MAX; then target_path and expect_* are
     * not used): the image is read and decoded once and written to all of them at the
     * same time, each with its own refusals, locks and writes in flight; a drive that
     * fails is dropped with its own error while the others go on. Not with a bmap. */
    const di_target_spec *targets;
    unsigned target_count;
    const char *bmap_path;    /* WRITE, VERIFY: only the blocks this bmap maps (NULL: all);
                                 the image's own digest is then not taken */
    const char *bmap_member;  /* the bmap is this file inside the archive at bmap_path
                                 (di_bmap_find_for_image); NULL: bmap_path is the bmap */
    /* How long transient errors (a drive waking up, a volume being mounted) are retried
     * with backoff before the job fails; 0: DI_DEFAULT_RETRY_MS. Cancel works meanwhile. */
    unsigned retry_budget_ms;
    bool eject;               /* WRITE, FORMAT: eject the medium once done (a failure only
                                 warns) */
    /* FORMAT: the file system (AUTO: as the SD specification picks by size), the volume
     * label (NULL or "": from the size, "32GB"), and whether the whole drive is erased
     * first (discarded; overwritten with zeros where it cannot be). */
    di_card_fs card_fs;
    const char *card_label;
    bool erase;
    di_check_mode check_mode; /* CHECK: a quick probe, or every sector */
    di_log *log;              /* records what the job does and why (NULL: none); the front
                                 end drains it (include/diskimager/log.h) */
    di_device_wrap_fn wrap;   /* tests: wraps every device the job opens */
    void *wrap_ctx;
} di_job_spec;

typedef struct di_result {
    di_status status;
    di_error error;              /* set when status != DI_OK */
    uint64_t image_bytes;        /* bytes of the image the job covered */
    uint64_t device_bytes;       /* bytes written to or read from the device */
    bool padded;                 /* WRITE: last sector zero-padded */
    bool truncated;              /* WRITE: zero tail beyond the device not written */
    uint64_t truncated_bytes;
    bool mismatch;               /* VERIFY: first differing byte in mismatch_offset */
    uint64_t mismatch_offset;
    bool verified;               /* WRITE + verify: read back and compared equal */
    unsigned hash_mask;
    char hashes[DI_HASH_COUNT][DI_HASH_HEX_MAX];        /* of the image */
    /* WRITE + verify: of what was read back from the device. Every byte of it was
     * compared equal to the image, so these are also the image's digests (hashes). */
    char readback_hashes[DI_HASH_COUNT][DI_HASH_HEX_MAX];
    bool partial_removed;        /* READ: the failed job's output was deleted */
    int table_kind;              /* READ allocated_only: di_table_kind that was used */
    bool gpt_backup_moved;       /* WRITE move_gpt_backup: done */
    bool expected_checked;       /* spec.expected was present and the job succeeded */
    bool expected_match;         /* ... and the image's digest equals it */
    bool expected_matched_file;  /* ... it was the compressed file's digest that matched */
    int image_format;            /* di_format: WRITE, VERIFY: the image as found; READ: as
                                    written (from the output's name) */
    /* WRITE, VERIFY of a compressed image: the digests of the file as stored, taken in
     * the same pass (a published sum may be of either). */
    bool file_hashed;
    bool bmap_used;              /* only the bmap's ranges were written or compared ... */
    uint64_t mapped_bytes;       /* ... this many bytes of the image */
    char zip_member[256];        /* WRITE, VERIFY of a zip or tar: the file inside that was used */
    /* WRITE, VERIFY: the layers peeled off the image, outermost first (di_format values:
     * xz, then a zip inside it, ...); image_format is the first. */
    int layer_formats[DI_LAYERS_MAX];
    unsigned layer_count;
    char file_hashes[DI_HASH_COUNT][DI_HASH_HEX_MAX];
    bool bmap_signature_unchecked; /* the bmap was PGP-clearsigned; its signature was not
                                      checked (its own checksum was, when it has one) */
    unsigned retries;            /* retries after transient errors (a request retried 3
                                    times counts 3) */
    unsigned warnings;           /* di_warning bits */
    /* VERIFY mismatch: every difference lies in FAT fields an OS changes when it mounts
     * a card (the boot sector's dirty flag, FSINFO's free-cluster fields). */
    bool mismatch_from_mount;
    bool ejected;                /* spec.eject: the medium was ejected */
    di_error eject_error;        /* DI_WARN_EJECT_FAILED: why */
    /* READ: the destination's free space and file system, when looked at. */
    uint64_t destination_free;
    /* FORMAT: the layout written (file system, partition, clusters, label) and how the
     * drive was erased first. */
    di_card_layout layout;
    di_erase_method erased;
    di_check_report check;       /* CHECK: what it found (check.verdict) */
    /* WRITE + verify that found a difference: the drive's data at the first differing
     * offset is also at that offset modulo fake_wrap_bytes, as on a card that wraps its
     * addresses around a smaller real capacity (Check tells for sure). */
    bool may_be_fake;
    uint64_t fake_wrap_bytes;
    /* WRITE to several drives: how many, and how many failed (each one's own result:
     * di_job_target_result). status and error are then the first failed drive's. */
    unsigned target_count;
    unsigned targets_failed;
    /* READ with make_bmap: the bmap written ("" when none), the image's bytes it maps,
     * and whether the image's zero blocks were left as holes (a raw image). */
    char bmap_made[DI_PATH_MAX];
    uint64_t bmap_mapped_bytes;
    bool sparse_image;
    /* WRITE, VERIFY from a drive (drive to drive) larger than a drive written, with data
     * past its end: only the source up to the end of its last partition (image_bytes) of
     * its source_drive_bytes was copied or compared. */
    bool source_partitions_only;
    uint64_t source_drive_bytes;
} di_result;

typedef struct di_progress {
    di_phase phase;
    uint64_t bytes_done;
    uint64_t bytes_total;
    double elapsed_seconds;      /* in the current phase */
    double rate;                 /* bytes/s over the last seconds; 0 if unknown */
    double average_rate;         /* bytes/s since the phase began */
    double seconds_left;         /* -1 if unknown */
    unsigned retries;            /* retries so far after transient errors */
    bool retrying;               /* waiting now to retry the last one: */
    di_io_op retry_op;           /* ... this request */
    int retry_os_code;           /* ... which failed with this OS error */
    uint64_t retry_offset;       /* ... at this byte (0 for an open) */
    unsigned retry_wait_ms;      /* ... and waits this long before trying again */
} di_progress;

typedef struct di_job di_job;

/* Where one drive of a WRITE stands (a line per drive while it runs). */
typedef enum di_target_state {
    DI_TARGET_WAITING = 0,    /* not yet taken, or waiting for the others */
    DI_TARGET_WRITING,
    DI_TARGET_VERIFYING,
    DI_TARGET_DONE,           /* written (and verified, when asked) */
    DI_TARGET_FAILED          /* dropped: its result says why */
} di_target_state;

typedef struct di_target_progress {
    di_target_state state;
    uint64_t bytes_done;      /* in its current phase (writing, verifying) */
    uint64_t bytes_total;
    double average_rate;      /* bytes/s since its phase began; 0 if unknown */
} di_target_progress;

/* Copies the spec (paths included). NULL only when out of memory. */
di_job *di_job_new(const di_job_spec *spec);
/* A started job still running is cancelled and waited for first. */
void di_job_free(di_job *job);

/* Runs the job on the calling thread until it ends. The result stays readable. */
di_status di_job_run(di_job *job);
const di_result *di_job_result(const di_job *job);

/* What every front end does with a job: start it on a thread of its own, wait for it
 * (polling its progress between waits), cancel it, read its result. */
typedef void (*di_job_ended_fn)(void *ctx);
/* Runs the job on a thread of its own; on_ended (may be NULL) is called on that
 * thread once the result is final, so a front end can wake its own loop (the dialog
 * posts a message); it must not touch the job. False, nothing started, when no thread
 * could start (the result then says so). At most once per job. */
bool di_job_start(di_job *job, di_job_ended_fn on_ended, void *ctx);
/* Waits at most timeout_ms (0: only looks; DI_JOB_WAIT_FOREVER) for a started job to
 * end. True once it has: its thread is joined and its result final. */
#define DI_JOB_WAIT_FOREVER 0xffffffffu
bool di_job_wait(di_job *job, unsigned timeout_ms);

/* From any thread, at any time: lock-free. */
void di_job_cancel(di_job *job);
void di_job_progress(const di_job *job, di_progress *out);

/* The drives a WRITE goes to (1 for every other job). */
unsigned di_job_target_count(const di_job *job);
const char *di_job_target_path(const di_job *job, unsigned index);
/* From any thread, lock-free: where drive index stands. */
void di_job_target_progress(const di_job *job, unsigned index, di_target_progress *out);
/* Once the job has ended: drive index's own result: its status and error, device_bytes,
 * padded, truncated, verified, readback_hashes (what was read back from it), mismatch,
 * may_be_fake, gpt_backup_moved, ejected. With one drive, the job's result itself. */
const di_result *di_job_target_result(const di_job *job, unsigned index);

#endif
