/* The block-device interface the engine copies through: a regular file, a Linux
 * block device, a Windows volume. Positional, sector-aligned I/O. Tests wrap a real
 * device in one of their own to inject faults. */
#ifndef DISKIMAGER_DEVICE_H
#define DISKIMAGER_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/status.h"

typedef enum di_device_kind {
    DI_DEVICE_FILE = 0,  /* a regular file: grows on write, no alignment needed */
    DI_DEVICE_BLOCK      /* a disk or volume: fixed size, aligned unbuffered I/O */
} di_device_kind;

typedef enum di_open_mode {
    DI_OPEN_READ = 0,
    DI_OPEN_WRITE,       /* an existing device, or a file created if missing */
    DI_OPEN_CREATE       /* a new output file, truncated (READ's image) */
} di_open_mode;

typedef struct di_device di_device;

typedef struct di_device_ops {
    /* Reads up to len bytes at offset; *done gets the count (short at the end). */
    di_status (*read_at)(di_device *dev, void *buf, size_t len, uint64_t offset,
                         size_t *done, di_error *error);
    /* Writes up to len bytes at offset; *done gets the count (short if the OS says so). */
    di_status (*write_at)(di_device *dev, const void *buf, size_t len, uint64_t offset,
                          size_t *done, di_error *error);
    di_status (*flush)(di_device *dev, di_error *error);
    /* Called once after a successful write job (BLKRRPART and the like). */
    void (*after_write)(di_device *dev);
    void (*close)(di_device *dev);
    /* Streams only (NULL elsewhere): bytes of the stored, compressed file used so far,
     * the progress of a stream whose decoded size is not known. */
    uint64_t (*consumed)(const di_device *dev);
    /* Regular files only (NULL, or an error, elsewhere): makes the file exactly size
     * bytes long, cutting it or extending it with zeros; dev->size follows. */
    di_status (*set_size)(di_device *dev, uint64_t size, di_error *error);
    /* Block devices (NULL elsewhere): from now on, buffered write-through I/O with a
     * flush, for a reader that refuses unbuffered requests (DI_FAULT_UNBUFFERED_REFUSED). */
    di_status (*fall_back_buffered)(di_device *dev, di_error *error);
    /* Block devices (NULL elsewhere): ejects the medium once the job is done. */
    di_status (*eject)(di_device *dev, di_error *error);
    /* Tells the device that [offset, offset + length) holds nothing (BLKDISCARD, TRIM; a
     * regular file: a hole punched). *unsupported set, and nothing done, when the
     * device or its driver cannot; NULL: never can. Offsets and lengths are sector
     * multiples. What a discarded range reads back as is the device's business. */
    di_status (*discard)(di_device *dev, uint64_t offset, uint64_t length, bool *unsupported,
                         di_error *error);
    /* Regular files opened to write: from now on, ranges never written take no room
     * (holes, read as zeros), for a sparse output (di_sparse_output_wrap). NTFS fills a
     * gap with zeros unless the file is marked sparse first (FSCTL_SET_SPARSE). NULL
     * where nothing is needed: on Linux a gap left in a file is a hole wherever the file
     * system has holes. An error: this file system cannot (FAT); the data is the same
     * either way, the file only takes its whole size. */
    di_status (*set_sparse)(di_device *dev, di_error *error);
} di_device_ops;

/* How the core retries a device's transient errors (src/core/retry.h); set by the job
 * on the devices it opens, NULL: no retries. */
typedef struct di_retry di_retry;

struct di_device {
    const di_device_ops *ops;
    di_device_kind kind;
    char path[DI_PATH_MAX];         /* as the user named it */
    char target_path[DI_PATH_MAX];  /* where a symlink led, "" if not a symlink */
    uint64_t size;                  /* bytes; a file opened for writing may grow */
    uint32_t sector_size;           /* logical sector size; I/O offsets and lengths
                                       are multiples of it on DI_DEVICE_BLOCK */
    unsigned parallel_io;           /* writes worth keeping in flight at once */
    uint64_t flush_every;           /* a long write flushes after this many bytes (0:
                                       only at the end), while the copy goes on */
    bool read_only;                 /* block devices: write-protected, as the OS reports it
                                       (a card's lock switch); known at open */
    /* A stream (a compressed image in or out) moves bytes front to back only: reading
     * an earlier offset starts decoding again, a write must follow the one before. */
    bool sequential;
    /* A decoded stream whose container does not record its size: size is 0 until the
     * stream has ended, and the data ends where the stream does. */
    bool size_unknown;
    uint64_t stored_size;           /* streams: bytes of the compressed file */
    /* A decoded layer (a compressed stream, an archive's member): the device it reads,
     * which it owns. NULL for files and drives. */
    di_device *below;
    di_retry *retry;
};

typedef struct di_open_options {
    di_open_mode mode;
} di_open_options;

/* The sector size a regular file is given (its I/O needs no alignment). */
#define DI_FILE_SECTOR_SIZE 512u

/* Opens a file or device by UTF-8 path, chosen by what the path is. Platform code. */
di_status di_device_open(const char *path, const di_open_options *options,
                         di_device **out, di_error *error);

/* Loops over short reads and writes until len bytes moved; a read that hits the end
 * early or a write that moves nothing is reported as an error naming the offset. */
di_status di_device_read_full(di_device *dev, void *buf, size_t len, uint64_t offset,
                              size_t *done, di_error *error);
/* Like di_device_read_full, but the end of the data is no error: *done says how much
 * there was (a stream of unknown size ends where it ends). */
di_status di_device_read_upto(di_device *dev, void *buf, size_t len, uint64_t offset,
                              size_t *done, di_error *error);
/* di_device_read_full with the device as ctx: the read callback the partition, zip and
 * stream-size parsers take. */
di_status di_device_read_exact(void *dev, uint64_t offset, void *buf, size_t len,
                               di_error *error);
di_status di_device_write_full(di_device *dev, const void *buf, size_t len,
                               uint64_t offset, di_error *error);
/* The device's flush. These four retry a transient error as dev->retry says. */
di_status di_device_flush(di_device *dev, di_error *error);
/* The device's discard (no retries); a device without one is *unsupported. */
di_status di_device_discard(di_device *dev, uint64_t offset, uint64_t length, bool *unsupported,
                            di_error *error);

void di_device_close(di_device *dev);

/* An offset past the end of any layer: reading there takes a layer (and those below
 * it) to its end, running its checks, and returns nothing. */
#define DI_LAYER_END (UINT64_MAX >> 2)
/* Reads a layer to its end that way (a stream learns its size, a member's CRC and the
 * stream below it are checked). */
di_status di_device_read_to_end(di_device *dev, di_error *error);

/* A stream device over a file (a compressed image in or out): named as the file, with
 * its sector size, one transfer at a time, front to back. */
void di_device_init_stream(di_device *dev, const di_device_ops *ops, const di_device *file);

/* Deletes a file (a partial READ output). Platform code. */
bool di_remove_file(const char *path, di_error *error);

/* The largest sector size a disk has (4Kn): the alignment of every buffer handed to
 * unbuffered I/O (di_aligned_alloc), and the one an output file's unbuffered writes keep
 * to unless its file system asks for more. */
#define DI_DIRECT_ALIGNMENT 4096u

/* Whether a request may go around the cache: its buffer, length and offset are all
 * multiples of alignment (a power of two). A file's unaligned tail goes through the
 * cache instead. */
static inline bool di_io_aligned(const void *buf, size_t len, uint64_t offset, uint32_t alignment)
{
    uint64_t mask = (uint64_t)alignment - 1;
    return alignment && len && (((uint64_t)(uintptr_t)buf | (uint64_t)len | offset) & mask) == 0;
}

/* Sector-aligned buffers for unbuffered I/O. Platform code. */
void *di_aligned_alloc(size_t alignment, size_t size);
void di_aligned_free(void *ptr);

#endif
