/* /proc/self/mountinfo, parsed: which block devices are mounted where. */
#ifndef DISKIMAGER_MOUNTINFO_H
#define DISKIMAGER_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

typedef struct di_mount_entry {
    unsigned major, minor;    /* the mounted file system's device */
    char mount_point[1024];   /* octal escapes (\040 for a space) decoded */
    char source[256];         /* "/dev/sdb1", as the kernel shows it */
    char fs_type[64];         /* "vfat", "ext4", "fuse.fusefat" */
} di_mount_entry;

/* Parses one line of mountinfo. Returns false for a line it cannot read. */
bool di_mountinfo_parse_line(const char *line, di_mount_entry *entry);

/* Is major:minor the disk disk_major:disk_minor itself, one of its partitions, or a
 * device-mapper or md volume built on them? */
bool di_dev_belongs_to_disk(const char *sysfs_root, unsigned major, unsigned minor,
                            unsigned disk_major, unsigned disk_minor);

/* Reads the mounts of `disk_major:disk_minor` and of its partitions from a mountinfo
 * file and a sysfs root ("/proc/self/mountinfo", "/sys"), writing their mount points
 * comma separated into out. Returns how many were found. */
int di_mounts_of_disk(const char *mountinfo_path, const char *sysfs_root, unsigned disk_major,
                      unsigned disk_minor, char *out, size_t out_size);

/* Does the disk (or a partition or volume on it) hold the running system: /, /boot,
 * /boot/efi, /efi, /usr or /var mounted, or an active swap partition or swap file?
 * Such a disk is never listed and never written. Paths as for di_mounts_of_disk, and
 * the swaps table ("/proc/swaps"). */
bool di_disk_holds_system(const char *mountinfo_path, const char *swaps_path,
                          const char *sysfs_root, unsigned disk_major, unsigned disk_minor);

#endif
