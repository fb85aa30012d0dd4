/* Is a Write's source its own target (issue 15, drive to drive)? The decision
 * (di_storage_relate) over ids as each platform makes them: Windows' from the structures
 * it returns, recorded (a card's volume E: on \\.\PhysicalDrive2, a volume spanning two
 * disks, Wine's file-backed letters, which all answer disk 1 partition 1), and Linux's
 * from a sysfs tree built here (a disk and its partition, a device-mapper volume on the
 * partition, a loop device, its partition and its backing file). Runs natively and under
 * Wine (the sysfs part natively). */
#define _POSIX_C_SOURCE 200809L /* symlink */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "diskimager/drives.h"
#include "diskimager/request.h"
#include "platform/win32/disk_facts.h"
#include "test_files.h"
#ifndef _WIN32
#include <sys/stat.h>
#include "platform/posix/sysfs_disk.h"
#endif

static di_storage_id disk_id(uint64_t disk, uint32_t partition)
{
    di_storage_id id = {.count = 1};
    id.on[0] = (di_storage_extent){disk, partition};
    return id;
}

static void relations_between_disks_and_partitions(void)
{
    di_storage_id sdb = disk_id(0x800000010ull, 0), sdb1 = disk_id(0x800000010ull, 1),
                  sdb2 = disk_id(0x800000010ull, 2), sdc = disk_id(0x800000020ull, 0),
                  unknown = {0};
    CHECK(di_storage_relate(&sdb, &sdb) == DI_STORAGE_SAME);
    CHECK(di_storage_relate(&sdb1, &sdb1) == DI_STORAGE_SAME);
    CHECK(di_storage_relate(&sdb1, &sdb) == DI_STORAGE_FIRST_INSIDE);
    CHECK(di_storage_relate(&sdb, &sdb1) == DI_STORAGE_SECOND_INSIDE);
    /* Two partitions of one disk do not overlap: a partition may be copied to another. */
    CHECK(di_storage_relate(&sdb1, &sdb2) == DI_STORAGE_APART);
    CHECK(di_storage_relate(&sdb, &sdc) == DI_STORAGE_APART);
    CHECK(di_storage_relate(&sdb1, &sdc) == DI_STORAGE_APART);
    /* What cannot be told is not refused. */
    CHECK(di_storage_relate(&unknown, &sdb) == DI_STORAGE_APART);
    CHECK(di_storage_relate(&unknown, &unknown) == DI_STORAGE_APART);

    /* An LVM volume over sdb1 and sdc1: partly on sdc, all of it on sdb and sdc. */
    di_storage_id lv = {.count = 2};
    lv.on[0] = (di_storage_extent){0x800000010ull, 1};
    lv.on[1] = (di_storage_extent){0x800000020ull, 1};
    CHECK(di_storage_relate(&lv, &sdc) == DI_STORAGE_SHARED);
    CHECK(di_storage_relate(&sdc, &lv) == DI_STORAGE_SHARED);
    CHECK(di_storage_relate(&lv, &sdb1) == DI_STORAGE_SHARED);
    CHECK(di_storage_relate(&lv, &sdb2) == DI_STORAGE_APART);
    CHECK(di_storage_relate(&lv, &lv) == DI_STORAGE_SAME);
}

static void relations_of_files(void)
{
    di_storage_id file = {.file = true, .file_volume = 0xfe00, .file_index = 1234};
    di_storage_id other = {.file = true, .file_volume = 0xfe00, .file_index = 1235};
    /* A loop device backed by the file, and a partition of it. */
    di_storage_id loop0 = disk_id(0x700000000ull, 0), loop0p1 = disk_id(0x700000000ull, 1),
                  loop0p2 = disk_id(0x700000000ull, 2);
    loop0.file = loop0p1.file = loop0p2.file = true;
    loop0.file_volume = loop0p1.file_volume = loop0p2.file_volume = 0xfe00;
    loop0.file_index = loop0p1.file_index = loop0p2.file_index = 1234;
    CHECK(di_storage_relate(&file, &file) == DI_STORAGE_SAME);
    CHECK(di_storage_relate(&file, &other) == DI_STORAGE_APART);
    CHECK(di_storage_relate(&file, &loop0) == DI_STORAGE_SAME);
    CHECK(di_storage_relate(&loop0, &file) == DI_STORAGE_SAME);
    CHECK(di_storage_relate(&other, &loop0) == DI_STORAGE_APART);
    /* The disks decide where both are known: two partitions share the file, not bytes. */
    CHECK(di_storage_relate(&loop0p1, &loop0p2) == DI_STORAGE_APART);
    CHECK(di_storage_relate(&loop0p1, &loop0) == DI_STORAGE_FIRST_INSIDE);
}

/* STORAGE_DEVICE_NUMBER as Windows returns it: DeviceType, DeviceNumber, PartitionNumber. */
static void device_number(uint8_t out[12], uint32_t type, uint32_t number, uint32_t partition)
{
    const uint32_t fields[3] = {type, number, partition};
    for (int f = 0; f < 3; f++)
        for (int b = 0; b < 4; b++) out[f * 4 + b] = (uint8_t)(fields[f] >> (8 * b));
}

static di_storage_id windows_id(const di_win_storage_facts *facts)
{
    di_storage_id id;
    CHECK(di_win_storage_id(facts, &id));
    return id;
}

static void windows_volumes_and_disks(void)
{
    uint32_t disk = 99, partition = 99;
    uint8_t raw[12];
    /* A card's volume E: on disk 2, partition 1 (FILE_DEVICE_DISK = 7). */
    device_number(raw, 7, 2, 1);
    CHECK(di_parse_device_number(raw, sizeof raw, &disk, &partition));
    CHECK_U64(disk, 2);
    CHECK_U64(partition, 1);
    CHECK(!di_parse_device_number(raw, 11, &disk, &partition));
    /* A CD-ROM's numbers are another series (CdRom0). */
    device_number(raw, 2, 0, 0);
    CHECK(!di_parse_device_number(raw, sizeof raw, &disk, &partition));
    /* "Cannot be partitioned": the whole disk. */
    device_number(raw, 7, 3, 0xFFFFFFFFu);
    CHECK(di_parse_device_number(raw, sizeof raw, &disk, &partition));
    CHECK_U64(partition, 0);

    di_win_storage_facts e = {.device_number_len = 12}, pd2 = {.physical = true,
                                                                .physical_number = 2},
                         pd3 = {.physical = true, .physical_number = 3};
    device_number(e.device_number, 7, 2, 1);
    /* Windows answers GetFileInformationByHandle on a volume or not: either way. */
    di_win_storage_facts e_file = e;
    e_file.file = true;
    e_file.volume_serial = 0x1234abcd;
    di_storage_id id_e = windows_id(&e), id_e_file = windows_id(&e_file), id_pd2 = windows_id(&pd2),
                  id_pd3 = windows_id(&pd3);
    CHECK(di_storage_relate(&id_e, &id_pd2) == DI_STORAGE_FIRST_INSIDE);
    CHECK(di_storage_relate(&id_pd2, &id_e_file) == DI_STORAGE_SECOND_INSIDE);
    CHECK(di_storage_relate(&id_e, &id_e_file) == DI_STORAGE_SAME);
    CHECK(di_storage_relate(&id_pd2, &id_pd2) == DI_STORAGE_SAME);
    CHECK(di_storage_relate(&id_pd2, &id_pd3) == DI_STORAGE_APART);
    CHECK(di_storage_relate(&id_e, &id_pd3) == DI_STORAGE_APART);

    /* A volume spanning disks 1 and 2 (VOLUME_DISK_EXTENTS; no device number). */
    di_win_storage_facts spanned = {.extent_count = 2};
    spanned.extents[0] = (di_disk_extent){1, 1 << 20, 1 << 30};
    spanned.extents[1] = (di_disk_extent){2, 1 << 20, 1 << 30};
    di_storage_id id_spanned = windows_id(&spanned);
    CHECK_U64(id_spanned.count, 2);
    CHECK(di_storage_relate(&id_spanned, &id_pd2) == DI_STORAGE_SHARED);
    CHECK(di_storage_relate(&id_spanned, &id_pd3) == DI_STORAGE_APART);
    di_win_storage_facts nothing = {0};
    di_storage_id none;
    CHECK(!di_win_storage_id(&nothing, &none));
}

/* Recorded under Wine 8.0: every drive letter backed by a file answers disk 1, partition
 * 1; the file behind it is told by GetFileInformationByHandle. V: is a second letter
 * for T:'s file. */
static void wine_letters_backed_by_files(void)
{
    di_win_storage_facts t = {.device_number_len = 12, .file = true, .volume_serial = 0x5a000000,
                              .file_index = 0xa74597},
                         u = t, v = t, c = {.device_number_len = 12};
    u.file_index = 0xa74598;
    device_number(t.device_number, 7, 1, 1);
    device_number(u.device_number, 7, 1, 1);
    device_number(v.device_number, 7, 1, 1);
    device_number(c.device_number, 7, 0, 1);
    di_storage_id id_t = windows_id(&t), id_u = windows_id(&u), id_v = windows_id(&v),
                  id_c = windows_id(&c);
    CHECK(di_storage_relate(&id_t, &id_t) == DI_STORAGE_SAME);
    CHECK(di_storage_relate(&id_t, &id_u) == DI_STORAGE_APART);
    CHECK(di_storage_relate(&id_t, &id_v) == DI_STORAGE_SAME);
    CHECK(di_storage_relate(&id_t, &id_c) == DI_STORAGE_APART);
}

#ifndef _WIN32
static void make_dir(const char *root, const char *dir)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/%s'", root, dir);
    CHECK(system(cmd) == 0);
}

static void put(const char *root, const char *file, const char *text)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", root, file);
    CHECK(write_text_file(path, text));
}

static void link_to(const char *root, const char *link, const char *to)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", root, link);
    unlink(path);
    CHECK(symlink(to, path) == 0);
}

static di_storage_id sysfs_id(const char *root, unsigned major, unsigned minor)
{
    di_storage_id id;
    memset(&id, 0, sizeof id);
    CHECK(di_sysfs_storage_id(root, major, minor, &id));
    return id;
}

/* The tree as the kernel lays it out: /sys/dev/block/MAJ:MIN links to the device's
 * directory; a partition is a directory inside its disk's, with a `partition` file; a
 * device-mapper volume lists what it is built on in `slaves`. */
static void linux_sysfs_tree(void)
{
    const char *dir = test_dir("drive_identity");
    char root[1200], cwd[512], backing[1400];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(root, sizeof root, "%s/%s/sys", cwd, dir);
    make_dir(root, "dev/block");
    make_dir(root, "block/sdb/sdb1");
    make_dir(root, "block/sdb/slaves");
    put(root, "block/sdb/dev", "8:16\n");
    put(root, "block/sdb/sdb1/dev", "8:17\n");
    put(root, "block/sdb/sdb1/partition", "1\n");
    link_to(root, "dev/block/8:16", "../../block/sdb");
    link_to(root, "dev/block/8:17", "../../block/sdb/sdb1");
    make_dir(root, "block/dm-0/slaves");
    put(root, "block/dm-0/dev", "253:0\n");
    link_to(root, "block/dm-0/slaves/sdb1", "../../sdb/sdb1");
    link_to(root, "dev/block/253:0", "../../block/dm-0");
    /* loop0 over a file, with two partitions (added by partx, as the tests do). */
    snprintf(backing, sizeof backing, "%s/%s/card.img", cwd, dir);
    CHECK(write_text_file(backing, "a card\n"));
    make_dir(root, "block/loop0/loop");
    make_dir(root, "block/loop0/loop0p1");
    make_dir(root, "block/loop0/loop0p2");
    put(root, "block/loop0/dev", "7:0\n");
    char line[1500];
    snprintf(line, sizeof line, "%s\n", backing);
    put(root, "block/loop0/loop/backing_file", line);
    put(root, "block/loop0/loop0p1/dev", "259:0\n");
    put(root, "block/loop0/loop0p1/partition", "1\n");
    put(root, "block/loop0/loop0p2/dev", "259:1\n");
    put(root, "block/loop0/loop0p2/partition", "2\n");
    link_to(root, "dev/block/7:0", "../../block/loop0");
    link_to(root, "dev/block/259:0", "../../block/loop0/loop0p1");
    link_to(root, "dev/block/259:1", "../../block/loop0/loop0p2");

    di_storage_id sdb = sysfs_id(root, 8, 16), sdb1 = sysfs_id(root, 8, 17),
                  dm0 = sysfs_id(root, 253, 0), loop0 = sysfs_id(root, 7, 0),
                  loop0p1 = sysfs_id(root, 259, 0), loop0p2 = sysfs_id(root, 259, 1);
    CHECK_U64(sdb.count, 1);
    CHECK_U64(sdb.on[0].disk, (8ull << 32) | 16);
    CHECK_U64(sdb.on[0].partition, 0);
    CHECK_U64(sdb1.on[0].disk, (8ull << 32) | 16);
    CHECK_U64(sdb1.on[0].partition, 1);
    CHECK(!sdb.file);
    CHECK(di_storage_relate(&sdb1, &sdb) == DI_STORAGE_FIRST_INSIDE);
    CHECK(di_storage_relate(&sdb, &sdb1) == DI_STORAGE_SECOND_INSIDE);
    /* The device-mapper volume lies where its slave does. */
    CHECK_U64(dm0.count, 1);
    CHECK(di_storage_relate(&dm0, &sdb) == DI_STORAGE_FIRST_INSIDE);
    CHECK(di_storage_relate(&dm0, &sdb1) == DI_STORAGE_SAME);
    CHECK_U64(loop0p1.on[0].disk, 7ull << 32);
    CHECK_U64(loop0p1.on[0].partition, 1);
    CHECK(loop0.file && loop0p1.file);
    CHECK(di_storage_relate(&loop0p1, &loop0) == DI_STORAGE_FIRST_INSIDE);
    CHECK(di_storage_relate(&loop0p1, &loop0p2) == DI_STORAGE_APART);
    CHECK(di_storage_relate(&loop0, &sdb) == DI_STORAGE_APART);
    /* The backing file, as di_storage_id_of sees a regular file. */
    di_storage_id file;
    CHECK(di_storage_id_of(backing, &file));
    CHECK(file.file && file.count == 0);
    CHECK(di_storage_relate(&file, &loop0) == DI_STORAGE_SAME);
    CHECK(di_storage_relate(&file, &sdb) == DI_STORAGE_APART);
    /* A device sysfs does not know. */
    di_storage_id none;
    memset(&none, 0, sizeof none);
    CHECK(!di_sysfs_storage_id(root, 8, 32, &none));
    CHECK_U64(none.count, 0);
}

/* The refusal as the request layer and the job make it, on files. */
static void a_file_is_not_written_onto_itself(void)
{
    const char *dir = test_dir("drive_identity");
    char a[1200], b[1200], link[1200];
    snprintf(a, sizeof a, "%s/a.img", dir);
    snprintf(b, sizeof b, "%s/b.img", dir);
    snprintf(link, sizeof link, "%s/a-link.img", dir);
    CHECK(write_text_file(a, "a"));
    CHECK(write_text_file(b, "b"));
    unlink(link);
    CHECK(symlink("a.img", link) == 0);
    di_error error;
    di_error_clear(&error);
    CHECK(di_source_apart(a, b, &error) == DI_OK);
    CHECK(di_source_apart(a, link, &error) == DI_ERR_USAGE);
    CHECK(error.reason == DI_REASON_SOURCE_IS_TARGET);
    CHECK_STR(error.path, link);
    char text[1024];
    CHECK_CONTAINS(di_error_format(&error, text, sizeof text), a);
    CHECK_CONTAINS(text, "is this very drive");
    /* The request layer asks before anything else is looked at, for every drive of a
     * Write; a Verify compares, so it may name one drive twice. */
    const char *drives[] = {b, link};
    di_request r = {.kind = DI_JOB_WRITE, .image = a, .drive = link, .fixed_disk_confirmed = true};
    CHECK(di_request_check(&r, NULL, &error) == DI_ERR_USAGE);
    CHECK(error.reason == DI_REASON_SOURCE_IS_TARGET);
    r.drive = NULL;
    r.drives = drives;
    r.drive_count = 2;
    CHECK(di_request_check(&r, NULL, &error) == DI_ERR_USAGE);
    CHECK_STR(error.path, link);
    r = (di_request){.kind = DI_JOB_VERIFY, .image = a, .drive = link};
    CHECK(di_request_check(&r, NULL, &error) == DI_OK);
    /* A path that is not there cannot be told: the job says what is wrong with it. */
    char missing[1300];
    snprintf(missing, sizeof missing, "%s/none.img", dir);
    CHECK(di_source_apart(missing, a, &error) == DI_OK);
    CHECK(di_source_apart("/dev/null", "/dev/null", &error) == DI_OK);
}
#endif

static const test_case tests[] = {
    {"relations_between_disks_and_partitions", relations_between_disks_and_partitions},
    {"relations_of_files", relations_of_files},
    {"windows_volumes_and_disks", windows_volumes_and_disks},
    {"wine_letters_backed_by_files", wine_letters_backed_by_files},
#ifndef _WIN32
    {"linux_sysfs_tree", linux_sysfs_tree},
    {"a_file_is_not_written_onto_itself", a_file_is_not_written_onto_itself},
#endif
};
TEST_MAIN(tests)
