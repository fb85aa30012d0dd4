/* Classifying a Linux disk from what sysfs says about it: pure, so tests can feed it
 * paths, flags and bytes recorded from real machines; what reads files takes the sysfs
 * root, so tests can build one. */
#ifndef DISKIMAGER_SYSFS_DISK_H
#define DISKIMAGER_SYSFS_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/drives.h"
#include "diskimager/status.h"

/* The bus a disk hangs off, from the resolved /sys/block/NAME link, e.g.
 * "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/.../block/sdb": "usb". */
const char *di_sysfs_bus_from_path(const char *resolved_path);

/* Devices `list` never shows: RAM disks, zram, device-mapper and md arrays (their
 * members are listed instead), unused loop devices, CD-ROMs. */
bool di_sysfs_name_is_virtual(const char *name);

/* A card reader's empty slot: a USB or built-in reader keeps its disk while the card is
 * out, with the removable flag set and size 0 (an MMC host removes its disk instead).
 * `list` shows it as "no card"; it is never offered as a target. */
bool di_sysfs_is_empty_slot(bool removable_flag, uint64_t size_bytes);

/* Why `list` leaves the disk NAME out, before it looks at whether it holds the system:
 * a virtual device (di_sysfs_name_is_virtual), or no size without being an empty slot
 * (an unused loop device): a DI_REASON_SKIP_*. DI_REASON_NONE when it does not. */
di_reason di_sysfs_skip_reason(const char *name, bool removable_flag, uint64_t size_bytes);

/* Shown without --all: removable media or a USB, SD or MMC bus. */
bool di_sysfs_is_removable(bool removable_flag, const char *bus);

/* A serial number as a sysfs `serial` file holds it ("0x8c1a2b3d\n" for an SD card,
 * "S4EWNX0R123456A     \n" for NVMe), len bytes of it: up to a NUL, trimmed of blanks
 * and line ends. False, with out "", when nothing printable is left or a byte is not
 * printable ASCII (a bridge's stray bytes, which may read differently next time). */
bool di_sysfs_serial_text(const char *raw, size_t len, char *out, size_t size);

/* The SCSI Unit Serial Number VPD page (0x80), as /sys/block/NAME/device/vpd_pg80
 * holds it: page code in byte 1, length in bytes 2-3, then the serial number in ASCII,
 * often right-aligned with leading blanks. False, with out "", when it is not that
 * page or holds no usable serial number. */
bool di_sysfs_serial_from_vpd80(const uint8_t *page, size_t len, char *out, size_t size);

/* The serial number of the disk /sys/block/NAME under sys_root ("/sys"): the device's
 * `serial` file (SD and MMC cards, NVMe), else its VPD page 0x80 (SCSI, SATA, UAS),
 * else the `serial` of the USB device it hangs off (a stick through usb-storage). Only
 * that first USB device counts: a hub above it, or the root hub, whose "serial" is a
 * PCI address, is not the drive. False, with out "", when none is known. */
bool di_sysfs_disk_serial(const char *sys_root, const char *name, char *out, size_t size);

/* Where the block device major:minor keeps its bytes, from sysfs under sys_root: a
 * partition lies on its whole disk (its parent's `dev`) with its number (`partition`);
 * a device-mapper or md volume on what its `slaves` lie on; anything else is a whole
 * disk. A loop device (or a partition of one) is also stored in its backing file. False,
 * with nothing added, when sysfs does not know the device. */
bool di_sysfs_storage_id(const char *sys_root, unsigned major, unsigned minor, di_storage_id *id);

#endif
