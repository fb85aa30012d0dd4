/* Mount detection for Linux block devices. A partition belongs to a disk when sysfs
 * shows its parent directory's `dev` as the disk's major:minor. */
#define _POSIX_C_SOURCE 200809L
#include "mountinfo.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies one field, decoding the kernel's \ooo escapes. Fields are separated by
 * spaces, or in /proc/swaps by spaces and tabs; both files escape those in names. */
static const char *take_field(const char *p, char *out, size_t out_size)
{
    size_t n = 0;
    while (*p == ' ' || *p == '\t') p++;
    while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
        char c = *p++;
        if (c == '\\' && p[0] >= '0' && p[0] <= '7' && p[1] >= '0' && p[1] <= '7' &&
            p[2] >= '0' && p[2] <= '7') {
            c = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0'));
            p += 3;
        }
        if (n + 1 < out_size) out[n++] = c;
    }
    if (out_size) out[n] = '\0';
    return p;
}

bool di_mountinfo_parse_line(const char *line, di_mount_entry *entry)
{
    /* 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue */
    char field[1024];
    const char *p = line;
    memset(entry, 0, sizeof *entry);
    p = take_field(p, field, sizeof field); /* mount id */
    p = take_field(p, field, sizeof field); /* parent id */
    p = take_field(p, field, sizeof field); /* major:minor */
    if (sscanf(field, "%u:%u", &entry->major, &entry->minor) != 2) return false;
    p = take_field(p, field, sizeof field); /* root */
    p = take_field(p, entry->mount_point, sizeof entry->mount_point);
    if (!entry->mount_point[0]) return false;
    /* Optional fields end at " - "; then fs type, then the source. */
    const char *sep = strstr(p, " - ");
    if (!sep) return false;
    p = take_field(sep + 3, entry->fs_type, sizeof entry->fs_type);
    take_field(p, entry->source, sizeof entry->source);
    return true;
}

/* The next mount of an open mountinfo file, skipping lines it cannot read. */
static bool next_mount(FILE *f, di_mount_entry *entry)
{
    char line[4096];
    while (fgets(line, sizeof line, f))
        if (di_mountinfo_parse_line(line, entry)) return true;
    return false;
}

static bool read_dev_numbers(const char *path, unsigned *major, unsigned *minor)
{
    FILE *f = fopen(path, "r");
    if (!f) return false;
    bool ok = fscanf(f, "%u:%u", major, minor) == 2;
    fclose(f);
    return ok;
}

/* Device-mapper and md devices (LVM, LUKS, RAID) sit on their "slaves": a volume
 * belongs to a disk when one of its slaves does. Bounded, as sysfs could loop. */
static bool belongs(const char *sysfs_root, unsigned major, unsigned minor, unsigned disk_major,
                    unsigned disk_minor, int depth)
{
    if (major == disk_major && minor == disk_minor) return true;
    if (depth > 8) return false;
    char path[512];
    unsigned pmaj, pmin;
    snprintf(path, sizeof path, "%s/dev/block/%u:%u/partition", sysfs_root, major, minor);
    FILE *f = fopen(path, "r");
    if (f) {
        fclose(f);
        snprintf(path, sizeof path, "%s/dev/block/%u:%u/../dev", sysfs_root, major, minor);
        return read_dev_numbers(path, &pmaj, &pmin) && belongs(sysfs_root, pmaj, pmin, disk_major,
                                                                 disk_minor, depth + 1);
    }
    snprintf(path, sizeof path, "%s/dev/block/%u:%u/slaves", sysfs_root, major, minor);
    DIR *d = opendir(path);
    if (!d) return false;
    bool found = false;
    struct dirent *slave;
    while (!found && (slave = readdir(d))) {
        if (slave->d_name[0] == '.') continue;
        char dev[768];
        snprintf(dev, sizeof dev, "%s/class/block/%.255s/dev", sysfs_root, slave->d_name);
        found = read_dev_numbers(dev, &pmaj, &pmin) &&
                belongs(sysfs_root, pmaj, pmin, disk_major, disk_minor, depth + 1);
    }
    closedir(d);
    return found;
}

bool di_dev_belongs_to_disk(const char *sysfs_root, unsigned major, unsigned minor,
                            unsigned disk_major, unsigned disk_minor)
{
    return belongs(sysfs_root, major, minor, disk_major, disk_minor, 0);
}

int di_mounts_of_disk(const char *mountinfo_path, const char *sysfs_root, unsigned disk_major,
                      unsigned disk_minor, char *out, size_t out_size)
{
    if (out_size) out[0] = '\0';
    FILE *f = fopen(mountinfo_path, "r");
    if (!f) return 0;
    int found = 0;
    size_t used = 0;
    di_mount_entry e;
    while (next_mount(f, &e)) {
        if (!di_dev_belongs_to_disk(sysfs_root, e.major, e.minor, disk_major, disk_minor)) continue;
        found++;
        if (used < out_size) {
            int n = snprintf(out + used, out_size - used, "%s%s", used ? ", " : "",
                             e.mount_point);
            if (n > 0) used += (size_t)n;
        }
    }
    fclose(f);
    return found;
}

/* Where the running system lives: writing a disk holding one of these breaks it. */
static bool is_system_mount_point(const char *mount_point)
{
    static const char *const system_points[] = {"/", "/boot", "/boot/efi", "/efi", "/usr", "/var"};
    for (size_t i = 0; i < sizeof system_points / sizeof system_points[0]; i++)
        if (strcmp(mount_point, system_points[i]) == 0) return true;
    return false;
}

/* The device of the file system holding path: the mount with the longest matching
 * mount point. */
static bool device_of_path(const char *mountinfo_path, const char *path, unsigned *major,
                           unsigned *minor)
{
    FILE *f = fopen(mountinfo_path, "r");
    if (!f) return false;
    size_t best = 0;
    bool found = false;
    di_mount_entry e;
    while (next_mount(f, &e)) {
        size_t n = strlen(e.mount_point);
        bool inside = strncmp(path, e.mount_point, n) == 0 &&
                      (n == 1 || path[n] == '/' || path[n] == '\0');
        if (inside && (!found || n >= best)) {
            best = n;
            *major = e.major;
            *minor = e.minor;
            found = true;
        }
    }
    fclose(f);
    return found;
}

static bool disk_has_system_mount(const char *mountinfo_path, const char *sysfs_root,
                                  unsigned disk_major, unsigned disk_minor)
{
    FILE *f = fopen(mountinfo_path, "r");
    if (!f) return false;
    bool found = false;
    di_mount_entry e;
    while (!found && next_mount(f, &e))
        found = is_system_mount_point(e.mount_point) &&
                di_dev_belongs_to_disk(sysfs_root, e.major, e.minor, disk_major, disk_minor);
    fclose(f);
    return found;
}

/* /proc/swaps: "Filename Type Size Used Priority", then one line per swap area. */
static bool disk_has_swap(const char *swaps_path, const char *mountinfo_path,
                          const char *sysfs_root, unsigned disk_major, unsigned disk_minor)
{
    FILE *f = fopen(swaps_path, "r");
    if (!f) return false;
    char line[4096];
    bool found = false;
    for (bool header = true; !found && fgets(line, sizeof line, f); header = false) {
        char name[1024], type[32];
        if (header) continue;
        take_field(take_field(line, name, sizeof name), type, sizeof type);
        unsigned maj, min;
        bool known;
        if (strcmp(type, "partition") == 0) {
            const char *base = strrchr(name, '/');
            char dev[1400];
            snprintf(dev, sizeof dev, "%s/class/block/%s/dev", sysfs_root, base ? base + 1 : name);
            known = read_dev_numbers(dev, &maj, &min);
        } else {
            known = device_of_path(mountinfo_path, name, &maj, &min); /* a swap file */
        }
        found = known && di_dev_belongs_to_disk(sysfs_root, maj, min, disk_major, disk_minor);
    }
    fclose(f);
    return found;
}

bool di_disk_holds_system(const char *mountinfo_path, const char *swaps_path,
                          const char *sysfs_root, unsigned disk_major, unsigned disk_minor)
{
    return disk_has_system_mount(mountinfo_path, sysfs_root, disk_major, disk_minor) ||
           disk_has_swap(swaps_path, mountinfo_path, sysfs_root, disk_major, disk_minor);
}
