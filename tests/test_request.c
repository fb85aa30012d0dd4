/* The request layer: every policy that turns what a user asked into a job, decided in
 * one place for the dialog and the CLI (src/core/request.c). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "diskimager/request.h"
#include "job_runner.h"
#include "test_files.h"

static di_plan plan; /* large: not on the stack */

static di_reason refusal_of(const di_request *r)
{
    di_status st = di_request_plan(r, &plan);
    if (st == DI_OK) return DI_REASON_NONE;
    return plan.refusal.reason;
}

static void write_and_verify_refuse_what_is_no_image(void)
{
    const char *dir = test_dir("request_image");
    const char *image = test_path(dir, "pi.img"), *empty = test_path(dir, "empty.img");
    const char *target = test_path(dir, "target.img");
    CHECK(make_random_file(image, 4096, 1));
    CHECK(make_zero_file(empty, 0));
    remove_if_exists(target);
    di_job_kind kinds[] = {DI_JOB_WRITE, DI_JOB_VERIFY};
    for (int k = 0; k < 2; k++) {
        di_request r = {.kind = kinds[k], .drive = target};
        CHECK_U64(refusal_of(&r), DI_REASON_NO_IMAGE);
        r.image = test_path(dir, "missing.img");
        CHECK_U64(refusal_of(&r), DI_REASON_IMAGE_MISSING);
        CHECK_STR(plan.refusal.path, r.image);
        CHECK_U64(plan.refusal.status, DI_ERR_OPEN);
        r.image = dir;
        CHECK_U64(refusal_of(&r), DI_REASON_IMAGE_IS_FOLDER);
        r.image = empty;
        CHECK_U64(refusal_of(&r), DI_REASON_IMAGE_EMPTY);
        r.image = image;
        r.drive = NULL;
        CHECK_U64(refusal_of(&r), DI_REASON_NO_DRIVE);
        r.drive = target;
        CHECK_U64(refusal_of(&r), DI_REASON_NONE);
        CHECK_STR(plan.spec.source_path, image);
        CHECK_STR(plan.spec.target_path, target);
        CHECK_U64(plan.spec.kind, kinds[k]);
    }
    /* READ makes its image: a new file is fine, a folder is not. */
    di_request read = {.kind = DI_JOB_READ, .image = test_path(dir, "new.img"), .drive = image};
    CHECK_U64(refusal_of(&read), DI_REASON_NONE);
    CHECK_STR(plan.spec.source_path, image);
    CHECK_STR(plan.spec.target_path, read.image);
    read.image = dir;
    CHECK_U64(refusal_of(&read), DI_REASON_IMAGE_IS_FOLDER);
}

static void a_write_never_targets_the_system_disk_and_a_fixed_one_only_when_insisted(void)
{
    const char *dir = test_dir("request_drive");
    const char *image = test_path(dir, "pi.img");
    CHECK(make_random_file(image, 4096, 2));
    di_drive_info drive = {.path = "/dev/sdz", .model = "Card Reader", .serial = "0042",
                           .bus = "usb", .size = 8000000000ull, .sector_size = 512,
                           .removable = true, .is_block_device = true, .exists = true};
    di_request r = {.kind = DI_JOB_WRITE, .image = image, .drive = drive.path, .chosen = &drive};
    CHECK_U64(refusal_of(&r), DI_REASON_NONE);
    /* The drive as chosen is re-checked by the job. */
    CHECK_U64(plan.spec.expect_size, 8000000000ull);
    CHECK_STR(plan.spec.expect_model, "Card Reader");
    CHECK_STR(plan.spec.expect_serial, "0042");

    drive.removable = false;
    drive.bus[0] = '\0';
    CHECK_U64(refusal_of(&r), DI_REASON_FIXED_DISK);
    CHECK_U64(plan.refusal.sizes[0], 8000000000ull);
    CHECK_STR(plan.refusal.value, "");
    char text[512];
    CHECK_CONTAINS(di_error_format(&plan.refusal, text, sizeof text),
                   "refusing to write to /dev/sdz: it is not a removable drive (fixed disk, 8.00 GB)");
    r.fixed_disk_confirmed = true;
    CHECK_U64(refusal_of(&r), DI_REASON_NONE);

    drive.system = true;
    CHECK_U64(refusal_of(&r), DI_REASON_SYSTEM_DISK); /* insisting is never enough */
    drive.system = false;

    /* A regular file as the target: nothing to re-check, nothing to insist on. */
    di_request to_file = {.kind = DI_JOB_WRITE, .image = image, .drive = test_path(dir, "out.img")};
    CHECK_U64(refusal_of(&to_file), DI_REASON_NONE);
    CHECK_U64(plan.spec.expect_size, 0);
    CHECK(plan.spec.expect_model == NULL);
}

static void options_that_exclude_each_other_are_refused(void)
{
    const char *dir = test_dir("request_options");
    const char *image = test_path(dir, "pi.img");
    CHECK(make_random_file(image, 4096, 3));
    di_request r = {.kind = DI_JOB_WRITE, .image = image, .drive = test_path(dir, "t.img"),
                    .move_gpt_backup = true};
    CHECK_U64(refusal_of(&r), DI_REASON_MOVE_GPT_NEEDS_VERIFY);
    r.verify_after_write = true;
    CHECK_U64(refusal_of(&r), DI_REASON_NONE);
    CHECK(plan.spec.move_gpt_backup && plan.spec.verify_after_write);
    r.kind = DI_JOB_VERIFY;
    CHECK_U64(refusal_of(&r), DI_REASON_MOVE_GPT_NEEDS_VERIFY);

    di_request typed = {.kind = DI_JOB_VERIFY, .image = image, .drive = r.drive,
                        .expected = "not-a-digest"};
    CHECK_U64(refusal_of(&typed), DI_REASON_BAD_EXPECTED);
    CHECK_STR(plan.refusal.value, "not-a-digest");
}

static void the_hash_and_the_published_digest(void)
{
    const char *dir = test_dir("request_digest");
    const char *image = test_path(dir, "pi.img"), *sums = test_path(dir, "pi.img.sha256");
    const char *target = test_path(dir, "t.img");
    CHECK(make_random_file(image, 4096, 4));
    char hex[DI_HASH_HEX_MAX], line[256];
    CHECK(reference_hash(image, DI_HASH_SHA256, UINT64_MAX, hex));
    snprintf(line, sizeof line, "%s  pi.img\n", hex);
    CHECK(write_text_file(sums, line));

    /* Found beside the image, and said where. */
    di_request r = {.kind = DI_JOB_VERIFY, .image = image, .drive = target,
                    .hash_mask = DI_HASH_BIT(DI_HASH_MD5)};
    CHECK_U64(refusal_of(&r), DI_REASON_NONE);
    CHECK(plan.expected_found);
    CHECK(plan.spec.expected.present);
    CHECK_U64(plan.spec.expected.alg, DI_HASH_SHA256);
    CHECK_STR(plan.spec.expected.hex, hex);
    CHECK_CONTAINS(plan.spec.expected.source, "pi.img.sha256");
    CHECK_U64(plan.spec.hash_mask, DI_HASH_BIT(DI_HASH_MD5)); /* as asked: the job adds sha256 */

    /* Typed wins over the file. */
    r.expected = "0123456789abcdef0123456789abcdef";
    CHECK_U64(refusal_of(&r), DI_REASON_NONE);
    CHECK(!plan.expected_found);
    CHECK_U64(plan.spec.expected.alg, DI_HASH_MD5);
    CHECK_STR(plan.spec.expected.source, "");

    /* READ's image is made by the job: a checksum file beside it does not apply. */
    di_request read = {.kind = DI_JOB_READ, .image = image, .drive = target};
    CHECK_U64(refusal_of(&read), DI_REASON_NONE);
    CHECK(!plan.spec.expected.present);

    /* HASH of a path: its own sidecar; md5 when nothing was asked. */
    di_request hash = {.kind = DI_JOB_HASH, .drive = image};
    CHECK_U64(refusal_of(&hash), DI_REASON_NONE);
    CHECK_U64(plan.spec.hash_mask, DI_HASH_BIT(DI_HASH_MD5));
    CHECK(plan.expected_found);
    CHECK(plan.spec.size_of_image == NULL);
    /* HASH of a drive for an image: the image's size and its published digest. */
    CHECK(make_random_file(target, 16384, 5));
    di_request drive_hash = {.kind = DI_JOB_HASH, .image = image, .drive = target};
    CHECK_U64(refusal_of(&drive_hash), DI_REASON_NONE);
    CHECK_STR(plan.spec.size_of_image, image);
    CHECK_STR(plan.spec.source_path, target);
    CHECK(plan.expected_found);
    /* An image box naming no file: the whole drive, no digest looked for. */
    drive_hash.image = test_path(dir, "nothing-here.img");
    CHECK_U64(refusal_of(&drive_hash), DI_REASON_NONE);
    CHECK(plan.spec.size_of_image == NULL);
    CHECK(!plan.expected_found);
    remove_if_exists(sums);
}

static void the_bmap_beside_the_image_named_or_none(void)
{
    const char *dir = test_dir("request_bmap");
    const char *image = test_path(dir, "pi.img"), *bmap = test_path(dir, "pi.bmap");
    const char *target = test_path(dir, "t.img");
    CHECK(make_random_file(image, 4096, 6));
    CHECK(write_text_file(bmap, "<bmap version=\"2.0\"></bmap>\n"));
    di_request r = {.kind = DI_JOB_WRITE, .image = image, .drive = target};
    CHECK_U64(refusal_of(&r), DI_REASON_NONE);
    CHECK(plan.bmap_found);
    CHECK_STR(plan.spec.bmap_path, bmap);
    r.no_bmap = true;
    CHECK_U64(refusal_of(&r), DI_REASON_NONE);
    CHECK(plan.spec.bmap_path == NULL);
    r.no_bmap = false;
    r.bmap = test_path(dir, "other.bmap");
    CHECK_U64(refusal_of(&r), DI_REASON_NONE);
    CHECK(!plan.bmap_found);
    CHECK_STR(plan.spec.bmap_path, r.bmap);
    /* Not for READ or HASH. */
    di_request read = {.kind = DI_JOB_READ, .image = test_path(dir, "new.img"), .drive = image};
    CHECK_U64(refusal_of(&read), DI_REASON_NONE);
    CHECK(plan.spec.bmap_path == NULL);
    remove_if_exists(bmap);
}

/* Hash Drive for an image: the job finds the image's size (on its own thread) and
 * hashes that much of the drive, or refuses an image larger than the drive. */
static void a_drive_hash_covers_the_images_size(void)
{
    const char *dir = test_dir("request_hash_job");
    const char *image = test_path(dir, "pi.img"), *drive = test_path(dir, "drive.img");
    CHECK(make_random_file(image, 10000, 7));
    CHECK(make_zero_file(drive, 65536));
    CHECK(files_equal_prefix(image, image, 10000));
    /* The drive starts with the image. */
    FILE *in = fopen(image, "rb");
    unsigned char bytes[10000];
    CHECK(in && fread(bytes, 1, sizeof bytes, in) == sizeof bytes);
    if (in) fclose(in);
    CHECK(write_bytes_at(drive, 0, bytes, sizeof bytes));
    di_request r = {.kind = DI_JOB_HASH, .image = image, .drive = drive};
    CHECK_U64(di_request_plan(&r, &plan), DI_OK);
    job_outcome out;
    CHECK_U64(run_job(&plan.spec, &out), DI_OK);
    char want[DI_HASH_HEX_MAX];
    CHECK(reference_hash(image, DI_HASH_MD5, UINT64_MAX, want));
    CHECK_STR(out.result.hashes[DI_HASH_MD5], want);
    CHECK_U64(out.result.image_bytes, 10000);

    CHECK(make_random_file(image, 100000, 8)); /* larger than the drive */
    CHECK_U64(di_request_plan(&r, &plan), DI_OK);
    CHECK_U64(run_job(&plan.spec, &out), DI_ERR_TOO_SMALL);
    CHECK_U64(out.result.error.reason, DI_REASON_IMAGE_TOO_BIG_TO_HASH);
    CHECK_U64(out.result.error.sizes[0], 100000);
    CHECK_U64(out.result.error.sizes[1], 65536);
    CHECK_STR(out.result.error.path2, drive);
}

static const test_case tests[] = {
    {"write_and_verify_refuse_what_is_no_image", write_and_verify_refuse_what_is_no_image},
    {"a_write_never_targets_the_system_disk_and_a_fixed_one_only_when_insisted",
     a_write_never_targets_the_system_disk_and_a_fixed_one_only_when_insisted},
    {"options_that_exclude_each_other_are_refused", options_that_exclude_each_other_are_refused},
    {"the_hash_and_the_published_digest", the_hash_and_the_published_digest},
    {"the_bmap_beside_the_image_named_or_none", the_bmap_beside_the_image_named_or_none},
    {"a_drive_hash_covers_the_images_size", a_drive_hash_covers_the_images_size},
};
TEST_MAIN(tests)
