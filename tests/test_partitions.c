/* The partition table parser on disks made in memory: CRC-32's known answer, MBR
 * bounds and chains, and random sectors that must be refused, never read past. */
#include <stdlib.h>

#include "check.h"
#include "diskimager/crc32.h"
#include "diskimager/partitions.h"

typedef struct memdisk {
    uint8_t *bytes;
    uint64_t size;
} memdisk;

static di_status read_mem(void *ctx, uint64_t offset, void *buf, size_t len, di_error *error)
{
    memdisk *d = ctx;
    if (offset > d->size || len > d->size - offset)
        return di_error_set(error, DI_ERR_READ, "read", "memdisk", 0, "beyond the end");
    memcpy(buf, d->bytes + offset, len);
    return DI_OK;
}

static void put_entry(uint8_t *sector, int slot, uint8_t type, uint32_t first, uint32_t count)
{
    uint8_t *e = sector + 446 + slot * 16;
    e[4] = type;
    for (int i = 0; i < 4; i++) {
        e[8 + i] = (uint8_t)(first >> (8 * i));
        e[12 + i] = (uint8_t)(count >> (8 * i));
    }
    sector[510] = 0x55;
    sector[511] = 0xAA;
}

static void crc32_known_answer(void)
{
    CHECK_U64(di_crc32("123456789", 9), 0xCBF43926u);
    CHECK_U64(di_crc32("", 0), 0);
    /* Carried on over pieces, it comes to the same. */
    CHECK_U64(di_crc32_update(di_crc32("1234", 4), "56789", 5), 0xCBF43926u);
    CHECK_U64(di_crc32_update(0, "123456789", 9), 0xCBF43926u);
}

static void mbr_with_a_looping_extended_chain_is_refused(void)
{
    memdisk d = {calloc(1, 4 << 20), 4 << 20};
    put_entry(d.bytes, 0, 0x0c, 2048, 2048);
    put_entry(d.bytes, 1, 0x05, 4096, 4096);
    /* The EBR at 4096 lists a logical partition and links to itself. */
    put_entry(d.bytes + 4096 * 512, 0, 0x83, 2048, 1024);
    put_entry(d.bytes + 4096 * 512, 1, 0x05, 0x7fffffff, 16);
    di_partition_table t;
    di_error e;
    CHECK_U64(di_partition_table_parse(read_mem, &d, d.size, 512, &t, &e), DI_ERR_PARTITIONS);
    CHECK_CONTAINS(e.detail, "outside the extended partition");
    put_entry(d.bytes + 4096 * 512, 1, 0x05, 0, 16); /* link 0: end of chain */
    CHECK_U64(di_partition_table_parse(read_mem, &d, d.size, 512, &t, &e), DI_OK);
    CHECK_U64(t.count, 3);
    CHECK_U64(t.used_end, (4096ull + 4096) * 512);
    put_entry(d.bytes, 2, 0x83, 8000, 100000); /* beyond the 4 MiB disk */
    CHECK_U64(di_partition_table_parse(read_mem, &d, d.size, 512, &t, &e), DI_ERR_PARTITIONS);
    CHECK_CONTAINS(e.detail, "outside the disk");
    free(d.bytes);
}

static void random_sectors_are_refused_safely(void)
{
    memdisk d = {malloc(1 << 20), 1 << 20};
    uint32_t state = 99;
    for (int round = 0; round < 300; round++) {
        for (uint64_t i = 0; i < d.size; i += 4) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            memcpy(d.bytes + i, &state, 4);
        }
        /* Half the rounds look like a GPT disk, so the parser goes further in. */
        if (round % 2) {
            d.bytes[510] = 0x55;
            d.bytes[511] = 0xAA;
            memset(d.bytes + 446, 0, 64);
            d.bytes[446 + 4] = 0xEE;
            memcpy(d.bytes + 512, "EFI PART", 8);
        }
        di_partition_table t;
        di_error e;
        di_status st = di_partition_table_parse(read_mem, &d, d.size, 512, &t, &e);
        CHECK(st == DI_OK || st == DI_ERR_PARTITIONS || st == DI_ERR_READ);
        if (st == DI_OK) CHECK(t.image_size <= d.size && t.count > 0);
    }
    free(d.bytes);
}

static const test_case tests[] = {
    {"crc32_known_answer", crc32_known_answer},
    {"mbr_with_a_looping_extended_chain_is_refused", mbr_with_a_looping_extended_chain_is_refused},
    {"random_sectors_are_refused_safely", random_sectors_are_refused_safely},
};
TEST_MAIN(tests)
