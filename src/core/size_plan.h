/* How much of an image goes onto a device: the size rules, as a pure function. */
#ifndef DISKIMAGER_SIZE_PLAN_H
#define DISKIMAGER_SIZE_PLAN_H

#include <stdbool.h>
#include <stdint.h>

typedef struct di_size_plan {
    uint64_t payload;        /* image bytes that go onto (or are compared with) the device */
    bool padded;             /* the last sector is completed with zeros on write */
    uint64_t tail_offset;    /* image bytes from here on must all be zero ... */
    uint64_t tail_length;    /* ... for the plan to hold (0: nothing to check) */
} di_size_plan;

/* device_capacity is UINT64_MAX for a target that grows (a regular file). */
void di_plan_image_on_device(uint64_t image_size, uint64_t device_capacity,
                             uint32_t sector_size, di_size_plan *plan);

/* A drive as a Write's source (a card cloned to another), larger than the target:
 * written up to the target's end when nothing but zeros lies past it, as an image is;
 * otherwise only up to the end of its last partition, when its partitions (and a GPT's
 * backup, rebuilt at the target's end) fit; otherwise refused. */
typedef enum di_source_fit {
    DI_SOURCE_WHOLE = 0,     /* it fits: all of it */
    DI_SOURCE_ZERO_TAIL,     /* only zeros past the target's end: up to that end */
    DI_SOURCE_PARTITIONS,    /* up to the end of its last partition */
    DI_SOURCE_TOO_LARGE      /* data past the target's end, partitions that do not fit */
} di_source_fit;

typedef struct di_source_facts {
    uint64_t size;
    uint32_t sector_size;
    /* Only zeros from here to its end, as far as it was looked at: a drive is looked at
     * down to the smallest target's capacity, so data_end at or below that says none. */
    uint64_t data_end;
    bool table;              /* its partition table was read (MBR or GPT) */
    bool gpt;
    uint64_t used_end;       /* bytes: where its last partition ends */
    uint64_t allocated_size; /* used_end, and for a GPT room for its backup entries and
                                header after it (di_partition_table.image_size) */
} di_source_facts;

typedef struct di_source_plan {
    di_source_fit fit;
    uint64_t length;         /* the source's bytes that go onto the target */
    bool rebuild_gpt;        /* PARTITIONS of a GPT: its backup rebuilt at the target's end */
} di_source_plan;

/* capacity: the target's size (UINT64_MAX for a file, which grows). */
void di_plan_source_on_device(const di_source_facts *source, uint64_t capacity,
                              di_source_plan *plan);

#endif
