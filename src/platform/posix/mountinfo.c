/* Mount detection for Linux block devices. A partition belongs to a disk when sysfs
 * shows its parent directory's `dev` as the disk's major:minor. */
#define _POSIX_C_SOURCE 200809L
#include "mountinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies one space-separated field, decoding the kernel's \ooo escapes. */
static const char *take_field(const char *p, char *out, size_t out_size)
{
    size_t n = 0;
    while (*p == ' ') p++;
    while (*p && *p != ' ' && *p != '\n') {
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
    p = take_field(sep + 3, field, sizeof field); /* fs type */
    take_field(p, entry->source, sizeof entry->source);
    return true;
}

static bool read_dev_numbers(const char *path, unsigned *major, unsigned *minor)
{
    FILE *f = fopen(path, "r");
    if (!f) return false;
    bool ok = fscanf(f, "%u:%u", major, minor) == 2;
    fclose(f);
    return ok;
}

/* Is major:minor the disk itself or one of its partitions? */
bool di_dev_belongs_to_disk(const char *sysfs_root, unsigned major, unsigned minor,
                            unsigned disk_major, unsigned disk_minor)
{
    if (major == disk_major && minor == disk_minor) return true;
    char path[512];
    snprintf(path, sizeof path, "%s/dev/block/%u:%u/partition", sysfs_root, major, minor);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    fclose(f);
    unsigned pmaj, pmin;
    snprintf(path, sizeof path, "%s/dev/block/%u:%u/../dev", sysfs_root, major, minor);
    return read_dev_numbers(path, &pmaj, &pmin) && pmaj == disk_major && pmin == disk_minor;
}

int di_mounts_of_disk(const char *mountinfo_path, const char *sysfs_root, unsigned disk_major,
                      unsigned disk_minor, char *out, size_t out_size)
{
    if (out_size) out[0] = '\0';
    FILE *f = fopen(mountinfo_path, "r");
    if (!f) return 0;
    char line[4096];
    int found = 0;
    size_t used = 0;
    while (fgets(line, sizeof line, f)) {
        di_mount_entry e;
        if (!di_mountinfo_parse_line(line, &e)) continue;
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
