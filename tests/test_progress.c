/* Progress as the CLI prints it, and the counters it comes from. */
#include "check.h"
#include "core/progress_state.h"
#include "diskimager/threads.h"
#include "progress_view.h"

static void line_and_json(void)
{
    di_progress p = {.phase = DI_PHASE_WRITING, .bytes_done = 1200000000ull,
                     .bytes_total = 3960000000ull, .rate = 312400000.0,
                     .average_rate = 300000000.0, .elapsed_seconds = 4.0, .seconds_left = 42};
    char line[256];
    progress_format_line(&p, line, sizeof line);
    CHECK_CONTAINS(line, "writing");
    CHECK_CONTAINS(line, "30.3%");
    CHECK_CONTAINS(line, "1.20 GB of 3.96 GB");
    CHECK_CONTAINS(line, "312.4 MB/s");
    CHECK_CONTAINS(line, "0:42 left");
    progress_format_json(&p, line, sizeof line);
    CHECK_CONTAINS(line, "\"phase\":\"writing\"");
    CHECK_CONTAINS(line, "\"bytes_done\":1200000000");
    CHECK_CONTAINS(line, "\"bytes_total\":3960000000");
    CHECK_CONTAINS(line, "\"seconds_left\":42.0");
}

static void counters_give_rates_and_time_left(void)
{
    di_progress_state s = {0};
    di_progress_begin_phase(&s, DI_PHASE_READING, 1000000000ull);
    di_progress p;
    di_progress_read(&s, &p);
    CHECK_U64(p.bytes_done, 0);
    CHECK(p.seconds_left < 0); /* unknown before anything moved */
    for (int i = 0; i < 5; i++) {
        di_sleep_ms(110);
        di_progress_add(&s, 10000000ull);
    }
    di_progress_read(&s, &p);
    CHECK_U64(p.bytes_done, 50000000ull);
    CHECK_U64(p.phase, DI_PHASE_READING);
    /* 10 MB per ~110 ms: somewhere near 90 MB/s; a loaded machine only slows it. */
    CHECK(p.rate > 10e6 && p.rate < 100e6);
    CHECK(p.average_rate > 10e6 && p.average_rate < 100e6);
    CHECK(p.seconds_left > 0);
    di_progress_begin_phase(&s, DI_PHASE_VERIFYING, 5);
    di_progress_read(&s, &p);
    CHECK_U64(p.bytes_done, 0);
    CHECK_U64(p.bytes_total, 5);
}

static void plain_view_prints_lines(void)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    progress_view v;
    progress_view_init(&v, CLI_PROGRESS_AUTO, false, f);
    di_progress p = {.phase = DI_PHASE_WRITING, .bytes_done = 5, .bytes_total = 10};
    progress_view_update(&v, &p, false);
    p.bytes_done = 10;
    p.phase = DI_PHASE_DONE;
    progress_view_update(&v, &p, true);
    rewind(f);
    char text[512] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    CHECK_CONTAINS(text, "writing    50.0%");
    CHECK_CONTAINS(text, "done      100.0%");
    CHECK(strchr(text, '\r') == NULL); /* not a terminal: no carriage returns */
}

static void a_retry_gets_a_line_of_its_own(void)
{
    di_progress p = {.phase = DI_PHASE_WRITING, .bytes_done = 3u << 20, .bytes_total = 6u << 20,
                     .retries = 2, .retrying = true, .retry_op = DI_IO_WRITE,
                     .retry_offset = 3u << 20, .retry_os_code = 16, .retry_wait_ms = 250};
    char line[512];
    progress_format_retry(&p, line, sizeof line);
    CHECK_CONTAINS(line, "retrying a write at byte 3145728 (3.15 MB) in 0.25 s after: ");
    CHECK_CONTAINS(line, "[os error 16] (retry 2)");
    p.retry_op = DI_IO_OPEN;
    progress_format_retry(&p, line, sizeof line);
    CHECK_CONTAINS(line, "retrying opening the drive in 0.25 s");
    CHECK(strstr(line, "at byte") == NULL);
    progress_format_json(&p, line, sizeof line);
    CHECK_CONTAINS(line, "\"retries\":2,\"retrying\":true}");
}

static const test_case tests[] = {
    {"a_retry_gets_a_line_of_its_own", a_retry_gets_a_line_of_its_own},
    {"line_and_json", line_and_json},
    {"counters_give_rates_and_time_left", counters_give_rates_and_time_left},
    {"plain_view_prints_lines", plain_view_prints_lines},
};
TEST_MAIN(tests)
