/* Mount detection and disk classification on Linux, fed with mountinfo lines and a
 * sysfs tree recorded from real machines (rebuilt here as files). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mountinfo.h"
#include "sysfs_disk.h"
#include "test_files.h"

static void parses_lines(void)
{
    di_mount_entry e;
    CHECK(di_mountinfo_parse_line(
        "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n", &e));
    CHECK_U64(e.major, 98);
    CHECK_U64(e.minor, 0);
    CHECK_STR(e.mount_point, "/mnt2");
    CHECK_STR(e.source, "/dev/root");
    /* A USB stick automounted with a space in its label; no optional fields. */
    CHECK(di_mountinfo_parse_line(
        "412 29 8:17 / /media/pi/My\\040Stick rw,nosuid,nodev - vfat /dev/sdb1 rw,uid=1000\n", &e));
    CHECK_U64(e.major, 8);
    CHECK_U64(e.minor, 17);
    CHECK_STR(e.mount_point, "/media/pi/My Stick");
    CHECK_STR(e.source, "/dev/sdb1");
    CHECK(!di_mountinfo_parse_line("garbage\n", &e));
    CHECK(!di_mountinfo_parse_line("1 2 x:y / /a rw - ext4 /dev/a rw\n", &e));
    CHECK(!di_mountinfo_parse_line("1 2 8:1 / /a rw ext4 /dev/a rw\n", &e));
}

static void finds_mounts_of_a_disk_and_its_partitions(void)
{
    const char *dir = test_dir("mountinfo");
    char root[600], path[2400], cwd[512];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(root, sizeof root, "%s/%s/sys", cwd, dir);
    /* /sys/dev/block/8:17 -> ../../block/sdb/sdb1 (a partition of 8:16). */
    snprintf(path, sizeof path, "mkdir -p %s/block/sdb/sdb1 %s/block/sda/sda1 %s/dev/block", root, root, root);
    CHECK(system(path) == 0);
    snprintf(path, sizeof path, "%s/block/sdb/dev", root);
    CHECK(write_text_file(path, "8:16\n"));
    snprintf(path, sizeof path, "%s/block/sdb/sdb1/partition", root);
    CHECK(write_text_file(path, "1\n"));
    snprintf(path, sizeof path, "%s/block/sda/dev", root);
    CHECK(write_text_file(path, "8:0\n"));
    snprintf(path, sizeof path, "%s/block/sda/sda1/partition", root);
    CHECK(write_text_file(path, "1\n"));
    char link[800];
    snprintf(link, sizeof link, "%s/dev/block/8:17", root);
    unlink(link);
    CHECK(symlink("../../block/sdb/sdb1", link) == 0);
    snprintf(link, sizeof link, "%s/dev/block/8:1", root);
    unlink(link);
    CHECK(symlink("../../block/sda/sda1", link) == 0);

    const char *mountinfo = test_path(dir, "mountinfo");
    CHECK(write_text_file(mountinfo,
               "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
               "412 22 8:17 / /media/pi/boot rw - vfat /dev/sdb1 rw\n"
               "413 22 8:16 / /mnt/whole\\040disk rw - ext4 /dev/sdb rw\n"
               "50 22 0:45 / /proc rw - proc proc rw\n"));
    char mounts[256];
    CHECK_U64(di_mounts_of_disk(mountinfo, root, 8, 16, mounts, sizeof mounts), 2);
    CHECK_STR(mounts, "/media/pi/boot, /mnt/whole disk");
    CHECK_U64(di_mounts_of_disk(mountinfo, root, 8, 0, mounts, sizeof mounts), 1);
    CHECK_STR(mounts, "/");
    CHECK_U64(di_mounts_of_disk(mountinfo, root, 8, 32, mounts, sizeof mounts), 0);
    CHECK_STR(mounts, "");
}

static void classifies_disks(void)
{
    /* Resolved /sys/block links recorded from real machines. */
    CHECK_STR(di_sysfs_bus_from_path("/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/"
                                     "target6:0:0/6:0:0:0/block/sdb"), "usb");
    CHECK_STR(di_sysfs_bus_from_path("/sys/devices/platform/fe320000.mmc/mmc_host/mmc1/mmc1:aaaa/block/mmcblk1"), "mmc");
    CHECK_STR(di_sysfs_bus_from_path("/sys/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1"), "nvme");
    CHECK_STR(di_sysfs_bus_from_path("/sys/devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block/sda"), "sata");
    CHECK_STR(di_sysfs_bus_from_path("/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda"), "virtio");
    CHECK_STR(di_sysfs_bus_from_path("/sys/devices/virtual/block/loop0"), "virtual");
    CHECK(di_sysfs_is_removable(false, "usb"));
    CHECK(di_sysfs_is_removable(false, "mmc"));
    CHECK(di_sysfs_is_removable(true, "sata"));
    CHECK(!di_sysfs_is_removable(false, "nvme"));
    CHECK(di_sysfs_name_is_virtual("ram0"));
    CHECK(di_sysfs_name_is_virtual("zram0"));
    CHECK(di_sysfs_name_is_virtual("dm-1"));
    CHECK(!di_sysfs_name_is_virtual("sdb"));
    CHECK(!di_sysfs_name_is_virtual("mmcblk0"));
    CHECK(!di_sysfs_name_is_virtual("loop3"));
}

static const test_case tests[] = {
    {"parses_lines", parses_lines},
    {"finds_mounts_of_a_disk_and_its_partitions", finds_mounts_of_a_disk_and_its_partitions},
    {"classifies_disks", classifies_disks},
};
TEST_MAIN(tests)
