/* Errors as data: every operation and reason has its words in every language with the
 * same placeholders; di_error_why keeps the arguments and the English the CLI prints;
 * the dialog words the same error in its language from the data alone. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "diskimager/units.h"
#include "gui/error_text.h"
#include "gui/lang.h"

static void every_operation_and_reason_in_every_language(void)
{
    for (int op = DI_OP_NONE + 1; op < DI_OP_COUNT; op++) {
        CHECK(di_op_name((di_op)op)[0] != '\0');
        for (int lang = 0; lang < LANG_COUNT; lang++) {
            const char *words = lang_op((ui_lang)lang, (di_op)op);
            if (!words || !words[0]) {
                fprintf(stderr, "%s: operation \"%s\" has no words\n", lang_code((ui_lang)lang),
                        di_op_name((di_op)op));
                CHECK(false);
            }
        }
    }
    int framed = 0;
    for (int r = 0; r < DI_REASON_COUNT; r++) {
        if (!di_reason_has_frame((di_reason)r)) continue;
        framed++;
        const char *en = di_reason_english((di_reason)r);
        CHECK(en && en[0]);
        unsigned used = lang_placeholders(en);
        /* {0}, {1}, ... with none skipped: an argument list, not a set. */
        CHECK((used & (used + 1)) == 0);
        for (int lang = 0; lang < LANG_COUNT; lang++) {
            const char *words = lang_reason((ui_lang)lang, (di_reason)r);
            if (!words || !words[0] || lang_placeholders(words) != used || strchr(words, '\n')) {
                fprintf(stderr, "%s: reason %d (\"%s\") has no words with its placeholders\n",
                        lang_code((ui_lang)lang), r, en);
                CHECK(false);
            }
        }
    }
    CHECK(framed > 0);
    CHECK(!di_reason_has_frame(DI_REASON_NONE));
    CHECK(!di_reason_has_frame(DI_REASON_FIXED_DISK));
    CHECK(di_reason_english(DI_REASON_FIXED_DISK) == NULL);
}

static void the_arguments_are_kept_and_worded_in_english(void)
{
    di_error e;
    di_error_why(&e, DI_ERR_READ, DI_OP_READ, "/dev/sdz", DI_REASON_ENDED_EARLY,
                 DI_ARGS(di_number(5), di_number(4096), di_number(512)));
    di_error_at(&e, 517);
    CHECK_STR(e.operation, "read");
    CHECK_U64(e.op, DI_OP_READ);
    CHECK_U64(e.arg_count, 3);
    CHECK_U64(e.args[1].n, 4096);
    CHECK_STR(e.detail, "ended early: 5 of 4096 bytes read from byte 512");
    char text[1024];
    CHECK_STR(di_error_format(&e, text, sizeof text),
              "read failed on /dev/sdz at byte 517 (517 B): ended early: 5 of 4096 bytes read "
              "from byte 512");

    /* Texts, sizes and hex numbers; a placeholder without an argument shows "?". */
    di_error_why(&e, DI_ERR_USAGE, DI_OP_CHECK, "", DI_REASON_NONE,
                 DI_ARGS(di_text("abc"), di_size(1500000000), di_hex32(0xbeef), di_text("")));
    CHECK_STR(di_error_fill("{0}|{1}|{2}|{3}|{4}|{x}", &e, di_format_size, text, sizeof text),
              "abc|1.50 GB|0x0000beef||?|{x}");
    CHECK_STR(di_error_format(&e, text, sizeof text), "check failed");

    /* Texts longer than the room left are cut, never overrun. */
    char long_text[DI_TEXT_MAX * 2];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    di_error_why(&e, DI_ERR_USAGE, DI_OP_CHECK, "", DI_REASON_NONE,
                 DI_ARGS(di_text(long_text), di_text("second")));
    di_error_fill("{0}", &e, di_format_size, text, sizeof text);
    CHECK_U64(strlen(text), DI_TEXT_MAX - 1);
    di_error_fill("{1}", &e, di_format_size, text, sizeof text);
    CHECK_STR(text, "");
}

static void the_dialog_words_it_in_its_language(void)
{
    di_error e;
    di_error_why_os(&e, DI_ERR_WRITE, DI_IO_WRITE, DI_OP_WRITE, "\\\\.\\PhysicalDrive2", 0,
                    DI_REASON_DEVICE_FULL, DI_NO_ARGS);
    di_error_at(&e, 1500000000);
    e.fault = DI_FAULT_WRITE_PROTECTED;
    char text[4096];
    lang_set(LANG_EN);
    result_error_text(&e, text, sizeof text);
    CHECK_STR(text, "Writing failed on \\\\.\\PhysicalDrive2 at byte 1500000000 (1.50 GB).\n\n"
                    "No space left: the device took no more data.\n\n"
                    "The card is write-protected: slide the lock switch on its side up, towards "
                    "the contacts, and insert the card again.");
    for (int lang = LANG_DE; lang < LANG_COUNT; lang++) {
        lang_set((ui_lang)lang);
        result_error_text(&e, text, sizeof text);
        CHECK_CONTAINS(text, lang_op((ui_lang)lang, DI_OP_WRITE));
        CHECK_CONTAINS(text, "\\\\.\\PhysicalDrive2");
        CHECK_CONTAINS(text, lang == LANG_ZH ? "1.50 GB" : "1,50 GB");
        CHECK_CONTAINS(text, tr(T_ADVICE_WRITE_PROTECTED));
        CHECK(strstr(text, "no space left") == NULL);
        CHECK(strstr(text, "write-protected") == NULL);
    }
    /* An error made without its operation as data keeps the core's English. */
    di_error_set(&e, DI_ERR_OPEN, "open", "/x", 0, "some platform detail");
    lang_set(LANG_DE);
    CHECK_STR(result_error_text(&e, text, sizeof text), "open failed on /x: some platform detail");
    lang_set(LANG_EN);
}

static const test_case tests[] = {
    {"every_operation_and_reason_in_every_language", every_operation_and_reason_in_every_language},
    {"the_arguments_are_kept_and_worded_in_english", the_arguments_are_kept_and_worded_in_english},
    {"the_dialog_words_it_in_its_language", the_dialog_words_it_in_its_language},
};
TEST_MAIN(tests)
