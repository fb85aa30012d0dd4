/* Which drives the list shows, skips (with the reason) or shows as "no card", decided
 * from answers recorded from Windows (drive types, QueryDosDeviceW names, error codes)
 * and from Linux sysfs (the removable flag and size of an empty reader slot). The
 * Windows decisions run natively and under Wine; the sysfs ones on Linux. */
#include <stdio.h>

#include "check.h"
#include "platform/win32/disk_facts.h"
#include "platform/win32/drive_probe.h"
#ifndef _WIN32
#include "platform/posix/sysfs_disk.h"
#endif

#define MB16 16777216ull
#define GB32 31914983424ull

/* A lettered drive that opened, has a device number and a size: a real disk's volume. */
static di_letter_probe disk_letter(char letter, unsigned type, uint64_t size)
{
    di_letter_probe p;
    memset(&p, 0, sizeof p);
    p.letter = letter;
    p.drive_type = type;
    snprintf(p.dos_device, sizeof p.dos_device, "\\Device\\HarddiskVolume7");
    p.opened = p.number_ok = true;
    p.size = size;
    return p;
}

/* The verdict, and its reason as the CLI words it (192 bytes). */
static di_probe_verdict verdict(const di_letter_probe *p, bool all, char *reason)
{
    di_skip_why why;
    di_probe_verdict v = di_letter_verdict(p, all, &why);
    di_skip_text(&why, reason, 192);
    return v;
}

static di_probe_verdict sizeless(bool removable, unsigned size_error, char *reason)
{
    di_skip_why why;
    di_probe_verdict v = di_sizeless_disk_verdict(removable, size_error, &why);
    di_skip_text(&why, reason, 192);
    return v;
}

#ifndef _WIN32
/* A sysfs skip reason as the CLI words it ("" for none). */
static const char *sysfs_skip(const char *name, bool removable, uint64_t size)
{
    static char text[192];
    di_skip_why why = {.reason = di_sysfs_skip_reason(name, removable, size)};
    return di_skip_text(&why, text, sizeof text);
}
#endif

static void disks_with_letters_are_listed(void)
{
    char reason[192];
    /* A card in a reader, as Wine's file-backed T: answers too. */
    di_letter_probe card = disk_letter('T', DI_DRIVE_REMOVABLE, MB16);
    CHECK(di_letter_worth_opening(&card, false));
    CHECK_U64(verdict(&card, false, reason), DI_PROBE_LIST);
    CHECK_STR(reason, "");
    /* A fixed drive: only with all disks. */
    di_letter_probe fixed = disk_letter('D', DI_DRIVE_FIXED, GB32);
    CHECK(!di_letter_worth_opening(&fixed, false));
    CHECK_U64(verdict(&fixed, false, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "a fixed drive (shown with all disks)");
    CHECK(di_letter_worth_opening(&fixed, true));
    CHECK_U64(verdict(&fixed, true, reason), DI_PROBE_LIST);
    /* The one holding Windows, never. */
    di_letter_probe windows = disk_letter('C', DI_DRIVE_FIXED, GB32);
    windows.holds_windows = true;
    CHECK_U64(verdict(&windows, true, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "it holds Windows");
}

static void virtual_drives_are_skipped_unopened(void)
{
    char reason[192];
    /* subst W: C:\work — QueryDosDeviceW("W:") = "\??\C:\work", GetDriveTypeW fixed. */
    di_letter_probe subst = disk_letter('W', DI_DRIVE_FIXED, GB32);
    snprintf(subst.dos_device, sizeof subst.dos_device, "\\??\\C:\\work");
    CHECK(!di_letter_worth_opening(&subst, true));
    CHECK_U64(verdict(&subst, true, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "a subst drive for the folder C:\\work");
    di_skip_why why;
    CHECK_U64(di_letter_verdict(&subst, true, &why), DI_PROBE_SKIP);
    CHECK_U64(why.reason, DI_REASON_SKIP_SUBST_DRIVE);
    CHECK_STR(why.folder, "C:\\work");
    /* subst of a share: "\??\UNC\nas\public". */
    snprintf(subst.dos_device, sizeof subst.dos_device, "\\??\\UNC\\nas\\public");
    CHECK_U64(verdict(&subst, true, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "a subst drive for the folder \\\\nas\\public");
    /* A mapped share: never opened, so a dead server cannot make the list wait. */
    di_letter_probe net;
    memset(&net, 0, sizeof net);
    net.letter = 'Z';
    net.drive_type = DI_DRIVE_REMOTE;
    snprintf(net.dos_device, sizeof net.dos_device,
             "\\Device\\LanmanRedirector\\;Z:000000000001a2b3\\nas\\public");
    CHECK(!di_letter_worth_opening(&net, true));
    CHECK_U64(verdict(&net, true, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "a network drive");
    /* A CD drive with no disc: not opened (no spin-up, no "insert a disc"). */
    di_letter_probe cd;
    memset(&cd, 0, sizeof cd);
    cd.letter = 'R';
    cd.drive_type = DI_DRIVE_CDROM;
    snprintf(cd.dos_device, sizeof cd.dos_device, "\\Device\\CdRom0");
    CHECK(!di_letter_worth_opening(&cd, true));
    CHECK_U64(verdict(&cd, true, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "a CD or DVD drive");
    di_letter_probe ram = cd;
    ram.drive_type = DI_DRIVE_RAMDISK;
    CHECK_U64(verdict(&ram, true, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "a RAM disk");
    di_letter_probe gone = cd;
    gone.drive_type = DI_DRIVE_NO_ROOT_DIR;
    CHECK_U64(verdict(&gone, true, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "no such drive");
    gone.drive_type = DI_DRIVE_UNKNOWN;
    CHECK_U64(verdict(&gone, true, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "a drive of a kind Windows does not know (0)");
}

static void drives_without_a_device_number_are_skipped(void)
{
    char reason[192];
    /* A VeraCrypt volume mounted as V:, fixed: opens, but its driver answers
     * IOCTL_STORAGE_GET_DEVICE_NUMBER with ERROR_INVALID_FUNCTION. */
    di_letter_probe vera = disk_letter('V', DI_DRIVE_FIXED, GB32);
    snprintf(vera.dos_device, sizeof vera.dos_device, "\\Device\\VeraCryptVolumeV");
    vera.number_ok = false;
    vera.number_error = 1;
    CHECK(di_letter_worth_opening(&vera, true));
    CHECK_U64(verdict(&vera, true, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "not a disk Windows numbers (a virtual drive: VeraCrypt, Google Drive, "
                      "Dokan...; error 1)");
    /* Google Drive for desktop (Dokan) as G:, removable in some versions: the same. */
    di_letter_probe dokan = disk_letter('G', DI_DRIVE_REMOVABLE, 0);
    snprintf(dokan.dos_device, sizeof dokan.dos_device,
             "\\Device\\Volume{d6cc17c5-1734-4085-bce7-964f1e9f5de9}");
    dokan.number_ok = false;
    dokan.number_error = 1;
    CHECK_U64(verdict(&dokan, false, reason), DI_PROBE_SKIP);
    CHECK_CONTAINS(reason, "a virtual drive");
    /* Wine's Z: (the Unix root): refused to anyone. */
    di_letter_probe root = disk_letter('Z', DI_DRIVE_FIXED, 0);
    root.opened = false;
    root.open_error = DI_WIN_ERROR_ACCESS_DENIED;
    CHECK_U64(verdict(&root, true, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "it cannot be opened (error 5)");
}

static void an_empty_reader_has_no_card(void)
{
    char reason[192];
    /* A USB SD reader's letter with no card: the size queries answer ERROR_NOT_READY. */
    di_letter_probe slot = disk_letter('F', DI_DRIVE_REMOVABLE, 0);
    slot.size_error = DI_WIN_ERROR_NOT_READY;
    CHECK_U64(verdict(&slot, false, reason), DI_PROBE_NO_MEDIUM);
    CHECK_STR(reason, "no card in the reader");
    /* Some readers already refuse the device number, or the open. */
    slot.number_ok = false;
    slot.number_error = DI_WIN_ERROR_NOT_READY;
    CHECK_U64(verdict(&slot, false, reason), DI_PROBE_NO_MEDIUM);
    slot.opened = false;
    slot.open_error = DI_WIN_ERROR_NO_MEDIA_IN_DRIVE;
    CHECK_U64(verdict(&slot, false, reason), DI_PROBE_NO_MEDIUM);
    /* Wine's floppy U: with no file behind it: GetFileSizeEx ERROR_INVALID_FUNCTION. */
    di_letter_probe wine_slot = disk_letter('U', DI_DRIVE_REMOVABLE, 0);
    wine_slot.size_error = 1;
    CHECK_U64(verdict(&wine_slot, false, reason), DI_PROBE_NO_MEDIUM);
    /* Not for a fixed drive, nor when only rights are missing. */
    di_letter_probe fixed = disk_letter('D', DI_DRIVE_FIXED, 0);
    fixed.size_error = DI_WIN_ERROR_NOT_READY;
    CHECK_U64(verdict(&fixed, true, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "it reports no size (error 21)");
    di_letter_probe user = disk_letter('E', DI_DRIVE_REMOVABLE, 0);
    user.size_error = DI_WIN_ERROR_ACCESS_DENIED;
    CHECK_U64(verdict(&user, false, reason), DI_PROBE_SKIP);
    CHECK_STR(reason, "its size cannot be read without administrator rights");
    /* A physical disk with no size: a reader with no card, or a disk left out. */
    CHECK_U64(sizeless(true, DI_WIN_ERROR_NOT_READY, reason),
              DI_PROBE_NO_MEDIUM);
    CHECK_STR(reason, "no card in the reader");
    CHECK_U64(sizeless(false, DI_WIN_ERROR_NOT_READY, reason),
              DI_PROBE_SKIP);
    CHECK_STR(reason, "it reports no size (error 21)");
    CHECK_U64(sizeless(true, DI_WIN_ERROR_ACCESS_DENIED, reason),
              DI_PROBE_SKIP);
    /* No reason wanted: still the verdict. */
    CHECK_U64(di_letter_verdict(&slot, false, NULL), DI_PROBE_NO_MEDIUM);
}

static void an_empty_reader_is_labelled_no_card(void)
{
    di_disk_facts disk;
    memset(&disk, 0, sizeof disk);
    disk.number = 4;
    snprintf(disk.storage.vendor, sizeof disk.storage.vendor, "Generic-");
    snprintf(disk.storage.product, sizeof disk.storage.product, "SD/MMC");
    disk.storage.bus_type = DI_BUS_USB;
    disk.storage.removable_media = true;
    disk.no_medium = true;
    CHECK_U64(di_disk_offer_for(&disk), DI_OFFER_REMOVABLE);
}

static void an_empty_slot_in_sysfs(void)
{
#ifndef _WIN32
    /* /sys/block/sdc of a USB "Generic- SD/MMC" reader with its card out: removable 1,
     * size 0. Shown as "no card", never as a 0-byte target. */
    CHECK(di_sysfs_is_empty_slot(true, 0));
    CHECK(di_sysfs_skip_reason("sdc", true, 0) == DI_REASON_NONE);
    /* With a card: a drive like any other. */
    CHECK(!di_sysfs_is_empty_slot(true, GB32));
    CHECK(di_sysfs_skip_reason("sdc", true, GB32) == DI_REASON_NONE);
    /* An unused loop device (removable 0, size 0): left out. A fixed disk of size 0
     * (removable 0): left out too, saying so. */
    CHECK(!di_sysfs_is_empty_slot(false, 0));
    CHECK_STR(sysfs_skip("loop3", false, 0), "an unused loop device");
    CHECK_STR(sysfs_skip("sdd", false, 0), "it reports no size");
    /* Virtual devices, whatever their size. */
    CHECK_STR(sysfs_skip("zram0", false, GB32), "zram, a compressed RAM disk");
    CHECK_STR(sysfs_skip("ram0", false, MB16), "a RAM disk");
    CHECK_STR(sysfs_skip("sr0", true, 0), "a CD or DVD drive");
    CHECK_CONTAINS(sysfs_skip("dm-0", false, GB32), "device-mapper");
    CHECK_CONTAINS(sysfs_skip("md127", false, GB32), "md RAID array");
#else
    printf("note: the sysfs checks run in the Linux build\n");
#endif
}

static const test_case tests[] = {
    {"disks_with_letters_are_listed", disks_with_letters_are_listed},
    {"virtual_drives_are_skipped_unopened", virtual_drives_are_skipped_unopened},
    {"drives_without_a_device_number_are_skipped", drives_without_a_device_number_are_skipped},
    {"an_empty_reader_has_no_card", an_empty_reader_has_no_card},
    {"an_empty_reader_is_labelled_no_card", an_empty_reader_is_labelled_no_card},
    {"an_empty_slot_in_sysfs", an_empty_slot_in_sysfs},
};
TEST_MAIN(tests)
