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
