/* libFuzzer target: MBR and GPT parsing of any bytes as the start of a disk (512- or
 * 4096-byte sectors, by the first byte). An accepted table must lie inside the disk,
 * its partitions in order within used_end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/partitions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct disk {
    const uint8_t *data;
    size_t size;
} disk;

/* The disk is the input followed by zeros: reads past the input see zeros. */
static di_status read_disk(void *ctx, uint64_t offset, void *buf, size_t len, di_error *error)
{
    (void)error;
    const disk *d = ctx;
    memset(buf, 0, len);
    if (offset < d->size) {
        size_t n = d->size - offset < len ? (size_t)(d->size - offset) : len;
        memcpy(buf, d->data + offset, n);
    }
    return DI_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint32_t sector = data[0] & 1 ? 4096 : 512;
    disk d = {data + 1, size - 1};
    uint64_t disk_size = (uint64_t)1 << 30; /* a 1 GiB disk */
    static di_partition_table t;
    di_error error;
    if (di_partition_table_parse(read_disk, &d, disk_size, sector, &t, &error) != DI_OK) return 0;
    if (t.count < 1 || t.count > DI_MAX_PARTITIONS || t.used_end > disk_size ||
        t.image_size < t.used_end || t.image_size > disk_size)
        abort();
    for (int i = 0; i < t.count; i++)
        if (t.parts[i].first_lba > t.parts[i].last_lba ||
            (t.parts[i].last_lba + 1) * (uint64_t)sector > t.used_end)
            abort();
    return 0;
}
