/* Faults injected through a device wrapped around the real one: I/O errors, short
 * transfers, premature ends, a full target, cancel, at the first, a middle and the
 * last chunk, for every job. Each cell checks the status, that the message names the
 * operation, the path and the byte offset, that no thread is left, that the source is
 * unchanged, and that a failed READ leaves no image behind. */
#include <stdlib.h>

#include "check.h"
#include "diskimager/job.h"
#include "fault_device.h"
#include "job_runner.h"
#include "test_files.h"

#define MiB (1024ull * 1024ull)
#define CHUNK MiB
#define IMAGE_SIZE (5 * MiB + 123) /* six chunks, the last one short */
#define DEVICE_SIZE (6 * MiB)

static const uint64_t positions[] = {0, 3 * CHUNK, 5 * CHUNK}; /* first, middle, last */
static const char *const position_names[] = {"first", "middle", "last"};

typedef struct cell {
    const char *name;
    di_job_kind kind;
    bool verify_after_write;
    di_role role;
    bool on_write;
    fault_kind fault;
    di_status expected;
    const char *operation;   /* expected in the message; NULL: not checked */
} cell;

static const cell cells[] = {
    {"write: EIO reading the image", DI_JOB_WRITE, false, DI_ROLE_SOURCE, false, FAULT_EIO, DI_ERR_READ, "read"},
    {"write: EIO writing the device", DI_JOB_WRITE, false, DI_ROLE_TARGET, true, FAULT_EIO, DI_ERR_WRITE, "write"},
    {"write: image ends early", DI_JOB_WRITE, false, DI_ROLE_SOURCE, false, FAULT_END, DI_ERR_READ, "read"},
    {"write: device takes nothing", DI_JOB_WRITE, false, DI_ROLE_TARGET, true, FAULT_END, DI_ERR_NO_SPACE, "write"},
    {"write: ENOSPC", DI_JOB_WRITE, false, DI_ROLE_TARGET, true, FAULT_NO_SPACE, DI_ERR_NO_SPACE, "write"},
    {"write: short read", DI_JOB_WRITE, false, DI_ROLE_SOURCE, false, FAULT_SHORT_ONCE, DI_OK, NULL},
    {"write: short write", DI_JOB_WRITE, false, DI_ROLE_TARGET, true, FAULT_SHORT_ONCE, DI_OK, NULL},
    {"write: cancel while writing", DI_JOB_WRITE, false, DI_ROLE_TARGET, true, FAULT_CANCEL, DI_ERR_CANCELLED, NULL},
    {"write+verify: EIO reading back", DI_JOB_WRITE, true, DI_ROLE_READBACK, false, FAULT_EIO, DI_ERR_READ, "read"},
    {"write+verify: device reads back short", DI_JOB_WRITE, true, DI_ROLE_READBACK, false, FAULT_END, DI_ERR_READ, "read"},
    {"write+verify: EIO writing", DI_JOB_WRITE, true, DI_ROLE_TARGET, true, FAULT_EIO, DI_ERR_WRITE, "write"},
    {"write+verify: cancel while verifying", DI_JOB_WRITE, true, DI_ROLE_READBACK, false, FAULT_CANCEL, DI_ERR_CANCELLED, NULL},
    {"write+verify: short read back", DI_JOB_WRITE, true, DI_ROLE_READBACK, false, FAULT_SHORT_ONCE, DI_OK, NULL},
    {"read: EIO reading the device", DI_JOB_READ, false, DI_ROLE_SOURCE, false, FAULT_EIO, DI_ERR_READ, "read"},
    {"read: EIO writing the image", DI_JOB_READ, false, DI_ROLE_TARGET, true, FAULT_EIO, DI_ERR_WRITE, "write"},
    {"read: ENOSPC writing the image", DI_JOB_READ, false, DI_ROLE_TARGET, true, FAULT_NO_SPACE, DI_ERR_NO_SPACE, "write"},
    {"read: device ends early", DI_JOB_READ, false, DI_ROLE_SOURCE, false, FAULT_END, DI_ERR_READ, "read"},
    {"read: short read", DI_JOB_READ, false, DI_ROLE_SOURCE, false, FAULT_SHORT_ONCE, DI_OK, NULL},
    {"read: short write", DI_JOB_READ, false, DI_ROLE_TARGET, true, FAULT_SHORT_ONCE, DI_OK, NULL},
    {"read: cancel while reading", DI_JOB_READ, false, DI_ROLE_SOURCE, false, FAULT_CANCEL, DI_ERR_CANCELLED, NULL},
    {"verify: EIO reading the image", DI_JOB_VERIFY, false, DI_ROLE_SOURCE, false, FAULT_EIO, DI_ERR_READ, "read"},
    {"verify: EIO reading the device", DI_JOB_VERIFY, false, DI_ROLE_TARGET, false, FAULT_EIO, DI_ERR_READ, "read"},
    {"verify: short read", DI_JOB_VERIFY, false, DI_ROLE_TARGET, false, FAULT_SHORT_ONCE, DI_OK, NULL},
    {"verify: cancel while verifying", DI_JOB_VERIFY, false, DI_ROLE_TARGET, false, FAULT_CANCEL, DI_ERR_CANCELLED, NULL},
    {"hash: EIO", DI_JOB_HASH, false, DI_ROLE_SOURCE, false, FAULT_EIO, DI_ERR_READ, "read"},
    {"hash: ends early", DI_JOB_HASH, false, DI_ROLE_SOURCE, false, FAULT_END, DI_ERR_READ, "read"},
    {"hash: cancel while hashing", DI_JOB_HASH, false, DI_ROLE_SOURCE, false, FAULT_CANCEL, DI_ERR_CANCELLED, NULL},
};

typedef struct files {
    const char *image;
    const char *device;
    const char *output;
    char image_md5[DI_HASH_HEX_MAX];
} files;

static void prepare(files *f)
{
    const char *dir = test_dir("faults");
    f->image = test_path(dir, "image.img");
    f->device = test_path(dir, "device.bin");
    f->output = test_path(dir, "output.img");
    CHECK(make_random_file(f->image, IMAGE_SIZE, 1234));
    CHECK(make_random_file(f->device, DEVICE_SIZE, 99));
    CHECK(reference_hash(f->image, DI_HASH_MD5, UINT64_MAX, f->image_md5));
}

/* The files each job reads and writes, by role. */
static const char *path_for(const files *f, const cell *c, di_role role)
{
    if (c->kind == DI_JOB_READ) return role == DI_ROLE_SOURCE ? f->device : f->output;
    if (c->kind == DI_JOB_HASH) return f->image;
    return role == DI_ROLE_SOURCE ? f->image : f->device;
}

static void run_cell(const files *f, const cell *c, unsigned position)
{
    uint64_t at = positions[position];
    remove_if_exists(f->output);
    if (c->kind == DI_JOB_VERIFY || (c->kind == DI_JOB_READ)) {
        /* Verify and read need a device that holds the image. */
        di_job_spec setup = {.kind = DI_JOB_WRITE, .source_path = f->image, .target_path = f->device};
        job_outcome o;
        CHECK_U64(run_job(&setup, &o), DI_OK);
    }
    /* The device is presented as a 512-byte-sector block device, whichever role it plays. */
    bool device_role = (c->kind == DI_JOB_READ && c->role == DI_ROLE_SOURCE) ||
                       (c->kind != DI_JOB_READ && c->kind != DI_JOB_HASH && c->role != DI_ROLE_SOURCE);
    fault_plan plan = {.role = c->role, .on_write = c->on_write, .kind = c->fault,
                       .at_offset = at + 100, .as_block_sector = device_role ? 512 : 0};
    di_job_spec spec = {.kind = c->kind, .source_path = path_for(f, c, DI_ROLE_SOURCE),
                        .target_path = c->kind == DI_JOB_HASH ? NULL : path_for(f, c, DI_ROLE_TARGET),
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5),
                        .verify_after_write = c->verify_after_write,
                        .read_size = c->kind == DI_JOB_READ ? IMAGE_SIZE : 0,
                        .buffer_size = CHUNK, .buffer_count = 3,
                        .wrap = fault_wrap, .wrap_ctx = &plan};
    job_outcome out;
    run_job(&spec, &out);
    int before = check_failures;

    CHECK_U64(plan.wrapped, 1);
    CHECK(plan.triggered >= 1);
    CHECK_U64(out.result.status, c->expected);
    if (c->expected == DI_OK) {
        /* A short transfer is not an error: the engine carries on and gets it right. */
        const char *copy = c->kind == DI_JOB_READ ? f->output : f->device;
        if (c->kind != DI_JOB_HASH) CHECK(files_equal_prefix(f->image, copy, IMAGE_SIZE));
        CHECK_STR(out.result.hashes[DI_HASH_MD5], f->image_md5);
    } else {
        const di_error *e = &out.result.error;
        const char *faulty = c->role == DI_ROLE_READBACK ? f->device : path_for(f, c, c->role);
        CHECK(e->has_offset);
        CHECK_CONTAINS(out.message, " at byte ");
        CHECK_STR(out.result.hashes[DI_HASH_MD5], "");
        if (c->operation) {
            CHECK_STR(e->operation, c->operation);
            CHECK_STR(e->path, faulty);
            /* The failing request is the chunk holding the fault. */
            CHECK(e->offset >= at && e->offset < at + CHUNK);
        } else {
            CHECK_CONTAINS(out.message, "cancelled");
            /* Another I/O thread may notice the cancel first, at an earlier chunk. */
            CHECK(e->offset % CHUNK == 0 || e->offset == IMAGE_SIZE);
            CHECK(e->offset <= IMAGE_SIZE);
        }
        if (c->kind == DI_JOB_READ) {
            CHECK(!file_exists(f->output));
            CHECK(out.result.partial_removed);
        }
    }
    char md5[DI_HASH_HEX_MAX];
    CHECK(reference_hash(f->image, DI_HASH_MD5, UINT64_MAX, md5));
    CHECK_STR(md5, f->image_md5); /* the source is never modified */
    if (check_failures != before)
        fprintf(stderr, "  in cell \"%s\" at the %s chunk: %s\n", c->name,
                position_names[position], out.message);
}

static void fault_matrix(void)
{
    files f;
    prepare(&f);
    for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++)
        for (unsigned p = 0; p < 3; p++) run_cell(&f, &cells[c], p);
}

static void keep_partial_keeps_the_failed_read(void)
{
    files f;
    prepare(&f);
    remove_if_exists(f.output);
    fault_plan plan = {.role = DI_ROLE_SOURCE, .kind = FAULT_EIO, .at_offset = 3 * CHUNK};
    di_job_spec spec = {.kind = DI_JOB_READ, .source_path = f.device, .target_path = f.output,
                        .keep_partial = true, .buffer_size = CHUNK, .buffer_count = 2,
                        .wrap = fault_wrap, .wrap_ctx = &plan};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_ERR_READ);
    CHECK(file_exists(f.output));
    CHECK(!out.result.partial_removed);
    /* What was written before the fault stopped the job, and nothing after it. */
    int64_t kept = file_size_of(f.output);
    CHECK(kept >= 0 && kept <= (int64_t)(3 * CHUNK));
    CHECK(files_equal_prefix(f.device, f.output, (uint64_t)(kept > 0 ? kept : 0)));
}

static void cancel_while_checking_a_zero_tail(void)
{
    files f;
    prepare(&f);
    const char *dir = test_dir("faults");
    const char *big = test_path(dir, "zero-tail.img");
    CHECK(make_zero_file(big, DEVICE_SIZE + 8 * MiB));
    char before[DI_HASH_HEX_MAX], after[DI_HASH_HEX_MAX];
    CHECK(reference_hash(f.device, DI_HASH_MD5, UINT64_MAX, before));
    fault_plan plan = {.role = DI_ROLE_SOURCE, .kind = FAULT_CANCEL, .at_offset = DEVICE_SIZE + 2 * MiB,
                       .as_block_sector = 512, .block_roles = 1u << DI_ROLE_TARGET};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = big, .target_path = f.device,
                        .buffer_size = CHUNK, .wrap = fault_wrap, .wrap_ctx = &plan};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_ERR_CANCELLED);
    CHECK_U64(plan.triggered, 1);
    CHECK(reference_hash(f.device, DI_HASH_MD5, UINT64_MAX, after));
    CHECK_STR(after, before); /* cancelled before a byte was written */
}

/* A slow device in every row: each request from the device takes 150 ms, and a
 * cancel made once it has slowed a few of them must end the job within a second,
 * with no thread left and, for a Read, no image left behind. */
typedef struct slow_row {
    const char *name;
    di_job_kind kind;
    bool verify_after_write;
    di_role role;
    bool on_write;
} slow_row;

static const slow_row slow_rows[] = {
    {"write: slow device", DI_JOB_WRITE, false, DI_ROLE_TARGET, true},
    {"write+verify: slow reading back", DI_JOB_WRITE, true, DI_ROLE_READBACK, false},
    {"read: slow device", DI_JOB_READ, false, DI_ROLE_SOURCE, false},
    {"read: slow disk under the image", DI_JOB_READ, false, DI_ROLE_TARGET, true},
    {"verify: slow device", DI_JOB_VERIFY, false, DI_ROLE_TARGET, false},
    {"hash: slow device", DI_JOB_HASH, false, DI_ROLE_SOURCE, false},
};

static void slow_device_cancels_within_a_second(void)
{
    files f;
    prepare(&f);
    for (size_t i = 0; i < sizeof slow_rows / sizeof slow_rows[0]; i++) {
        const slow_row *r = &slow_rows[i];
        const cell as_cell = {.kind = r->kind, .role = r->role};
        int before = check_failures;
        remove_if_exists(f.output);
        fault_plan plan = {.role = r->role, .on_write = r->on_write, .kind = FAULT_SLOW,
                           .delay_ms = 150, .as_block_sector = r->kind == DI_JOB_HASH ? 0 : 512};
        di_job_spec spec = {.kind = r->kind, .source_path = path_for(&f, &as_cell, DI_ROLE_SOURCE),
                            .target_path = r->kind == DI_JOB_HASH ? NULL : path_for(&f, &as_cell, DI_ROLE_TARGET),
                            .verify_after_write = r->verify_after_write,
                            .hash_mask = DI_HASH_BIT(DI_HASH_MD5),
                            .read_size = r->kind == DI_JOB_READ ? IMAGE_SIZE : 0,
                            .buffer_size = 256 * 1024, .buffer_count = 4,
                            .wrap = fault_wrap, .wrap_ctx = &plan};
        /* Read's device role: a block device; its image file is not. */
        if (r->kind == DI_JOB_READ) plan.as_block_sector = r->role == DI_ROLE_SOURCE ? 512 : 0;
        if (r->kind == DI_JOB_READ) plan.block_roles = r->role == DI_ROLE_SOURCE ? 0 : 1u << DI_ROLE_SOURCE;
        job_outcome out;
        CHECK_U64(run_job_cancelling(&spec, 3, &out), DI_ERR_CANCELLED);
        CHECK(out.cancel_to_end_ns > 0 && out.cancel_to_end_ns < 1000000000ull);
        CHECK_CONTAINS(out.message, "cancelled");
        if (r->verify_after_write) CHECK(plan.slowed >= 3 && !out.result.verified);
        if (r->kind == DI_JOB_READ) CHECK(!file_exists(f.output));
        char md5[DI_HASH_HEX_MAX];
        CHECK(reference_hash(f.image, DI_HASH_MD5, UINT64_MAX, md5));
        CHECK_STR(md5, f.image_md5);
        if (check_failures != before)
            fprintf(stderr, "  in \"%s\": cancel to end %llu ms: %s\n", r->name,
                    (unsigned long long)(out.cancel_to_end_ns / 1000000), out.message);
    }
}

static void a_drive_changed_since_chosen_is_not_written(void)
{
    files f;
    prepare(&f);
    char before[DI_HASH_HEX_MAX], after[DI_HASH_HEX_MAX];
    CHECK(reference_hash(f.device, DI_HASH_MD5, UINT64_MAX, before));
    /* Chosen when it had 512 bytes more: another card of another size is in the slot. */
    fault_plan plan = {.as_block_sector = 512, .role = DI_ROLE_TARGET};
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = f.image, .target_path = f.device,
                        .expect_size = DEVICE_SIZE + 512, .wrap = fault_wrap, .wrap_ctx = &plan};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_ERR_BUSY);
    CHECK_CONTAINS(out.message, "the drive changed since it was chosen");
    CHECK_CONTAINS(out.message, f.device);
    CHECK(reference_hash(f.device, DI_HASH_MD5, UINT64_MAX, after));
    CHECK_STR(after, before);
    spec.expect_size = DEVICE_SIZE; /* the same drive: written */
    CHECK_U64(run_job(&spec, &out), DI_OK);
}

static const test_case tests[] = {
    {"a_drive_changed_since_chosen_is_not_written", a_drive_changed_since_chosen_is_not_written},
    {"fault_matrix", fault_matrix},
    {"keep_partial_keeps_the_failed_read", keep_partial_keeps_the_failed_read},
    {"cancel_while_checking_a_zero_tail", cancel_while_checking_a_zero_tail},
    {"slow_device_cancels_within_a_second", slow_device_cancels_within_a_second},
};
TEST_MAIN(tests)
