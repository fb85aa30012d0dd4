/* The one reader of "\\.\PhysicalDriveN" (src/platform/win32/drive_path.c), which the
 * device layer (lock the disk's volumes, eject) and the drive layer (describe a disk,
 * an image on the target) share. Pure: runs natively and under Wine. */
#include "check.h"
#include "platform/win32/drive_path.h"

static void reads_the_disk_number(void)
{
    unsigned n = 77;
    CHECK(di_physical_drive_number("\\\\.\\PhysicalDrive0", &n));
    CHECK_U64(n, 0);
    CHECK(di_physical_drive_number("\\\\.\\PHYSICALDRIVE12", &n));
    CHECK_U64(n, 12);
    CHECK(di_physical_drive_number("\\\\.\\physicaldrive3", &n));
    CHECK_U64(n, 3);
    CHECK(di_physical_drive_number("\\\\.\\PhysicalDrive007", &n));
    CHECK_U64(n, 7);
    CHECK(di_physical_drive_number("\\\\.\\PhysicalDrive4294967295", &n));
    CHECK_U64(n, 4294967295u);
}

static void refuses_anything_else(void)
{
    static const char *const others[] = {
        "\\\\.\\PhysicalDrive",            /* no number */
        "\\\\.\\PhysicalDrive1x",          /* something after it */
        "\\\\.\\PhysicalDrive1 ",
        "\\\\.\\PhysicalDrive 1",          /* what sscanf's %u took */
        "\\\\.\\PhysicalDrive-1",
        "\\\\.\\PhysicalDrive+1",
        "\\\\.\\C:",
        "\\\\.\\PhysicalDrive99999999999", /* past 32 bits */
        "\\\\.\\PhysicalDrive4294967296",
        "\\\\?\\PhysicalDrive1",
        "//./PhysicalDrive1",
        "\\\\.\\PhysicalDisk1",
        "PhysicalDrive1",
        "C:\\images\\pi.img",
        "",
        NULL,
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        unsigned n = 77;
        CHECK(!di_physical_drive_number(others[i], &n));
        CHECK_U64(n, 77);   /* untouched */
    }
}

static const test_case tests[] = {
    {"reads_the_disk_number", reads_the_disk_number},
    {"refuses_anything_else", refuses_anything_else},
};
TEST_MAIN(tests)
