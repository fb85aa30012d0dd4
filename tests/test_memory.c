/* Memory stays bounded by the ring whatever the image size: a 2 GiB write (sparse
 * image, so the disk only sees the writes) into a file keeps the process's peak
 * resident set below the ring size + 16 MiB, and below the 64 MiB issue 12 allows;
 * so do larger chunks than the default. */
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

/* Each case measures its own peak: writing 5 to clear_refs resets VmHWM (Linux 4.0+). */
static void reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

/* Writes a sparse image of size_mib (a few bytes of data in the middle, so it is not all
 * zeros) into a new file with chunks of buffer_size (0: the default) and checks that
 * the peak resident set stays below ring_bytes + 16 MiB and below 64 MiB. */
static void sparse_write_stays_within(uint64_t size_mib, size_t buffer_size, uint64_t ring_bytes)
{
    const char *dir = test_dir("memory");
    const char *image = test_path(dir, "sparse.img"), *device = test_path(dir, "out.img");
    FILE *f = fopen(image, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(ftruncate(fileno(f), (off_t)(size_mib * MiB)) == 0);
    CHECK(fseeko(f, (off_t)(size_mib / 2 * MiB), SEEK_SET) == 0 && fputs("diskimager", f) >= 0);
    fclose(f);
    remove_if_exists(device);

    reset_peak_rss();
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = image, .target_path = device,
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .buffer_size = buffer_size};
    di_job *job = di_job_new(&spec);
    CHECK(job != NULL);
    if (!job) return;
    CHECK_U64(di_job_run(job), DI_OK);
    CHECK_U64(di_job_result(job)->image_bytes, size_mib * MiB);
    di_job_free(job);

    long peak = peak_rss_kib();
    long ring_kib = (long)(ring_bytes / 1024);
    printf("peak resident set: %ld KiB (ring %ld KiB, bound %ld KiB)\n", peak, ring_kib,
           ring_kib + 16 * 1024);
    CHECK(peak > 0);
    CHECK(peak < ring_kib + 16 * 1024);
    CHECK(peak < 64 * 1024);
    remove_if_exists(image);
    remove_if_exists(device);
}

/* A file target gets the longer ring: 12 default chunks. */
static void two_gib_write_stays_within_the_ring(void)
{
    sparse_write_stays_within(2048, 0, (uint64_t)DI_FILE_TARGET_BUFFER_COUNT * DI_DEFAULT_BUFFER_SIZE);
}

/* Larger chunks asked for: the longer ring holds as many as fit in its 48 MiB (6 of
 * 8 MiB), not 12 of them. */
static void larger_chunks_keep_the_file_ring_bytes(void)
{
    sparse_write_stays_within(512, 8 * MiB, DI_FILE_TARGET_RING_BYTES);
}

static const test_case tests[] = {
    {"two_gib_write_stays_within_the_ring", two_gib_write_stays_within_the_ring},
    {"larger_chunks_keep_the_file_ring_bytes", larger_chunks_keep_the_file_ring_bytes},
};
TEST_MAIN(tests)
