/* The log's queue and its line format (src/core/log.c). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "diskimager/log.h"
#include "diskimager/system.h"
#include "diskimager/threads.h"

static void utc_times_are_civil_dates(void)
{
    char text[32];
    CHECK_STR(di_log_format_utc(0, text, sizeof text), "1970-01-01T00:00:00.000Z");
    /* Leap days and the turn of centuries, checked against `date -u -d @S`. */
    CHECK_STR(di_log_format_utc(951782400123ull, text, sizeof text), "2000-02-29T00:00:00.123Z");
    CHECK_STR(di_log_format_utc(1796290865999ull, text, sizeof text), "2026-12-03T09:41:05.999Z");
    CHECK_STR(di_log_format_utc(4107542399000ull, text, sizeof text), "2100-02-28T23:59:59.000Z");
    /* The clock itself is after this code was written. */
    CHECK(di_utc_ms() > 1796290865999ull - 86400000ull * 366);
}

static void records_come_out_in_order_with_their_level(void)
{
    di_log *log = di_log_new(8);
    CHECK(log != NULL);
    di_log_emit(log, DI_LOG_INFO, "first %d", 1);
    di_log_emit(log, DI_LOG_ERROR, "second %s", "two");
    di_log_record r;
    char line[DI_LOG_TEXT_MAX + 64];
    CHECK(di_log_next(log, &r));
    CHECK_STR(r.text, "first 1");
    CHECK_CONTAINS(di_log_format(&r, line, sizeof line), "Z INFO  first 1");
    CHECK(di_log_next(log, &r));
    CHECK_U64(r.level, DI_LOG_ERROR);
    CHECK_CONTAINS(di_log_format(&r, line, sizeof line), "Z ERROR second two");
    CHECK(!di_log_next(log, &r));
    di_log_emit(NULL, DI_LOG_INFO, "a NULL log takes nothing");
    CHECK(!di_log_next(NULL, &r));
    di_log_free(log);
}

static void a_full_queue_drops_the_oldest_and_says_how_many(void)
{
    di_log *log = di_log_new(4);
    for (int i = 0; i < 10; i++) di_log_emit(log, DI_LOG_INFO, "record %d", i);
    di_log_record r;
    CHECK(di_log_next(log, &r));
    CHECK_U64(r.level, DI_LOG_WARN);
    CHECK_CONTAINS(r.text, "6 log records were dropped");
    for (int i = 6; i < 10; i++) {
        char want[32];
        snprintf(want, sizeof want, "record %d", i);
        CHECK(di_log_next(log, &r));
        CHECK_STR(r.text, want);
    }
    CHECK(!di_log_next(log, &r));
    di_log_free(log);
}

typedef struct writer {
    di_log *log;
    int id;
} writer;

static void write_many(void *arg)
{
    writer *w = arg;
    for (int i = 0; i < 2000; i++) di_log_emit(w->log, DI_LOG_DEBUG, "w%d %d", w->id, i);
}

/* Two threads emit while this one drains: every record is read or counted as dropped,
 * and each writer's records stay in order. */
static void threads_emit_while_the_front_end_drains(void)
{
    di_log *log = di_log_new(64);
    writer a = {log, 0}, b = {log, 1};
    di_thread *ta = di_thread_start(write_many, &a), *tb = di_thread_start(write_many, &b);
    CHECK(ta && tb);
    unsigned long long seen = 0, dropped = 0;
    int last[2] = {-1, -1};
    bool in_order = true;
    for (int idle = 0; idle < 200;) {
        di_log_record r;
        if (!di_log_next(log, &r)) {
            idle++;
            di_sleep_ms(1);
            continue;
        }
        unsigned long long n;
        int id, i;
        if (sscanf(r.text, "%llu log records were dropped", &n) == 1) {
            dropped += n;
        } else if (sscanf(r.text, "w%d %d", &id, &i) == 2 && id >= 0 && id < 2) {
            in_order = in_order && i > last[id];
            last[id] = i;
            seen++;
        }
    }
    di_thread_join(ta);
    di_thread_join(tb);
    di_log_record r;
    while (di_log_next(log, &r)) {
        unsigned long long n;
        if (sscanf(r.text, "%llu log records were dropped", &n) == 1) dropped += n;
        else seen++;
    }
    CHECK_U64(seen + dropped, 4000);
    CHECK(in_order);
    di_log_free(log);
}

static const test_case tests[] = {
    {"utc_times_are_civil_dates", utc_times_are_civil_dates},
    {"records_come_out_in_order_with_their_level", records_come_out_in_order_with_their_level},
    {"a_full_queue_drops_the_oldest_and_says_how_many", a_full_queue_drops_the_oldest_and_says_how_many},
    {"threads_emit_while_the_front_end_drains", threads_emit_while_the_front_end_drains},
};
TEST_MAIN(tests)
