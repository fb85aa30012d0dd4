/* The re-check before a Write, as a pure decision: the drive chosen (size, model,
 * serial number) against what the device opened says now. Another card in the slot is
 * caught by any of the three; a fact unknown on either side is no evidence. */
#include <stdio.h>

#include "check.h"
#include "core/drive_check.h"

#define GB32 31914983424ull
#define GB16 15931539456ull

/* What di_drive_describe says of a SanDisk stick and of another of the same make. */
static di_drive_info drive(const char *model, const char *serial)
{
    di_drive_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.path, sizeof info.path, "/dev/sdb");
    snprintf(info.model, sizeof info.model, "%s", model);
    snprintf(info.serial, sizeof info.serial, "%s", serial);
    info.size = GB32;
    info.exists = info.is_block_device = true;
    return info;
}

static void the_same_drive_passes(void)
{
    di_error e;
    di_drive_info now = drive("SanDisk Cruzer Blade", "4C530001230412109474");
    di_drive_expect expect = {GB32, "SanDisk Cruzer Blade", "4C530001230412109474"};
    CHECK(!di_drive_changed(&expect, GB32, &now, "/dev/sdz", &e));
    CHECK_STR(e.detail, "");
    /* Nothing expected: nothing checked. */
    di_drive_expect none = {0, NULL, NULL};
    CHECK(!di_drive_changed(&none, GB16, &now, "/dev/sdz", &e));
    di_drive_expect empty = {0, "", ""};
    CHECK(!di_drive_changed(&empty, GB16, &now, "/dev/sdz", &e));
}

static void another_size_is_another_drive(void)
{
    di_error e;
    di_drive_info now = drive("SanDisk Cruzer Blade", "4C530001230412109474");
    di_drive_expect expect = {GB32, "SanDisk Cruzer Blade", "4C530001230412109474"};
    CHECK(di_drive_changed(&expect, GB16, &now, "/dev/sdz", &e));
    CHECK_STR(e.detail, "the drive changed since it was chosen: it had 31.9 GB, it now has 15.9 GB "
                      "(another card or stick?); nothing was written, choose it again");
    /* The size needs no description of the drive. */
    CHECK(di_drive_changed(&expect, GB16, NULL, "/dev/sdz", &e));
    CHECK_CONTAINS(e.detail, "it had 31.9 GB, it now has 15.9 GB");
}

static void another_model_is_another_drive(void)
{
    di_error e;
    di_drive_info now = drive("Kingston DataTraveler 3.0", "4C530001230412109474");
    di_drive_expect expect = {GB32, "SanDisk Cruzer Blade", NULL};
    CHECK(di_drive_changed(&expect, GB32, &now, "/dev/sdz", &e));
    CHECK_STR(e.detail, "the drive changed since it was chosen: it was a SanDisk Cruzer Blade, it "
                      "is now a Kingston DataTraveler 3.0; nothing was written, choose it again");
    /* A model that is gone counts: the drive named in the confirmation is not there. */
    now = drive("", "");
    CHECK(di_drive_changed(&expect, GB32, &now, "/dev/sdz", &e));
    CHECK_CONTAINS(e.detail, "it is now a drive of unknown model");
    /* No description at all (di_drive_describe failed): only the size was checked. */
    CHECK(!di_drive_changed(&expect, GB32, NULL, "/dev/sdz", &e));
}

static void another_serial_number_is_another_drive(void)
{
    di_error e;
    /* Two sticks of the same make and size, swapped in the same port. */
    di_drive_info now = drive("SanDisk Cruzer Blade", "4C530001120511102384");
    di_drive_expect expect = {GB32, "SanDisk Cruzer Blade", "4C530001230412109474"};
    CHECK(di_drive_changed(&expect, GB32, &now, "/dev/sdz", &e));
    CHECK_STR(e.detail, "the drive changed since it was chosen: serial number 4C530001230412109474, "
                      "now 4C530001120511102384; nothing was written, choose it again");
    /* A placeholder is still a number: a real one against it is another stick. */
    now = drive("SanDisk Cruzer Blade", "0000000000000000");
    CHECK(di_drive_changed(&expect, GB32, &now, "/dev/sdz", &e));
    /* Serial numbers are compared as reported: case counts. */
    now = drive("SanDisk Cruzer Blade", "4c530001230412109474");
    CHECK(di_drive_changed(&expect, GB32, &now, "/dev/sdz", &e));
}

static void an_unknown_serial_number_is_no_evidence(void)
{
    di_error e;
    /* The drive reports none now (or the route that read it has none). */
    di_drive_info now = drive("SanDisk Cruzer Blade", "");
    di_drive_expect expect = {GB32, "SanDisk Cruzer Blade", "4C530001230412109474"};
    CHECK(!di_drive_changed(&expect, GB32, &now, "/dev/sdz", &e));
    /* None was known when it was chosen. */
    now = drive("SanDisk Cruzer Blade", "4C530001230412109474");
    di_drive_expect unknown = {GB32, "SanDisk Cruzer Blade", NULL};
    CHECK(!di_drive_changed(&unknown, GB32, &now, "/dev/sdz", &e));
    unknown.serial = "";
    CHECK(!di_drive_changed(&unknown, GB32, &now, "/dev/sdz", &e));
    /* The model is checked first, the serial number only without a model too. */
    di_drive_expect serial_only = {0, NULL, "4C530001230412109474"};
    now = drive("", "4C530001120511102384");
    CHECK(di_drive_changed(&serial_only, GB32, &now, "/dev/sdz", &e));
    CHECK_CONTAINS(e.detail, "serial number 4C530001230412109474, now 4C530001120511102384");
}

static void the_change_is_data_for_every_front_end(void)
{
    di_error e;
    di_drive_info now = drive("SanDisk Cruzer Blade", "B");
    di_drive_expect expect = {GB32, NULL, "A"};
    CHECK(di_drive_changed(&expect, GB32, &now, "/dev/sdz", &e));
    CHECK_U64(e.status, DI_ERR_BUSY);
    CHECK_U64(e.op, DI_OP_WRITE);
    CHECK_STR(e.path, "/dev/sdz");
    CHECK_U64(e.reason, DI_REASON_DRIVE_CHANGED_SERIAL);
    CHECK_U64(e.arg_count, 2);
    CHECK_STR(e.arg_text + e.args[0].text_at, "A");
    CHECK_STR(e.arg_text + e.args[1].text_at, "B");
}

static const test_case tests[] = {
    {"the_same_drive_passes", the_same_drive_passes},
    {"another_size_is_another_drive", another_size_is_another_drive},
    {"another_model_is_another_drive", another_model_is_another_drive},
    {"another_serial_number_is_another_drive", another_serial_number_is_another_drive},
    {"an_unknown_serial_number_is_no_evidence", an_unknown_serial_number_is_no_evidence},
    {"the_change_is_data_for_every_front_end", the_change_is_data_for_every_front_end},
};
TEST_MAIN(tests)
