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

#endif
