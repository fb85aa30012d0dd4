/* An image that does not fill its last sector is padded with zeros. An image larger
 * than the device fits only if everything past the device's end is zero, as with
 * images made a little larger than a card whose real size is a little smaller. */
#include "size_plan.h"

#include <string.h>

void di_plan_image_on_device(uint64_t image_size, uint64_t device_capacity,
                             uint32_t sector_size, di_size_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    if (sector_size == 0) sector_size = 512;
    if (image_size <= device_capacity) {
        plan->payload = image_size;
        plan->padded = image_size % sector_size != 0;
        return;
    }
    plan->payload = device_capacity;
    plan->tail_offset = device_capacity;
    plan->tail_length = image_size - device_capacity;
}

void di_plan_source_on_device(const di_source_facts *s, uint64_t capacity, di_source_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    if (s->size <= capacity) {
        plan->fit = DI_SOURCE_WHOLE;
        plan->length = s->size;
        return;
    }
    if (s->data_end <= capacity) {
        plan->fit = DI_SOURCE_ZERO_TAIL;
        plan->length = capacity;
        return;
    }
    /* The partition table counts the source's sectors: a GPT's backup header goes in the
     * last whole one of those the target holds. */
    uint32_t sector = s->sector_size ? s->sector_size : 512;
    uint64_t room = capacity / sector * sector;
    if (s->table && s->used_end > 0 && s->used_end <= s->allocated_size &&
        s->allocated_size <= room) {
        plan->fit = DI_SOURCE_PARTITIONS;
        plan->length = s->used_end;
        plan->rebuild_gpt = s->gpt;
        return;
    }
    plan->fit = DI_SOURCE_TOO_LARGE;
}
