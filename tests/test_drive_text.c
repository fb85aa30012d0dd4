/* How the dialog names a drive (src/gui/drive_text.c): in its language, from the facts
 * the platform reports, never from the platform's English label. */
#include <string.h>

#include "check.h"
#include "gui/drive_text.h"
#include "gui/lang.h"

static di_drive_info drive(const char *path, const char *model, const char *mounts,
                           uint64_t size, bool removable)
{
    di_drive_info d;
    memset(&d, 0, sizeof d);
    strcpy(d.path, path);
    strcpy(d.model, model);
    strcpy(d.mounts, mounts);
    d.size = size;
    d.removable = removable;
    return d;
}

static void a_physical_disk_by_number_model_size_and_letters(void)
{
    char out[512];
    di_drive_info d = drive("\\\\.\\PhysicalDrive2", "SanDisk Ultra", "E:, F:", 31914983424ull, true);
    lang_set(LANG_EN);
    CHECK_STR(drive_text(&d, out, sizeof out),
              "Disk 2 \xC2\xB7 SanDisk Ultra \xC2\xB7 31.9 GB \xC2\xB7 E:, F:");
    d.removable = false;
    CHECK_STR(drive_text(&d, out, sizeof out),
              "Disk 2 \xC2\xB7 SanDisk Ultra \xC2\xB7 31.9 GB \xC2\xB7 E:, F: \xC2\xB7 fixed disk");
    d = drive("\\\\.\\PHYSICALDRIVE10", "", "", 8000000000ull, true);
    CHECK_STR(drive_text(&d, out, sizeof out),
              "Disk 10 \xC2\xB7 unknown model \xC2\xB7 8.00 GB \xC2\xB7 no letter");
}

static void a_drive_letter_and_a_reader_without_a_card(void)
{
    char out[512];
    di_drive_info d = drive("\\\\.\\T:", "", "T:", 268435456ull, true);
    lang_set(LANG_EN);
    CHECK_STR(drive_text(&d, out, sizeof out), "T: \xC2\xB7 removable drive \xC2\xB7 268 MB");
    d.removable = false;
    CHECK_CONTAINS(drive_text(&d, out, sizeof out), "fixed drive");
    d = drive("\\\\.\\PhysicalDrive3", "Generic SD Reader", "G:", 0, true);
    d.no_medium = true;
    CHECK_STR(drive_text(&d, out, sizeof out),
              "Disk 3 \xC2\xB7 Generic SD Reader \xC2\xB7 no card \xC2\xB7 G:");
}

static void anything_else_by_its_path_and_model(void)
{
    char out[512];
    di_drive_info d = drive("/dev/sdb", "Mass Storage", "", 1, true);
    lang_set(LANG_EN);
    CHECK_STR(drive_text(&d, out, sizeof out), "/dev/sdb \xC2\xB7 Mass Storage");
    d = drive("\\\\.\\PhysicalDrive1x", "", "", 1, true);
    CHECK_STR(drive_text(&d, out, sizeof out), "\\\\.\\PhysicalDrive1x");
}

static void in_every_language_with_its_numbers(void)
{
    char out[512];
    di_drive_info d = drive("\\\\.\\PhysicalDrive2", "SanDisk Ultra", "", 1500000000ull, true);
    for (int lang = 0; lang < LANG_COUNT; lang++) {
        lang_set((ui_lang)lang);
        drive_text(&d, out, sizeof out);
        CHECK_CONTAINS(out, "SanDisk Ultra");
        CHECK_CONTAINS(out, "2");
        CHECK_CONTAINS(out, lang == LANG_DE || lang == LANG_FR || lang == LANG_ES ? "1,50 GB" : "1.50 GB");
        CHECK_CONTAINS(out, tr(T_NO_LETTER));
    }
    lang_set(LANG_DE);
    d.removable = false;
    CHECK(strstr(drive_text(&d, out, sizeof out), "fixed") == NULL);
    lang_set(LANG_EN);
}

static const test_case tests[] = {
    {"a_physical_disk_by_number_model_size_and_letters", a_physical_disk_by_number_model_size_and_letters},
    {"a_drive_letter_and_a_reader_without_a_card", a_drive_letter_and_a_reader_without_a_card},
    {"anything_else_by_its_path_and_model", anything_else_by_its_path_and_model},
    {"in_every_language_with_its_numbers", in_every_language_with_its_numbers},
};
TEST_MAIN(tests)
