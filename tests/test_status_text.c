/* The dialog's status line and progress bar position. */
#include "check.h"
#include "diskimager/system.h"
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

static void a_retry_shows_what_the_drive_is_waited_for(void)
{
    di_progress p = {.phase = DI_PHASE_WRITING, .bytes_done = 1200000000ull,
                     .bytes_total = 3960000000ull, .retrying = true, .retries = 3,
                     .retry_op = DI_IO_WRITE, .retry_wait_ms = 500};
#ifdef _WIN32
    p.retry_os_code = 21; /* ERROR_NOT_READY */
#else
    p.retry_os_code = 11; /* EAGAIN */
#endif
    char line[256], os_text[200];
    di_status_line(&p, line, sizeof line);
    CHECK_CONTAINS(line, "Waiting for the drive \xC2\xB7 retry 3 in 0.5 s \xC2\xB7 ");
    CHECK_CONTAINS(line, di_os_error_text(p.retry_os_code, os_text, sizeof os_text));
    p.retrying = false; /* the retry passed: the usual line again */
    CHECK_CONTAINS(di_status_line(&p, line, sizeof line), "1.20 GB of 3.96 GB");
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
    {"a_retry_shows_what_the_drive_is_waited_for", a_retry_shows_what_the_drive_is_waited_for},
};
TEST_MAIN(tests)
