/* A device wrapped around a real one that injects one fault where a test asks: an
 * I/O error, a short transfer, a full device, a slow device, or a cancel request.
 * It also counts requests that break the device's alignment rules. */
#ifndef DISKIMAGER_TEST_FAULT_DEVICE_H
#define DISKIMAGER_TEST_FAULT_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "diskimager/job.h"

typedef enum fault_kind {
    FAULT_NONE = 0,
    FAULT_EIO,          /* the request fails with an I/O error */
    FAULT_SHORT_ONCE,   /* the request moves half its bytes, once; the engine must go on */
    FAULT_END,          /* reads return 0 bytes (premature end); writes accept 0 bytes */
    FAULT_NO_SPACE,     /* the request fails with "no space left" */
    FAULT_SLOW,         /* every request from the offset on sleeps delay_ms first */
    FAULT_CANCEL,       /* the job is asked to cancel; the request itself succeeds */
    FAULT_TRANSIENT,    /* the request fails with an error that passes (a drive waking up)
                           `times` times (0: every time), then succeeds */
    FAULT_MEDIA,        /* the request fails with a media error (a bad sector) */
    FAULT_UNBUFFERED,   /* the request is refused as unbuffered I/O until the device falls
                           back to buffered I/O */
    FAULT_FLIP          /* a read returns the byte at at_offset inverted (a card that does
                           not hold what it was given) */
} fault_kind;

typedef struct fault_plan {
    di_role role;       /* which of the job's devices to wrap */
    const char *only_path; /* ... and of those only this one (NULL: any) */
    bool on_write;      /* fault writes (true) or reads (false) */
    fault_kind kind;
    uint64_t at_offset; /* the first request covering this byte triggers */
    unsigned delay_ms;
    unsigned times;     /* FAULT_TRANSIENT: failures before it passes (0: never passes) */
    /* Present a regular file as a fixed-size block device with this sector size (0: no),
     * so a file stands in for a 512e or 4Kn disk and alignment is checked. */
    uint32_t as_block_sector;
    /* Roles (bits 1 << role) also presented as block devices, without faults. */
    unsigned block_roles;
    di_job *job;        /* FAULT_CANCEL: the job to cancel */
    /* The faulty device's flush number fail_flush (1: the first) fails with EIO; 0: none. */
    unsigned fail_flush;
    bool no_discard;         /* the faulty device says it cannot discard */
    bool discard_ignored;    /* ... or says it did, and keeps its data */
    bool discard_fails;      /* ... or fails it with EIO */
    /* Observed: */
    unsigned triggered;
    unsigned requests;
    unsigned slowed;         /* FAULT_SLOW: requests delayed so far */
    unsigned misaligned;     /* block-device requests not on sector boundaries */
    unsigned wrapped;        /* devices wrapped in the faulty role */
    unsigned fell_back;      /* calls of fall_back_buffered */
    unsigned probes;         /* a Write's read-only looks at its target (DI_ROLE_PROBE) */
    unsigned discards;       /* discard requests the faulty device was given */
    /* The faulty device's writes in order: offset, and flushes done before it. */
    uint64_t write_offsets[512];
    unsigned write_flushes[512];
    unsigned writes;
    unsigned flushes;
} fault_plan;

/* A di_device_wrap_fn: ctx is a fault_plan. */
di_device *fault_wrap(di_device *inner, di_role role, void *ctx);

#endif
