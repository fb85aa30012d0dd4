/* The dialog's five languages: every text in every language with the same placeholders
 * and paragraph shape as English, the lookups, and numbers written each language's way. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "gui/lang.h"
#include "gui/result_text.h"
#include "gui/status_text.h"

static unsigned leading_newlines(const char *s)
{
    unsigned n = 0;
    while (s[n] == '\n') n++;
    return n;
}

static unsigned paragraphs(const char *s)
{
    unsigned n = 0;
    for (const char *p = s; (p = strstr(p, "\n\n")); p += 2) n++;
    return n;
}

static void every_text_in_every_language_with_the_same_placeholders(void)
{
    for (int lang = 0; lang < LANG_COUNT; lang++) {
        CHECK(strlen(lang_name((ui_lang)lang)) > 0);
        CHECK(strlen(lang_code((ui_lang)lang)) == 2);
        for (int id = 0; id < T_COUNT; id++) {
            const char *en = lang_text(LANG_EN, (text_id)id);
            const char *text = lang_text((ui_lang)lang, (text_id)id);
            if (!text || !text[0] || !en) {
                fprintf(stderr, "%s: text %d is missing\n", lang_code((ui_lang)lang), id);
                CHECK(false);
                continue;
            }
            if (lang_placeholders(text) != lang_placeholders(en) ||
                leading_newlines(text) != leading_newlines(en) || paragraphs(text) != paragraphs(en)) {
                fprintf(stderr, "%s: text %d \"%s\" is not shaped like \"%s\"\n",
                        lang_code((ui_lang)lang), id, text, en);
                CHECK(false);
            }
        }
    }
    CHECK(lang_text(LANG_COUNT, T_READY) == NULL);
    CHECK(lang_text(LANG_EN, T_COUNT) == NULL);
}

static void windows_languages_map_to_ours(void)
{
    CHECK_U64(lang_for_windows(0x0409), LANG_EN);
    CHECK_U64(lang_for_windows(0x0407), LANG_DE); /* de-DE */
    CHECK_U64(lang_for_windows(0x0c07), LANG_DE); /* de-AT */
    CHECK_U64(lang_for_windows(0x040c), LANG_FR);
    CHECK_U64(lang_for_windows(0x0c0a), LANG_ES);
    CHECK_U64(lang_for_windows(0x080a), LANG_ES); /* es-MX */
    CHECK_U64(lang_for_windows(0x0804), LANG_ZH); /* zh-CN */
    CHECK_U64(lang_for_windows(0x0411), LANG_EN); /* Japanese: not (yet) ours */
}

static void placeholders_are_filled_and_numbers_localised(void)
{
    char out[512], size[32], rate[32];
    lang_set(LANG_EN);
    CHECK_STR(tr_format(out, sizeof out, T_R_IMAGE_MISSING, "Z:\\pi.img", NULL),
              "The image file Z:\\pi.img does not exist.");
    CHECK_STR(tr_size(1500000000, size, sizeof size), "1.50 GB");
    lang_set(LANG_DE);
    CHECK_STR(tr_size(1500000000, size, sizeof size), "1,50 GB");
    CHECK_STR(tr_rate(419e6, rate, sizeof rate), "419,0 MB/s");
    CHECK_STR(tr_size(268435456, size, sizeof size), "268 MB");
    CHECK_CONTAINS(tr_format(out, sizeof out, T_R_IMAGE_MISSING, "Z:\\pi.img", NULL), "Z:\\pi.img");
    CHECK(strcmp(out, "The image file Z:\\pi.img does not exist.") != 0);
    lang_set(LANG_ZH);
    CHECK_STR(tr_size(1500000000, size, sizeof size), "1.50 GB");
    /* A placeholder with no argument is left empty, never read past the list. */
    lang_set(LANG_EN);
    CHECK_STR(tr_format(out, sizeof out, T_R_IMAGE_MISSING, NULL), "The image file  does not exist.");
    /* Truncation keeps the string terminated. */
    CHECK_STR(tr_format(out, 8, T_R_IMAGE_MISSING, "x", NULL), "The ima");
}

static void results_and_the_status_line_speak_the_language(void)
{
    di_result r = {.status = DI_OK, .image_bytes = 1500000000, .verified = true,
                   .hash_mask = DI_HASH_BIT(DI_HASH_MD5)};
    snprintf(r.hashes[DI_HASH_MD5], DI_HASH_HEX_MAX, "5805725c694d6b94aeb006f593947ad8");
    di_expected_hash none = {0};
    static result_view view;
    for (int lang = 0; lang < LANG_COUNT; lang++) {
        lang_set((ui_lang)lang);
        result_render(DI_JOB_WRITE, &r, &none, NULL, 20e6, &view);
        char want[256];
        tr_format(want, sizeof want, T_DONE_BOX, tr(T_KIND_WRITE), NULL);
        CHECK(strncmp(view.box, want, strlen(want)) == 0);
        CHECK_CONTAINS(view.box, lang_text((ui_lang)lang, T_READ_BACK_MATCHES) + 1);
        CHECK_CONTAINS(view.status, lang == LANG_DE || lang == LANG_FR || lang == LANG_ES ? "1,50 GB" : "1.50 GB");
        di_progress p = {.phase = DI_PHASE_VERIFYING, .bytes_done = 1200000000,
                         .bytes_total = 3960000000, .rate = 312.4e6, .seconds_left = 42};
        char line[512];
        di_status_line(&p, line, sizeof line);
        CHECK(strncmp(line, tr(T_PHASE_VERIFYING), strlen(tr(T_PHASE_VERIFYING))) == 0);
        CHECK_CONTAINS(line, "0:42");
    }
    lang_set(LANG_EN);
}

static const test_case tests[] = {
    {"every_text_in_every_language_with_the_same_placeholders",
     every_text_in_every_language_with_the_same_placeholders},
    {"windows_languages_map_to_ours", windows_languages_map_to_ours},
    {"placeholders_are_filled_and_numbers_localised", placeholders_are_filled_and_numbers_localised},
    {"results_and_the_status_line_speak_the_language", results_and_the_status_line_speak_the_language},
};
TEST_MAIN(tests)
