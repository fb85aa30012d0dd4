/* Drive enumeration on Linux, from sysfs: size, logical sector size, removable flag,
 * bus, vendor, model and serial number, and the mount points of the disk and its
 * partitions. */
#define _GNU_SOURCE
#include "diskimager/drives.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "diskimager/units.h"
#include "mountinfo.h"
#include "sysfs_disk.h"

static bool read_line(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f) return false;
    bool ok = fgets(out, (int)size, f) != NULL;
    fclose(f);
    if (!ok) return false;
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' ')) out[--n] = '\0';
    return true;
}

static unsigned long long read_number(const char *dir, const char *name)
{
    char path[PATH_MAX], text[64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return read_line(path, text, sizeof text) ? strtoull(text, NULL, 10) : 0;
}

static void describe_sysfs_disk(const char *name, di_drive_info *info)
{
    char dir[320], path[400], text[256], resolved[PATH_MAX];
    snprintf(dir, sizeof dir, "/sys/block/%.255s", name);
    snprintf(info->path, sizeof info->path, "/dev/%.255s", name);
    info->exists = true;
    info->is_block_device = true;
    info->size = read_number(dir, "size") * 512ull; /* sysfs counts 512-byte units */
    info->sector_size = (uint32_t)read_number(dir, "queue/logical_block_size");
    const char *bus = realpath(dir, resolved) ? di_sysfs_bus_from_path(resolved) : "";
    snprintf(info->bus, sizeof info->bus, "%s", bus);
    bool removable_flag = read_number(dir, "removable") != 0;
    info->removable = di_sysfs_is_removable(removable_flag, bus);
    info->no_medium = di_sysfs_is_empty_slot(removable_flag, info->size);

    char vendor[48] = "", model[64] = "";
    snprintf(path, sizeof path, "%s/device/vendor", dir);
    read_line(path, vendor, sizeof vendor);
    snprintf(path, sizeof path, "%s/device/model", dir);
    if (!read_line(path, model, sizeof model)) {
        snprintf(path, sizeof path, "%s/device/name", dir); /* mmc cards */
        read_line(path, model, sizeof model);
    }
    snprintf(info->model, sizeof info->model, "%s%s%s", vendor, vendor[0] && model[0] ? " " : "",
             model);
    di_sysfs_disk_serial("/sys", name, info->serial, sizeof info->serial);

    unsigned maj, min;
    snprintf(path, sizeof path, "%s/dev", dir);
    if (read_line(path, text, sizeof text) && sscanf(text, "%u:%u", &maj, &min) == 2) {
        di_mounts_of_disk("/proc/self/mountinfo", "/sys", maj, min, info->mounts,
                          sizeof info->mounts);
        info->system = di_disk_holds_system("/proc/self/mountinfo", "/proc/swaps", "/sys", maj, min);
    }
    /* The kernel refuses writes to a read-only disk (a card's lock switch, as the reader
     * reports it; blockdev --setro) with EPERM, one request at a time: say it first. */
    info->read_only = read_number(dir, "ro") != 0;
    /* Linux cannot write under a mounted file system; Windows' volumes are dismounted. */
    info->busy_mounts = info->mounts[0] != '\0';
}

/* Appends to a growing array of n items of item_size; false when out of memory. */
static bool append(void **array, size_t *n, size_t *cap, size_t item_size, const void *item)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        void *grown = realloc(*array, ncap * item_size);
        if (!grown) return false;
        *array = grown;
        *cap = ncap;
    }
    memcpy((char *)*array + *n * item_size, item, item_size);
    (*n)++;
    return true;
}

di_status di_drive_list_skipped(bool all, di_drive_info **drives, size_t *count,
                                di_drive_skip **skipped, size_t *skipped_count, di_error *error)
{
    *drives = NULL;
    *count = 0;
    size_t cap = 0, skip_cap = 0, skips = 0;
    di_drive_skip *skip_list = NULL;
    DIR *d = opendir("/sys/block");
    if (!d) return di_error_why_code(error, DI_ERR_OPEN, DI_OP_LIST_DRIVES, "/sys/block", errno,
                                     DI_REASON_NONE, DI_NO_ARGS);
    bool ok = true;
    struct dirent *entry;
    while (ok && (entry = readdir(d))) {
        const char *name = entry->d_name;
        if (name[0] == '.') continue;
        di_drive_skip skip;
        memset(&skip, 0, sizeof skip);
        snprintf(skip.path, sizeof skip.path, "/dev/%.58s", name);
        di_reason reason = di_sysfs_name_is_virtual(name) ? di_sysfs_skip_reason(name, false, 0)
                                                          : DI_REASON_NONE;
        di_drive_info info;
        memset(&info, 0, sizeof info);
        if (!reason) {
            describe_sysfs_disk(name, &info);
            /* An unused loop device has size 0: nothing to show. A reader's empty slot
             * is shown, as "no card" (no_medium), never as a 0-byte target. */
            reason = di_sysfs_skip_reason(name, info.no_medium, info.size);
        }
        if (!reason && info.system) reason = DI_REASON_SKIP_RUNNING_SYSTEM; /* --all or not */
        if (!reason && !all && !info.removable) reason = DI_REASON_SKIP_FIXED_DISK_CLI;
        /* Unused loop devices are no drives at all: not even said to be left out. */
        if (reason && info.size == 0 && strncmp(name, "loop", 4) == 0) continue;
        if (reason) {
            skip.why.reason = reason;
            if (skipped) ok = append((void **)&skip_list, &skips, &skip_cap, sizeof skip, &skip);
            continue;
        }
        ok = append((void **)drives, count, &cap, sizeof info, &info);
    }
    closedir(d);
    if (!ok) {
        free(*drives);
        free(skip_list);
        *drives = NULL;
        *count = 0;
        return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_LIST_DRIVES, "/sys/block",
                            DI_REASON_NONE, DI_NO_ARGS);
    }
    if (skipped) {
        *skipped = skip_list;
        *skipped_count = skips;
    }
    return DI_OK;
}

di_status di_drive_list(bool all, di_drive_info **drives, size_t *count, di_error *error)
{
    return di_drive_list_skipped(all, drives, count, NULL, NULL, error);
}

di_status di_drive_describe(const char *path, di_drive_info *info, di_error *error)
{
    memset(info, 0, sizeof *info);
    snprintf(info->path, sizeof info->path, "%s", path);
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT) return DI_OK; /* exists stays false */
        return di_error_why_code(error, DI_ERR_OPEN, DI_OP_INSPECT, path, errno,
                                 DI_REASON_NONE, DI_NO_ARGS);
    }
    info->exists = true;
    if (!S_ISBLK(st.st_mode)) {
        info->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
        info->is_folder = S_ISDIR(st.st_mode);
        return DI_OK;
    }
    /* /sys/dev/block/MAJ:MIN names the disk or the partition. */
    char link[PATH_MAX], resolved[PATH_MAX];
    snprintf(link, sizeof link, "/sys/dev/block/%u:%u", major(st.st_rdev), minor(st.st_rdev));
    if (!realpath(link, resolved)) {
        info->is_block_device = true;
        return DI_OK;
    }
    const char *name = strrchr(resolved, '/');
    name = name ? name + 1 : resolved;
    char saved_path[DI_PATH_MAX];
    snprintf(saved_path, sizeof saved_path, "%s", path);
    describe_sysfs_disk(name, info);
    snprintf(info->path, sizeof info->path, "%s", saved_path);
    return DI_OK;
}

bool di_file_is_on_device(const char *file_path, const char *device_path)
{
    struct stat dev, file;
    if (stat(device_path, &dev) != 0 || !S_ISBLK(dev.st_mode)) return false;
    if (stat(file_path, &file) != 0) {
        /* A file still to be made: where its folder is. */
        char folder[PATH_MAX];
        snprintf(folder, sizeof folder, "%s", file_path);
        char *slash = strrchr(folder, '/');
        if (!slash) snprintf(folder, sizeof folder, ".");
        else if (slash == folder) folder[1] = '\0';
        else *slash = '\0';
        if (stat(folder, &file) != 0) return false;
    }
    return di_dev_belongs_to_disk("/sys", major(file.st_dev), minor(file.st_dev),
                                  major(dev.st_rdev), minor(dev.st_rdev));
}
