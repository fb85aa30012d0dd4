/* Mount detection, disk classification and serial numbers on Linux, fed with
 * mountinfo lines, VPD pages and sysfs trees recorded from real machines (rebuilt here
 * as files). */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    CHECK_STR(e.fs_type, "ext3");
    /* A USB stick automounted with a space in its label; no optional fields. */
    CHECK(di_mountinfo_parse_line(
        "412 29 8:17 / /media/pi/My\\040Stick rw,nosuid,nodev - vfat /dev/sdb1 rw,uid=1000\n", &e));
    CHECK_U64(e.major, 8);
    CHECK_U64(e.minor, 17);
    CHECK_STR(e.mount_point, "/media/pi/My Stick");
    CHECK_STR(e.source, "/dev/sdb1");
    CHECK_STR(e.fs_type, "vfat");
    /* A FUSE file system: its type carries the subtype (which statfs cannot tell). */
    CHECK(di_mountinfo_parse_line(
        "44 26 0:39 / /mnt/card rw,nosuid,nodev,relatime - fuse.fusefat fusefat rw,user_id=0\n", &e));
    CHECK_STR(e.fs_type, "fuse.fusefat");
    CHECK_STR(e.source, "fusefat");
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

/* /sys/block/sda/device/vpd_pg80 of a SATA disk through libata: the 20-character ATA
 * serial number, right-aligned. */
static const uint8_t sata_vpd80[] = {
    0x00, 0x80, 0x00, 0x14, 0x20, 0x20, 0x20, 0x20, 0x20, 0x57, 0x44, 0x2d, 0x57, 0x43, 0x43,
    0x34, 0x45, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37
};
/* vpd_pg80 of a USB-attached SSD through UAS: left-aligned, NUL-padded. */
static const uint8_t uas_vpd80[] = {
    0x00, 0x80, 0x00, 0x14, 0x53, 0x33, 0x55, 0x4a, 0x4e, 0x50, 0x30, 0x4b, 0x31, 0x32, 0x33,
    0x34, 0x35, 0x36, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00
};
/* vpd_pg80 of a card reader that reports an all-blank serial number. */
static const uint8_t blank_vpd80[] = {
    0x00, 0x80, 0x00, 0x08, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20
};

static void reads_serial_numbers(void)
{
    char serial[128];
    /* sysfs `serial` files: an SD card, an NVMe drive (padded to 20), a USB stick. */
    CHECK(di_sysfs_serial_text("0x8c1a2b3d\n", 11, serial, sizeof serial));
    CHECK_STR(serial, "0x8c1a2b3d");
    CHECK(di_sysfs_serial_text("S4EWNX0R123456A     \n", 21, serial, sizeof serial));
    CHECK_STR(serial, "S4EWNX0R123456A");
    CHECK(di_sysfs_serial_text("4C530001230412109474\n", 21, serial, sizeof serial));
    CHECK_STR(serial, "4C530001230412109474");
    /* Blank, unprintable or not ASCII: unknown. */
    CHECK(!di_sysfs_serial_text("        \n", 9, serial, sizeof serial));
    CHECK_STR(serial, "");
    CHECK(!di_sysfs_serial_text("\n", 1, serial, sizeof serial));
    CHECK(!di_sysfs_serial_text("AB\x01" "CD\n", 6, serial, sizeof serial));
    CHECK_STR(serial, "");
    CHECK(!di_sysfs_serial_text("\xff\xfe", 2, serial, sizeof serial));
    /* A NUL ends it; a short buffer cuts it. */
    CHECK(di_sysfs_serial_text("ABC\0DEF", 7, serial, sizeof serial));
    CHECK_STR(serial, "ABC");
    char small[5];
    CHECK(di_sysfs_serial_text("123456789", 9, small, sizeof small));
    CHECK_STR(small, "1234");

    /* VPD page 0x80. */
    CHECK(di_sysfs_serial_from_vpd80(sata_vpd80, sizeof sata_vpd80, serial, sizeof serial));
    CHECK_STR(serial, "WD-WCC4E1234567");
    CHECK(di_sysfs_serial_from_vpd80(uas_vpd80, sizeof uas_vpd80, serial, sizeof serial));
    CHECK_STR(serial, "S3UJNP0K123456A");
    CHECK(!di_sysfs_serial_from_vpd80(blank_vpd80, sizeof blank_vpd80, serial, sizeof serial));
    CHECK_STR(serial, "");
    /* A page that says it is longer than what was read: what was read. */
    CHECK(di_sysfs_serial_from_vpd80(sata_vpd80, 14, serial, sizeof serial));
    CHECK_STR(serial, "WD-WC");
    /* Not page 0x80, or no room for its header: refused. */
    uint8_t other[sizeof sata_vpd80];
    memcpy(other, sata_vpd80, sizeof other);
    other[1] = 0x83;
    CHECK(!di_sysfs_serial_from_vpd80(other, sizeof other, serial, sizeof serial));
    CHECK(!di_sysfs_serial_from_vpd80(sata_vpd80, 3, serial, sizeof serial));
    CHECK(!di_sysfs_serial_from_vpd80(sata_vpd80, 4, serial, sizeof serial));
}

/* "root/rel" into out; false (a failed check) when it does not fit, rather than a
 * truncated path that would make or link the wrong file. */
static bool join_path(char *out, size_t size, const char *root, const char *rel)
{
    int n = snprintf(out, size, "%s/%s", root, rel);
    bool fits = n >= 0 && (size_t)n < size;
    CHECK(fits);
    return fits;
}

static void make_dirs(const char *root, const char *dir)
{
    char path[2400], command[2416];
    if (!join_path(path, sizeof path, root, dir))
        return;
    /* Room for the path and the 11 bytes around it: never truncated. */
    int n = snprintf(command, sizeof command, "mkdir -p '%s'", path);
    CHECK(n >= 0 && (size_t)n < sizeof command);
    if (n >= 0 && (size_t)n < sizeof command)
        CHECK(system(command) == 0);
}

static void put_text(const char *root, const char *file, const char *text)
{
    char path[2400];
    if (join_path(path, sizeof path, root, file))
        CHECK(write_text_file(path, text));
}

static void put_link(const char *root, const char *link, const char *target)
{
    char path[2400];
    if (!join_path(path, sizeof path, root, link))
        return;
    unlink(path);
    CHECK(symlink(target, path) == 0);
}

static void finds_the_serial_number_of_a_disk(void)
{
    const char *dir = test_dir("sysfs_serial");
    char root[600], cwd[512], path[2400];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(root, sizeof root, "%s/%s/sys", cwd, dir);
    make_dirs(root, "block");

    /* A USB stick (usb-storage: no VPD page) in port 1 of the root hub, whose own
     * "serial" is its PCI address; a stick without a serial number in port 2. */
    const char *usb = "devices/pci0000:00/0000:00:14.0/usb2";
    snprintf(path, sizeof path, "%s/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb", usb);
    make_dirs(root, path);
    snprintf(path, sizeof path, "%s/2-2/2-2:1.0/host7/target7:0:0/7:0:0:0/block/sdc", usb);
    make_dirs(root, path);
    snprintf(path, sizeof path, "%s/idVendor", usb);
    put_text(root, path, "1d6b\n");
    snprintf(path, sizeof path, "%s/serial", usb);
    put_text(root, path, "0000:00:14.0\n");
    snprintf(path, sizeof path, "%s/2-1/idVendor", usb);
    put_text(root, path, "0781\n");
    snprintf(path, sizeof path, "%s/2-1/serial", usb);
    put_text(root, path, "4C530001230412109474\n");
    snprintf(path, sizeof path, "%s/2-2/idVendor", usb);
    put_text(root, path, "058f\n");
    put_link(root, "block/sdb",
             "../devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb");
    put_link(root, "block/sdc",
             "../devices/pci0000:00/0000:00:14.0/usb2/2-2/2-2:1.0/host7/target7:0:0/7:0:0:0/block/sdc");
    snprintf(path, sizeof path, "%s/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb/device", usb);
    put_link(root, path, "../../../6:0:0:0");

    /* An SD card in a built-in slot. */
    make_dirs(root, "devices/platform/fe320000.mmc/mmc_host/mmc1/mmc1:aaaa/block/mmcblk1");
    put_text(root, "devices/platform/fe320000.mmc/mmc_host/mmc1/mmc1:aaaa/serial", "0x8c1a2b3d\n");
    put_link(root, "devices/platform/fe320000.mmc/mmc_host/mmc1/mmc1:aaaa/block/mmcblk1/device",
             "../../../mmc1:aaaa");
    put_link(root, "block/mmcblk1", "../devices/platform/fe320000.mmc/mmc_host/mmc1/mmc1:aaaa/block/mmcblk1");

    /* An NVMe drive: its namespace's device is the controller. */
    const char *nvme = "devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0";
    snprintf(path, sizeof path, "%s/nvme0n1", nvme);
    make_dirs(root, path);
    snprintf(path, sizeof path, "%s/serial", nvme);
    put_text(root, path, "S4EWNX0R123456A     \n");
    snprintf(path, sizeof path, "%s/nvme0n1/device", nvme);
    put_link(root, path, "../../nvme0");
    put_link(root, "block/nvme0n1",
             "../devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1");

    /* A SATA disk: VPD page 0x80. */
    const char *sata = "devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0";
    snprintf(path, sizeof path, "%s/block/sda", sata);
    make_dirs(root, path);
    snprintf(path, sizeof path, "%s/vpd_pg80", sata);
    put_text(root, path, "");
    char full[3100];
    snprintf(full, sizeof full, "%s/%s", root, path);
    CHECK(write_bytes_at(full, 0, sata_vpd80, sizeof sata_vpd80));
    snprintf(path, sizeof path, "%s/block/sda/device", sata);
    put_link(root, path, "../../../2:0:0:0");
    put_link(root, "block/sda",
             "../devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block/sda");

    /* A loop device: nothing. */
    make_dirs(root, "devices/virtual/block/loop0");
    put_link(root, "block/loop0", "../devices/virtual/block/loop0");

    char serial[128];
    CHECK(di_sysfs_disk_serial(root, "sdb", serial, sizeof serial));
    CHECK_STR(serial, "4C530001230412109474");
    CHECK(!di_sysfs_disk_serial(root, "sdc", serial, sizeof serial)); /* not the root hub's */
    CHECK_STR(serial, "");
    CHECK(di_sysfs_disk_serial(root, "mmcblk1", serial, sizeof serial));
    CHECK_STR(serial, "0x8c1a2b3d");
    CHECK(di_sysfs_disk_serial(root, "nvme0n1", serial, sizeof serial));
    CHECK_STR(serial, "S4EWNX0R123456A");
    CHECK(di_sysfs_disk_serial(root, "sda", serial, sizeof serial));
    CHECK_STR(serial, "WD-WCC4E1234567");
    CHECK(!di_sysfs_disk_serial(root, "loop0", serial, sizeof serial));
    CHECK(!di_sysfs_disk_serial(root, "sdz", serial, sizeof serial));
    CHECK_STR(serial, "");
}

/* A disk of the given name and major:minor with partitions 1..parts, in a sysfs tree. */
static void put_disk(const char *root, const char *name, unsigned major, unsigned minor, int parts)
{
    char path[600], text[32], target[600];
    snprintf(path, sizeof path, "block/%s", name);
    make_dirs(root, path);
    snprintf(path, sizeof path, "block/%s/dev", name);
    snprintf(text, sizeof text, "%u:%u\n", major, minor);
    put_text(root, path, text);
    for (int i = 1; i <= parts; i++) {
        snprintf(path, sizeof path, "block/%s/%s%d", name, name, i);
        make_dirs(root, path);
        snprintf(path, sizeof path, "block/%s/%s%d/partition", name, name, i);
        put_text(root, path, "1\n");
        snprintf(path, sizeof path, "class/block/%s%d", name, i);
        make_dirs(root, path);
        snprintf(path, sizeof path, "class/block/%s%d/dev", name, i);
        snprintf(text, sizeof text, "%u:%u\n", major, minor + (unsigned)i);
        put_text(root, path, text);
        snprintf(path, sizeof path, "dev/block/%u:%u", major, minor + (unsigned)i);
        snprintf(target, sizeof target, "../../block/%s/%s%d", name, name, i);
        put_link(root, path, target);
    }
    snprintf(path, sizeof path, "dev/block/%u:%u", major, minor);
    snprintf(target, sizeof target, "../../block/%s", name);
    put_link(root, path, target);
}

static void tells_the_disks_holding_the_system(void)
{
    const char *dir = test_dir("system_disk");
    char root[600], cwd[512];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(root, sizeof root, "%s/%s/sys", cwd, dir);
    make_dirs(root, "dev/block");
    make_dirs(root, "class/block");
    put_disk(root, "sda", 8, 0, 3);    /* /boot/efi on sda1; LVM (/) on sda3 */
    put_disk(root, "sdb", 8, 16, 1);   /* a USB stick mounted under /media */
    put_disk(root, "sdc", 8, 32, 2);   /* a swap partition, sdc2 */
    put_disk(root, "sdd", 8, 48, 1);   /* /srv, holding a swap file */
    put_disk(root, "sde", 8, 64, 0);   /* nothing mounted */
    put_disk(root, "sdf", 8, 80, 1);   /* holds a LUKS volume mounted at /media/vault */
    /* dm-0 (253:0): an LVM volume on sda3; dm-1: a LUKS volume on sdf1. */
    make_dirs(root, "block/dm-0/slaves/sda3");
    put_link(root, "dev/block/253:0", "../../block/dm-0");
    make_dirs(root, "block/dm-1/slaves/sdf1");
    put_link(root, "dev/block/253:1", "../../block/dm-1");

    const char *mountinfo = test_path(dir, "mountinfo");
    CHECK(write_text_file(mountinfo,
               "22 1 253:0 / / rw,relatime - ext4 /dev/mapper/vg-root rw\n"
               "23 22 8:1 / /boot/efi rw - vfat /dev/sda1 rw\n"
               "412 22 8:17 / /media/pi/boot rw - vfat /dev/sdb1 rw\n"
               "413 22 8:49 / /srv rw - ext4 /dev/sdd1 rw\n"
               "414 22 253:1 / /media/vault rw - ext4 /dev/mapper/vault rw\n"
               "50 22 0:45 / /proc rw - proc proc rw\n"));
    const char *swaps = test_path(dir, "swaps");
    CHECK(write_text_file(swaps,
               "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
               "/dev/sdc2                               partition\t2097148\t\t0\t\t-2\n"
               "/srv/swap\\040file                       file\t\t1048572\t\t0\t\t-3\n"));
    CHECK(di_disk_holds_system(mountinfo, swaps, root, 8, 0));   /* / through LVM, /boot/efi */
    CHECK(!di_disk_holds_system(mountinfo, swaps, root, 8, 16)); /* only /media */
    CHECK(di_disk_holds_system(mountinfo, swaps, root, 8, 32));  /* swap partition */
    CHECK(di_disk_holds_system(mountinfo, swaps, root, 8, 48));  /* swap file on /srv */
    CHECK(!di_disk_holds_system(mountinfo, swaps, root, 8, 64));
    CHECK(!di_disk_holds_system(mountinfo, swaps, root, 8, 80)); /* a mounted LUKS volume... */
    char mounts[256];
    CHECK_U64(di_mounts_of_disk(mountinfo, root, 8, 80, mounts, sizeof mounts), 1);
    CHECK_STR(mounts, "/media/vault"); /* ...is a mount of its disk all the same */
    /* Without the swaps table, the swap partition's disk is not known as the system's. */
    CHECK(!di_disk_holds_system(mountinfo, test_path(dir, "no-swaps"), root, 8, 32));
}

static const test_case tests[] = {
    {"parses_lines", parses_lines},
    {"finds_mounts_of_a_disk_and_its_partitions", finds_mounts_of_a_disk_and_its_partitions},
    {"classifies_disks", classifies_disks},
    {"reads_serial_numbers", reads_serial_numbers},
    {"finds_the_serial_number_of_a_disk", finds_the_serial_number_of_a_disk},
    {"tells_the_disks_holding_the_system", tells_the_disks_holding_the_system},
};
TEST_MAIN(tests)
