#define _XOPEN_SOURCE 700 /* realpath is XSI */
#include "sysfs_disk.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
