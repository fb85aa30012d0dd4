/* Sizes, rates and durations as people read them; sizes as people type them. */
#include "check.h"
#include "diskimager/units.h"

static void formats_decimal_sizes(void)
{
    char b[32];
    CHECK_STR(di_format_size(0, b, sizeof b), "0 B");
    CHECK_STR(di_format_size(999, b, sizeof b), "999 B");
    CHECK_STR(di_format_size(1000, b, sizeof b), "1.00 kB");
    CHECK_STR(di_format_size(4194304, b, sizeof b), "4.19 MB");
    CHECK_STR(di_format_size(31914983424ull, b, sizeof b), "31.9 GB");
    CHECK_STR(di_format_size(256000000000ull, b, sizeof b), "256 GB");
    CHECK_STR(di_format_size(999999999999ull, b, sizeof b), "1.00 TB");
    CHECK_STR(di_format_size(2199023255552ull, b, sizeof b), "2.20 TB");
    CHECK_STR(di_format_size(UINT64_MAX, b, sizeof b), "18.4 EB");
}

static void formats_block_sizes_in_whole_binary_units(void)
{
    char b[32];
    CHECK_STR(di_format_block_size(0, b, sizeof b), "0 B");
    CHECK_STR(di_format_block_size(512, b, sizeof b), "512 B");
    CHECK_STR(di_format_block_size(32768, b, sizeof b), "32 KiB");
    CHECK_STR(di_format_block_size(4194304, b, sizeof b), "4 MiB");
    CHECK_STR(di_format_block_size(3 * 512, b, sizeof b), "1536 B");
    CHECK_STR(di_format_block_size(1536 * 1024, b, sizeof b), "1536 KiB");
    CHECK_STR(di_format_block_size(2ull << 40, b, sizeof b), "2 TiB");
    CHECK_STR(di_format_block_size(1ull << 60, b, sizeof b), "1048576 TiB");
}

static void formats_rates_and_durations(void)
{
    char b[32];
    CHECK_STR(di_format_rate(312400000.0, b, sizeof b), "312.4 MB/s");
    CHECK_STR(di_format_rate(-1, b, sizeof b), "0.0 MB/s");
    CHECK_STR(di_format_duration(42, b, sizeof b), "0:42");
    CHECK_STR(di_format_duration(725, b, sizeof b), "12:05");
    CHECK_STR(di_format_duration(3723, b, sizeof b), "1:02:03");
    CHECK_STR(di_format_duration(-1, b, sizeof b), "--:--");
}

static void parses_sizes(void)
{
    uint64_t v = 0;
    CHECK(di_parse_size("4096", &v) && v == 4096);
    CHECK(di_parse_size("4M", &v) && v == 4194304);
    CHECK(di_parse_size("4MiB", &v) && v == 4194304);
    CHECK(di_parse_size("4MB", &v) && v == 4000000);
    CHECK(di_parse_size("512k", &v) && v == 524288);
    CHECK(di_parse_size("1.5G", &v) && v == 1610612736ull);
    CHECK(di_parse_size("2TB", &v) && v == 2000000000000ull);
    CHECK(di_parse_size("18446744073709551615", &v) && v == UINT64_MAX);
    CHECK(!di_parse_size("18446744073709551616", &v));
    CHECK(!di_parse_size("17179869184G", &v)); /* overflows */
    CHECK(!di_parse_size("", &v));
    CHECK(!di_parse_size("-1", &v));
    CHECK(!di_parse_size("1.5", &v));
    CHECK(!di_parse_size("12Q", &v));
    CHECK(!di_parse_size("M", &v));
    CHECK(!di_parse_size("1.", &v));
}

static const test_case tests[] = {
    {"formats_decimal_sizes", formats_decimal_sizes},
    {"formats_block_sizes_in_whole_binary_units", formats_block_sizes_in_whole_binary_units},
    {"formats_rates_and_durations", formats_rates_and_durations},
    {"parses_sizes", parses_sizes},
};
TEST_MAIN(tests)
