/* Memory stays bounded by the ring whatever the image size: a 2 GiB write (sparse
 * image, so the disk only sees the writes) into a file keeps the process's peak
 * resident set below the ring size + 16 MiB, and below the 64 MiB issue 12 allows. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "diskimager/job.h"
#include "test_files.h"

#define MiB (1024ull * 1024ull)

static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kib = atol(line + 6);
    if (f) fclose(f);
    return kib;
}

static void two_gib_write_stays_within_the_ring(void)
{
    const char *dir = test_dir("memory");
    const char *image = test_path(dir, "sparse-2g.img"), *device = test_path(dir, "out.img");
    FILE *f = fopen(image, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(ftruncate(fileno(f), (off_t)(2048 * MiB)) == 0);
    /* A few bytes of data so the image is not all zeros. */
    CHECK(fseeko(f, (off_t)(1024 * MiB), SEEK_SET) == 0 && fputs("diskimager", f) >= 0);
    fclose(f);
    remove_if_exists(device);

    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = device,
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5)};
    di_job *job = di_job_new(&spec);
    CHECK(job != NULL);
    if (!job) return;
    CHECK_U64(di_job_run(job), DI_OK);
    CHECK_U64(di_job_result(job)->image_bytes, 2048 * MiB);
    di_job_free(job);

    long peak = peak_rss_kib();
    /* A file target gets the longer ring. */
    long ring_kib = (long)(DI_FILE_TARGET_BUFFER_COUNT * DI_DEFAULT_BUFFER_SIZE / 1024);
    printf("peak resident set: %ld KiB (ring %ld KiB, bound %ld KiB)\n", peak, ring_kib,
           ring_kib + 16 * 1024);
    CHECK(peak > 0);
    CHECK(peak < ring_kib + 16 * 1024);
    CHECK(peak < 64 * 1024);
    remove_if_exists(image);
    remove_if_exists(device);
}

static const test_case tests[] = {
    {"two_gib_write_stays_within_the_ring", two_gib_write_stays_within_the_ring},
};
TEST_MAIN(tests)
