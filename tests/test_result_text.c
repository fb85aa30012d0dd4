/* The dialog's end of a job, rendered natively: what the status line, the message box,
 * the Hash value box and the match line say for each way a job ends. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "gui/lang.h"
#include "gui/drive_lines_text.h"
#include "gui/log_text.h"
#include "gui/result_text.h"

static result_view view;

static void ok_result(di_result *r, uint64_t bytes)
{
    memset(r, 0, sizeof *r);
    r->status = DI_OK;
    r->image_bytes = bytes;
    r->hash_mask = DI_HASH_BIT(DI_HASH_MD5);
    snprintf(r->hashes[DI_HASH_MD5], DI_HASH_HEX_MAX, "5805725c694d6b94aeb006f593947ad8");
}

static void a_verified_write_with_its_md5(void)
{
    di_result r;
    ok_result(&r, 210000000);
    r.verified = true;
    di_expected_hash none = {0};
    result_render(DI_JOB_WRITE, &r, &none, NULL, 419e6, &view);
    CHECK_STR(view.status, "Write successful: 210 MB at 419.0 MB/s, verified.");
    CHECK_STR(view.box, "Write successful.\nThe device was read back and matches the image.\n\n"
                        "MD5: 5805725c694d6b94aeb006f593947ad8");
    CHECK_STR(view.hash_alg, "MD5");
    CHECK_STR(view.hash, "5805725c694d6b94aeb006f593947ad8");
    CHECK_U64(view.match, RESULT_MATCH_NONE);
    CHECK_U64(view.icon, RESULT_INFO);
    CHECK(!view.failed);
}

static void a_published_digest_matches_or_not(void)
{
    di_result r;
    ok_result(&r, 1000);
    r.expected_checked = true;
    r.expected_match = true;
    di_expected_hash from_file = {.present = true, .alg = DI_HASH_SHA256};
    snprintf(from_file.source, sizeof from_file.source, "Z:\\pi.img.sha256");
    result_render(DI_JOB_VERIFY, &r, &from_file, NULL, 0, &view);
    CHECK_CONTAINS(view.box, "The sha256 matches Z:\\pi.img.sha256.");
    CHECK_U64(view.match, RESULT_MATCH_OK);
    CHECK_CONTAINS(view.match_text, "match");

    r.expected_match = false;
    di_expected_hash typed = {.present = true, .alg = DI_HASH_MD5};
    snprintf(typed.hex, sizeof typed.hex, "0123456789abcdef0123456789abcdef");
    result_render(DI_JOB_VERIFY, &r, &typed, NULL, 0, &view);
    CHECK_CONTAINS(view.box, "Verify finished, but the image is not the one expected.");
    CHECK_CONTAINS(view.box, "md5 MISMATCH with the expected hash:\nexpected "
                             "0123456789abcdef0123456789abcdef\ncomputed "
                             "5805725c694d6b94aeb006f593947ad8");
    CHECK_CONTAINS(view.status, "Verify finished, hash MISMATCH");
    CHECK_U64(view.match, RESULT_MATCH_BAD);
    CHECK_U64(view.icon, RESULT_WARNING);
    CHECK(view.failed);
}

static void compressed_mapped_and_ejected(void)
{
    di_result r;
    ok_result(&r, 5000000);
    r.image_format = DI_FORMAT_ZIP;
    snprintf(r.zip_member, sizeof r.zip_member, "card.img");
    r.bmap_used = true;
    r.mapped_bytes = 102400;
    r.bmap_signature_unchecked = true;
    r.ejected = true;
    di_expected_hash none = {0};
    result_render(DI_JOB_WRITE, &r, &none, "Z:\\sparse.bmap", 0, &view);
    CHECK_CONTAINS(view.box, "The image was decompressed from zip: card.img.");
    CHECK_CONTAINS(view.box, "Only the 102 kB of data mapped by Z:\\sparse.bmap were written, "
                             "each range's checksum checked.");
    CHECK_CONTAINS(view.box, "its signature was not checked");
    CHECK_CONTAINS(view.box, "The card was ejected");

    r.ejected = false;
    r.warnings = DI_WARN_EJECT_FAILED;
    di_error_set(&r.eject_error, DI_ERR_BUSY, "eject", "\\\\.\\T:", 0, "in use");
    result_render(DI_JOB_WRITE, &r, &none, "x", 0, &view);
    CHECK_CONTAINS(view.box, "could not be ejected (it was written all the same): eject failed");
    CHECK_U64(view.icon, RESULT_WARNING);
    CHECK(!view.failed);
}

/* A Read that saved its own bmap says where and how much it maps (issue 15). */
static void a_read_with_its_bmap(void)
{
    di_result r;
    ok_result(&r, 41943040);
    snprintf(r.bmap_made, sizeof r.bmap_made, "C:\\cards\\pi.img.bmap");
    r.bmap_mapped_bytes = 1269760;
    di_expected_hash none = {0};
    result_render(DI_JOB_READ, &r, &none, NULL, 0, &view);
    CHECK_CONTAINS(view.box, "Read successful.");
    CHECK_CONTAINS(view.box, "Block map saved as C:\\cards\\pi.img.bmap: 1.27 MB of the image "
                             "hold data; a Write with it copies only those.");
    r.bmap_made[0] = '\0';
    result_render(DI_JOB_READ, &r, &none, NULL, 0, &view);
    CHECK(strstr(view.box, "Block map") == NULL);
}

static void failures_cancels_and_the_whole_drive_question(void)
{
    di_result r = {.status = DI_ERR_MISMATCH};
    di_error_set(&r.error, DI_ERR_MISMATCH, "verify", "\\\\.\\T:", 0, "the device differs");
    di_error_at(&r.error, 123456789);
    di_expected_hash none = {0};
    result_render(DI_JOB_VERIFY, &r, &none, NULL, 0, &view);
    CHECK_CONTAINS(view.box, "Verify failed.\n\nverify failed on \\\\.\\T: at byte 123456789");
    CHECK_STR(view.status, "Verify failed.");
    CHECK_U64(view.icon, RESULT_ERROR);
    CHECK(view.failed);
    CHECK_STR(view.hash, "");

    r.mismatch_from_mount = true;
    result_render(DI_JOB_VERIFY, &r, &none, NULL, 0, &view);
    CHECK_STR(view.status, "Verify failed: the card was mounted since it was written.");

    di_result cancelled = {.status = DI_ERR_CANCELLED, .partial_removed = true};
    result_render(DI_JOB_READ, &cancelled, &none, NULL, 0, &view);
    CHECK_STR(view.status, "Cancelled. The incomplete image was deleted.");
    CHECK_STR(view.box, "");

    di_result table = {.status = DI_ERR_PARTITIONS};
    di_error_set(&table.error, DI_ERR_PARTITIONS, "read partition table", "\\\\.\\T:", 0,
                 "there is no partition table");
    result_render(DI_JOB_READ, &table, &none, NULL, 0, &view);
    CHECK(view.ask_read_whole_drive);
    CHECK_CONTAINS(view.box, "Read the whole drive instead?");

    /* Hash Drive's refusals come from the job, in the dialog's words. */
    di_result big = {.status = DI_ERR_TOO_SMALL};
    di_error_refuse(&big.error, DI_ERR_TOO_SMALL, DI_REASON_IMAGE_TOO_BIG_TO_HASH, "hash", "Z:\\big.img");
    snprintf(big.error.path2, sizeof big.error.path2, "\\\\.\\T:");
    big.error.sizes[0] = 314572800;
    big.error.sizes[1] = 268435456;
    result_render(DI_JOB_HASH, &big, &none, NULL, 0, &view);
    CHECK_STR(view.box, "Drive hash failed.\n\nThe image Z:\\big.img (315 MB) is larger than "
                        "\\\\.\\T: (268 MB): the drive cannot hold it.");
}

static void a_read_that_may_not_fit_and_a_waited_for_drive(void)
{
    di_result r;
    ok_result(&r, 8000000000ull);
    r.warnings = DI_WARN_OUTPUT_MAY_NOT_FIT | DI_WARN_FAT_FILE_LIMIT;
    r.destination_free = 2000000000ull;
    r.retries = 3;
    di_expected_hash none = {0};
    result_render(DI_JOB_READ, &r, &none, NULL, 0, &view);
    CHECK_CONTAINS(view.box, "Only 2.00 GB were free for the image, less than the 8.00 GB read");
    CHECK_CONTAINS(view.box, "FAT file system");
    CHECK_CONTAINS(view.box, "3 retries after errors that passed");
}

/* The Log window keeps the newest whole lines; the file rotates past its bound. */
static log_text shown_log;

static void the_log_window_keeps_the_newest_whole_lines(void)
{
    log_text_clear(&shown_log);
    log_text_add(&shown_log, "first");
    log_text_add(&shown_log, "second");
    CHECK_STR(shown_log.text, "first\r\nsecond\r\n");
    char line[1000];
    unsigned added = 0;
    for (; added < 2 * LOG_TEXT_MAX / sizeof line; added++) {
        snprintf(line, sizeof line, "line %06u %0900d", added, 0);
        log_text_add(&shown_log, line);
        CHECK(shown_log.used < LOG_TEXT_MAX);
        CHECK_U64(strlen(shown_log.text), shown_log.used);
    }
    CHECK(strstr(shown_log.text, "first") == NULL);
    CHECK(strncmp(shown_log.text, "line ", 5) == 0); /* starts with a whole line */
    CHECK_CONTAINS(shown_log.text, line);            /* the newest is there */
    CHECK(shown_log.used > LOG_TEXT_MAX - 2 * sizeof line);
    CHECK(!log_file_must_rotate(0, LOG_FILE_MAX + 10)); /* an empty file takes anything */
    CHECK(!log_file_must_rotate(LOG_FILE_MAX - 100, 100));
    CHECK(log_file_must_rotate(LOG_FILE_MAX - 100, 101));
}

/* Restore: what the card is now and how it was erased, no digest; in German too. */
static void a_restored_card(void)
{
    di_result r = {.status = DI_OK, .erased = DI_ERASE_ZEROED, .ejected = true};
    di_card_layout_plan(8000000000ull, 512, DI_CARD_FS_AUTO, NULL, 1, &r.layout, &r.error);
    di_expected_hash none = {0};
    result_render(DI_JOB_FORMAT, &r, &none, NULL, 0, &view);
    CHECK_STR(view.status, "Restore successful: one FAT32 partition labelled 8GB.");
    CHECK_STR(view.box, "Restore successful.\nThe drive is now one FAT32 partition of 8.00 GB, "
                        "with clusters of 32 KiB, labelled 8GB.\nThe whole drive was overwritten "
                        "with zeros first.\n\nThe card was ejected: it can be taken out.");
    CHECK_STR(view.hash, "");
    CHECK(!view.failed);
    r.erased = DI_ERASE_DISCARDED;
    r.ejected = false;
    di_card_layout_plan(64000000000ull, 512, DI_CARD_FS_AUTO, "cam", 1, &r.layout, &r.error);
    lang_set(LANG_DE);
    result_render(DI_JOB_FORMAT, &r, &none, NULL, 0, &view);
    lang_set(LANG_EN);
    CHECK_STR(view.status, "Wiederherstellung erfolgreich: eine exFAT-Partition namens CAM.");
    CHECK_CONTAINS(view.box, "Cluster zu 128 KiB");
    CHECK_CONTAINS(view.box, "jeder Block freigegeben");
    di_result failed = {.status = DI_ERR_WRITE};
    di_error_set(&failed.error, DI_ERR_WRITE, "write", "\\\\.\\T:", 5, NULL);
    result_render(DI_JOB_FORMAT, &failed, &none, NULL, 0, &view);
    CHECK_STR(view.status, "Restore failed.");
    CHECK(view.failed);
}

/* Check: the verdict in a sentence, the speeds of a full check; a Write whose verify
 * failed as a fake card fails points to Check. */
static void a_checked_card(void)
{
    di_result r = {.status = DI_OK};
    di_check_report_init(&r.check, DI_CHECK_FULL, 64000000000ull, 512);
    di_check_note_wrong(&r.check, 8000000000ull, 56000000000ull, DI_CHECK_HOLDS_NOTHING);
    di_check_conclude(&r.check);
    di_speed_add(&r.check.write, 100000000, 10.0);
    di_speed_add(&r.check.read, 100000000, 5.0);
    di_expected_hash none = {0};
    result_render(DI_JOB_CHECK, &r, &none, NULL, 0, &view);
    CHECK_STR(view.status, "Check done: a FAKE card, it holds 8.00 GB.");
    CHECK_CONTAINS(view.box, "This card holds 8.00 GB, not the 64.0 GB it reports: data written "
                             "past 8.00 GB is lost.");
    CHECK_CONTAINS(view.box, "Write 10.0 MB/s");
    CHECK(view.failed);
    di_check_report_init(&r.check, DI_CHECK_QUICK, 64000000000ull, 512);
    r.check.probes = 612;
    di_check_conclude(&r.check);
    result_render(DI_JOB_CHECK, &r, &none, NULL, 0, &view);
    CHECK_STR(view.status, "Check done: no sign of a fake card.");
    CHECK_CONTAINS(view.box, "the 612 sectors probed kept their data");
    CHECK(!view.failed);

    di_result w = {.status = DI_ERR_MISMATCH, .mismatch = true, .may_be_fake = true,
                   .fake_wrap_bytes = 8ull << 30};
    di_error_set(&w.error, DI_ERR_MISMATCH, "verify", "\\\\.\\T:", 0, "differs");
    result_render(DI_JOB_WRITE, &w, &none, NULL, 0, &view);
    CHECK_CONTAINS(view.box, "This card may be fake: what it holds at the first difference is "
                             "also 8 GiB away on the drive");
    CHECK_CONTAINS(view.box, "Check card...");
}

/* Several drives: a line per drive while it runs and at its end; the end of the job with
 * the image's digest once, a published one matched, a failed drive named with why. */
static void several_drives(void)
{
    char line[4096];
    di_target_progress p = {.state = DI_TARGET_WRITING, .bytes_done = 45, .bytes_total = 100,
                            .average_rate = 13.2e6};
    CHECK_STR(drive_line_progress("T:", &p, line, sizeof line), "T:: writing 45% · 13.2 MB/s");
    p.state = DI_TARGET_VERIFYING;
    p.bytes_done = 100;
    CHECK_STR(drive_line_progress("T:", &p, line, sizeof line), "T:: verifying 100% · 13.2 MB/s");
    p.state = DI_TARGET_WAITING;
    CHECK_STR(drive_line_progress("U:", &p, line, sizeof line), "U:: waiting");
    p.state = DI_TARGET_FAILED;
    CHECK_STR(drive_line_progress("U:", &p, line, sizeof line), "U:: failed; the others go on");

    di_result job, t[3];
    ok_result(&job, 210000000);
    job.target_count = 3;
    job.targets_failed = 1;
    job.status = DI_ERR_WRITE;
    for (int i = 0; i < 3; i++) {
        ok_result(&t[i], 210000000);
        t[i].device_bytes = 210000000;
        t[i].verified = true;
        snprintf(t[i].readback_hashes[DI_HASH_MD5], DI_HASH_HEX_MAX, "5805725c694d6b94aeb006f593947ad8");
    }
    memset(&t[1], 0, sizeof t[1]);
    di_error_why(&t[1].error, DI_ERR_WRITE, DI_OP_WRITE, "\\\\.\\U:", DI_REASON_DEVICE_FULL, DI_NO_ARGS);
    t[1].status = DI_ERR_WRITE;
    job.error = t[1].error;
    job.expected_checked = job.expected_match = true;
    const di_result *targets[3] = {&t[0], &t[1], &t[2]};
    const char *names[3] = {"T:", "U:", "V:"};
    di_expected_hash published = {.present = true, .alg = DI_HASH_MD5};
    snprintf(published.hex, sizeof published.hex, "5805725c694d6b94aeb006f593947ad8");
    result_render_several(&job, targets, names, 3, &published, &view);
    CHECK_STR(view.status, "Write: 2 of 3 drives written and verified.");
    CHECK_CONTAINS(view.box, "T:: written and verified, 210 MB, read back MD5 5805725c694d6b94aeb006f593947ad8");
    CHECK_CONTAINS(view.box, "U:: failed: ");
    CHECK_CONTAINS(view.box, "U:: failed: Writing failed on \\\\.\\U:. No space left: the device took no more data.\nV:");
    CHECK_CONTAINS(view.box, "V:: written and verified");
    CHECK_STR(view.hash, "5805725c694d6b94aeb006f593947ad8");
    CHECK_U64(view.match, RESULT_MATCH_OK);
    CHECK_U64(view.icon, RESULT_WARNING);
    CHECK(view.failed);

    /* Every drive written: information; none: an error; a cancel: the cancel's line. */
    memset(&t[1], 0, sizeof t[1]);
    ok_result(&t[1], 210000000);
    t[1].device_bytes = 210000000;
    job.status = DI_OK;
    job.targets_failed = 0;
    job.verified = false;
    for (int i = 0; i < 3; i++) t[i].verified = false;
    result_render_several(&job, targets, names, 3, &published, &view);
    CHECK_STR(view.status, "Write: 3 of 3 drives written.");
    CHECK_CONTAINS(view.box, "V:: written, 210 MB");
    CHECK_U64(view.icon, RESULT_INFO);
    CHECK(!view.failed);
    job.status = DI_ERR_CANCELLED;
    job.targets_failed = 3;
    for (int i = 0; i < 3; i++) t[i].status = DI_ERR_CANCELLED;
    result_render_several(&job, targets, names, 3, &published, &view);
    CHECK_STR(view.status, "Cancelled.");
    lang_set(LANG_DE);
    job.status = DI_ERR_WRITE;
    for (int i = 0; i < 3; i++) t[i].status = DI_ERR_WRITE;
    result_render_several(&job, targets, names, 3, &published, &view);
    CHECK_STR(view.status, "Schreiben: 0 von 3 Laufwerken geschrieben.");
    CHECK(view.failed);
    CHECK_U64(view.icon, RESULT_ERROR);
    lang_set(LANG_EN);
}

/* A drive cloned onto a smaller one by its partitions: the box says how much was taken. */
static void a_drive_cloned_by_its_partitions(void)
{
    di_result r;
    ok_result(&r, 47185920);
    r.source_partitions_only = true;
    r.source_drive_bytes = 50331648;
    di_expected_hash none = {0};
    result_render(DI_JOB_WRITE, &r, &none, NULL, 10e6, &view);
    CHECK_CONTAINS(view.box, "only its partitions were taken, its first 47.2 MB of 50.3 MB.");
}

static const test_case tests[] = {
    {"a_drive_cloned_by_its_partitions", a_drive_cloned_by_its_partitions},
    {"several_drives", several_drives},
    {"a_checked_card", a_checked_card},
    {"a_restored_card", a_restored_card},
    {"the_log_window_keeps_the_newest_whole_lines", the_log_window_keeps_the_newest_whole_lines},
    {"a_verified_write_with_its_md5", a_verified_write_with_its_md5},
    {"a_published_digest_matches_or_not", a_published_digest_matches_or_not},
    {"compressed_mapped_and_ejected", compressed_mapped_and_ejected},
    {"a_read_with_its_bmap", a_read_with_its_bmap},
    {"failures_cancels_and_the_whole_drive_question", failures_cancels_and_the_whole_drive_question},
    {"a_read_that_may_not_fit_and_a_waited_for_drive", a_read_that_may_not_fit_and_a_waited_for_drive},
};
TEST_MAIN(tests)
