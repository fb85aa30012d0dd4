/* The failures users report from the field, through the engine: transient errors
 * retried with backoff (reported, cancellable, bounded), media errors never retried,
 * a reader that refuses unbuffered I/O, and the refusals a Write makes before it opens
 * its target for writing. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diskimager/log.h"
#include "diskimager/job.h"
#include "diskimager/threads.h"
#include "fault_device.h"
#include "job_runner.h"
#include "core/retry.h"
#include "test_files.h"

#define MiB (1024ull * 1024ull)
#define IMAGE_SIZE (5 * MiB + 123)
#define DEVICE_SIZE (6 * MiB)
#define MIDDLE (3 * MiB)

typedef struct files {
    const char *image;
    const char *device;
    char image_md5[DI_HASH_HEX_MAX];
    char device_md5[DI_HASH_HEX_MAX];
} files;

static void prepare(files *f)
{
    const char *dir = test_dir("field");
    f->image = test_path(dir, "image.img");
    f->device = test_path(dir, "device.bin");
    CHECK(make_random_file(f->image, IMAGE_SIZE, 4321));
    CHECK(make_random_file(f->device, DEVICE_SIZE, 77));
    CHECK(reference_hash(f->image, DI_HASH_MD5, UINT64_MAX, f->image_md5));
    CHECK(reference_hash(f->device, DI_HASH_MD5, UINT64_MAX, f->device_md5));
}

static di_job_spec write_spec(const files *f, fault_plan *plan, unsigned budget_ms)
{
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = f->image, .target_path = f->device,
                        .hash_mask = DI_HASH_BIT(DI_HASH_MD5), .buffer_size = MiB,
                        .retry_budget_ms = budget_ms, .wrap = fault_wrap, .wrap_ctx = plan};
    return spec;
}

static bool device_holds_image(const files *f)
{
    return files_equal_prefix(f->image, f->device, IMAGE_SIZE);
}

static void the_schedule_grows_and_spends_the_budget(void)
{
    /* 250 ms doubling to 4 s for 30 s; the waits add up to the budget exactly. */
    CHECK_U64(di_retry_delay_ms(30000, 0, 0), 250);
    CHECK_U64(di_retry_delay_ms(30000, 1, 250), 500);
    CHECK_U64(di_retry_delay_ms(30000, 4, 3750), 4000);
    CHECK_U64(di_retry_delay_ms(30000, 9, 20000), 4000);
    unsigned waited = 0, attempts = 0, delay;
    while ((delay = di_retry_delay_ms(30000, attempts, waited)) > 0) {
        waited += delay;
        attempts++;
    }
    CHECK_U64(waited, 30000);
    CHECK(attempts >= 8 && attempts <= 14);
    CHECK_U64(di_retry_delay_ms(30000, 3, 30000), 0);
    /* Small budgets (tests) keep the shape. */
    CHECK_U64(di_retry_delay_ms(600, 0, 0), 5);
    CHECK(di_fault_is_transient(DI_FAULT_TRANSIENT) && di_fault_is_transient(DI_FAULT_ACCESS_DENIED));
    CHECK(!di_fault_is_transient(DI_FAULT_MEDIA) && !di_fault_is_transient(DI_FAULT_UNKNOWN) &&
          !di_fault_is_transient(DI_FAULT_WRITE_PROTECTED) &&
          !di_fault_is_transient(DI_FAULT_NO_MEDIUM) && !di_fault_is_transient(DI_FAULT_GONE));
}

/* The drive's first n bytes are all zero. */
static bool device_head_is_zero(const char *path, size_t n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return false;
    bool zero = true;
    for (size_t i = 0; i < n && zero; i++) zero = fgetc(fp) == 0;
    fclose(fp);
    return zero;
}

static void a_transient_error_that_passes_is_retried(void)
{
    /* Errors on the drive: backends classify only a drive's errors, never an image
     * file's. */
    static const struct {
        const char *name;
        di_job_kind kind;
        bool on_write;
        bool verify;
    } cases[] = {{"writing", DI_JOB_WRITE, true, false},
                 {"reading back", DI_JOB_WRITE, false, true},
                 {"reading the drive (Read)", DI_JOB_READ, false, false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        files f;
        prepare(&f);
        bool read = cases[i].kind == DI_JOB_READ;
        const char *output = test_path(test_dir("field"), "read.img");
        remove_if_exists(output);
        if (read) CHECK(make_random_file(f.device, DEVICE_SIZE, 4321)); /* the image's bytes, then more */
        fault_plan plan = {.role = cases[i].verify ? DI_ROLE_READBACK
                                   : read ? DI_ROLE_SOURCE : DI_ROLE_TARGET,
                           .on_write = cases[i].on_write, .kind = FAULT_TRANSIENT,
                           .at_offset = MIDDLE, .times = 3, .as_block_sector = 512};
        di_job_spec spec = write_spec(&f, &plan, 3000);
        spec.verify_after_write = cases[i].verify;
        if (read) {
            spec.kind = DI_JOB_READ;
            spec.source_path = f.device;
            spec.target_path = output;
            spec.read_size = IMAGE_SIZE - 123; /* whole sectors of the drive */
        }
        job_outcome out;
        int before = check_failures;
        CHECK_U64(run_job(&spec, &out), DI_OK);
        CHECK_U64(out.result.retries, 3);
        CHECK_U64(plan.triggered, 4); /* three failures, then the request passed */
        if (read) {
            CHECK(files_equal_prefix(f.device, output, IMAGE_SIZE - 123));
            CHECK_U64(file_size_of(output), IMAGE_SIZE - 123);
        } else {
            CHECK(device_holds_image(&f));
            CHECK_STR(out.result.hashes[DI_HASH_MD5], f.image_md5);
        }
        if (cases[i].verify) CHECK(out.result.verified);
        if (check_failures != before) fprintf(stderr, "  in \"%s\": %s\n", cases[i].name, out.message);
    }
}

typedef struct watch_arg {
    di_job *job;
    atomic_bool done;
    bool saw_retrying;
    di_progress seen;
} watch_arg;

static void run_watched(void *p)
{
    watch_arg *arg = p;
    di_job_run(arg->job);
    atomic_store(&arg->done, true);
}

static void a_retry_shows_in_the_progress_and_a_persistent_one_fails(void)
{
    files f;
    prepare(&f);
    fault_plan plan = {.role = DI_ROLE_TARGET, .on_write = true, .kind = FAULT_TRANSIENT,
                       .at_offset = MIDDLE, .times = 0, .as_block_sector = 512};
    di_job_spec spec = write_spec(&f, &plan, 1200);
    di_job *job = di_job_new(&spec);
    CHECK(job != NULL);
    if (!job) return;
    watch_arg arg = {.job = job};
    atomic_init(&arg.done, false);
    uint64_t start = di_now_ns();
    di_thread *t = di_thread_start(run_watched, &arg);
    CHECK(t != NULL);
    while (t && !atomic_load(&arg.done)) {
        di_progress p;
        di_job_progress(job, &p);
        if (p.retrying && !arg.saw_retrying) {
            arg.saw_retrying = true;
            arg.seen = p;
        }
        di_sleep_ms(2);
    }
    if (t) di_thread_join(t);
    double seconds = (double)(di_now_ns() - start) / 1e9;
    const di_result *r = di_job_result(job);
    char message[2048];
    di_error_format(&r->error, message, sizeof message);
    CHECK_U64(r->status, DI_ERR_WRITE);
    CHECK(r->error.has_offset && r->error.offset >= MIDDLE - MiB && r->error.offset <= MIDDLE);
    CHECK(r->retries >= 5);
    CHECK(seconds >= 1.2 && seconds < 6.0);
    CHECK(arg.saw_retrying);
    CHECK_U64(arg.seen.retry_op, DI_IO_WRITE);
    CHECK(arg.seen.retry_offset <= MIDDLE && arg.seen.retry_wait_ms > 0);
    CHECK(arg.seen.retry_os_code != 0);
    /* The head is written last: a failed write leaves it erased, never half an image. */
    CHECK(device_head_is_zero(f.device, DI_SAFE_HEAD_BYTES));
    if (check_failures) fprintf(stderr, "  %.2f s, %u retries: %s\n", seconds, r->retries, message);
    di_job_free(job);
}

static void cancel_ends_the_wait_for_a_retry(void)
{
    files f;
    prepare(&f);
    fault_plan plan = {.role = DI_ROLE_TARGET, .on_write = true, .kind = FAULT_TRANSIENT,
                       .at_offset = MIDDLE, .times = 0, .as_block_sector = 512};
    di_job_spec spec = write_spec(&f, &plan, 0); /* the default: 30 s */
    di_job *job = di_job_new(&spec);
    CHECK(job != NULL);
    if (!job) return;
    watch_arg arg = {.job = job};
    atomic_init(&arg.done, false);
    di_thread *t = di_thread_start(run_watched, &arg);
    CHECK(t != NULL);
    uint64_t cancelled_at = 0;
    while (t && !atomic_load(&arg.done)) {
        di_progress p;
        di_job_progress(job, &p);
        if (!cancelled_at && p.retries >= 2) {
            di_job_cancel(job);
            cancelled_at = di_now_ns();
        }
        di_sleep_ms(5);
    }
    if (t) di_thread_join(t);
    uint64_t to_end = di_now_ns() - cancelled_at;
    const di_result *r = di_job_result(job);
    CHECK(cancelled_at != 0);
    CHECK_U64(r->status, DI_ERR_CANCELLED);
    CHECK(to_end < 1000000000ull);
    char message[2048];
    di_error_format(&r->error, message, sizeof message);
    CHECK_CONTAINS(message, "cancelled");
    CHECK_CONTAINS(message, f.device);
    di_job_free(job);
}

static void a_media_error_is_never_retried(void)
{
    for (int on_write = 0; on_write <= 1; on_write++) {
        files f;
        prepare(&f);
        /* A Read of the bad card, or a Write onto it. */
        fault_plan plan = {.role = on_write ? DI_ROLE_TARGET : DI_ROLE_SOURCE,
                           .on_write = on_write, .kind = FAULT_MEDIA, .at_offset = MIDDLE,
                           .as_block_sector = 512};
        di_job_spec spec = write_spec(&f, &plan, 30000);
        const char *output = test_path(test_dir("field"), "read.img");
        if (!on_write) {
            spec.kind = DI_JOB_READ;
            spec.source_path = f.device;
            spec.target_path = output;
        }
        job_outcome out;
        uint64_t start = di_now_ns();
        CHECK_U64(run_job(&spec, &out), on_write ? DI_ERR_WRITE : DI_ERR_READ);
        CHECK((di_now_ns() - start) < 5000000000ull);
        CHECK_U64(out.result.retries, 0);
        CHECK_U64(plan.triggered, 1);
        CHECK_CONTAINS(out.message, "media error");
        CHECK_CONTAINS(out.message, "at byte");
        if (!on_write) CHECK(!file_exists(output));
    }
}

static void a_reader_refusing_unbuffered_io_is_written_buffered(void)
{
    files f;
    prepare(&f);
    fault_plan plan = {.role = DI_ROLE_TARGET, .on_write = true, .kind = FAULT_UNBUFFERED,
                       .at_offset = 0, .as_block_sector = 512};
    di_job_spec spec = write_spec(&f, &plan, 3000);
    spec.verify_after_write = true;
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK(plan.fell_back >= 1);
    CHECK(out.result.warnings & DI_WARN_BUFFERED_IO);
    CHECK_U64(out.result.retries, 0);
    CHECK(out.result.verified);
    CHECK(device_holds_image(&f));
    /* Refused in the middle of the job: buffered from there on. */
    prepare(&f);
    fault_plan plain = {.role = DI_ROLE_TARGET, .on_write = true, .kind = FAULT_UNBUFFERED,
                        .at_offset = MIDDLE, .as_block_sector = 512};
    spec = write_spec(&f, &plain, 3000);
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK(out.result.warnings & DI_WARN_BUFFERED_IO);
}

/* Two faults on one device: the second plan wraps what the first one wrapped. */
typedef struct two_faults {
    fault_plan *first, *second;
} two_faults;

static di_device *wrap_twice(di_device *inner, di_role role, void *ctx)
{
    two_faults *both = ctx;
    di_device *once = fault_wrap(inner, role, both->first);
    return once ? fault_wrap(once, role, both->second) : NULL;
}

/* The log of a Write whose drive woke up slowly (a retry) and whose reader refused
 * unbuffered I/O (the fallback): both are in it, between the request and the result. */
static void the_log_shows_a_write_with_a_retry_and_a_fallback(void)
{
    files f;
    prepare(&f);
    fault_plan transient = {.role = DI_ROLE_TARGET, .on_write = true, .kind = FAULT_TRANSIENT,
                            .at_offset = MiB, .times = 1, .as_block_sector = 512};
    fault_plan unbuffered = {.role = DI_ROLE_TARGET, .on_write = true, .kind = FAULT_UNBUFFERED,
                             .at_offset = MIDDLE};
    two_faults both = {&transient, &unbuffered};
    di_job_spec spec = write_spec(&f, NULL, 3000);
    spec.wrap = wrap_twice;
    spec.wrap_ctx = &both;
    spec.verify_after_write = true;
    di_log *log = di_log_new(0);
    CHECK(log != NULL);
    spec.log = log;
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK_U64(out.result.retries, 1);
    CHECK(out.result.warnings & DI_WARN_BUFFERED_IO);
    CHECK(device_holds_image(&f));
    char all[16384] = "", line[DI_LOG_TEXT_MAX + 64];
    size_t used = 0;
    unsigned records = 0;
    di_log_record record;
    while (di_log_next(log, &record) && used < sizeof all) {
        records++;
        used += (size_t)snprintf(all + used, sizeof all - used, "%s\n",
                                 di_log_format(&record, line, sizeof line));
    }
    fputs(all, stderr); /* the log, as a user would paste it */
    CHECK(records >= 6);
    CHECK_CONTAINS(all, "INFO  write ");
    CHECK_CONTAINS(all, "; md5; verify");
    CHECK_CONTAINS(all, "WARN  retry 1 of this request in ");
    CHECK_CONTAINS(all, "WARN  fallback: ");
    CHECK_CONTAINS(all, "refused unbuffered I/O");
    CHECK_CONTAINS(all, "INFO  writing: ");
    CHECK_CONTAINS(all, "INFO  verifying: ");
    CHECK_CONTAINS(all, "md5 of the image: ");
    CHECK_CONTAINS(all, out.result.hashes[DI_HASH_MD5]);
    CHECK_CONTAINS(all, "write succeeded: ");
    /* In order: the request first, the retry before the fallback, the result last. */
    const char *request = strstr(all, "write "), *retry = strstr(all, "retry 1"),
               *fallback = strstr(all, "fallback:"), *end = strstr(all, "write succeeded");
    CHECK(request && retry && fallback && end && request < retry && retry < fallback &&
          fallback < end);
    CHECK(!di_log_next(log, &record));
    di_log_free(log);
}

/* Refusals that need no exclusive access are made before the target is opened for
 * writing: the fault wrapper sees the target's read-only look (DI_ROLE_PROBE) and never
 * the target itself (DI_ROLE_TARGET). */
static void refusals_come_before_the_target_is_opened_for_writing(void)
{
    files f;
    prepare(&f);
    /* Another card in the slot: chosen at another size. */
    fault_plan plan = {.role = DI_ROLE_TARGET, .as_block_sector = 512};
    di_job_spec spec = write_spec(&f, &plan, 3000);
    spec.expect_size = DEVICE_SIZE + 512;
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_ERR_BUSY);
    CHECK_CONTAINS(out.message, "the drive changed since it was chosen");
    CHECK_U64(plan.probes, 1);
    CHECK_U64(plan.wrapped, 0);

    /* An image that does not fit, with data past the drive's end. */
    const char *big = test_path(test_dir("field"), "big.img");
    CHECK(make_random_file(big, DEVICE_SIZE + 3 * MiB, 5));
    fault_plan small = {.role = DI_ROLE_TARGET, .as_block_sector = 512};
    spec = write_spec(&f, &small, 3000);
    spec.source_path = big;
    CHECK_U64(run_job(&spec, &out), DI_ERR_TOO_SMALL);
    CHECK_CONTAINS(out.message, "beyond the device's end");
    CHECK_U64(small.probes, 1);
    CHECK_U64(small.wrapped, 0);

    char after[DI_HASH_HEX_MAX];
    CHECK(reference_hash(f.device, DI_HASH_MD5, UINT64_MAX, after));
    CHECK_STR(after, f.device_md5);

    /* The same drive, an image that fits: looked at once, then opened and written. */
    fault_plan fine = {.role = DI_ROLE_TARGET, .as_block_sector = 512};
    spec = write_spec(&f, &fine, 3000);
    spec.expect_size = DEVICE_SIZE;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK_U64(fine.probes, 1);
    CHECK_U64(fine.wrapped, 1);
    CHECK(device_holds_image(&f));
}

static void os_errors_are_classified(void)
{
    /* The platform this test runs on: its codes for a media error, a busy device and
     * a write-protected one, as its backend sees them. */
#ifdef _WIN32
    CHECK_U64(di_os_fault(23 /* ERROR_CRC */, DI_IO_READ), DI_FAULT_MEDIA);
    CHECK_U64(di_os_fault(1117 /* ERROR_IO_DEVICE */, DI_IO_WRITE), DI_FAULT_MEDIA);
    CHECK_U64(di_os_fault(19 /* ERROR_WRITE_PROTECT */, DI_IO_WRITE), DI_FAULT_WRITE_PROTECTED);
    CHECK_U64(di_os_fault(21 /* ERROR_NOT_READY */, DI_IO_WRITE), DI_FAULT_TRANSIENT);
    CHECK_U64(di_os_fault(21 /* ERROR_NOT_READY */, DI_IO_OPEN), DI_FAULT_NO_MEDIUM);
    CHECK_U64(di_os_fault(55 /* ERROR_DEV_NOT_EXIST */, DI_IO_OPEN), DI_FAULT_TRANSIENT);
    CHECK_U64(di_os_fault(2 /* ERROR_FILE_NOT_FOUND */, DI_IO_OPEN), DI_FAULT_TRANSIENT);
    CHECK_U64(di_os_fault(32 /* ERROR_SHARING_VIOLATION */, DI_IO_LOCK), DI_FAULT_TRANSIENT);
    CHECK_U64(di_os_fault(33 /* ERROR_LOCK_VIOLATION */, DI_IO_LOCK), DI_FAULT_TRANSIENT);
    CHECK_U64(di_os_fault(5 /* ERROR_ACCESS_DENIED */, DI_IO_OPEN), DI_FAULT_ACCESS_DENIED);
    CHECK_U64(di_os_fault(87 /* ERROR_INVALID_PARAMETER */, DI_IO_WRITE),
              DI_FAULT_UNBUFFERED_REFUSED);
    CHECK_U64(di_os_fault(87, DI_IO_OPEN), DI_FAULT_UNKNOWN);
#else
    CHECK_U64(di_os_fault(5 /* EIO */, DI_IO_READ), DI_FAULT_MEDIA);
    CHECK_U64(di_os_fault(30 /* EROFS */, DI_IO_OPEN), DI_FAULT_WRITE_PROTECTED);
    CHECK_U64(di_os_fault(1 /* EPERM */, DI_IO_WRITE), DI_FAULT_WRITE_PROTECTED);
    CHECK_U64(di_os_fault(16 /* EBUSY */, DI_IO_OPEN), DI_FAULT_TRANSIENT);
    CHECK_U64(di_os_fault(16 /* EBUSY */, DI_IO_WRITE), DI_FAULT_UNKNOWN);
    CHECK_U64(di_os_fault(123 /* ENOMEDIUM */, DI_IO_OPEN), DI_FAULT_NO_MEDIUM);
    CHECK_U64(di_os_fault(13 /* EACCES */, DI_IO_OPEN), DI_FAULT_UNKNOWN);
    CHECK_U64(di_os_fault(22 /* EINVAL */, DI_IO_WRITE), DI_FAULT_UNBUFFERED_REFUSED);
    CHECK_U64(di_os_fault(6 /* ENXIO */, DI_IO_WRITE), DI_FAULT_GONE);
#endif
    char text[1024];
    di_error e;
    di_error_set(&e, DI_ERR_WRITE, "write", "/dev/sdz", 0, "the drive is write-protected");
    e.fault = DI_FAULT_WRITE_PROTECTED;
    CHECK_CONTAINS(di_error_format(&e, text, sizeof text), "slide the lock switch");
    e.fault = DI_FAULT_NO_MEDIUM;
    CHECK_CONTAINS(di_error_format(&e, text, sizeof text), "no card in the reader");
    e.fault = DI_FAULT_MEDIA;
    CHECK_CONTAINS(di_error_format(&e, text, sizeof text), "media error");
    di_error_set_os(&e, DI_ERR_WRITE, DI_IO_WRITE, "write", "\\\\.\\PhysicalDrive2", 5, NULL);
#ifdef _WIN32
    /* ERROR_ACCESS_DENIED on a drive: the usual causes are named. */
    CHECK_U64(e.fault, DI_FAULT_ACCESS_DENIED);
    CHECK_CONTAINS(di_error_format(&e, text, sizeof text), "Controlled folder access");
    CHECK_CONTAINS(text, "BitLocker");
    CHECK_CONTAINS(text, "another program holds the disk");
#else
    CHECK_U64(e.fault, DI_FAULT_MEDIA); /* EIO */
#endif
}

static const test_case tests[] = {
    {"the_schedule_grows_and_spends_the_budget", the_schedule_grows_and_spends_the_budget},
    {"a_transient_error_that_passes_is_retried", a_transient_error_that_passes_is_retried},
    {"a_retry_shows_in_the_progress_and_a_persistent_one_fails",
     a_retry_shows_in_the_progress_and_a_persistent_one_fails},
    {"cancel_ends_the_wait_for_a_retry", cancel_ends_the_wait_for_a_retry},
    {"a_media_error_is_never_retried", a_media_error_is_never_retried},
    {"a_reader_refusing_unbuffered_io_is_written_buffered",
     a_reader_refusing_unbuffered_io_is_written_buffered},
    {"the_log_shows_a_write_with_a_retry_and_a_fallback",
     the_log_shows_a_write_with_a_retry_and_a_fallback},
    {"refusals_come_before_the_target_is_opened_for_writing",
     refusals_come_before_the_target_is_opened_for_writing},
    {"os_errors_are_classified", os_errors_are_classified},
};
TEST_MAIN(tests)
