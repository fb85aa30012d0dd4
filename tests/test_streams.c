/* Compressed images through the engine: Read into .gz, .xz and .zst, Write and Verify
 * from them, the stored file's digests taken in the same pass, and faults injected on
 * the compressed file (I/O errors, short reads, a file that ends early, cancel) at its
 * first, middle and last part, and on a compressed output (errors, a full disk). Each
 * cell checks status, operation, path and offset, the device's head never written on
 * failure, and the source unchanged. */
#include <stdlib.h>

#include "check.h"
#include "diskimager/compression.h"
#include "diskimager/job.h"
#include "fault_device.h"
#include "job_runner.h"
#include "test_files.h"

#define MiB (1024ull * 1024ull)
#define IMAGE_SIZE (5 * MiB + 123)
#define DEVICE_SIZE (6 * MiB)
#define INPUT_WINDOW MiB   /* the stream source reads the stored file this much at a time */

static const char *const suffixes[] = {".gz", ".xz", ".zst"};
static const char *const format_names[] = {"gzip", "xz", "zstd"};

/* Paths are copied: test_path's buffers are reused. */
typedef struct files {
    char image[256], device[256], packed[3][256];
    char image_md5[DI_HASH_HEX_MAX], packed_md5[3][DI_HASH_HEX_MAX], device_head_md5[DI_HASH_HEX_MAX];
} files;

static files f;

static void prepare(void)
{
    static bool done;
    if (done) return;
    done = true;
    const char *dir = test_dir("streams");
    snprintf(f.image, sizeof f.image, "%s", test_path(dir, "image.img"));
    snprintf(f.device, sizeof f.device, "%s", test_path(dir, "device.bin"));
    CHECK(make_random_file(f.image, IMAGE_SIZE, 4242));
    CHECK(reference_hash(f.image, DI_HASH_MD5, UINT64_MAX, f.image_md5));
    for (int i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "image.img%s", suffixes[i]);
        snprintf(f.packed[i], sizeof f.packed[i], "%s", test_path(dir, name));
        remove_if_exists(f.packed[i]);
        di_job_spec read = {.kind = DI_JOB_READ, .source_path = f.image, .target_path = f.packed[i],
                            .hash_mask = DI_HASH_BIT(DI_HASH_MD5)};
        job_outcome o;
        CHECK_U64(run_job(&read, &o), DI_OK);
        CHECK_U64(o.result.image_format, (uint64_t)di_format_for_output(f.packed[i]));
        CHECK_STR(o.result.hashes[DI_HASH_MD5], f.image_md5);
        CHECK(reference_hash(f.packed[i], DI_HASH_MD5, UINT64_MAX, f.packed_md5[i]));
    }
}

static void reset_device(void)
{
    CHECK(make_random_file(f.device, DEVICE_SIZE, 99));
    CHECK(reference_hash(f.device, DI_HASH_MD5, MiB, f.device_head_md5));
}

static void round_trips(void)
{
    prepare();
    for (int i = 0; i < 3; i++) {
        reset_device();
        di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = f.packed[i], .target_path = f.device,
                            .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .verify_after_write = true};
        job_outcome o;
        CHECK_U64(run_job(&spec, &o), DI_OK);
        CHECK(files_equal_prefix(f.image, f.device, IMAGE_SIZE));
        CHECK_U64(o.result.image_bytes, IMAGE_SIZE);
        CHECK(o.result.verified);
        CHECK_STR(o.result.hashes[DI_HASH_MD5], f.image_md5);
        CHECK(o.result.file_hashed);
        CHECK_STR(o.result.file_hashes[DI_HASH_MD5], f.packed_md5[i]);
        CHECK(!o.progress_exceeded_total);

        /* A published sum of the compressed file matches; so does the image's. */
        di_job_spec check = {.kind = DI_JOB_VERIFY, .source_path = f.packed[i], .target_path = f.device};
        CHECK(di_expected_from_hex(f.packed_md5[i], &check.expected));
        CHECK_U64(run_job(&check, &o), DI_OK);
        CHECK(o.result.expected_match && o.result.expected_matched_file);
        CHECK(di_expected_from_hex(f.image_md5, &check.expected));
        CHECK_U64(run_job(&check, &o), DI_OK);
        CHECK(o.result.expected_match && !o.result.expected_matched_file);
        CHECK(di_expected_from_hex("0123456789abcdef0123456789abcdef", &check.expected));
        CHECK_U64(run_job(&check, &o), DI_OK);
        CHECK(o.result.expected_checked && !o.result.expected_match);
    }
}

static void the_image_size_inside_where_recorded(void)
{
    prepare();
    uint64_t size = 0;
    CHECK(!di_image_size_of_file(f.packed[0], NULL, &size)); /* gzip records none */
    CHECK(di_image_size_of_file(f.packed[1], NULL, &size));  /* xz: its index */
    CHECK_U64(size, IMAGE_SIZE);
    size = 0;
    CHECK(di_image_size_of_file(f.packed[2], NULL, &size));  /* zstd: its frame header */
    CHECK_U64(size, IMAGE_SIZE);
    CHECK(di_image_size_of_file(f.image, NULL, &size));      /* a plain image */
    CHECK_U64(size, IMAGE_SIZE);
    CHECK(di_format_of_file(f.packed[1]) == DI_FORMAT_XZ);
    CHECK(di_format_of_file(f.image) == DI_FORMAT_RAW);
}

static void verify_finds_the_first_difference(void)
{
    prepare();
    for (int i = 0; i < 3; i++) {
        reset_device();
        di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = f.packed[i], .target_path = f.device};
        job_outcome o;
        CHECK_U64(run_job(&spec, &o), DI_OK);
        unsigned char junk = 0x5a;
        CHECK(write_bytes_at(f.device, 3 * MiB + 17, &junk, 1));
        di_job_spec check = {.kind = DI_JOB_VERIFY, .source_path = f.packed[i], .target_path = f.device,
                             .buffer_size = 512 * 1024};
        CHECK_U64(run_job(&check, &o), DI_ERR_MISMATCH);
        CHECK(o.result.mismatch);
        CHECK_U64(o.result.mismatch_offset, 3 * MiB + 17);
    }
}

typedef struct cell {
    const char *name;
    di_job_kind kind;
    fault_kind fault;
    di_status expected;
    const char *operation;
} cell;

/* Faults on the compressed file a WRITE or VERIFY decodes. */
static const cell source_cells[] = {
    {"write: EIO reading the compressed file", DI_JOB_WRITE, FAULT_EIO, DI_ERR_READ, "read"},
    {"write: the compressed file ends early", DI_JOB_WRITE, FAULT_END, DI_ERR_READ, "read"},
    {"write: short read of the compressed file", DI_JOB_WRITE, FAULT_SHORT_ONCE, DI_OK, NULL},
    {"write: cancel while decoding", DI_JOB_WRITE, FAULT_CANCEL, DI_ERR_CANCELLED, NULL},
    {"verify: EIO reading the compressed file", DI_JOB_VERIFY, FAULT_EIO, DI_ERR_READ, "read"},
    {"verify: short read of the compressed file", DI_JOB_VERIFY, FAULT_SHORT_ONCE, DI_OK, NULL},
};

static void source_fault_matrix(void)
{
    prepare();
    for (int i = 0; i < 3; i++) {
        uint64_t size = (uint64_t)file_size_of(f.packed[i]);
        const uint64_t positions[] = {100, size / 2, size - 10};
        for (size_t c = 0; c < sizeof source_cells / sizeof source_cells[0]; c++) {
            const cell *cl = &source_cells[c];
            for (int p = 0; p < 3; p++) {
                if (cl->kind == DI_JOB_VERIFY) {
                    reset_device();
                    di_job_spec setup = {.kind = DI_JOB_WRITE, .source_path = f.image, .target_path = f.device};
                    job_outcome o;
                    CHECK_U64(run_job(&setup, &o), DI_OK);
                } else {
                    reset_device();
                }
                int before = check_failures;
                fault_plan plan = {.role = DI_ROLE_SOURCE, .kind = cl->fault, .at_offset = positions[p],
                                   .block_roles = 1u << DI_ROLE_TARGET, .as_block_sector = 0};
                di_job_spec spec = {.kind = cl->kind, .source_path = f.packed[i], .target_path = f.device,
                                    .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .buffer_size = MiB,
                                    .buffer_count = 3, .wrap = fault_wrap, .wrap_ctx = &plan};
                job_outcome out;
                run_job(&spec, &out);
                CHECK(plan.triggered >= 1);
                CHECK_U64(out.result.status, cl->expected);
                if (cl->expected == DI_OK) {
                    CHECK(files_equal_prefix(f.image, f.device, IMAGE_SIZE));
                    CHECK_STR(out.result.hashes[DI_HASH_MD5], f.image_md5);
                    CHECK_STR(out.result.file_hashes[DI_HASH_MD5], f.packed_md5[i]);
                } else {
                    const di_error *e = &out.result.error;
                    CHECK(e->has_offset);
                    if (cl->operation) {
                        CHECK_STR(e->operation, cl->operation);
                        CHECK_STR(e->path, f.packed[i]);
                        /* The stored file's offset: the read that covered the fault. */
                        CHECK(e->offset <= positions[p] + INPUT_WINDOW);
                        CHECK(e->offset + INPUT_WINDOW >= positions[p]);
                    } else {
                        CHECK_CONTAINS(out.message, "cancelled");
                    }
                    if (cl->kind == DI_JOB_WRITE) {
                        /* The head (a partition table's place) is erased or as it was,
                         * never the image's: it is written last. */
                        char head[DI_HASH_HEX_MAX], image_head[DI_HASH_HEX_MAX];
                        CHECK(reference_hash(f.device, DI_HASH_MD5, MiB, head));
                        CHECK(reference_hash(f.image, DI_HASH_MD5, MiB, image_head));
                        CHECK(strcmp(head, image_head) != 0);
                    }
                }
                char md5[DI_HASH_HEX_MAX];
                CHECK(reference_hash(f.packed[i], DI_HASH_MD5, UINT64_MAX, md5));
                CHECK_STR(md5, f.packed_md5[i]);
                if (check_failures != before)
                    fprintf(stderr, "  in cell \"%s\" (%s) at byte %llu: %s\n", cl->name,
                            format_names[i], (unsigned long long)positions[p], out.message);
            }
        }
    }
}

/* Faults writing a compressed READ output. */
static const cell output_cells[] = {
    {"read: EIO writing the compressed image", DI_JOB_READ, FAULT_EIO, DI_ERR_WRITE, "write"},
    {"read: disk full writing the compressed image", DI_JOB_READ, FAULT_NO_SPACE, DI_ERR_NO_SPACE, "write"},
    {"read: short write of the compressed image", DI_JOB_READ, FAULT_SHORT_ONCE, DI_OK, NULL},
    {"read: cancel while compressing", DI_JOB_READ, FAULT_CANCEL, DI_ERR_CANCELLED, NULL},
};

static void output_fault_matrix(void)
{
    prepare();
    const char *dir = test_dir("streams");
    for (int i = 0; i < 3; i++) {
        char name[64], out_path[256], back[256];
        snprintf(name, sizeof name, "out.img%s", suffixes[i]);
        snprintf(out_path, sizeof out_path, "%s", test_path(dir, name));
        snprintf(back, sizeof back, "%s", test_path(dir, "back.bin"));
        uint64_t size = (uint64_t)file_size_of(f.packed[i]);
        const uint64_t positions[] = {100, size / 2, size - 10};
        for (size_t c = 0; c < sizeof output_cells / sizeof output_cells[0]; c++) {
            const cell *cl = &output_cells[c];
            for (int p = 0; p < 3; p++) {
                int before = check_failures;
                remove_if_exists(out_path);
                fault_plan plan = {.role = DI_ROLE_TARGET, .on_write = true, .kind = cl->fault,
                                   .at_offset = positions[p]};
                di_job_spec spec = {.kind = DI_JOB_READ, .source_path = f.image, .target_path = out_path,
                                    .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .buffer_size = MiB,
                                    .wrap = fault_wrap, .wrap_ctx = &plan};
                job_outcome out;
                run_job(&spec, &out);
                CHECK(plan.triggered >= 1);
                CHECK_U64(out.result.status, cl->expected);
                if (cl->expected == DI_OK) {
                    /* Decoded back, it is the image. */
                    remove_if_exists(back);
                    di_job_spec w = {.kind = DI_JOB_WRITE, .source_path = out_path, .target_path = back,
                                     .hash_mask = DI_HASH_BIT(DI_HASH_MD5)};
                    job_outcome o2;
                    CHECK_U64(run_job(&w, &o2), DI_OK);
                    CHECK_STR(o2.result.hashes[DI_HASH_MD5], f.image_md5);
                } else {
                    CHECK(out.result.error.has_offset);
                    if (cl->operation) {
                        CHECK_STR(out.result.error.operation, cl->operation);
                        CHECK_STR(out.result.error.path, out_path);
                    }
                    CHECK(!file_exists(out_path));
                    CHECK(out.result.partial_removed);
                }
                if (check_failures != before)
                    fprintf(stderr, "  in cell \"%s\" (%s) at byte %llu: %s\n", cl->name,
                            format_names[i], (unsigned long long)positions[p], out.message);
            }
        }
    }
}

/* A slow device while decoding or compressing: every request takes 150 ms; a cancel
 * made once a few were slowed ends the job within a second, with no thread left, the
 * compressed file unchanged and no compressed image left behind. */
static void slow_device_cancels_within_a_second(void)
{
    prepare();
    const char *dir = test_dir("streams");
    for (int i = 0; i < 3; i++) {
        char name[64], out_path[256];
        snprintf(name, sizeof name, "slow.img%s", suffixes[i]);
        snprintf(out_path, sizeof out_path, "%s", test_path(dir, name));
        const struct {
            const char *name;
            di_job_kind kind;
        } rows[] = {{"write: slow reading the compressed file", DI_JOB_WRITE},
                    {"verify: slow reading the compressed file", DI_JOB_VERIFY},
                    {"read: slow device under a compressed Read", DI_JOB_READ}};
        for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
            int before = check_failures;
            reset_device();
            remove_if_exists(out_path);
            bool reading = rows[r].kind == DI_JOB_READ;
            fault_plan plan = {.role = DI_ROLE_SOURCE, .kind = FAULT_SLOW, .delay_ms = 150,
                               .as_block_sector = reading ? 512 : 0,
                               .block_roles = reading ? 0 : 1u << DI_ROLE_TARGET};
            di_job_spec spec = {.kind = rows[r].kind, .source_path = reading ? f.image : f.packed[i],
                                .target_path = reading ? out_path : f.device,
                                .read_size = reading ? IMAGE_SIZE : 0,
                                .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .buffer_size = 256 * 1024,
                                .buffer_count = 3, .wrap = fault_wrap, .wrap_ctx = &plan};
            job_outcome out;
            CHECK_U64(run_job_cancelling(&spec, 2, &out), DI_ERR_CANCELLED);
            CHECK(out.cancel_to_end_ns > 0 && out.cancel_to_end_ns < 1000000000ull);
            if (reading) CHECK(!file_exists(out_path));
            char md5[DI_HASH_HEX_MAX];
            CHECK(reference_hash(f.packed[i], DI_HASH_MD5, UINT64_MAX, md5));
            CHECK_STR(md5, f.packed_md5[i]);
            if (check_failures != before)
                fprintf(stderr, "  in \"%s\" (%s): cancel to end %llu ms: %s\n", rows[r].name,
                        format_names[i], (unsigned long long)(out.cancel_to_end_ns / 1000000),
                        out.message);
        }
    }
}

static const test_case tests[] = {
    {"round_trips", round_trips},
    {"the_image_size_inside_where_recorded", the_image_size_inside_where_recorded},
    {"verify_finds_the_first_difference", verify_finds_the_first_difference},
    {"source_fault_matrix", source_fault_matrix},
    {"output_fault_matrix", output_fault_matrix},
    {"slow_device_cancels_within_a_second", slow_device_cancels_within_a_second},
};
TEST_MAIN(tests)
