#define _XOPEN_SOURCE 700 /* realpath is XSI */
#include "sysfs_disk.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

const char *di_sysfs_bus_from_path(const char *p)
{
    if (!p) return "";
    /* The innermost bus decides: a USB SD reader is "usb", an SD slot on PCI "mmc". */
    if (strstr(p, "/usb")) return "usb";
    if (strstr(p, "/mmc_host/") || strstr(p, "/mmc")) return "mmc";
    if (strstr(p, "/nvme")) return "nvme";
    if (strstr(p, "/virtio")) return "virtio";
    if (strstr(p, "/ata")) return "sata";
    if (strstr(p, "/host") && strstr(p, "/target")) return "scsi";
    if (strstr(p, "/virtual/")) return "virtual";
    return "";
}

bool di_sysfs_name_is_virtual(const char *name)
{
    static const char *const prefixes[] = {"ram", "zram", "dm-", "md", "sr", "fd", "nbd"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0) return true;
    return false;
}

bool di_sysfs_is_empty_slot(bool removable_flag, uint64_t size_bytes)
{
    return removable_flag && size_bytes == 0;
}

di_reason di_sysfs_skip_reason(const char *name, bool removable_flag, uint64_t size_bytes)
{
    static const struct {
        const char *prefix;
        di_reason reason;
    } virtual_kinds[] = {
        {"zram", DI_REASON_SKIP_ZRAM},
        {"ram", DI_REASON_SKIP_RAM_DISK},
        {"dm-", DI_REASON_SKIP_DEVICE_MAPPER},
        {"md", DI_REASON_SKIP_MD_RAID},
        {"sr", DI_REASON_SKIP_CD_DRIVE},
        {"fd", DI_REASON_SKIP_FLOPPY},
        {"nbd", DI_REASON_SKIP_NBD},
    };
    if (di_sysfs_name_is_virtual(name)) {
        for (size_t i = 0; i < sizeof virtual_kinds / sizeof virtual_kinds[0]; i++)
            if (strncmp(name, virtual_kinds[i].prefix, strlen(virtual_kinds[i].prefix)) == 0)
                return virtual_kinds[i].reason;
        return DI_REASON_SKIP_VIRTUAL_DEVICE;
    }
    if (size_bytes == 0 && !di_sysfs_is_empty_slot(removable_flag, size_bytes))
        return strncmp(name, "loop", 4) == 0 ? DI_REASON_SKIP_UNUSED_LOOP : DI_REASON_SKIP_NO_SIZE;
    return DI_REASON_NONE;
}

bool di_sysfs_is_removable(bool removable_flag, const char *bus)
{
    return removable_flag || strcmp(bus, "usb") == 0 || strcmp(bus, "mmc") == 0;
}

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool di_sysfs_serial_text(const char *raw, size_t len, char *out, size_t size)
{
    if (size == 0) return false;
    out[0] = '\0';
    const unsigned char *p = (const unsigned char *)raw;
    const unsigned char *nul = memchr(p, '\0', len);
    if (nul) len = (size_t)(nul - p);
    while (len && is_blank(*p)) p++, len--;
    while (len && is_blank(p[len - 1])) len--;
    if (len == 0) return false;
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x20 || p[i] > 0x7e) return false;
    if (len >= size) len = size - 1;
    memcpy(out, p, len);
    out[len] = '\0';
    return true;
}

bool di_sysfs_serial_from_vpd80(const uint8_t *page, size_t len, char *out, size_t size)
{
    if (size) out[0] = '\0';
    if (!page || len < 4 || page[1] != 0x80) return false;
    size_t length = (size_t)page[2] << 8 | page[3];
    if (length > len - 4) length = len - 4; /* the page as far as it was read */
    return di_sysfs_serial_text((const char *)page + 4, length, out, size);
}

/* Up to size bytes of a file; 0 when it cannot be read. */
static size_t read_file(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(buf, 1, size, f);
    fclose(f);
    return n;
}

bool di_sysfs_disk_serial(const char *sys_root, const char *name, char *out, size_t size)
{
    char path[PATH_MAX + 32], raw[256];
    size_t n;
    if (size) out[0] = '\0';
    snprintf(path, sizeof path, "%s/block/%s/device/serial", sys_root, name);
    if ((n = read_file(path, raw, sizeof raw)) && di_sysfs_serial_text(raw, n, out, size))
        return true;
    snprintf(path, sizeof path, "%s/block/%s/device/vpd_pg80", sys_root, name);
    if ((n = read_file(path, raw, sizeof raw)) &&
        di_sysfs_serial_from_vpd80((const uint8_t *)raw, n, out, size))
        return true;

    /* Up from .../usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb to the first
     * USB device (it has idVendor; its interfaces do not), staying under devices/. */
    char resolved[PATH_MAX], devices[PATH_MAX];
    snprintf(path, sizeof path, "%s/block/%s", sys_root, name);
    if (!realpath(path, resolved)) return false;
    snprintf(path, sizeof path, "%s/devices", sys_root);
    if (!realpath(path, devices)) return false;
    size_t top = strlen(devices);
    if (strncmp(resolved, devices, top) != 0) return false;
    for (;;) {
        char *slash = strrchr(resolved, '/');
        if (!slash || (size_t)(slash - resolved) <= top) return false;
        *slash = '\0';
        snprintf(path, sizeof path, "%s/idVendor", resolved);
        if (access(path, F_OK) != 0) continue;
        snprintf(path, sizeof path, "%s/serial", resolved);
        return (n = read_file(path, raw, sizeof raw)) && di_sysfs_serial_text(raw, n, out, size);
    }
}

static bool read_dev_numbers(const char *path, unsigned *major, unsigned *minor)
{
    char raw[32];
    size_t n = read_file(path, raw, sizeof raw - 1);
    raw[n] = '\0';
    return n && sscanf(raw, "%u:%u", major, minor) == 2;
}

static void add_extent(di_storage_id *id, uint64_t disk, uint32_t partition)
{
    for (unsigned i = 0; i < id->count; i++)
        if (id->on[i].disk == disk && id->on[i].partition == partition) return;
    if (id->count >= DI_STORAGE_EXTENTS_MAX) {
        /* More disks than kept: the last one kept stands for the whole of its disk, so
         * nothing on it is taken for apart. */
        id->on[DI_STORAGE_EXTENTS_MAX - 1].partition = 0;
        return;
    }
    id->on[id->count++] = (di_storage_extent){disk, partition};
}

/* The file behind a loop device's directory (dir/loop/backing_file), if any. */
static void note_backing_file(const char *dir, di_storage_id *id)
{
    char path[PATH_MAX + 64], file[PATH_MAX];
    snprintf(path, sizeof path, "%s/loop/backing_file", dir);
    size_t n = read_file(path, file, sizeof file - 1);
    while (n && (file[n - 1] == '\n' || file[n - 1] == ' ')) n--;
    file[n] = '\0';
    struct stat st;
    if (id->file || !n || stat(file, &st) != 0) return;
    id->file = true;
    id->file_volume = st.st_dev;
    id->file_index = st.st_ino;
}

static uint64_t disk_number(unsigned major, unsigned minor)
{
    return (uint64_t)major << 32 | minor;
}

/* Bounded: sysfs could loop, as could a tree built by hand. */
static bool storage_of(const char *root, unsigned major, unsigned minor, di_storage_id *id,
                       int depth)
{
    char dir[PATH_MAX], path[PATH_MAX + 64], raw[32];
    snprintf(dir, sizeof dir, "%s/dev/block/%u:%u", root, major, minor);
    if (depth > 8 || access(dir, F_OK) != 0) return false;
    snprintf(path, sizeof path, "%s/partition", dir);
    size_t n = read_file(path, raw, sizeof raw - 1);
    raw[n] = '\0';
    unsigned number = 0, disk_major, disk_minor;
    if (n && sscanf(raw, "%u", &number) == 1) {
        /* The parent directory is the whole disk ("259:0/.." resolves through the link). */
        snprintf(path, sizeof path, "%s/../dev", dir);
        if (!read_dev_numbers(path, &disk_major, &disk_minor)) return false;
        add_extent(id, disk_number(disk_major, disk_minor), number);
        snprintf(path, sizeof path, "%s/..", dir);
        note_backing_file(path, id);
        return true;
    }
    snprintf(path, sizeof path, "%s/slaves", dir);
    DIR *slaves = opendir(path);
    bool found = false;
    struct dirent *e;
    while (slaves && (e = readdir(slaves))) {
        if (e->d_name[0] == '.') continue;
        char dev[PATH_MAX + 384];
        snprintf(dev, sizeof dev, "%s/slaves/%.255s/dev", dir, e->d_name);
        unsigned smaj, smin;
        if (read_dev_numbers(dev, &smaj, &smin)) found |= storage_of(root, smaj, smin, id, depth + 1);
    }
    if (slaves) closedir(slaves);
    if (found) return true;
    add_extent(id, disk_number(major, minor), 0);
    note_backing_file(dir, id);
    return true;
}

bool di_sysfs_storage_id(const char *sys_root, unsigned major, unsigned minor, di_storage_id *id)
{
    return storage_of(sys_root, major, minor, id, 0);
}

bool di_storage_id_of(const char *path, di_storage_id *id)
{
    memset(id, 0, sizeof *id);
    struct stat st;
    if (!path || stat(path, &st) != 0) return false;
    if (S_ISBLK(st.st_mode)) {
        /* Without sysfs the device number alone still names the device. */
        if (!di_sysfs_storage_id("/sys", major(st.st_rdev), minor(st.st_rdev), id))
            add_extent(id, disk_number(major(st.st_rdev), minor(st.st_rdev)), 0);
        return true;
    }
    if (!S_ISREG(st.st_mode)) return false;
    id->file = true;
    id->file_volume = st.st_dev;
    id->file_index = st.st_ino;
    return true;
}
