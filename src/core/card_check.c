/* Check's pattern and analysis (card_check.h): pure, the same for the full check and the
 * quick probe. */
#include <stdlib.h>
#include <string.h>

#include "diskimager/card_check.h"
#include "diskimager/le_bytes.h"

#define MIB (1024ull * 1024)
#define SPEED_FLOOR (64.0 * 1024)   /* the first bucket's lower edge, bytes/s */
#define SPEED_STEP 1.2              /* each bucket 20% above the one before */

void di_speed_add(di_speed *speed, uint64_t bytes, double seconds)
{
    speed->bytes += bytes;
    speed->seconds += seconds;
    double rate = seconds > 0 ? (double)bytes / seconds : SPEED_FLOOR * 1e12;
    /* The bucket whose lower edge is the highest not above rate (no libm: 96 steps). */
    int bucket = 0;
    for (double edge = SPEED_FLOOR * SPEED_STEP; bucket + 1 < DI_SPEED_BUCKETS && edge <= rate;
         edge *= SPEED_STEP)
        bucket++;
    speed->bucket_bytes[bucket] += bytes;
}

double di_speed_average(const di_speed *speed)
{
    return speed->seconds > 0 ? (double)speed->bytes / speed->seconds : 0;
}

double di_speed_slowest_percent(const di_speed *speed)
{
    if (!speed->bytes) return 0;
    uint64_t want = speed->bytes / 100 ? speed->bytes / 100 : 1, seen = 0;
    double edge = SPEED_FLOOR;
    for (int i = 0; i < DI_SPEED_BUCKETS; i++, edge *= SPEED_STEP) {
        seen += speed->bucket_bytes[i];
        if (seen >= want) return edge;
    }
    return 0;
}

void di_check_report_init(di_check_report *r, di_check_mode mode, uint64_t reported_bytes,
                          uint32_t sector_size)
{
    memset(r, 0, sizeof *r);
    r->mode = mode;
    r->reported_bytes = reported_bytes;
    r->good_bytes = reported_bytes;
    r->sector_size = sector_size;
    r->wrap_distance = UINT64_MAX;
}

/* A 64-bit mix (splitmix64's finaliser): each word of a sector's body from its seed and
 * its own byte offset, so no two sectors, and no two runs, hold the same bytes. */
static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static void fill_sector(uint8_t *sector, uint64_t offset, uint32_t sector_size, uint64_t seed)
{
    di_put_le64(sector, offset);
    di_put_le64(sector + 8, seed);
    for (uint32_t at = 16; at + 8 <= sector_size; at += 8)
        di_put_le64(sector + at, mix(seed ^ (offset + at)));
}

void di_check_fill(uint8_t *buf, size_t len, uint64_t offset, uint32_t sector_size,
                   uint64_t seed)
{
    for (size_t at = 0; at + sector_size <= len; at += sector_size)
        fill_sector(buf + at, offset + at, sector_size, seed);
}

static bool body_is(const uint8_t *sector, uint64_t offset, uint32_t sector_size, uint64_t seed)
{
    if (di_le64(sector) != offset || di_le64(sector + 8) != seed) return false;
    for (uint32_t at = 16; at + 8 <= sector_size; at += 8)
        if (di_le64(sector + at) != mix(seed ^ (offset + at))) return false;
    return true;
}

bool di_check_sector(const uint8_t *sector, uint64_t offset, uint32_t sector_size,
                     uint64_t seed, uint64_t drive_bytes, uint64_t *holds)
{
    *holds = DI_CHECK_HOLDS_NOTHING;
    if (body_is(sector, offset, sector_size, seed)) return true;
    /* Another sector's data, whole: the card sent this address to that sector's place. */
    uint64_t other = di_le64(sector);
    if (other != offset && other < drive_bytes && other % sector_size == 0 &&
        body_is(sector, other, sector_size, seed))
        *holds = other;
    return false;
}

void di_check_note_good(di_check_report *r, uint64_t offset, uint64_t length)
{
    (void)offset, (void)length;
    r->in_tail = false;
}

static bool extends(const di_check_range *last, uint64_t offset, uint64_t holds)
{
    if (last->offset + last->length != offset) return false;
    if (holds == DI_CHECK_HOLDS_NOTHING || last->holds == DI_CHECK_HOLDS_NOTHING)
        return holds == last->holds;
    return last->holds + last->length == holds;
}

void di_check_note_wrong(di_check_report *r, uint64_t offset, uint64_t length, uint64_t holds)
{
    r->wrong_bytes += length;
    if (!r->in_tail) {
        r->in_tail = true;
        r->tail_start = offset;
    }
    if (holds != DI_CHECK_HOLDS_NOTHING) {
        r->wraps = true;
        uint64_t distance = holds > offset ? holds - offset : offset - holds;
        if (distance < r->wrap_distance) r->wrap_distance = distance;
    }
    if (r->range_count && extends(&r->last, offset, holds)) {
        r->last.length += length;
    } else {
        r->last = (di_check_range){offset, length, holds};
        r->range_count++;
    }
    /* The kept copy follows the range it is. */
    if (r->range_count <= DI_CHECK_RANGES_MAX) r->ranges[r->range_count - 1] = r->last;
}

void di_check_conclude(di_check_report *r)
{
    uint64_t tail = r->in_tail ? r->reported_bytes - r->tail_start : 0;
    uint64_t enough = r->reported_bytes / 100 > MIB ? r->reported_bytes / 100 : MIB;
    bool missing_tail = tail > 0 && (tail >= enough || r->mode == DI_CHECK_QUICK);
    r->good_bytes = r->reported_bytes;
    if (missing_tail) r->good_bytes = r->tail_start;
    /* A wrapped card holds one lap: the distance between a sector and the one whose
     * data it holds. */
    if (r->wraps && r->wrap_distance < r->good_bytes) r->good_bytes = r->wrap_distance;
    if (missing_tail || r->wraps) r->verdict = DI_CHECK_FAKE;
    else if (r->wrong_bytes) r->verdict = DI_CHECK_BAD_SECTORS;
    else r->verdict = DI_CHECK_GENUINE;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

unsigned di_check_probe_offsets(uint64_t drive_bytes, uint32_t sector_size, uint64_t *out,
                                unsigned max)
{
    unsigned n = 0;
    uint64_t sectors = drive_bytes / sector_size;
    if (!sectors || !max) return 0;
    for (unsigned j = 1; j <= 16; j++) {
        uint64_t at = j == 16 ? sectors - 1 : sectors / 16 * j;
        at *= sector_size;
        if (n < max) out[n++] = at;
        for (unsigned k = 20; k < 64 && (1ull << k) < at; k++)
            if (n < max) out[n++] = at & ((1ull << k) - 1);
    }
    /* Sorted and distinct: written low to high, so a wrapped high write lands last. */
    qsort(out, n, sizeof *out, compare_u64);
    unsigned kept = 0;
    for (unsigned i = 0; i < n; i++)
        if (!kept || out[i] != out[kept - 1]) out[kept++] = out[i];
    return kept;
}

unsigned di_check_probe_count(uint64_t drive_bytes, uint32_t sector_size)
{
    uint64_t offsets[DI_CHECK_PROBES_MAX];
    return di_check_probe_offsets(drive_bytes, sector_size ? sector_size : 512, offsets,
                                  DI_CHECK_PROBES_MAX);
}
