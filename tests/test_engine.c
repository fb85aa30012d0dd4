/* WRITE, READ, VERIFY and HASH end to end on files: every size edge, ring sizes of
 * 1, 2 and 8 buffers, 512- and 4096-byte sectors (a file presented as a block device
 * by the test wrapper, which also checks that every request is aligned). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diskimager/job.h"
#include "diskimager/threads.h"
#include "fault_device.h"
#include "job_runner.h"
#include "test_files.h"

#define MiB (1024ull * 1024ull)

static uint64_t round_up(uint64_t v, uint64_t unit)
{
    return (v + unit - 1) / unit * unit;
}

static void roundtrip(uint64_t size, unsigned buffers, uint32_t sector, size_t buffer_size,
                      unsigned hash_mask)
{
    const char *dir = test_dir("engine");
    const char *image = test_path(dir, "image.img");
    const char *device = test_path(dir, "device.bin");
    const char *back = test_path(dir, "back.img");
    uint64_t device_size = round_up(size, sector) + 2 * sector;
    CHECK(make_random_file(image, size, (uint32_t)(size * 31 + buffers * 7 + sector)));
    CHECK(make_filled_file(device, device_size, 0xA5));
    char ref[DI_HASH_COUNT][DI_HASH_HEX_MAX];
    for (unsigned a = 0; a < DI_HASH_COUNT; a++)
        if (hash_mask & DI_HASH_BIT(a)) CHECK(reference_hash(image, (di_hash_alg)a, UINT64_MAX, ref[a]));

    fault_plan plan = {.role = DI_ROLE_TARGET, .as_block_sector = sector,
                       .block_roles = 1u << DI_ROLE_READBACK};
    fault_plan readback_plan = {.role = DI_ROLE_READBACK, .as_block_sector = sector};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = device,
                        .hash_mask = hash_mask, .verify_after_write = true,
                        .buffer_size = buffer_size, .buffer_count = buffers,
                        .wrap = fault_wrap, .wrap_ctx = &plan};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    if (out.result.status != DI_OK) fprintf(stderr, "write: %s\n", out.message);
    CHECK_U64(plan.misaligned, 0);
    CHECK(out.result.padded == (size % sector != 0));
    CHECK(out.result.verified);
    CHECK(!out.progress_exceeded_total);
    for (unsigned a = 0; a < DI_HASH_COUNT; a++) {
        if (!(hash_mask & DI_HASH_BIT(a))) continue;
        CHECK_STR(out.result.hashes[a], ref[a]);
        CHECK_STR(out.result.readback_hashes[a], ref[a]);
    }
    /* The image, then zeros to the sector's end, then the device as it was. */
    CHECK_U64(file_size_of(device), device_size);
    CHECK(files_equal_prefix(image, device, size));
    CHECK(bytes_are(device, size, round_up(size, sector), 0));
    CHECK(bytes_are(device, round_up(size, sector), device_size, 0xA5));

    if (size > 0) {
        spec = (di_job_spec){.kind = DI_JOB_READ, .source_path = device, .target_path = back,
                             .hash_mask = hash_mask, .read_size = size,
                             .buffer_size = buffer_size, .buffer_count = buffers,
                             .wrap = fault_wrap, .wrap_ctx = &readback_plan};
        readback_plan.role = DI_ROLE_SOURCE;
        CHECK_U64(run_job(&spec, &out), DI_OK);
        CHECK_U64(readback_plan.misaligned, 0);
        CHECK_U64(file_size_of(back), size);
        CHECK(files_equal_prefix(image, back, size));
        for (unsigned a = 0; a < DI_HASH_COUNT; a++)
            if (hash_mask & DI_HASH_BIT(a)) CHECK_STR(out.result.hashes[a], ref[a]);
    }

    fault_plan verify_plan = {.role = DI_ROLE_TARGET, .as_block_sector = sector};
    spec = (di_job_spec){.kind = DI_JOB_VERIFY, .source_path = image, .target_path = device,
                         .hash_mask = hash_mask, .buffer_size = buffer_size,
                         .buffer_count = buffers, .wrap = fault_wrap, .wrap_ctx = &verify_plan};
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK_U64(verify_plan.misaligned, 0);
    CHECK(!out.result.mismatch);
    CHECK_U64(out.result.image_bytes, size);
    remove_if_exists(image);
    remove_if_exists(device);
    remove_if_exists(back);
}

static void roundtrips_every_size_ring_and_sector(void)
{
    static const uint64_t sizes[] = {0, 1, 511, 512, 513, 4 * MiB - 1, 4 * MiB + 1};
    static const unsigned rings[] = {1, 2, 8};
    static const uint32_t sectors[] = {512, 4096};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (size_t r = 0; r < sizeof rings / sizeof rings[0]; r++)
            for (size_t k = 0; k < sizeof sectors / sizeof sectors[0]; k++) {
                int before = check_failures;
                roundtrip(sizes[s], rings[r], sectors[k], 1 * MiB, DI_HASH_BIT(DI_HASH_MD5));
                if (check_failures != before)
                    fprintf(stderr, "  in: size %llu, %u buffers, sector %u\n",
                            (unsigned long long)sizes[s], rings[r], (unsigned)sectors[k]);
            }
}

static void roundtrips_100_mib_plus_7_with_every_hash(void)
{
    roundtrip(100 * MiB + 7, 4, 512, 0,
              DI_HASH_BIT(DI_HASH_MD5) | DI_HASH_BIT(DI_HASH_SHA1) |
                  DI_HASH_BIT(DI_HASH_SHA256) | DI_HASH_BIT(DI_HASH_SHA512));
}

static void writes_into_a_plain_file_that_grows(void)
{
    const char *dir = test_dir("engine");
    const char *image = test_path(dir, "grow.img"), *out_file = test_path(dir, "grow.out");
    remove_if_exists(out_file);
    CHECK(make_random_file(image, 3000, 5));
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = out_file,
                        .hash_mask = DI_HASH_BIT(DI_HASH_SHA256)};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK_U64(file_size_of(out_file), 3072); /* padded to the 512-byte sector */
    CHECK(files_equal_prefix(image, out_file, 3000));
    CHECK(file_zero_from(out_file, 3000));
    char ref[DI_HASH_HEX_MAX];
    CHECK(reference_hash(image, DI_HASH_SHA256, UINT64_MAX, ref));
    CHECK_STR(out.result.hashes[DI_HASH_SHA256], ref);
}

static void hash_job_matches_reference(void)
{
    const char *dir = test_dir("engine");
    const char *image = test_path(dir, "hash.img");
    CHECK(make_random_file(image, 5 * MiB + 3, 11));
    unsigned all = DI_HASH_BIT(DI_HASH_MD5) | DI_HASH_BIT(DI_HASH_SHA1) |
                   DI_HASH_BIT(DI_HASH_SHA256) | DI_HASH_BIT(DI_HASH_SHA512);
    di_job_spec spec = {.kind = DI_JOB_HASH, .source_path = image, .hash_mask = all,
                        .buffer_size = 1 * MiB, .buffer_count = 3};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    for (unsigned a = 0; a < DI_HASH_COUNT; a++) {
        char ref[DI_HASH_HEX_MAX];
        CHECK(reference_hash(image, (di_hash_alg)a, UINT64_MAX, ref));
        CHECK_STR(out.result.hashes[a], ref);
    }
    CHECK_U64(out.max_progress <= 5 * MiB + 3, 1);
}

static void image_larger_than_device_with_data_in_the_tail_is_refused(void)
{
    const char *dir = test_dir("engine");
    const char *image = test_path(dir, "big.img"), *device = test_path(dir, "small.dev");
    CHECK(make_random_file(image, 3 * MiB, 21));
    CHECK(make_filled_file(device, 2 * MiB, 0xA5));
    char before[DI_HASH_HEX_MAX], after[DI_HASH_HEX_MAX];
    CHECK(reference_hash(device, DI_HASH_MD5, UINT64_MAX, before));
    fault_plan plan = {.role = DI_ROLE_TARGET, .as_block_sector = 512};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = device,
                        .wrap = fault_wrap, .wrap_ctx = &plan};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_ERR_TOO_SMALL);
    CHECK_CONTAINS(out.message, "3145728 bytes (3.15 MB)");
    CHECK_CONTAINS(out.message, "2097152 bytes (2.10 MB)");
    CHECK_CONTAINS(out.message, device);
    CHECK(reference_hash(device, DI_HASH_MD5, UINT64_MAX, after));
    CHECK_STR(after, before); /* not a byte written */

    spec.kind = DI_JOB_VERIFY;
    CHECK_U64(run_job(&spec, &out), DI_ERR_TOO_SMALL);
}

static void image_larger_than_device_with_zero_tail_is_truncated(void)
{
    const char *dir = test_dir("engine");
    const char *image = test_path(dir, "zerotail.img"), *device = test_path(dir, "zt.dev");
    CHECK(make_zero_file(image, 3 * MiB + 100));
    CHECK(make_random_file(test_path(dir, "head.bin"), 2 * MiB - 1, 3));
    /* The first 2 MiB - 1 bytes are data, the rest zeros. */
    FILE *f = fopen(test_path(dir, "head.bin"), "rb");
    unsigned char *head = malloc(2 * MiB);
    CHECK(f && head && fread(head, 1, 2 * MiB - 1, f) == 2 * MiB - 1);
    if (f) fclose(f);
    CHECK(write_bytes_at(image, 0, head, 2 * MiB - 1));
    free(head);
    CHECK(make_filled_file(device, 2 * MiB, 0xA5));
    fault_plan plan = {.role = DI_ROLE_TARGET, .as_block_sector = 4096};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = device,
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .verify_after_write = true,
                        .buffer_size = 1 * MiB, .wrap = fault_wrap, .wrap_ctx = &plan};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK(out.result.truncated);
    CHECK_U64(out.result.truncated_bytes, MiB + 100);
    CHECK(out.result.verified);
    CHECK(files_equal_prefix(image, device, 2 * MiB));
    CHECK_U64(file_size_of(device), 2 * MiB);
    /* The digest is the whole image's, zero tail included: what the user compares. */
    char ref[DI_HASH_HEX_MAX];
    CHECK(reference_hash(image, DI_HASH_MD5, UINT64_MAX, ref));
    CHECK_STR(out.result.hashes[DI_HASH_MD5], ref);
    CHECK_STR(out.result.readback_hashes[DI_HASH_MD5], ref);
}

static void verify_reports_first_differing_byte(void)
{
    const char *dir = test_dir("engine");
    const char *image = test_path(dir, "v.img"), *device = test_path(dir, "v.dev");
    CHECK(make_random_file(image, 9 * MiB + 5, 77));
    CHECK(make_random_file(device, 9 * MiB + 5, 77));
    /* Two differences in different chunks: the earlier one is reported, whichever
     * I/O thread sees its chunk first. */
    unsigned char x = 0x5a;
    CHECK(write_bytes_at(device, 7 * MiB + 3, &x, 1));
    CHECK(write_bytes_at(device, 3 * MiB + 12345, &x, 1));
    unsigned char orig = 0;
    FILE *f = fopen(image, "rb");
    bool got = f && fseek(f, (long)(3 * MiB + 12345), SEEK_SET) == 0 && fread(&orig, 1, 1, f) == 1;
    CHECK(got);
    if (f) fclose(f);
    if (!got) return; /* orig was never read: nothing to compare against */
    if (orig == x) return; /* the random byte happened to be 0x5a: nothing differs */
    for (unsigned io = 1; io <= 4; io *= 2) {
        di_job_spec spec = {.kind = DI_JOB_VERIFY, .source_path = image, .target_path = device,
                            .buffer_size = 1 * MiB, .buffer_count = 8, .io_threads = io};
        job_outcome out;
        CHECK_U64(run_job(&spec, &out), DI_ERR_MISMATCH);
        CHECK(out.result.mismatch);
        CHECK_U64(out.result.mismatch_offset, 3 * MiB + 12345);
        CHECK_CONTAINS(out.message, "at byte 3158073");
    }
}

static void read_size_beyond_device_is_refused(void)
{
    const char *dir = test_dir("engine");
    const char *device = test_path(dir, "r.dev"), *out_file = test_path(dir, "r.img");
    remove_if_exists(out_file);
    CHECK(make_filled_file(device, MiB, 0xA5));
    di_job_spec spec = {.kind = DI_JOB_READ, .source_path = device, .target_path = out_file,
                        .read_size = MiB + 1};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_ERR_TOO_SMALL);
    CHECK_CONTAINS(out.message, "1048577");
    CHECK(!file_exists(out_file));
}

static void read_without_consumers_finishes(void)
{
    /* A pass nobody hashes or writes (HASH with no digest asked for) still ends. */
    const char *dir = test_dir("engine");
    const char *image = test_path(dir, "noconsumer.img");
    CHECK(make_random_file(image, 3 * MiB + 5, 8));
    di_job_spec spec = {.kind = DI_JOB_HASH, .source_path = image, .buffer_size = MiB,
                        .buffer_count = 2};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK_U64(out.result.image_bytes, 3 * MiB + 5);
}

static void bad_inputs_name_the_path(void)
{
    const char *dir = test_dir("engine");
    const char *missing = test_path(dir, "does-not-exist.img");
    const char *device = test_path(dir, "bad.dev");
    CHECK(make_filled_file(device, MiB, 0xA5));
    job_outcome out;
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = missing, .target_path = device};
    CHECK_U64(run_job(&spec, &out), DI_ERR_OPEN);
    CHECK_CONTAINS(out.message, "open failed on ");
    CHECK_CONTAINS(out.message, "does-not-exist.img");

    spec.source_path = dir; /* a directory */
    CHECK_U64(run_job(&spec, &out), DI_ERR_OPEN);
    CHECK_CONTAINS(out.message, "directory");

    spec = (di_job_spec){.kind = DI_JOB_HASH, .source_path = ""};
    CHECK_U64(run_job(&spec, &out), DI_ERR_USAGE);
}

static void empty_image_writes_nothing(void)
{
    const char *dir = test_dir("engine");
    const char *image = test_path(dir, "empty.img"), *device = test_path(dir, "e.dev");
    CHECK(make_zero_file(image, 0));
    CHECK(make_filled_file(device, 4096, 0xA5));
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = device,
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5)};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK_STR(out.result.hashes[DI_HASH_MD5], "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(bytes_are(device, 0, 4096, 0xA5));
}

/* The head (partition tables) is erased first, the rest written and flushed, the head
 * written last; a failed or cancelled write leaves the head erased. */
static void head_is_written_last(void)
{
    const char *dir = test_dir("engine");
    const char *image = test_path(dir, "order.img"), *device = test_path(dir, "order.dev");
    CHECK(make_random_file(image, 5 * MiB + 3, 42));
    CHECK(make_filled_file(device, 6 * MiB, 0xA5));
    fault_plan plan = {.role = DI_ROLE_TARGET, .as_block_sector = 512};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = device,
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .buffer_size = MiB,
                        .wrap = fault_wrap, .wrap_ctx = &plan};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK(plan.writes >= 3);
    if (plan.writes < 3) return;
    CHECK_U64(plan.write_offsets[0], 0);          /* the head erased ... */
    CHECK_U64(plan.write_flushes[0], 0);
    for (unsigned i = 1; i + 1 < plan.writes; i++) {
        CHECK(plan.write_offsets[i] >= MiB);       /* ... the rest after that flush ... */
        CHECK_U64(plan.write_flushes[i], 1);
    }
    CHECK_U64(plan.write_offsets[plan.writes - 1], 0); /* ... the head after the rest's flush */
    CHECK_U64(plan.write_flushes[plan.writes - 1], 2);
    CHECK_U64(plan.flushes, 3);
    CHECK(files_equal_prefix(image, device, 5 * MiB + 3));
    char ref[DI_HASH_HEX_MAX];
    CHECK(reference_hash(image, DI_HASH_MD5, UINT64_MAX, ref));
    CHECK_STR(out.result.hashes[DI_HASH_MD5], ref); /* the digest still sees the image in order */

    fault_kind faults[] = {FAULT_EIO, FAULT_CANCEL};
    for (int f = 0; f < 2; f++) {
        CHECK(make_filled_file(device, 6 * MiB, 0xA5));
        fault_plan broken = {.role = DI_ROLE_TARGET, .on_write = true, .kind = faults[f],
                             .at_offset = 3 * MiB + 10, .as_block_sector = 512};
        spec.wrap_ctx = &broken;
        CHECK(run_job(&spec, &out) != DI_OK);
        CHECK(bytes_are(device, 0, MiB, 0)); /* no partition table, old or new */
    }
}

/* A long write into a file flushes every flush_every bytes as it goes, so the final
 * flush finds little left; a flush that fails on the way fails the job. */
static void output_file_is_flushed_on_the_way(void)
{
    const char *dir = test_dir("engine");
    const char *image = test_path(dir, "flush.img"), *out_file = test_path(dir, "flush.out");
    uint64_t sizes[] = {5 * MiB + 3, 140 * MiB + 5};
    unsigned flushes[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        remove_if_exists(out_file);
        CHECK(make_random_file(image, sizes[i], 7 + i));
        fault_plan plan = {.role = DI_ROLE_TARGET};
        di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = out_file,
                            .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .wrap = fault_wrap,
                            .wrap_ctx = &plan};
        job_outcome out;
        CHECK_U64(run_job(&spec, &out), DI_OK);
        CHECK(files_equal_prefix(image, out_file, sizes[i]));
        flushes[i] = plan.flushes;
    }
    /* 140 MiB crosses 64 MiB twice: two more flushes than 5 MiB needs. */
    CHECK_U64(flushes[1], flushes[0] + 2);

    /* Flush 1 follows the head's erasure; 2 is the first on the way, at 64 MiB. */
    fault_plan broken = {.role = DI_ROLE_TARGET, .fail_flush = 2};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = out_file,
                        .wrap = fault_wrap, .wrap_ctx = &broken};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_ERR_FLUSH);
    CHECK_U64(broken.triggered, 1);
    CHECK(strstr(out.result.error.path, "flush.out") != NULL);
    CHECK(bytes_are(out_file, 0, MiB, 0)); /* the head never written over the failure */
}

static void count_end(void *ctx)
{
    __atomic_add_fetch((int *)ctx, 1, __ATOMIC_SEQ_CST);
}

/* The one start / wait / cancel API: a wait that times out while the job runs, the end
 * told once, before the wait that sees it returns; waits after that, and a free of a
 * job still running (cancelled, then waited for). */
static void started_jobs_are_waited_for(void)
{
    const char *dir = test_dir("engine");
    const char *image = test_path(dir, "start.img"), *out_file = test_path(dir, "start.out");
    CHECK(make_random_file(image, 3 * MiB + 5, 11));
    remove_if_exists(out_file);
    /* Each write to the target takes 100 ms: the job runs at least a second. */
    fault_plan plan = {.role = DI_ROLE_TARGET, .on_write = true, .kind = FAULT_SLOW,
                       .delay_ms = 100};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = out_file,
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .buffer_size = 256 * 1024,
                        .wrap = fault_wrap, .wrap_ctx = &plan};
    di_job *job = di_job_new(&spec);
    CHECK(job != NULL);
    if (!job) return;
    int ended = 0;
    CHECK(di_job_start(job, count_end, &ended));
    CHECK(!di_job_start(job, count_end, &ended));   /* once per job */
    uint64_t t0 = di_now_ns();
    CHECK(!di_job_wait(job, 0));
    CHECK(!di_job_wait(job, 50));
    CHECK(di_now_ns() - t0 >= 45u * 1000000u);
    CHECK_U64(__atomic_load_n(&ended, __ATOMIC_SEQ_CST), 0);
    CHECK(di_job_wait(job, DI_JOB_WAIT_FOREVER));
    CHECK_U64(__atomic_load_n(&ended, __ATOMIC_SEQ_CST), 1);
    CHECK_U64(di_job_result(job)->status, DI_OK);
    CHECK(di_job_wait(job, 0));
    CHECK(files_equal_prefix(image, out_file, 3 * MiB + 5));
    di_job_free(job);

    /* Freed while it runs: cancelled and waited for, its end told all the same. */
    remove_if_exists(out_file);
    job = di_job_new(&spec);
    CHECK(job != NULL);
    if (!job) return;
    ended = 0;
    CHECK(di_job_start(job, count_end, &ended));
    di_sleep_ms(150);
    t0 = di_now_ns();
    di_job_free(job);
    CHECK(di_now_ns() - t0 < 1500u * 1000000u);
    CHECK_U64(__atomic_load_n(&ended, __ATOMIC_SEQ_CST), 1);

    /* Never started: nothing to wait for. */
    job = di_job_new(&spec);
    CHECK(job != NULL && di_job_wait(job, 0));
    di_job_free(job);
}

/* Which requests may go around the cache: buffer, length and offset all aligned. */
static void unbuffered_requests_are_aligned(void)
{
    unsigned char *buf = di_aligned_alloc(4096, 3 * 4096);
    CHECK(buf != NULL);
    if (!buf) return;
    CHECK(di_io_aligned(buf, 8192, 4096 * 7, 4096));
    CHECK(!di_io_aligned(buf, 8192 + 512, 4096, 4096));   /* a tail */
    CHECK(!di_io_aligned(buf, 8192, 512, 4096));          /* an offset */
    CHECK(!di_io_aligned(buf + 512, 4096, 0, 4096));      /* a buffer */
    CHECK(di_io_aligned(buf + 512, 4096, 512, 512));
    CHECK(!di_io_aligned(buf, 0, 0, 4096));               /* nothing to move */
    CHECK(!di_io_aligned(buf, 4096, 0, 0));
    di_aligned_free(buf);
}

static const test_case tests[] = {
    {"output_file_is_flushed_on_the_way", output_file_is_flushed_on_the_way},
    {"unbuffered_requests_are_aligned", unbuffered_requests_are_aligned},
    {"head_is_written_last", head_is_written_last},
    {"roundtrips_every_size_ring_and_sector", roundtrips_every_size_ring_and_sector},
    {"roundtrips_100_mib_plus_7_with_every_hash", roundtrips_100_mib_plus_7_with_every_hash},
    {"writes_into_a_plain_file_that_grows", writes_into_a_plain_file_that_grows},
    {"hash_job_matches_reference", hash_job_matches_reference},
    {"image_larger_than_device_with_data_in_the_tail_is_refused",
     image_larger_than_device_with_data_in_the_tail_is_refused},
    {"image_larger_than_device_with_zero_tail_is_truncated",
     image_larger_than_device_with_zero_tail_is_truncated},
    {"verify_reports_first_differing_byte", verify_reports_first_differing_byte},
    {"read_size_beyond_device_is_refused", read_size_beyond_device_is_refused},
    {"bad_inputs_name_the_path", bad_inputs_name_the_path},
    {"read_without_consumers_finishes", read_without_consumers_finishes},
    {"empty_image_writes_nothing", empty_image_writes_nothing},
    {"started_jobs_are_waited_for", started_jobs_are_waited_for},
};
TEST_MAIN(tests)
