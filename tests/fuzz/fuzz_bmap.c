/* libFuzzer target: the bmap parser on any bytes. Whatever it accepts must be a
 * consistent map: ranges ascending, inside the image, adding up to MappedBlocksCount. */
#include <stdint.h>
#include <stdlib.h>

#include "diskimager/bmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    di_bmap b;
    di_error error;
    if (di_bmap_parse((const char *)data, size, "fuzz.bmap", &b, &error) != DI_OK) return 0;
    uint64_t mapped = 0;
    for (size_t i = 0; i < b.range_count; i++) {
        if (b.ranges[i].first > b.ranges[i].last || b.ranges[i].last >= b.blocks_count) abort();
        if (i && b.ranges[i].first <= b.ranges[i - 1].last) abort();
        mapped += b.ranges[i].last - b.ranges[i].first + 1;
    }
    if (mapped != b.mapped_blocks) abort();
    di_bmap_free(&b);
    return 0;
}
