/* The size rules as a pure function. */
#include "check.h"
#include "core/size_plan.h"

static void fits_exactly_or_padded(void)
{
    di_size_plan p;
    di_plan_image_on_device(4096, 8192, 512, &p);
    CHECK_U64(p.payload, 4096);
    CHECK(!p.padded);
    CHECK_U64(p.tail_length, 0);
    di_plan_image_on_device(513, 8192, 512, &p);
    CHECK(p.padded);
    CHECK_U64(p.payload, 513);
    di_plan_image_on_device(8192, 8192, 4096, &p);
    CHECK(!p.padded);
    CHECK_U64(p.tail_length, 0);
    di_plan_image_on_device(0, 8192, 512, &p);
    CHECK_U64(p.payload, 0);
    CHECK(!p.padded);
}

static void larger_image_needs_a_zero_tail(void)
{
    di_size_plan p;
    di_plan_image_on_device(10000, 8192, 4096, &p);
    CHECK_U64(p.payload, 8192);
    CHECK_U64(p.tail_offset, 8192);
    CHECK_U64(p.tail_length, 1808);
    CHECK(!p.padded);
}

static void growing_file_takes_everything(void)
{
    di_size_plan p;
    di_plan_image_on_device(UINT64_MAX - 1, UINT64_MAX, 512, &p);
    CHECK_U64(p.payload, UINT64_MAX - 1);
    CHECK_U64(p.tail_length, 0);
}

/* A drive as the source (issue 15, drive to drive): 96 MiB onto 64 MiB. */
#define MiB (1024ull * 1024)
static di_source_facts source_of(uint64_t data_end)
{
    di_source_facts s = {.size = 96 * MiB, .sector_size = 512, .data_end = data_end};
    return s;
}

static void a_source_drive_that_fits_is_written_whole(void)
{
    di_source_facts s = source_of(96 * MiB);
    di_source_plan p;
    di_plan_source_on_device(&s, 96 * MiB, &p);
    CHECK(p.fit == DI_SOURCE_WHOLE);
    CHECK_U64(p.length, 96 * MiB);
    di_plan_source_on_device(&s, UINT64_MAX, &p); /* a file grows */
    CHECK(p.fit == DI_SOURCE_WHOLE);
    CHECK(!p.rebuild_gpt);
}

static void a_larger_source_drive_with_zeros_past_the_target(void)
{
    /* Its data ends at 48 MiB: the image's rule, written up to the target's end (even
     * with a table whose partitions would fit). */
    di_source_facts s = source_of(48 * MiB);
    s.table = true;
    s.used_end = s.allocated_size = 40 * MiB;
    di_source_plan p;
    di_plan_source_on_device(&s, 64 * MiB, &p);
    CHECK(p.fit == DI_SOURCE_ZERO_TAIL);
    CHECK_U64(p.length, 64 * MiB);
    /* Data up to the very end of the target, and none past. */
    s = source_of(64 * MiB);
    di_plan_source_on_device(&s, 64 * MiB, &p);
    CHECK(p.fit == DI_SOURCE_ZERO_TAIL);
}

static void a_larger_source_drive_by_its_partitions(void)
{
    /* Data past the target's end (a GPT's backup at the source's end), partitions up to
     * 40 MiB: only they are written, the GPT's backup rebuilt. */
    di_source_facts s = source_of(96 * MiB);
    s.table = true;
    s.gpt = true;
    s.used_end = 40 * MiB;
    s.allocated_size = 40 * MiB + 33 * 512; /* 32 sectors of entries and the header */
    di_source_plan p;
    di_plan_source_on_device(&s, 64 * MiB, &p);
    CHECK(p.fit == DI_SOURCE_PARTITIONS);
    CHECK_U64(p.length, 40 * MiB);
    CHECK(p.rebuild_gpt);
    /* An MBR needs no backup: its partitions may end at the target's last byte. */
    s.gpt = false;
    s.used_end = s.allocated_size = 64 * MiB;
    di_plan_source_on_device(&s, 64 * MiB, &p);
    CHECK(p.fit == DI_SOURCE_PARTITIONS);
    CHECK_U64(p.length, 64 * MiB);
    CHECK(!p.rebuild_gpt);
    /* A GPT's backup needs its room past the last partition. */
    s.gpt = true;
    s.used_end = 64 * MiB - 16 * 512;
    s.allocated_size = s.used_end + 33 * 512;
    di_plan_source_on_device(&s, 64 * MiB, &p);
    CHECK(p.fit == DI_SOURCE_TOO_LARGE);
    /* A 4096-byte-sector source onto a target whose size is no multiple of 4096: the
     * backup goes in the last whole 4096-byte sector the target holds. */
    s.sector_size = 4096;
    s.used_end = 40 * MiB;
    s.allocated_size = 64 * MiB - 4096;        /* fits in 64 MiB - 512 ... */
    di_plan_source_on_device(&s, 64 * MiB - 512, &p);
    CHECK(p.fit == DI_SOURCE_PARTITIONS);
    s.allocated_size = 64 * MiB;               /* ... this needs all of 64 MiB */
    di_plan_source_on_device(&s, 64 * MiB - 512, &p);
    CHECK(p.fit == DI_SOURCE_TOO_LARGE);
}

static void a_larger_source_drive_that_does_not_fit(void)
{
    di_source_facts s = source_of(80 * MiB);
    di_source_plan p;
    /* No partition table to go by. */
    di_plan_source_on_device(&s, 64 * MiB, &p);
    CHECK(p.fit == DI_SOURCE_TOO_LARGE);
    CHECK_U64(p.length, 0);
    /* Partitions past the target's end. */
    s.table = true;
    s.used_end = s.allocated_size = 72 * MiB;
    di_plan_source_on_device(&s, 64 * MiB, &p);
    CHECK(p.fit == DI_SOURCE_TOO_LARGE);
    /* A table with nothing in it says nothing. */
    s.used_end = s.allocated_size = 0;
    di_plan_source_on_device(&s, 64 * MiB, &p);
    CHECK(p.fit == DI_SOURCE_TOO_LARGE);
}

static const test_case tests[] = {
    {"fits_exactly_or_padded", fits_exactly_or_padded},
    {"larger_image_needs_a_zero_tail", larger_image_needs_a_zero_tail},
    {"growing_file_takes_everything", growing_file_takes_everything},
    {"a_source_drive_that_fits_is_written_whole", a_source_drive_that_fits_is_written_whole},
    {"a_larger_source_drive_with_zeros_past_the_target",
     a_larger_source_drive_with_zeros_past_the_target},
    {"a_larger_source_drive_by_its_partitions", a_larger_source_drive_by_its_partitions},
    {"a_larger_source_drive_that_does_not_fit", a_larger_source_drive_that_does_not_fit},
};
TEST_MAIN(tests)
