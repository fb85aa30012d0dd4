/* Classifying a Linux disk from what sysfs says about it: pure, so tests can feed it
 * paths and flags recorded from real machines. */
#ifndef DISKIMAGER_SYSFS_DISK_H
#define DISKIMAGER_SYSFS_DISK_H

#include <stdbool.h>
#include <stddef.h>

/* The bus a disk hangs off, from the resolved /sys/block/NAME link, e.g.
 * "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/.../block/sdb": "usb". */
const char *di_sysfs_bus_from_path(const char *resolved_path);

/* Devices `list` never shows: RAM disks, zram, device-mapper and md arrays (their
 * members are listed instead), unused loop devices, CD-ROMs. */
bool di_sysfs_name_is_virtual(const char *name);

/* Shown without --all: removable media or a USB, SD or MMC bus. */
bool di_sysfs_is_removable(bool removable_flag, const char *bus);

#endif
