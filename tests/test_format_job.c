/* FORMAT as a job (issue 14): a drive restored to one partition through the engine, with
 * the Write's safety: refusals before the drive is taken, the table written last after a
 * flush, erase by discard or by zeros, and every failure leaving no table behind. The
 * drive is a sparse file presented as a 512-byte-sector block device; the layouts
 * themselves are judged by fsck and mtools in card_format_test.sh. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "diskimager/request.h"
#include "fault_device.h"
#include "job_runner.h"
#include "test_files.h"

#define MiB (1024ull * 1024)
#define DRIVE_BYTES (256 * MiB)
#define DATA_AT (DRIVE_BYTES / 2)   /* where a used card holds data a quick restore leaves */

static const char *drive_path(const char *name)
{
    return test_path(test_dir("format_job"), name);
}

/* A used card: an image's partition table (an MBR with a partition at 8192, where the
 * new one will start too, so a table left behind would point into the new layout), bytes
 * in its middle and at its end (a backup GPT). */
static bool make_used_card(const char *path, uint64_t size)
{
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)(i * 131 + 7);
    unsigned char mbr[512] = {0};
    mbr[446 + 4] = 0x0C;
    mbr[446 + 9] = 0x20; /* start 8192 */
    mbr[446 + 13] = 0x01; /* 65536 sectors */
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    return make_sparse_file(path, size) && write_bytes_at(path, 0, junk, sizeof junk) &&
           write_bytes_at(path, 0, mbr, sizeof mbr) &&
           write_bytes_at(path, size / 2, junk, sizeof junk) &&
           write_bytes_at(path, size - sizeof junk, junk, sizeof junk);
}

static bool zero_at(const char *path, uint64_t offset, size_t len)
{
    unsigned char buf[4096];
    if (len > sizeof buf || !read_bytes_at(path, offset, buf, len)) return false;
    for (size_t i = 0; i < len; i++)
        if (buf[i]) return false;
    return true;
}

static bool has_table(const char *path)
{
    unsigned char mbr[512];
    return read_bytes_at(path, 0, mbr, sizeof mbr) && mbr[510] == 0x55 && mbr[511] == 0xAA;
}

static di_job_spec format_spec(const char *path, fault_plan *plan)
{
    plan->role = DI_ROLE_TARGET;
    plan->on_write = true;
    plan->as_block_sector = 512;
    return (di_job_spec){.kind = DI_JOB_FORMAT, .target_path = path, .wrap = fault_wrap,
                         .wrap_ctx = plan};
}

static void a_quick_restore_writes_the_layout_with_the_table_last(void)
{
    const char *path = drive_path("quick.img");
    CHECK(make_used_card(path, DRIVE_BYTES));
    fault_plan plan = {0};
    di_job_spec spec = format_spec(path, &plan);
    spec.card_label = "pi boot";
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    const di_card_layout *l = &out.result.layout;
    CHECK_U64(l->fs, DI_CARD_FS_FAT32);
    CHECK_STR(l->label, "PI BOOT");
    CHECK_U64(out.result.erased, DI_ERASE_NONE);
    CHECK_U64(plan.misaligned, 0);
    CHECK_U64(plan.discards, 0);
    CHECK_U64(out.threads_after, out.threads_before);
    /* The MBR's one entry: FAT32 (LBA) at the planned start. */
    unsigned char mbr[512], boot[512];
    CHECK(read_bytes_at(path, 0, mbr, sizeof mbr));
    CHECK_U64(mbr[446 + 4], 0x0C);
    CHECK_U64(mbr[446 + 8] | mbr[446 + 9] << 8 | mbr[446 + 10] << 16 | (uint32_t)mbr[446 + 11] << 24,
              l->partition_start);
    CHECK(read_bytes_at(path, l->partition_start * 512, boot, sizeof boot));
    CHECK(memcmp(boot + 82, "FAT32   ", 8) == 0);
    CHECK(memcmp(boot + 71, "PI BOOT    ", 11) == 0);
    /* The backup GPT's place is zeros; the old data in the middle is left (quick). */
    CHECK(zero_at(path, DRIVE_BYTES - 4096, 4096));
    CHECK(!zero_at(path, DATA_AT, 4096));
    /* The old table erased first and flushed before anything else; the new one last,
    * after a flush of everything before it, then flushed itself. */
    CHECK(plan.writes >= 3);
    if (plan.writes >= 3 && plan.writes <= 512) {
        unsigned last = plan.writes - 1;
        CHECK_U64(plan.write_offsets[0], 0);
        CHECK(plan.write_flushes[1] > plan.write_flushes[0]);
        CHECK_U64(plan.write_offsets[last], 0);
        CHECK(plan.write_flushes[last] > plan.write_flushes[last - 1]);
        for (unsigned i = 1; i < last; i++) CHECK(plan.write_offsets[i] != 0);
        CHECK(plan.flushes > plan.write_flushes[last]);
    }
    CHECK_U64(plan.probes, 1); /* looked at read-only before it was taken */
}

/* A drive that discards; one that cannot; one that says it did and kept its data. */
static void erase_discards_a_drive_that_can_and_zeroes_one_that_cannot(void)
{
    for (int can = 2; can >= 0; can--) {
        const char *path = drive_path(can == 2 ? "discard.img" : can ? "ignored.img" : "zeros.img");
        CHECK(make_used_card(path, DRIVE_BYTES));
        fault_plan plan = {.no_discard = can == 0, .discard_ignored = can == 1};
        di_job_spec spec = format_spec(path, &plan);
        spec.erase = true;
        job_outcome out;
        CHECK_U64(run_job(&spec, &out), DI_OK);
        CHECK(plan.discards >= 1);
#ifdef _WIN32
        /* A file cannot be trimmed: zeros, either way. */
        CHECK_U64(out.result.erased, DI_ERASE_ZEROED);
#else
        CHECK_U64(out.result.erased, can == 2 ? DI_ERASE_DISCARDED : DI_ERASE_ZEROED);
#endif
        CHECK(zero_at(path, DATA_AT, 4096));
        CHECK(has_table(path));
        CHECK_U64(plan.misaligned, 0);
        CHECK_U64(file_size_of(path), DRIVE_BYTES);
        /* The progress covered the erase; it never passed its total. */
        CHECK(!out.progress_exceeded_total);
        if (out.result.erased == DI_ERASE_ZEROED) CHECK(out.max_progress >= DRIVE_BYTES / 2);
        /* The marks that tell a discard that took are gone with everything else. */
        CHECK(zero_at(path, DRIVE_BYTES / 64 * 5, 512));
    }
}

/* A drive that offers discard and fails it: overwritten with zeros instead. */
static void a_failed_discard_falls_back_to_zeros(void)
{
    const char *path = drive_path("discard_eio.img");
    CHECK(make_used_card(path, DRIVE_BYTES));
    fault_plan plan = {.discard_fails = true};
    di_job_spec spec = format_spec(path, &plan);
    spec.erase = true;
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK(plan.triggered >= 1);
    CHECK_U64(out.result.erased, DI_ERASE_ZEROED);
    CHECK(zero_at(path, DATA_AT, 4096));
    CHECK(has_table(path));
}

/* A failure or a cancel at the first, a middle or the last request of the layout: the
 * old table was erased, no new one written (a failure of the very first request, the
 * erasing of the old table, leaves the card as it was). */
static void a_write_error_or_cancel_in_the_layout_leaves_no_table(void)
{
    fault_kind kinds[] = {FAULT_EIO, FAULT_CANCEL};
    for (int k = 0; k < 2; k++) {
        /* The layout's requests in order (a clean run shows them), then each in turn. */
        const char *path = drive_path("layout_fault.img");
        CHECK(make_used_card(path, DRIVE_BYTES));
        fault_plan seen = {0};
        di_job_spec spec = format_spec(path, &seen);
        job_outcome out;
        CHECK_U64(run_job(&spec, &out), DI_OK);
        unsigned picks[] = {0, seen.writes / 2, seen.writes - 2};
        for (int p = 0; p < 3 && seen.writes >= 3; p++) {
            CHECK(make_used_card(path, DRIVE_BYTES));
            fault_plan plan = {.kind = kinds[k], .at_offset = seen.write_offsets[picks[p]]};
            spec = format_spec(path, &plan);
            di_status st = run_job(&spec, &out);
            CHECK_U64(st, kinds[k] == FAULT_EIO ? DI_ERR_WRITE : DI_ERR_CANCELLED);
            CHECK(plan.triggered >= 1);
            bool untouched = kinds[k] == FAULT_EIO && p == 0;
            CHECK(has_table(path) == untouched);
            CHECK_U64(out.threads_after, out.threads_before);
            if (kinds[k] == FAULT_EIO) {
                CHECK_CONTAINS(out.message, "write");
                CHECK_CONTAINS(out.message, path);
            }
        }
    }
}

static void a_drive_too_small_is_refused_before_it_is_taken(void)
{
    const char *path = drive_path("small.img");
    CHECK(make_used_card(path, 32 * MiB));
    fault_plan plan = {0};
    di_job_spec spec = format_spec(path, &plan);
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_ERR_TOO_SMALL);
    CHECK_U64(out.result.error.reason, DI_REASON_CARD_TOO_SMALL);
    CHECK_CONTAINS(out.message, path);
    CHECK_U64(plan.wrapped, 0); /* only the read-only look */
    CHECK_U64(plan.probes, 1);
    CHECK(!zero_at(path, 0, 512));

    /* A bad label the same way. */
    CHECK(make_used_card(path, DRIVE_BYTES));
    plan = (fault_plan){0};
    spec = format_spec(path, &plan);
    spec.card_label = "much too long a label";
    CHECK_U64(run_job(&spec, &out), DI_ERR_USAGE);
    CHECK_U64(out.result.error.reason, DI_REASON_CARD_LABEL_INVALID);
    CHECK_U64(plan.wrapped, 0);
}

static void exfat_when_asked(void)
{
    const char *path = drive_path("exfat.img");
    CHECK(make_used_card(path, DRIVE_BYTES));
    fault_plan plan = {0};
    di_job_spec spec = format_spec(path, &plan);
    spec.card_fs = DI_CARD_FS_EXFAT;
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK_U64(out.result.layout.fs, DI_CARD_FS_EXFAT);
    unsigned char mbr[512], boot[512];
    CHECK(read_bytes_at(path, 0, mbr, sizeof mbr));
    CHECK_U64(mbr[446 + 4], 0x07);
    CHECK(read_bytes_at(path, out.result.layout.partition_start * 512, boot, sizeof boot));
    CHECK(memcmp(boot + 3, "EXFAT   ", 8) == 0);
    CHECK(zero_at(path, DRIVE_BYTES - 4096, 4096));
}

/* The request layer: what a front end asks for becomes this job, and its refusals come
 * before any question. */
static void the_request_makes_a_format_job_and_refuses_early(void)
{
    static di_plan plan;
    const char *path = drive_path("request.img");
    CHECK(make_used_card(path, DRIVE_BYTES));
    di_request r = {.kind = DI_JOB_FORMAT, .drive = path, .card_fs = DI_CARD_FS_FAT32,
                    .card_label = "data", .erase = true, .eject = true};
    CHECK_U64(di_request_plan(&r, &plan), DI_OK);
    CHECK_U64(plan.spec.kind, DI_JOB_FORMAT);
    CHECK(plan.spec.source_path == NULL);
    CHECK_STR(plan.spec.target_path, path);
    CHECK_STR(plan.spec.card_label, "data");
    CHECK_U64(plan.spec.card_fs, DI_CARD_FS_FAT32);
    CHECK(plan.spec.erase);
    CHECK(plan.spec.eject);
    CHECK(plan.layout_known);
    CHECK_STR(plan.layout.label, "DATA");
    CHECK_U64(plan.spec.hash_mask, 0);

    r.card_label = "a:b";
    CHECK_U64(di_request_plan(&r, &plan), DI_ERR_USAGE);
    CHECK_U64(plan.refusal.reason, DI_REASON_CARD_LABEL_INVALID);
    r.card_label = NULL;
    r.drive = NULL;
    CHECK_U64(di_request_plan(&r, &plan), DI_ERR_USAGE);
    CHECK_U64(plan.refusal.reason, DI_REASON_NO_DRIVE);

    const char *small = drive_path("request_small.img");
    CHECK(make_used_card(small, 16 * MiB));
    r.drive = small;
    CHECK(di_request_plan(&r, &plan) != DI_OK);
    CHECK_U64(plan.refusal.reason, DI_REASON_CARD_TOO_SMALL);
    CHECK_STR(plan.refusal.path, small);

    /* A card: never the system disk, a fixed disk only when insisted. */
    di_drive_info card = {.path = "/dev/sdz", .model = "Reader", .serial = "7", .size = 8000000000ull,
                          .sector_size = 512, .removable = true, .is_block_device = true,
                          .exists = true};
    di_request c = {.kind = DI_JOB_FORMAT, .drive = card.path, .chosen = &card};
    CHECK_U64(di_request_plan(&c, &plan), DI_OK);
    CHECK_U64(plan.spec.expect_size, 8000000000ull);
    CHECK_STR(plan.layout.label, "8GB");
    CHECK_U64(plan.layout.partition_start * 512, 4 * MiB);
    card.removable = false;
    CHECK(di_request_plan(&c, &plan) != DI_OK);
    CHECK_U64(plan.refusal.reason, DI_REASON_FIXED_DISK);
    c.fixed_disk_confirmed = true;
    CHECK_U64(di_request_plan(&c, &plan), DI_OK);
    card.system = true;
    CHECK(di_request_plan(&c, &plan) != DI_OK);
    CHECK_U64(plan.refusal.reason, DI_REASON_SYSTEM_DISK);
}

static const test_case tests[] = {
    {"a_quick_restore_writes_the_layout_with_the_table_last",
     a_quick_restore_writes_the_layout_with_the_table_last},
    {"erase_discards_a_drive_that_can_and_zeroes_one_that_cannot",
     erase_discards_a_drive_that_can_and_zeroes_one_that_cannot},
    {"a_failed_discard_falls_back_to_zeros", a_failed_discard_falls_back_to_zeros},
    {"a_write_error_or_cancel_in_the_layout_leaves_no_table",
     a_write_error_or_cancel_in_the_layout_leaves_no_table},
    {"a_drive_too_small_is_refused_before_it_is_taken",
     a_drive_too_small_is_refused_before_it_is_taken},
    {"exfat_when_asked", exfat_when_asked},
    {"the_request_makes_a_format_job_and_refuses_early",
     the_request_makes_a_format_job_and_refuses_early},
};
TEST_MAIN(tests)
