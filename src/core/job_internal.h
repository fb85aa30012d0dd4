/* What the job files share: the job object, the state of one run, and the steps every
 * job is made of. Internal to the core. */
#ifndef DISKIMAGER_JOB_INTERNAL_H
#define DISKIMAGER_JOB_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "diskimager/job.h"
#include "diskimager/threads.h"
#include "diskimager/partitions.h"
#include "pipeline.h"
#include "progress_state.h"
#include "retry.h"
#include "size_plan.h"

/* A started job's thread and how its end is told (job_thread.c). */
typedef struct job_thread job_thread;
/* di_job_free's part: a job still running is cancelled and waited for. */
void job_thread_free(di_job *job);

/* Where one drive of a WRITE stands, read lock-free by a front end. */
typedef struct job_target_live {
    _Atomic int state;             /* di_target_state */
    _Atomic uint64_t done;         /* bytes in its current phase */
    _Atomic uint64_t total;
    _Atomic uint64_t phase_start_ns;
} job_target_live;

struct di_job {
    di_job_spec spec;
    char *source_path;
    char *target_path;
    char *zip_member;
    char *bmap_path;
    char *bmap_member;
    char *size_of_image;
    char *card_label;
    char *expect_model;
    char *expect_serial;
    /* The drives (WRITE: one or several; every other job: its one target_path), with
     * their paths copied, how far each got, and, for several, each one's result. */
    di_target_spec *targets;
    unsigned target_count;
    job_target_live *live;
    di_result *target_results;
    atomic_bool cancel;
    di_progress_state progress;
    di_retry retry;            /* for every device the job opens */
    di_result result;
    job_thread *thread;        /* set by di_job_start (job_thread.c) */
};


/* One drive of a WRITE while the job runs. */
typedef struct job_target {
    unsigned index;
    const di_target_spec *spec;
    di_device *device;           /* open while it is written or read back */
    di_device shape;             /* as job_preflight_write saw it */
    di_size_plan plan;           /* the size rules for it */
    di_result *result;           /* its own (several drives) or the job's (one) */
    bool dropped;                /* failed: result says why; the others go on */
    uint64_t written;            /* device_bytes once written, before the read-back */
    di_hasher *hashers[DI_HASH_COUNT]; /* several drives: what is read back from it */
    job_target_live *live;
} job_target;

typedef struct job_run {
    di_job *job;
    /* The result steps record into: the job's, or while a step works on one of several
     * drives (job_target_enter), that drive's. */
    di_result *result;
    /* The drive steps work on (job_target_enter): its path and what the user chose. */
    const char *target_path;
    const di_target_spec *target_spec;
    job_target *targets;
    unsigned target_count;
    uint64_t image_passed;       /* WRITE: the image's bytes the write pass read */
    /* WRITE of a stream of unknown size to several drives: the write pass notes where
     * the image's last non-zero byte ends, so each drive's share is settled without
     * decoding the stream again. */
    bool track_data_end;
    uint64_t data_end;
    di_device *source;
    di_device *target;
    di_hasher *hashers[DI_HASH_COUNT];
    di_hasher *file_hashers[DI_HASH_COUNT];  /* a compressed image's file as stored */
    uint64_t pass_source_bytes;              /* of the last pass */
    bool pass_source_ended;                  /* the last pass met the end of a stream */
    /* Verify Only: COMPARE passes go on past differences in these ranges (the FAT
     * fields an OS changes when it mounts a card); a mismatch only there is reported
     * as mismatch_from_mount. NULL otherwise. */
    pl_range *tolerated;
    size_t tolerated_count;
} job_run;


/* Several drives: the steps that follow work on drive t (run->target, result,
 * target_path are its), until job_target_leave, which takes st, the steps' status: a
 * failure drops the drive (with one drive, it is the job's failure already). */
void job_target_enter(job_run *run, job_target *t);
void job_target_leave(job_run *run, job_target *t, di_status st);
/* Drives not dropped; and the one to go on with when there is one drive. */
unsigned job_targets_live(const job_run *run);
void job_target_set_state(job_target *t, di_target_state state, uint64_t total);
/* A WRITE's end with several drives: the job's status is the first failed drive's. */
di_status job_targets_end(job_run *run);
/* One pass over [start, start + length) (or ranges) to every live drive, each up to its
 * own plan's payload; a drive that fails is dropped. With one drive, hash_target_data
 * as job_pass; with several, run->hashers hash the source and each drive's read-back
 * is hashed into its own hashers (COMPARE). DI_OK while some drive is live. */
di_status job_pass_targets(job_run *run, di_phase phase, di_device *source, uint64_t start,
                           uint64_t length, pl_target_mode mode, bool hash_target_data);
/* Records the job's first failure; returns its status. */
di_status job_fail(job_run *run, const di_error *error);
/* Opens a device for the job (wrapped for tests when the spec says so), retrying
 * transient errors; a failure fails the job. */
di_status job_open(job_run *run, const char *path, di_open_mode mode, di_role role,
                   di_device **out);
/* The same without failing the job: *error says why. The open is retried, and the
 * device's I/O then retried, as policy says (NULL: the open once, the I/O as the job's). */
di_status job_try_open(job_run *run, const char *path, di_open_mode mode, di_role role,
                       di_retry *policy, di_device **out, di_error *error);
/* The target closed and opened again: to read (a writing handle cannot), or to write
 * once more, then still the drive job_preflight_write looked at (shape). */
di_status job_reopen_target(job_run *run, di_open_mode mode, const di_device *shape);
/* The image of a WRITE or VERIFY (or a READ's output, to hash it): a compressed one is
 * decoded on the fly, its stored file hashed alongside when hash_file says so. */
di_status job_open_image(job_run *run, const char *path, bool hash_file, di_device **out);
/* A READ's output: compressed as its name says (.gz, .xz, .zst). */
di_status job_open_output(job_run *run, const char *path, uint64_t size, di_device **out);
/* A compressed image decoded to its end past image_size, so its checks (CRCs, recorded
 * sizes) and the stored file's digest cover all of it; data beyond image_size is an
 * error (too_much: DI_REASON_IMAGE_HOLDS_MORE_THAN_BMAP, ...). A plain image: nothing to do. */
di_status job_finish_stream(job_run *run, uint64_t image_size, di_reason too_much);
/* The stored file's digests, once a compressed image has been decoded to its end. */
void job_finish_file_hashers(job_run *run);
void job_free_file_hashers(job_run *run);
size_t job_chunk_size(const di_job_spec *spec, uint32_t alignment);
/* A target's requests in flight: the user's count, else the device's own, one for a
 * stream written in order. */
unsigned job_io_threads(const job_run *run, const di_device *target);
/* The ring's length: the user's count, else the default, longer for a file target
 * (flushed on the way) within DI_FILE_TARGET_RING_BYTES. */
unsigned job_chunk_count(const di_job_spec *spec, size_t chunk_size, bool file_target);
di_status job_start_hashers(job_run *run);
void job_finish_hashers(job_run *run, char hashes[DI_HASH_COUNT][DI_HASH_HEX_MAX]);
void job_free_hashers(job_run *run);
/* One pipeline pass over [start, start + length) in the given phase. */
di_status job_pass(job_run *run, di_phase phase, di_device *source, uint64_t start,
                   uint64_t length, di_device *target, pl_target_mode mode,
                   bool hash_target_data);
/* The same over byte ranges only (length: their sum), each chunk shown to on_read. */
di_status job_pass_ranges(job_run *run, di_phase phase, di_device *source,
                          const pl_range *ranges, size_t range_count, uint64_t length,
                          di_device *target, pl_target_mode mode, pl_read_hook on_read,
                          void *on_read_ctx);
/* What the read-back of several drives may hold in its buffers (job_pass_list). */
#define DI_MANY_READBACK_BYTES (128u << 20)
/* A pass to a list of targets (job_pass_targets' engine); per_target gets each one's
 * outcome, *outcome the pass's. Returns the pass's status. */
di_status job_pass_list(job_run *run, di_phase phase, di_device *source, uint64_t start,
                        uint64_t length, const pl_target *targets, unsigned count,
                        pl_target_mode mode, pl_outcome *outcome, pl_target_outcome *per_target);
void job_hash_zeros(job_run *run, uint64_t length);
void job_hash_zeros_into(di_hasher *hashers[DI_HASH_COUNT], uint64_t length);
/* Reads [offset, offset + length) of the image: all zero? (A stream: to its end.) */
di_status job_check_zero_tail(job_run *run, di_device *image, uint64_t offset, uint64_t length,
                              bool *all_zero);
/* The size rules for source on device (the target, or its shape as job_preflight_write
 * saw it); checks a zero tail when the image is larger. */
di_status job_plan_image(job_run *run, const di_device *device, di_size_plan *plan);
/* A stream of unknown size was planned as filling the device; once a pass has run
 * over it, this finds what it really held (checking a zero tail beyond the device). */
di_status job_settle_stream(job_run *run, di_size_plan *plan);
di_status job_flush(job_run *run);
/* The safe write order's two ends (DI_SAFE_HEAD_BYTES): the device's first `head`
 * bytes erased and flushed before the rest is written, and the image's written and
 * flushed after it. */
di_status job_erase_head(job_run *run, size_t head);
di_status job_write_head(job_run *run, const unsigned char *image_head, size_t head);
/* WRITE (and FORMAT): every refusal that needs no exclusive access (system disk,
 * write-protected, no card, mounted, another drive than the one chosen, the image stored
 * on it, too small),
 * made before the target is opened for writing. The target is described and opened
 * read-only (role DI_ROLE_PROBE); its kind, size and sector size go to *shape. plan:
 * the size rules (NULL for a bmap write, whose ranges are checked later). */
di_status job_preflight_write(job_run *run, di_device *shape, di_size_plan *plan);
/* The target opened for writing is still the one job_preflight_write looked at. */
di_status job_check_as_probed(job_run *run, const di_device *shape);
/* Refuses a file (the image written, or a Read's output) that lies on the device. */
di_status job_check_apart(job_run *run, const char *file, const di_device *device,
                          bool file_is_image);
/* A cancel that came while the last step ran still counts: the job fails CANCELLED. */
di_status job_check_cancel(job_run *run, di_phase phase, const char *path, uint64_t offset);

/* Partition tables. */
di_status job_write_gpt_backup(job_run *run, const di_partition_table *t, di_device *to);
di_status job_move_gpt_backup(job_run *run);
/* A compressed output gets its new primary GPT header as it streams past. */
di_status job_patch_gpt_primary(job_run *run, const di_partition_table *t, di_device *to);

/* Verify Only: reads the image's partition table and FAT boot sectors (its first
 * DI_FAT_MARKS_READ_LIMIT bytes at most) and sets run->tolerated to the fields an OS
 * changes when it mounts them. Finding none is no error. job_drop_mount_marks frees
 * them. */
void job_tolerate_mount_marks(job_run *run);
void job_drop_mount_marks(job_run *run);

/* WRITE with spec.eject, once it succeeded and every device is closed: ejects the
 * medium; a failure only warns (job_eject.c). */
void job_eject(job_run *run);

/* The jobs. WRITE and VERIFY with a bmap: only its mapped ranges. */
di_status job_write_mapped(job_run *run);
di_status job_verify_mapped(job_run *run);
di_status job_write(job_run *run);
di_status job_verify(job_run *run);
di_status job_read(job_run *run);
di_status job_hash(job_run *run);
/* FORMAT: the drive restored to one partition (job_format.c). */
di_status job_format(job_run *run);
/* CHECK: a quick probe or every sector written and read back (job_check.c). */
di_status job_check(job_run *run);
/* A Write's read-back that differed: is the data at the first difference also a power
 * of two away on the drive (run->target, open for reading)? Sets may_be_fake. */
void job_look_for_wrap(job_run *run);

/* One job kind (job_kinds.c): its stable name, what it needs, and the function that
 * runs it. */
typedef struct job_kind_def {
    const char *name;
    di_op op;           /* what its errors name: "write failed on ..." */
    di_status (*run)(job_run *run);
    bool needs_source;  /* source_path: the image (WRITE, VERIFY) or what is read */
    bool needs_target;  /* target_path: the device (WRITE, VERIFY, FORMAT) or READ's image */
    bool takes_bmap;
    bool writes_drive;  /* the Write's refusals and drive checks apply (job_preflight.c) */
} job_kind_def;
/* NULL for a value that is no kind. */
const job_kind_def *job_kind_def_of(di_job_kind kind);
/* The kind's operation; DI_OP_START_JOB for no kind. */
di_op job_kind_op(di_job_kind kind);

#endif
