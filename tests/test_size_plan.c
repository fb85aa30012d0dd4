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

static const test_case tests[] = {
    {"fits_exactly_or_padded", fits_exactly_or_padded},
    {"larger_image_needs_a_zero_tail", larger_image_needs_a_zero_tail},
    {"growing_file_takes_everything", growing_file_takes_everything},
};
TEST_MAIN(tests)
