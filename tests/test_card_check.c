/* Check (issue 14): the pattern and the analysis as pure functions, on model cards in
 * memory (genuine, wrapping at a smaller capacity, dropping what is past it, with bad
 * sectors), and the job end to end on a file presented as a fake card by a wrapper that
 * wraps or drops addresses past its real capacity, as fake cards do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diskimager/card_check.h"
#include "diskimager/job.h"
#include "fault_device.h"
#include "job_runner.h"
#include "test_files.h"

#define MiB (1024ull * 1024)
#define SEED 0x1234567890ABCDEFull

static void every_sector_carries_its_offset_and_seed(void)
{
    uint8_t buf[4 * 512];
    di_check_fill(buf, sizeof buf, 8 * 512, 512, SEED);
    uint64_t holds = 0;
    for (int s = 0; s < 4; s++) {
        CHECK(di_check_sector(buf + s * 512, (8 + s) * 512ull, 512, SEED, 1 << 20, &holds));
        CHECK_U64(holds, DI_CHECK_HOLDS_NOTHING);
    }
    /* Read at another offset: it holds that sector's data, and says whose. */
    CHECK(!di_check_sector(buf, 100 * 512ull, 512, SEED, 1 << 20, &holds));
    CHECK_U64(holds, 8 * 512);
    /* Another run's seed, one changed byte, zeros, ones: nothing it was given. */
    CHECK(!di_check_sector(buf, 8 * 512ull, 512, SEED + 1, 1 << 20, &holds));
    CHECK_U64(holds, DI_CHECK_HOLDS_NOTHING);
    buf[300] ^= 1;
    CHECK(!di_check_sector(buf, 8 * 512ull, 512, SEED, 1 << 20, &holds));
    CHECK_U64(holds, DI_CHECK_HOLDS_NOTHING);
    memset(buf, 0, 512);
    CHECK(!di_check_sector(buf, 0, 512, SEED, 1 << 20, &holds));
    memset(buf, 0xFF, 512);
    CHECK(!di_check_sector(buf, 0, 512, SEED, 1 << 20, &holds));
    CHECK_U64(holds, DI_CHECK_HOLDS_NOTHING);
    /* 4096-byte sectors: two sectors differ everywhere past their headers. */
    static uint8_t big[2 * 4096];
    di_check_fill(big, sizeof big, 0, 4096, SEED);
    CHECK(memcmp(big + 16, big + 4096 + 16, 4096 - 16) != 0);
    CHECK(di_check_sector(big + 4096, 4096, 4096, SEED, 1 << 20, &holds));
}

/* A card in memory of `reported` bytes holding `real` bytes: past it, addresses wrap
 * (a fake card's usual way) or reads give zeros (writes dropped); bad: a sector range
 * that never keeps its data. Sectors of 512 bytes; the data is kept as the offset each
 * physical sector last received (its pattern is made again when read). */
typedef enum { MODEL_WRAP, MODEL_DROP, MODEL_ERROR } model_kind;
typedef struct model_card {
    uint64_t reported, real, bad_from, bad_to;
    model_kind kind;
    uint64_t *last;   /* per physical sector: the offset written there, + 1 (0: none) */
} model_card;

static void model_write(model_card *c, uint64_t offset)
{
    if (offset >= c->real && c->kind == MODEL_DROP) return;
    c->last[(offset % c->real) / 512] = offset + 1;
}

static void model_read(const model_card *c, uint64_t offset, uint8_t sector[512])
{
    memset(sector, 0, 512);
    if (offset >= c->bad_from && offset < c->bad_to) return;
    if (offset >= c->real && c->kind == MODEL_DROP) return;
    uint64_t held = c->last[(offset % c->real) / 512];
    if (held) di_check_fill(sector, 512, held - 1, 512, SEED);
}

static void full_check_of(model_card *c, di_check_report *r)
{
    c->last = calloc(c->real / 512, sizeof *c->last);
    di_check_report_init(r, DI_CHECK_FULL, c->reported, 512);
    for (uint64_t at = 0; at < c->reported; at += 512) model_write(c, at);
    uint8_t sector[512];
    for (uint64_t at = 0; at < c->reported; at += 512) {
        model_read(c, at, sector);
        uint64_t holds;
        if (di_check_sector(sector, at, 512, SEED, c->reported, &holds))
            di_check_note_good(r, at, 512);
        else
            di_check_note_wrong(r, at, 512, holds);
    }
    di_check_conclude(r);
    free(c->last);
}

static void the_full_check_tells_genuine_fake_and_failing_cards(void)
{
    di_check_report r;
    model_card genuine = {.reported = 64 * MiB, .real = 64 * MiB, .kind = MODEL_WRAP};
    full_check_of(&genuine, &r);
    CHECK_U64(r.verdict, DI_CHECK_GENUINE);
    CHECK_U64(r.good_bytes, 64 * MiB);
    CHECK_U64(r.wrong_bytes, 0);

    /* Wraps at 16 MiB: it holds one lap, and says whose data its sectors hold. */
    model_card wrap = {.reported = 64 * MiB, .real = 16 * MiB, .kind = MODEL_WRAP};
    full_check_of(&wrap, &r);
    CHECK_U64(r.verdict, DI_CHECK_FAKE);
    CHECK(r.wraps);
    CHECK_U64(r.good_bytes, 16 * MiB);
    CHECK_U64(r.ranges[0].offset, 0);
    CHECK_U64(r.ranges[0].holds, 48 * MiB);

    /* A capacity that is no power of two, writes past it dropped. */
    model_card drop = {.reported = 64 * MiB, .real = 10 * MiB + 512 * 3, .kind = MODEL_DROP};
    full_check_of(&drop, &r);
    CHECK_U64(r.verdict, DI_CHECK_FAKE);
    CHECK(!r.wraps);
    CHECK_U64(r.good_bytes, 10 * MiB + 512 * 3);
    CHECK_U64(r.range_count, 1);

    /* Bad sectors inside, two places (the last two sectors too: too few to be missing
     * capacity). */
    model_card bad = {.reported = 64 * MiB, .real = 64 * MiB, .kind = MODEL_WRAP,
                      .bad_from = 5 * MiB, .bad_to = 5 * MiB + 4096};
    full_check_of(&bad, &r);
    CHECK_U64(r.verdict, DI_CHECK_BAD_SECTORS);
    CHECK_U64(r.wrong_bytes, 4096);
    CHECK_U64(r.range_count, 1);
    CHECK_U64(r.ranges[0].offset, 5 * MiB);
    CHECK_U64(r.ranges[0].length, 4096);
    CHECK_U64(r.good_bytes, 64 * MiB);
}

static void quick_probe_of(model_card *c, di_check_report *r)
{
    c->last = calloc(c->real / 512, sizeof *c->last);
    static uint64_t offsets[DI_CHECK_PROBES_MAX];
    unsigned n = di_check_probe_offsets(c->reported, 512, offsets, DI_CHECK_PROBES_MAX);
    di_check_report_init(r, DI_CHECK_QUICK, c->reported, 512);
    for (unsigned i = 0; i < n; i++) model_write(c, offsets[i]);
    uint8_t sector[512];
    for (unsigned i = 0; i < n; i++) {
        model_read(c, offsets[i], sector);
        uint64_t holds;
        if (di_check_sector(sector, offsets[i], 512, SEED, c->reported, &holds))
            di_check_note_good(r, offsets[i], 512);
        else
            di_check_note_wrong(r, offsets[i], 512, holds);
    }
    di_check_conclude(r);
    free(c->last);
}

static void the_quick_probe_finds_fakes_in_a_few_hundred_sectors(void)
{
    uint64_t offsets[DI_CHECK_PROBES_MAX];
    unsigned n = di_check_probe_offsets(64000000000ull, 512, offsets, DI_CHECK_PROBES_MAX);
    CHECK(n > 16 && n < 1024);
    for (unsigned i = 1; i < n; i++) CHECK(offsets[i] > offsets[i - 1]);
    CHECK_U64(offsets[n - 1], 64000000000ull - 512);
    /* What the questions say before it starts: the same count, 512 when not known. */
    CHECK_U64(di_check_probe_count(64000000000ull, 512), n);
    CHECK_U64(di_check_probe_count(64000000000ull, 0), n);
    for (unsigned i = 0; i < n; i++) CHECK_U64(offsets[i] % 512, 0);

    di_check_report r;
    model_card genuine = {.reported = 256 * MiB, .real = 256 * MiB};
    quick_probe_of(&genuine, &r);
    CHECK_U64(r.verdict, DI_CHECK_GENUINE);
    /* A card of "256 MiB" wrapping at 32, 64 or 128 MiB; one dropping past 100 MiB. */
    for (uint64_t real = 32 * MiB; real < 256 * MiB; real *= 2) {
        model_card wrap = {.reported = 256 * MiB, .real = real, .kind = MODEL_WRAP};
        quick_probe_of(&wrap, &r);
        CHECK_U64(r.verdict, DI_CHECK_FAKE);
        CHECK(r.good_bytes <= real);
        CHECK(r.good_bytes >= real / 2);
    }
    model_card drop = {.reported = 256 * MiB, .real = 100 * MiB, .kind = MODEL_DROP};
    quick_probe_of(&drop, &r);
    CHECK_U64(r.verdict, DI_CHECK_FAKE);
    CHECK(r.good_bytes >= 100 * MiB && r.good_bytes <= 128 * MiB);
}

static void speeds_keep_their_slowest_percent(void)
{
    di_speed s = {0};
    for (int i = 0; i < 99; i++) di_speed_add(&s, 4 * MiB, 4.0 * MiB / 20e6); /* 20 MB/s */
    di_speed_add(&s, 4 * MiB, 4.0 * MiB / 2e6);                            /* one at 2 MB/s */
    CHECK(di_speed_average(&s) > 17e6 && di_speed_average(&s) < 19e6);
    double slow = di_speed_slowest_percent(&s);
    CHECK(slow > 2e6 / 1.25 && slow <= 2e6);
    di_speed none = {0};
    CHECK(di_speed_average(&none) == 0 && di_speed_slowest_percent(&none) == 0);
}

/* ---- the job on a file shown as a fake card ---- */

typedef struct fake_card {
    di_device base;
    di_device *inner;
    uint64_t real;
    model_kind kind;
} fake_card;

static di_status fake_read(di_device *dev, void *buf, size_t len, uint64_t offset, size_t *done,
                           di_error *error)
{
    fake_card *f = (fake_card *)dev;
    for (size_t at = 0; at < len; at += 512) {
        uint64_t o = offset + at;
        size_t got = 0;
        if (o >= f->real && f->kind == MODEL_ERROR)
            return di_error_set(error, DI_ERR_READ, "read", dev->path, 5, NULL);
        if (o >= f->real && f->kind == MODEL_DROP) {
            memset((uint8_t *)buf + at, 0, 512);
            continue;
        }
        if (f->inner->ops->read_at(f->inner, (uint8_t *)buf + at, 512, o % f->real, &got,
                                   error) != DI_OK)
            return error->status;
    }
    *done = len;
    return DI_OK;
}

static di_status fake_write(di_device *dev, const void *buf, size_t len, uint64_t offset,
                            size_t *done, di_error *error)
{
    fake_card *f = (fake_card *)dev;
    for (size_t at = 0; at < len; at += 512) {
        uint64_t o = offset + at;
        size_t put = 0;
        if (o >= f->real && f->kind == MODEL_ERROR)
            return di_error_set(error, DI_ERR_WRITE, "write", dev->path, 5, NULL);
        if (o >= f->real && f->kind == MODEL_DROP) continue;
        if (f->inner->ops->write_at(f->inner, (const uint8_t *)buf + at, 512, o % f->real, &put,
                                    error) != DI_OK)
            return error->status;
    }
    *done = len;
    return DI_OK;
}

static di_status fake_flush(di_device *dev, di_error *error)
{
    fake_card *f = (fake_card *)dev;
    return f->inner->ops->flush(f->inner, error);
}

static void fake_close(di_device *dev)
{
    di_device_close(((fake_card *)dev)->inner);
    free(dev);
}

static const di_device_ops fake_ops = {.read_at = fake_read, .write_at = fake_write,
                                       .flush = fake_flush, .close = fake_close};

typedef struct fake_plan {
    uint64_t reported, real;
    model_kind kind;
} fake_plan;

static di_device *fake_wrap(di_device *inner, di_role role, void *ctx)
{
    fake_plan *plan = ctx;
    if (role == DI_ROLE_SOURCE) return inner; /* a Write's image */
    fake_card *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->base = *inner;
    f->base.ops = &fake_ops;
    f->base.kind = DI_DEVICE_BLOCK;
    f->base.size = plan->reported;
    f->base.sector_size = 512;
    f->inner = inner;
    f->real = plan->real;
    f->kind = plan->kind;
    return &f->base;
}

static void the_job_checks_a_card_as_it_is(void)
{
    const char *path = test_path(test_dir("card_check"), "card.img");
    struct {
        uint64_t real;
        model_kind kind;
        di_check_mode mode;
        di_check_verdict want;
    } cases[] = {
        {64 * MiB, MODEL_WRAP, DI_CHECK_FULL, DI_CHECK_GENUINE},
        {64 * MiB, MODEL_WRAP, DI_CHECK_QUICK, DI_CHECK_GENUINE},
        {16 * MiB, MODEL_WRAP, DI_CHECK_FULL, DI_CHECK_FAKE},
        {16 * MiB, MODEL_WRAP, DI_CHECK_QUICK, DI_CHECK_FAKE},
        {24 * MiB, MODEL_DROP, DI_CHECK_FULL, DI_CHECK_FAKE},
        {24 * MiB, MODEL_DROP, DI_CHECK_QUICK, DI_CHECK_FAKE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(make_random_file(path, cases[i].real, (uint32_t)i + 1));
        char before[DI_HASH_HEX_MAX], after[DI_HASH_HEX_MAX];
        CHECK(reference_hash(path, DI_HASH_MD5, UINT64_MAX, before));
        fake_plan plan = {64 * MiB, cases[i].real, cases[i].kind};
        di_job_spec spec = {.kind = DI_JOB_CHECK, .target_path = path, .check_mode = cases[i].mode,
                            .wrap = fake_wrap, .wrap_ctx = &plan};
        job_outcome out;
        CHECK_U64(run_job(&spec, &out), DI_OK);
        const di_check_report *c = &out.result.check;
        CHECK_U64(c->verdict, cases[i].want);
        CHECK_U64(c->reported_bytes, 64 * MiB);
        CHECK_U64(out.threads_after, out.threads_before);
        if (cases[i].mode == DI_CHECK_FULL) {
            CHECK_U64(c->good_bytes, cases[i].want == DI_CHECK_GENUINE ? 64 * MiB : cases[i].real);
            CHECK(c->write.bytes > 0 && c->read.bytes > 0);
            CHECK(di_speed_slowest_percent(&c->write) > 0);
        } else {
            CHECK(c->good_bytes <= (cases[i].want == DI_CHECK_GENUINE ? 64 * MiB : 32 * MiB));
            /* The probe puts back what it wrote over. */
            CHECK(reference_hash(path, DI_HASH_MD5, UINT64_MAX, after));
            CHECK_STR(after, before);
        }
    }
}

/* A Write with verify onto a card that wraps at 16 MiB: the mismatch says it may be fake,
 * and at which power of two. */
static void a_write_whose_verify_fails_as_a_fake_card_says_so(void)
{
    const char *dir = test_dir("card_check");
    const char *image = test_path(dir, "image.img"), *card = test_path(dir, "wrapcard.img");
    CHECK(make_random_file(image, 40 * MiB, 77));
    CHECK(make_random_file(card, 16 * MiB, 78));
    fake_plan plan = {64 * MiB, 16 * MiB, MODEL_WRAP};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = card,
                        .verify_after_write = true, .wrap = fake_wrap, .wrap_ctx = &plan};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_ERR_MISMATCH);
    CHECK(out.result.may_be_fake);
    CHECK_U64(out.result.fake_wrap_bytes, 16 * MiB);
}

/* The quick probe's sectors go back after a Cancel and after a failed probe write; one
 * that cannot go back is the job's error, naming how many and where. */
static void the_probe_puts_back_its_sectors_whatever_happens(void)
{
    const char *path = test_path(test_dir("card_check"), "probed.img");
    uint64_t offsets[DI_CHECK_PROBES_MAX];
    unsigned n = di_check_probe_offsets(64 * MiB, 512, offsets, DI_CHECK_PROBES_MAX);
    fault_kind kinds[] = {FAULT_CANCEL, FAULT_EIO};
    for (int k = 0; k < 2; k++) {
        CHECK(make_random_file(path, 64 * MiB, 40 + k));
        char before[DI_HASH_HEX_MAX], after[DI_HASH_HEX_MAX];
        CHECK(reference_hash(path, DI_HASH_MD5, UINT64_MAX, before));
        /* A sector half way through the probe's writes. */
        fault_plan plan = {.role = DI_ROLE_TARGET, .on_write = true, .kind = kinds[k],
                           .at_offset = offsets[n / 2], .as_block_sector = 512};
        di_job_spec spec = {.kind = DI_JOB_CHECK, .target_path = path,
                            .check_mode = DI_CHECK_QUICK, .wrap = fault_wrap, .wrap_ctx = &plan};
        job_outcome out;
        di_status st = run_job(&spec, &out);
        CHECK(plan.triggered >= 1);
        CHECK(reference_hash(path, DI_HASH_MD5, UINT64_MAX, after));
        if (kinds[k] == FAULT_CANCEL) {
            CHECK_U64(st, DI_ERR_CANCELLED);
            CHECK_STR(after, before); /* every sector back */
        } else {
            /* The sector that fails to take the probe fails to take its own data back
             * too (the fault stays): the one loss is the error, with its offset. */
            CHECK_U64(out.result.error.reason, DI_REASON_PROBE_NOT_RESTORED);
            char want[128];
            snprintf(want, sizeof want, "could not put back 1 of the %u sectors it wrote over "
                                        "(the first at byte %llu)",
                     n, (unsigned long long)offsets[n / 2]);
            CHECK_CONTAINS(out.message, want);
            CHECK_CONTAINS(out.message, path);
        }
        CHECK_U64(out.threads_after, out.threads_before);
    }
}

/* A fake card that refuses every request past its real capacity: the check stops
 * writing where it stopped taking them and calls it fake, with that capacity. */
static void a_card_that_errors_past_its_capacity_is_fake(void)
{
    const char *path = test_path(test_dir("card_check"), "errcard.img");
    CHECK(make_random_file(path, 24 * MiB, 9));
    fake_plan plan = {128 * MiB, 24 * MiB, MODEL_ERROR};
    di_job_spec spec = {.kind = DI_JOB_CHECK, .target_path = path, .check_mode = DI_CHECK_FULL,
                        .wrap = fake_wrap, .wrap_ctx = &plan};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK_U64(out.result.check.verdict, DI_CHECK_FAKE);
    CHECK_U64(out.result.check.good_bytes, 24 * MiB);
    /* The probe: the sectors it cannot read past 24 MiB are not written, and count. */
    CHECK(make_random_file(path, 24 * MiB, 9));
    char before[DI_HASH_HEX_MAX], after[DI_HASH_HEX_MAX];
    CHECK(reference_hash(path, DI_HASH_MD5, UINT64_MAX, before));
    spec.check_mode = DI_CHECK_QUICK;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK_U64(out.result.check.verdict, DI_CHECK_FAKE);
    CHECK(out.result.check.good_bytes >= 24 * MiB && out.result.check.good_bytes <= 32 * MiB);
    CHECK(reference_hash(path, DI_HASH_MD5, UINT64_MAX, after));
    CHECK_STR(after, before);
}

static const test_case tests[] = {
    {"a_card_that_errors_past_its_capacity_is_fake", a_card_that_errors_past_its_capacity_is_fake},
    {"the_probe_puts_back_its_sectors_whatever_happens",
     the_probe_puts_back_its_sectors_whatever_happens},
    {"a_write_whose_verify_fails_as_a_fake_card_says_so",
     a_write_whose_verify_fails_as_a_fake_card_says_so},
    {"every_sector_carries_its_offset_and_seed", every_sector_carries_its_offset_and_seed},
    {"the_full_check_tells_genuine_fake_and_failing_cards",
     the_full_check_tells_genuine_fake_and_failing_cards},
    {"the_quick_probe_finds_fakes_in_a_few_hundred_sectors",
     the_quick_probe_finds_fakes_in_a_few_hundred_sectors},
    {"speeds_keep_their_slowest_percent", speeds_keep_their_slowest_percent},
    {"the_job_checks_a_card_as_it_is", the_job_checks_a_card_as_it_is},
};
TEST_MAIN(tests)
