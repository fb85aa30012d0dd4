#include "sysfs_disk.h"

#include <string.h>

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

bool di_sysfs_is_removable(bool removable_flag, const char *bus)
{
    return removable_flag || strcmp(bus, "usb") == 0 || strcmp(bus, "mmc") == 0;
}
