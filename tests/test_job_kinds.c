/* Every job kind and every refusal reason has its text in every front end: a kind
 * added to the core (src/core/job_kinds.c) fails here until the CLI has a command for
 * it and the dialog a word; a reason, until both renderers word it with its data. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli/args.h"
#include "diskimager/job.h"
#include "diskimager/status.h"
#include "gui/result_text.h"

static void every_kind_has_a_name_a_command_and_a_word(void)
{
    for (int k = 0; k < DI_JOB_KIND_COUNT; k++) {
        const char *name = di_job_kind_name((di_job_kind)k);
        CHECK(strcmp(name, "unknown") != 0);
        const char *command = cli_command_for_kind((di_job_kind)k);
        CHECK(command != NULL);
        CHECK(result_kind_word((di_job_kind)k) != NULL);
        if (!command) continue;
        /* The command parses to the kind it names. */
        char *argv[] = {"diskimager", (char *)command, "a", "b", NULL};
        int argc = k == DI_JOB_HASH || k == DI_JOB_FORMAT || k == DI_JOB_CHECK ? 3 : 4; /* paths */
        cli_args args;
        char error[256];
        CHECK(cli_parse_args(argc, argv, &args, error, sizeof error));
        CHECK_U64(args.command, CLI_JOB);
        CHECK_U64(args.kind, (unsigned)k);
    }
    /* The kinds that write a drive: asked first, never the system disk (one table). */
    CHECK(di_job_kind_writes_drive(DI_JOB_WRITE));
    CHECK(di_job_kind_writes_drive(DI_JOB_FORMAT));
    CHECK(di_job_kind_writes_drive(DI_JOB_CHECK));
    CHECK(!di_job_kind_writes_drive(DI_JOB_READ));
    CHECK(!di_job_kind_writes_drive(DI_JOB_VERIFY));
    CHECK(!di_job_kind_writes_drive(DI_JOB_HASH));
    CHECK(!di_job_kind_writes_drive(DI_JOB_KIND_COUNT));
    CHECK_STR(di_job_kind_name(DI_JOB_KIND_COUNT), "unknown");
    CHECK(cli_command_for_kind(DI_JOB_KIND_COUNT) == NULL);
    CHECK(result_kind_word(DI_JOB_KIND_COUNT) == NULL);
}

static void a_spec_of_no_kind_is_refused_by_the_job(void)
{
    di_job_spec spec = {.kind = DI_JOB_KIND_COUNT, .source_path = "x", .target_path = "y"};
    di_job *job = di_job_new(&spec);
    CHECK(job != NULL);
    if (!job) return;
    CHECK_U64(di_job_run(job), DI_ERR_USAGE);
    char text[512];
    CHECK_CONTAINS(di_error_format(&di_job_result(job)->error, text, sizeof text),
                   "unknown job kind");
    di_job_free(job);
}

static void every_refusal_is_worded_with_its_data_by_both_renderers(void)
{
    char seen_cli[DI_REASON_COUNT][512], seen_gui[DI_REASON_COUNT][512];
    /* The refusals; the reasons worded in the frame are tests/test_error_words.c's. */
    for (int reason = DI_REASON_NONE + 1;
         reason < DI_REASON_COUNT && !di_reason_has_frame((di_reason)reason); reason++) {
        di_error e;
        di_error_refuse(&e, DI_ERR_USAGE, (di_reason)reason, "write", "/dev/fake-path");
        snprintf(e.path2, sizeof e.path2, "/dev/second-path");
        e.sizes[0] = 1500000000;
        e.sizes[1] = 8000000000;
        snprintf(e.value, sizeof e.value, "typed-value");
        char *cli = di_error_format(&e, seen_cli[reason], sizeof seen_cli[reason]);
        char *gui = result_error_text(&e, seen_gui[reason], sizeof seen_gui[reason]);
        CHECK(strlen(cli) > 10);
        CHECK(strlen(gui) > 10);
        /* Nothing falls back to the generic "write failed on ..." shape with no why. */
        CHECK(strcmp(cli, "write failed on /dev/fake-path") != 0);
        /* The data the reason names shows in both. */
        const char *wants[] = {NULL, NULL};
        switch ((di_reason)reason) {
        case DI_REASON_IMAGE_MISSING:
        case DI_REASON_IMAGE_IS_FOLDER:
        case DI_REASON_IMAGE_EMPTY:
        case DI_REASON_SYSTEM_DISK:
        case DI_REASON_IMAGE_SIZE_UNKNOWN: wants[0] = "/dev/fake-path"; break;
        case DI_REASON_FIXED_DISK: wants[0] = "/dev/fake-path"; wants[1] = "1.50 GB"; break;
        case DI_REASON_BAD_EXPECTED: wants[0] = "typed-value"; break;
        case DI_REASON_IMAGE_TOO_BIG_TO_HASH: wants[0] = "/dev/second-path"; wants[1] = "8.00 GB"; break;
        default: break;
        }
        for (int w = 0; w < 2; w++) {
            if (!wants[w]) continue;
            CHECK_CONTAINS(cli, wants[w]);
            CHECK_CONTAINS(gui, wants[w]);
        }
        /* Each reason its own sentence. */
        for (int other = DI_REASON_NONE + 1; other < reason; other++) {
            CHECK(strcmp(seen_cli[other], cli) != 0);
            CHECK(strcmp(seen_gui[other], gui) != 0);
        }
    }
}

static const test_case tests[] = {
    {"every_kind_has_a_name_a_command_and_a_word", every_kind_has_a_name_a_command_and_a_word},
    {"a_spec_of_no_kind_is_refused_by_the_job", a_spec_of_no_kind_is_refused_by_the_job},
    {"every_refusal_is_worded_with_its_data_by_both_renderers",
     every_refusal_is_worded_with_its_data_by_both_renderers},
};
TEST_MAIN(tests)
