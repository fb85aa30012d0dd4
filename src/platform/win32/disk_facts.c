/* Pure: parses little-endian structures by their documented offsets, so the same
 * code runs in the Linux test build and the Windows one. */
#include "disk_facts.h"

#include <stdio.h>
#include <string.h>

#include "diskimager/units.h"
#include "diskimager/le_bytes.h"

/* Copies the NUL-terminated string at offset (0: none), trimming spaces, which USB
 * bridges pad vendor and product fields with. */
static void take_string(const uint8_t *buf, size_t len, uint32_t offset, char *out, size_t size)
{
    out[0] = '\0';
    if (offset == 0 || offset >= len || size == 0) return;
    size_t n = 0;
    const uint8_t *p = buf + offset;
    while (p < buf + len && *p == ' ') p++; /* bounds first: blanks up to the end */
    while (p < buf + len && *p && n + 1 < size) out[n++] = (char)*p++;
    while (n > 0 && out[n - 1] == ' ') n--;
    out[n] = '\0';
}

bool di_parse_storage_descriptor(const uint8_t *buf, size_t len, di_storage_info *out)
{
    /* Version, Size, DeviceType, DeviceTypeModifier, RemovableMedia, CommandQueueing,
     * VendorIdOffset(12), ProductIdOffset(16), ProductRevisionOffset(20),
     * SerialNumberOffset(24), BusType(28), RawPropertiesLength(32), raw(36). */
    memset(out, 0, sizeof *out);
    if (!buf || len < 36) return false;
    uint32_t size = di_le32(buf + 4);
    if (size < 36) return false;
    if (size < len) len = size;
    out->removable_media = buf[10] != 0;
    out->bus_type = di_le32(buf + 28);
    take_string(buf, len, di_le32(buf + 12), out->vendor, sizeof out->vendor);
    take_string(buf, len, di_le32(buf + 16), out->product, sizeof out->product);
    take_string(buf, len, di_le32(buf + 24), out->serial, sizeof out->serial);
    if (!di_serial_is_usable(out->serial)) out->serial[0] = '\0';
    return true;
}

bool di_serial_is_usable(const char *serial)
{
    /* A stick without a serial number gets blanks or stray bytes from its bridge; stray
     * bytes may read differently next time, and would print as mojibake in a message.
     * A placeholder such as "0000000000" stays: it still tells that stick from one
     * with a real number, and two readings of the same stick agree on it. */
    if (!serial[0]) return false;
    for (const unsigned char *p = (const unsigned char *)serial; *p; p++)
        if (*p < 0x20 || *p > 0x7e) return false;
    return true;
}

const char *di_bus_name(unsigned bus)
{
    switch (bus) {
    case DI_BUS_USB: return "usb";
    case DI_BUS_SD: return "sd";
    case DI_BUS_MMC: return "mmc";
    case DI_BUS_SATA: return "sata";
    case DI_BUS_ATA: return "ata";
    case DI_BUS_NVME: return "nvme";
    case DI_BUS_SCSI: return "scsi";
    case DI_BUS_SAS: return "sas";
    case DI_BUS_RAID: return "raid";
    case DI_BUS_VIRTUAL:
    case DI_BUS_FILE_BACKED_VIRTUAL: return "virtual";
    case DI_BUS_SPACES: return "spaces";
    default: return "";
    }
}

int di_parse_disk_extents(const uint8_t *buf, size_t len, di_disk_extent *extents, int max)
{
    /* NumberOfDiskExtents(0), then DISK_EXTENT[] from 8, 24 bytes each:
     * DiskNumber(0), StartingOffset(8), ExtentLength(16). */
    if (!buf || len < 8) return -1;
    uint32_t count = di_le32(buf);
    if (count > 4096 || 8 + (size_t)count * 24 > len) return -1;
    for (uint32_t i = 0; i < count && (int)i < max; i++) {
        const uint8_t *e = buf + 8 + (size_t)i * 24;
        extents[i].disk_number = di_le32(e);
        extents[i].offset = di_le64(e + 8);
        extents[i].length = di_le64(e + 16);
    }
    return (int)count;
}

bool di_parse_device_number(const uint8_t *buf, size_t len, uint32_t *disk, uint32_t *partition)
{
    /* DeviceType(0), DeviceNumber(4), PartitionNumber(8). */
    enum { FILE_DEVICE_DISK = 7 };
    if (!buf || len < 12 || di_le32(buf) != FILE_DEVICE_DISK) return false;
    *disk = di_le32(buf + 4);
    uint32_t number = di_le32(buf + 8);
    *partition = number == UINT32_MAX ? 0 : number;
    return true;
}

bool di_win_storage_id(const di_win_storage_facts *f, di_storage_id *id)
{
    memset(id, 0, sizeof *id);
    uint32_t disk, partition;
    if (f->physical) {
        id->on[id->count++] = (di_storage_extent){f->physical_number, 0};
    } else if (di_parse_device_number(f->device_number, f->device_number_len, &disk, &partition)) {
        id->on[id->count++] = (di_storage_extent){disk, partition};
    } else {
        for (int e = 0; e < f->extent_count && e < 8 && id->count < DI_STORAGE_EXTENTS_MAX; e++) {
            bool seen = false;
            for (unsigned k = 0; k < id->count; k++) seen |= id->on[k].disk == f->extents[e].disk_number;
            if (!seen) id->on[id->count++] = (di_storage_extent){f->extents[e].disk_number, 0};
        }
    }
    if (f->file) {
        id->file = true;
        id->file_volume = f->volume_serial;
        id->file_index = f->file_index;
    }
    return id->count > 0 || id->file;
}

bool di_parse_geometry_ex(const uint8_t *buf, size_t len, uint64_t *size, uint32_t *sector)
{
    /* DISK_GEOMETRY: Cylinders(0), MediaType(8), TracksPerCylinder(12),
     * SectorsPerTrack(16), BytesPerSector(20); then DiskSize(24). */
    if (!buf || len < 32) return false;
    uint32_t bytes_per_sector = di_le32(buf + 20);
    /* Only powers of two from 512 to 64 KiB are real logical sectors. */
    if (bytes_per_sector < 512 || bytes_per_sector > 65536 ||
        (bytes_per_sector & (bytes_per_sector - 1)))
        return false;
    *sector = bytes_per_sector;
    *size = di_le64(buf + 24);
    return true;
}

static void add_letters(char *set, const char *letters)
{
    for (const char *l = letters; *l; l++) {
        if (strchr(set, *l)) continue;
        size_t n = strlen(set);
        if (n >= DI_MAX_LETTERS) return;
        /* Keep them sorted, as Explorer lists them. */
        size_t at = n;
        while (at > 0 && set[at - 1] > *l) at--;
        memmove(set + at + 1, set + at, n - at + 1);
        set[at] = *l;
    }
}

void di_map_volumes_to_disks(di_disk_facts *disks, int disk_count,
                             const di_volume_facts *volumes, int volume_count)
{
    for (int d = 0; d < disk_count; d++) {
        disks[d].letters[0] = '\0';
        disks[d].volume_count = 0;
        disks[d].system = false;
    }
    for (int v = 0; v < volume_count; v++) {
        const di_volume_facts *vol = &volumes[v];
        bool system = vol->holds_windows || vol->is_boot || vol->has_page_file;
        for (int d = 0; d < disk_count; d++) {
            bool on_disk = false;
            for (int e = 0; e < vol->extent_count && e < 8; e++)
                if (vol->extents[e].disk_number == disks[d].number) on_disk = true;
            if (!on_disk) continue;
            disks[d].volume_count++;
            add_letters(disks[d].letters, vol->letters);
            if (system) disks[d].system = true;
        }
    }
}

di_disk_offer di_disk_offer_for(const di_disk_facts *disk)
{
    if (disk->system) return DI_OFFER_NEVER;
    unsigned bus = disk->storage.bus_type;
    if (disk->storage.removable_media || bus == DI_BUS_USB || bus == DI_BUS_SD ||
        bus == DI_BUS_MMC)
        return DI_OFFER_REMOVABLE;
    return DI_OFFER_FIXED;
}

void di_trim_request(uint64_t offset, uint64_t length, uint8_t out[DI_TRIM_REQUEST_BYTES])
{
    /* Size, Action, Flags, ParameterBlockOffset, ParameterBlockLength, DataSetRangesOffset,
     * DataSetRangesLength (seven DWORDs, 28 bytes), then the range at the next 8-byte
     * boundary: StartingOffset, LengthInBytes. */
    memset(out, 0, DI_TRIM_REQUEST_BYTES);
    di_put_le32(out, 28);
    di_put_le32(out + 4, 1); /* DeviceDsmAction_Trim */
    di_put_le32(out + 20, 32);
    di_put_le32(out + 24, 16);
    di_put_le64(out + 32, offset);
    di_put_le64(out + 40, length);
}

bool di_trim_unsupported(unsigned long code)
{
    switch (code) {
    case 1:    /* ERROR_INVALID_FUNCTION: the driver has no such IOCTL */
    case 50:   /* ERROR_NOT_SUPPORTED */
    case 87:   /* ERROR_INVALID_PARAMETER: a driver that knows the IOCTL but not TRIM */
    case 120:  /* ERROR_CALL_NOT_IMPLEMENTED */
    case 1168: /* ERROR_NOT_FOUND: no trim capability recorded for the disk */
        return true;
    default:
        return false;
    }
}
