/* Check: does a card hold what it reports? (issue 14) A full check writes a pattern
 * over the whole drive in which every sector carries its own offset and a seeded
 * pseudo-random body, so a sector that reads back another sector's data is recognised
 * (a fake card wraps its addresses around its real capacity), then reads it all back;
 * a quick probe writes a few sectors at chosen offsets (saving and restoring them).
 * What they found is a report: the verdict, the real capacity, the wrong ranges, the
 * speeds (average and the slowest 1%). The pattern and the analysis are pure, here;
 * the job that writes and reads is job_check.c. */
#ifndef DISKIMAGER_CARD_CHECK_H
#define DISKIMAGER_CARD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum di_check_mode {
    DI_CHECK_QUICK = 0,   /* a few sectors, saved and restored: seconds */
    DI_CHECK_FULL         /* every sector written and read back: destroys the data */
} di_check_mode;

typedef enum di_check_verdict {
    DI_CHECK_GENUINE = 0,    /* every sector tested held its own data */
    DI_CHECK_FAKE,           /* it holds less than it reports (good_bytes) */
    DI_CHECK_BAD_SECTORS     /* some sectors inside it do not hold their data */
} di_check_verdict;

/* Sectors that did not read back their own data: holds is the offset whose data they
 * hold instead (a wrapped address), or DI_CHECK_HOLDS_NOTHING (zeros, ones, garbage, a
 * read error). */
#define DI_CHECK_HOLDS_NOTHING UINT64_MAX
typedef struct di_check_range {
    uint64_t offset;
    uint64_t length;
    uint64_t holds;
} di_check_range;

/* The speed of one direction: bytes and time, and a histogram of chunk rates for its
 * slowest percentile (bounded memory, whatever the size). */
#define DI_SPEED_BUCKETS 96
typedef struct di_speed {
    uint64_t bytes;
    double seconds;
    uint64_t bucket_bytes[DI_SPEED_BUCKETS];
} di_speed;

void di_speed_add(di_speed *speed, uint64_t bytes, double seconds);
double di_speed_average(const di_speed *speed);          /* bytes/s; 0: nothing timed */
/* The rate the slowest 1% of the bytes went at or below (a histogram bucket's lower
 * edge: within 10%); 0: nothing timed. */
double di_speed_slowest_percent(const di_speed *speed);

#define DI_CHECK_RANGES_MAX 32
typedef struct di_check_report {
    di_check_mode mode;
    di_check_verdict verdict;
    uint32_t sector_size;
    uint64_t reported_bytes;   /* the size the drive reports */
    /* Where it stops holding its own data: all of reported_bytes when genuine. A quick
     * probe knows only that it holds at most this much. */
    uint64_t good_bytes;
    uint64_t wrong_bytes;      /* bytes of sectors that did not hold their own data */
    uint64_t range_count;      /* wrong ranges found; the first DI_CHECK_RANGES_MAX kept */
    di_check_range ranges[DI_CHECK_RANGES_MAX];
    bool wraps;                /* some sector held another sector's data */
    uint64_t tested_bytes;     /* full: the drive; quick: the probes */
    unsigned probes;           /* quick: sectors probed */
    di_speed write, read;      /* full: the passes' speeds */
    /* The analysis's state: the run of wrong sectors that reaches the last one read, the
     * range being extended, the smallest distance to the sector whose data was held. */
    uint64_t tail_start;
    bool in_tail;
    di_check_range last;
    uint64_t wrap_distance;
} di_check_report;

void di_check_report_init(di_check_report *r, di_check_mode mode, uint64_t reported_bytes,
                          uint32_t sector_size);

/* The pattern: len bytes (whole sectors) for the sectors at offset. */
void di_check_fill(uint8_t *buf, size_t len, uint64_t offset, uint32_t sector_size,
                   uint64_t seed);
/* Whether the sector read at offset holds its own pattern; if not, whose (holds, or
 * DI_CHECK_HOLDS_NOTHING). */
bool di_check_sector(const uint8_t *sector, uint64_t offset, uint32_t sector_size,
                     uint64_t seed, uint64_t drive_bytes, uint64_t *holds);

/* Sectors read back, in ascending order: good ones end a wrong run; wrong ones (holds
 * as di_check_sector said) are merged into ranges. A read error marks its bytes with
 * DI_CHECK_HOLDS_NOTHING. */
void di_check_note_good(di_check_report *r, uint64_t offset, uint64_t length);
void di_check_note_wrong(di_check_report *r, uint64_t offset, uint64_t length, uint64_t holds);
/* Once everything is read: the verdict and good_bytes. A wrong run reaching the end
 * that is at least 1% of the drive (or 1 MiB) is capacity the drive does not have;
 * wrapped addresses make it fake too; other wrong ranges are bad sectors. */
void di_check_conclude(di_check_report *r);

/* The quick probe's offsets (sector multiples, ascending, distinct): sixteen spread over
 * the drive up to its last sector, and for each, where it lands when a card wraps at a
 * power of two from 1 MiB up. Returns how many (at most max). */
unsigned di_check_probe_offsets(uint64_t drive_bytes, uint32_t sector_size, uint64_t *out,
                                unsigned max);
#define DI_CHECK_PROBES_MAX 1024
/* How many sectors the probe writes on such a drive (sector_size 0: not known, 512): what
 * its question says before it starts. */
unsigned di_check_probe_count(uint64_t drive_bytes, uint32_t sector_size);

#endif
