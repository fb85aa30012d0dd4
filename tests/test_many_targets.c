/* One image to several drives at once: 2, 3 and 8 targets (files presented as 512- and
 * 4096-byte-sector drives), one failing at the first, a middle or the last chunk and
 * dropped while the others go on; a cancel that stops all; a read-back that differs on
 * one; drives of different sizes. Every drive that succeeds holds the image, its
 * read-back digest is the image's; a drive that failed never got the image's head. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diskimager/job.h"
#include "fault_device.h"
#include "job_runner.h"
#include "test_files.h"

#define MiB (1024ull * 1024ull)
#define MAX_TARGETS 8

typedef struct drives {
    unsigned count;
    char path[MAX_TARGETS][512];
    di_target_spec spec[MAX_TARGETS];
} drives;

static void make_drives(drives *d, const char *dir, unsigned count, uint64_t size)
{
    d->count = count;
    for (unsigned i = 0; i < count; i++) {
        char name[32];
        snprintf(name, sizeof name, "drive%u.bin", i);
        snprintf(d->path[i], sizeof d->path[i], "%s", test_path(dir, name));
        CHECK(make_filled_file(d->path[i], size, 0xA5));
        d->spec[i] = (di_target_spec){.path = d->path[i]};
    }
}

static void remove_drives(drives *d)
{
    for (unsigned i = 0; i < d->count; i++) remove_if_exists(d->path[i]);
}

/* count drives, drive `failing` failing its write at `fail_at`: dropped with its own
 * error naming it and the offset; every other one written, verified, its read-back
 * digest the image's. */
static void one_drive_fails(unsigned count, unsigned failing, uint64_t fail_at, uint32_t sector)
{
    const char *dir = test_dir("many");
    char image[512];
    snprintf(image, sizeof image, "%s", test_path(dir, "image.img"));
    uint64_t size = 9 * MiB + 4096 + 7;
    CHECK(make_random_file(image, size, 77 + count * 13 + failing));
    char md5[DI_HASH_HEX_MAX], sha256[DI_HASH_HEX_MAX];
    CHECK(reference_hash(image, DI_HASH_MD5, UINT64_MAX, md5));
    CHECK(reference_hash(image, DI_HASH_SHA256, UINT64_MAX, sha256));
    drives d;
    make_drives(&d, dir, count, 12 * MiB);

    fault_plan plan = {.role = DI_ROLE_TARGET, .only_path = d.path[failing], .on_write = true,
                       .kind = FAULT_EIO, .at_offset = fail_at, .as_block_sector = sector,
                       .block_roles = 1u << DI_ROLE_READBACK};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .targets = d.spec,
                        .target_count = count, .verify_after_write = true,
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5) | DI_HASH_BIT(DI_HASH_SHA256),
                        .buffer_size = 1 * MiB, .buffer_count = 4,
                        .wrap = fault_wrap, .wrap_ctx = &plan};
    di_job *job = di_job_new(&spec);
    CHECK(job != NULL);
    plan.job = job;
    di_status st = di_job_run(job);
    const di_result *r = di_job_result(job);
    CHECK_U64(plan.triggered > 0, 1);
    CHECK_U64(plan.misaligned, 0);
    CHECK_U64(st, DI_ERR_WRITE);
    CHECK_U64(r->target_count, count);
    CHECK_U64(r->targets_failed, 1);
    CHECK(!r->verified);
    CHECK_STR(r->hashes[DI_HASH_MD5], md5);      /* the image's digest, taken once */
    CHECK_STR(r->hashes[DI_HASH_SHA256], sha256);
    CHECK_U64(di_job_target_count(job), count);
    for (unsigned i = 0; i < count; i++) {
        const di_result *t = di_job_target_result(job, i);
        di_target_progress p;
        di_job_target_progress(job, i, &p);
        if (i == failing) {
            CHECK_U64(t->status, DI_ERR_WRITE);
            CHECK_STR(t->error.path, d.path[i]);
            CHECK(t->error.has_offset);
            CHECK_U64(t->error.offset <= fail_at, 1);
            CHECK(!t->verified);
            CHECK_U64(p.state, DI_TARGET_FAILED);
            CHECK_STR(t->readback_hashes[DI_HASH_MD5], "");
            /* Its head was erased first and never written: no partition table. (A
             * drive that failed the erase itself kept what it held.) */
            CHECK(bytes_are(d.path[i], 0, 4096, fail_at < 1 * MiB ? 0xA5 : 0));
            continue;
        }
        CHECK_U64(t->status, DI_OK);
        CHECK(t->verified);
        CHECK_U64(p.state, DI_TARGET_DONE);
        CHECK_U64(t->device_bytes, (size + sector - 1) / sector * sector);
        CHECK(t->padded == (size % sector != 0));
        CHECK_STR(t->readback_hashes[DI_HASH_MD5], md5);
        CHECK_STR(t->readback_hashes[DI_HASH_SHA256], sha256);
        CHECK(files_equal_prefix(image, d.path[i], size));
        CHECK(bytes_are(d.path[i], size, (size + sector - 1) / sector * sector, 0));
        CHECK(bytes_are(d.path[i], (size + sector - 1) / sector * sector,
                        (size + sector - 1) / sector * sector + 4096, 0xA5));
    }
    di_job_free(job);
    remove_drives(&d);
    remove_if_exists(image);
}

static void one_of_two_three_and_eight_fails_first_middle_last(void)
{
    uint64_t size = 9 * MiB + 4096 + 7;
    /* The first chunk after the head (written last), one half way, the last one. */
    uint64_t first = 1 * MiB, middle = 5 * MiB + 512, last = size - 3;
    one_drive_fails(2, 0, first, 512);
    one_drive_fails(2, 1, last, 4096);
    one_drive_fails(3, 1, middle, 512);
    one_drive_fails(3, 2, first, 4096);
    one_drive_fails(8, 0, last, 512);
    one_drive_fails(8, 4, middle, 4096);
    one_drive_fails(8, 7, first, 512);
    /* The head's erase, before any chunk. */
    one_drive_fails(3, 0, 0, 512);
}

/* Every drive fails: the job fails with the first drive's error. */
static void all_drives_failing_fail_the_job(void)
{
    const char *dir = test_dir("many");
    char image[512];
    snprintf(image, sizeof image, "%s", test_path(dir, "image.img"));
    CHECK(make_random_file(image, 6 * MiB, 5));
    drives d;
    make_drives(&d, dir, 3, 4 * MiB); /* too small, and the tail is not zeros */
    fault_plan plan = {.role = DI_ROLE_TARGET, .as_block_sector = 512};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .targets = d.spec,
                        .target_count = 3, .wrap = fault_wrap, .wrap_ctx = &plan};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_ERR_TOO_SMALL);
    CHECK_U64(out.result.targets_failed, 3);
    CHECK(strstr(out.message, d.path[0]) != NULL);
    for (unsigned i = 0; i < 3; i++) CHECK(bytes_are(d.path[i], 0, 4 * MiB, 0xA5));
    remove_drives(&d);
    remove_if_exists(image);
}

/* A cancel half way stops every drive; none gets the image's head. */
static void cancel_stops_every_drive(void)
{
    const char *dir = test_dir("many");
    char image[512];
    snprintf(image, sizeof image, "%s", test_path(dir, "image.img"));
    CHECK(make_random_file(image, 9 * MiB, 9));
    drives d;
    make_drives(&d, dir, 3, 10 * MiB);
    fault_plan plan = {.role = DI_ROLE_TARGET, .only_path = d.path[1], .on_write = true,
                       .kind = FAULT_CANCEL, .at_offset = 4 * MiB, .as_block_sector = 512};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .targets = d.spec,
                        .target_count = 3, .verify_after_write = true,
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .buffer_size = 1 * MiB,
                        .buffer_count = 2, .wrap = fault_wrap, .wrap_ctx = &plan};
    di_job *job = di_job_new(&spec);
    CHECK(job != NULL);
    plan.job = job;
    CHECK_U64(di_job_run(job), DI_ERR_CANCELLED);
    const di_result *r = di_job_result(job);
    CHECK_U64(r->targets_failed, 3);
    CHECK_STR(r->hashes[DI_HASH_MD5], "");
    for (unsigned i = 0; i < 3; i++) {
        CHECK_U64(di_job_target_result(job, i)->status, DI_ERR_CANCELLED);
        di_target_progress p;
        di_job_target_progress(job, i, &p);
        CHECK_U64(p.state, DI_TARGET_FAILED);
        CHECK(bytes_are(d.path[i], 0, 4096, 0));
    }
    di_job_free(job);
    remove_drives(&d);
    remove_if_exists(image);
}

/* One drive reads back a byte it was not given: that drive fails DI_ERR_MISMATCH at that
 * byte; the others are verified. */
static void a_read_back_that_differs_fails_that_drive(void)
{
    const char *dir = test_dir("many");
    char image[512];
    snprintf(image, sizeof image, "%s", test_path(dir, "image.img"));
    uint64_t size = 7 * MiB + 100;
    CHECK(make_random_file(image, size, 11));
    char md5[DI_HASH_HEX_MAX];
    CHECK(reference_hash(image, DI_HASH_MD5, UINT64_MAX, md5));
    drives d;
    make_drives(&d, dir, 3, 8 * MiB);
    uint64_t flip_at = 3 * MiB + 12345;
    fault_plan plan = {.role = DI_ROLE_READBACK, .only_path = d.path[2], .kind = FAULT_FLIP,
                       .at_offset = flip_at, .as_block_sector = 512,
                       .block_roles = 1u << DI_ROLE_TARGET};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .targets = d.spec,
                        .target_count = 3, .verify_after_write = true,
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .buffer_size = 1 * MiB,
                        .wrap = fault_wrap, .wrap_ctx = &plan};
    di_job *job = di_job_new(&spec);
    CHECK(job != NULL);
    CHECK_U64(di_job_run(job), DI_ERR_MISMATCH);
    CHECK_U64(plan.triggered > 0, 1);
    const di_result *r = di_job_result(job);
    CHECK_U64(r->targets_failed, 1);
    CHECK_STR(r->hashes[DI_HASH_MD5], md5);
    const di_result *bad = di_job_target_result(job, 2);
    CHECK_U64(bad->status, DI_ERR_MISMATCH);
    CHECK(bad->mismatch);
    CHECK_U64(bad->mismatch_offset, flip_at);
    CHECK_STR(bad->error.path, d.path[2]);
    for (unsigned i = 0; i < 2; i++) {
        CHECK(di_job_target_result(job, i)->verified);
        CHECK_STR(di_job_target_result(job, i)->readback_hashes[DI_HASH_MD5], md5);
    }
    di_job_free(job);
    remove_drives(&d);
    remove_if_exists(image);
}

/* Drives of different sizes: an image whose tail is zeros goes whole onto the large
 * drive and up to its end onto the small one. */
static void drives_of_different_sizes_each_get_their_share(void)
{
    const char *dir = test_dir("many");
    char image[512];
    snprintf(image, sizeof image, "%s", test_path(dir, "image.img"));
    uint64_t size = 10 * MiB;
    CHECK(make_random_file(image, 5 * MiB, 21));
    FILE *f = fopen(image, "r+b");
    CHECK(f && fseek(f, (long)(size - 1), SEEK_SET) == 0 && fputc(0, f) == 0 && fclose(f) == 0);
    char md5[DI_HASH_HEX_MAX];
    CHECK(reference_hash(image, DI_HASH_MD5, UINT64_MAX, md5));
    drives d;
    make_drives(&d, dir, 2, 12 * MiB);
    CHECK(make_filled_file(d.path[1], 6 * MiB, 0xA5));
    fault_plan plan = {.role = DI_ROLE_TARGET, .as_block_sector = 4096,
                       .block_roles = 1u << DI_ROLE_READBACK};
    for (int verify = 0; verify < 2; verify++) {
        di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .targets = d.spec,
                            .target_count = 2, .verify_after_write = verify,
                            .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .buffer_size = 1 * MiB,
                            .wrap = fault_wrap, .wrap_ctx = &plan};
        di_job *job = di_job_new(&spec);
        CHECK(job != NULL);
        CHECK_U64(di_job_run(job), DI_OK);
        const di_result *r = di_job_result(job);
        CHECK_STR(r->hashes[DI_HASH_MD5], md5);
        CHECK_U64(r->targets_failed, 0);
        CHECK(r->verified == (verify != 0));
        const di_result *big = di_job_target_result(job, 0), *small = di_job_target_result(job, 1);
        CHECK(!big->truncated);
        CHECK_U64(big->device_bytes, size);
        CHECK(small->truncated);
        CHECK_U64(small->truncated_bytes, 4 * MiB);
        CHECK_U64(small->device_bytes, 6 * MiB);
        if (verify) {
            CHECK_STR(big->readback_hashes[DI_HASH_MD5], md5);
            CHECK_STR(small->readback_hashes[DI_HASH_MD5], md5);
        }
        CHECK(files_equal_prefix(image, d.path[0], size));
        CHECK(files_equal_prefix(image, d.path[1], 6 * MiB));
        CHECK(bytes_are(d.path[0], size, size + 4096, 0xA5));
        di_job_free(job);
    }
    remove_drives(&d);
    remove_if_exists(image);
}

/* Only a Write takes several drives, at most DI_TARGETS_MAX, and not with a bmap. */
static void several_drives_only_for_a_write(void)
{
    di_target_spec two[2] = {{.path = "a"}, {.path = "b"}};
    di_job_spec spec = {.kind = DI_JOB_VERIFY, .source_path = "x", .targets = two,
                        .target_count = 2};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_ERR_USAGE);
    spec.kind = DI_JOB_WRITE;
    spec.bmap_path = "x.bmap";
    CHECK_U64(run_job(&spec, &out), DI_ERR_USAGE);
}

static const test_case tests[] = {
    {"one_of_two_three_and_eight_fails_first_middle_last",
     one_of_two_three_and_eight_fails_first_middle_last},
    {"all_drives_failing_fail_the_job", all_drives_failing_fail_the_job},
    {"cancel_stops_every_drive", cancel_stops_every_drive},
    {"a_read_back_that_differs_fails_that_drive", a_read_back_that_differs_fails_that_drive},
    {"drives_of_different_sizes_each_get_their_share",
     drives_of_different_sizes_each_get_their_share},
    {"several_drives_only_for_a_write", several_drives_only_for_a_write},
};
TEST_MAIN(tests)
