/* libFuzzer target: the zip central directory parser on any bytes as an archive. A
 * member it accepts must lie inside the archive. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec/zip_archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct archive {
    const uint8_t *data;
    size_t size;
} archive;

static di_status read_archive(void *ctx, uint64_t offset, void *buf, size_t len, di_error *error)
{
    const archive *a = ctx;
    if (offset > a->size || a->size - offset < len) {
        di_error_set(error, DI_ERR_READ, "read", "fuzz.zip", 0, "past the end");
        return DI_ERR_READ;
    }
    memcpy(buf, a->data + offset, len);
    return DI_OK;
}

static void count_name(void *ctx, const char *name, uint64_t size)
{
    (void)name;
    (void)size;
    ++*(unsigned *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    archive a = {data, size};
    zip_member m;
    di_error error;
    if (zip_find_member(read_archive, &a, "fuzz.zip", size, NULL, &m, &error) == DI_OK &&
        (m.data_offset > size || size - m.data_offset < m.compressed_size))
        abort();
    unsigned seen = 0, count = 0;
    if (zip_list_members(read_archive, &a, "fuzz.zip", size, count_name, &seen, &count, &error) ==
            DI_OK && seen != count)
        abort();
    return 0;
}
