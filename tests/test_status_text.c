/* The dialog's status line and progress bar position. */
#include "check.h"
#include "status_text.h"

static void status_line_reads_like_the_issue(void)
{
    di_progress p = {.phase = DI_PHASE_WRITING, .bytes_done = 1200000000ull,
                     .bytes_total = 3960000000ull, .rate = 312400000.0, .seconds_left = 42};
    char line[256];
    CHECK_STR(di_status_line(&p, line, sizeof line),
              "312.4 MB/s \xC2\xB7 1.20 GB of 3.96 GB \xC2\xB7 0:42 left");
    p.phase = DI_PHASE_VERIFYING;
    p.seconds_left = -1;
    CHECK_STR(di_status_line(&p, line, sizeof line),
              "Verifying \xC2\xB7 312.4 MB/s \xC2\xB7 1.20 GB of 3.96 GB \xC2\xB7 --:-- left");
}

static void progress_position_is_exact_beyond_2_tib(void)
{
    CHECK_U64(di_progress_position(0, 0), 0);
    CHECK_U64(di_progress_position(0, 100), 0);
    CHECK_U64(di_progress_position(50, 100), DI_PROGRESS_RANGE / 2);
    CHECK_U64(di_progress_position(100, 100), DI_PROGRESS_RANGE);
    CHECK_U64(di_progress_position(200, 100), DI_PROGRESS_RANGE);
    uint64_t eight_tib = 8ull << 40;
    CHECK_U64(di_progress_position(eight_tib / 4, eight_tib), DI_PROGRESS_RANGE / 4);
    CHECK_U64(di_progress_position(eight_tib - 1, eight_tib), DI_PROGRESS_RANGE - 1);
    /* Where done * range would overflow 64 bits. */
    CHECK_U64(di_progress_position(UINT64_MAX / 2, UINT64_MAX), DI_PROGRESS_RANGE / 2);
}

static const test_case tests[] = {
    {"status_line_reads_like_the_issue", status_line_reads_like_the_issue},
    {"progress_position_is_exact_beyond_2_tib", progress_position_is_exact_beyond_2_tib},
};
TEST_MAIN(tests)
