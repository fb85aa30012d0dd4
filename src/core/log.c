/* The log's bounded queue and its one line format (include/diskimager/log.h). */
#include "diskimager/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/system.h"
#include "diskimager/threads.h"

#define DEFAULT_CAPACITY 512u

struct di_log {
    di_mutex *lock;
    di_log_record *ring;
    unsigned capacity;
    unsigned head;           /* the oldest record */
    unsigned count;
    uint64_t dropped;        /* since the last drain */
};

di_log *di_log_new(unsigned capacity)
{
    di_log *log = calloc(1, sizeof *log);
    if (!log) return NULL;
    log->capacity = capacity ? capacity : DEFAULT_CAPACITY;
    log->ring = calloc(log->capacity, sizeof *log->ring);
    log->lock = di_mutex_new();
    if (!log->ring || !log->lock) {
        di_log_free(log);
        return NULL;
    }
    return log;
}

void di_log_free(di_log *log)
{
    if (!log) return;
    if (log->lock) di_mutex_free(log->lock);
    free(log->ring);
    free(log);
}

void di_log_emit(di_log *log, di_log_level level, const char *fmt, ...)
{
    if (!log) return;
    di_log_record record = {.utc_ms = di_utc_ms(), .level = level};
    va_list args;
    va_start(args, fmt);
    vsnprintf(record.text, sizeof record.text, fmt, args);
    va_end(args);
    di_mutex_lock(log->lock);
    if (log->count == log->capacity) {
        /* Full: the oldest goes, so the end of a job (its error) is always kept. */
        log->head = (log->head + 1) % log->capacity;
        log->count--;
        log->dropped++;
    }
    log->ring[(log->head + log->count) % log->capacity] = record;
    log->count++;
    di_mutex_unlock(log->lock);
}

bool di_log_next(di_log *log, di_log_record *out)
{
    if (!log) return false;
    di_mutex_lock(log->lock);
    bool have = log->count > 0 || log->dropped > 0;
    if (log->dropped) {
        *out = (di_log_record){.utc_ms = di_utc_ms(), .level = DI_LOG_WARN};
        snprintf(out->text, sizeof out->text,
                 "%llu log records were dropped: the log was not read fast enough",
                 (unsigned long long)log->dropped);
        log->dropped = 0;
    } else if (log->count) {
        *out = log->ring[log->head];
        log->head = (log->head + 1) % log->capacity;
        log->count--;
    }
    di_mutex_unlock(log->lock);
    return have;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), after Howard Hinnant's
 * days_from_civil inverse: no gmtime, the same on every OS. */
static void civil_from_days(int64_t z, int *year, unsigned *month, unsigned *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(y + (*month <= 2));
}

char *di_log_format_utc(uint64_t utc_ms, char *out, size_t out_size)
{
    uint64_t seconds = utc_ms / 1000;
    int year;
    unsigned month, day;
    civil_from_days((int64_t)(seconds / 86400), &year, &month, &day);
    unsigned in_day = (unsigned)(seconds % 86400);
    snprintf(out, out_size, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", year, month, day,
             in_day / 3600, in_day / 60 % 60, in_day % 60, (unsigned)(utc_ms % 1000));
    return out;
}

char *di_log_format(const di_log_record *record, char *out, size_t out_size)
{
    static const char *const names[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};
    char when[32];
    snprintf(out, out_size, "%s %s %s", di_log_format_utc(record->utc_ms, when, sizeof when),
             names[record->level <= DI_LOG_DEBUG ? record->level : DI_LOG_DEBUG], record->text);
    return out;
}
