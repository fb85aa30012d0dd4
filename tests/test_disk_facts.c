/* The Windows drive layer's decisions, fed with the structures Windows returns, laid
 * out byte for byte as winioctl.h documents them: a USB stick, an SD reader, the NVMe
 * system disk, a multi-partition stick, a volume spanning two disks, and serial numbers
 * padded, blank or garbled by USB bridges. Runs natively and under Wine. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "platform/win32/disk_facts.h"

/* STORAGE_DEVICE_DESCRIPTOR: a SanDisk Cruzer Blade USB stick (BusTypeUsb, removable) */
static const uint8_t usb_stick_descriptor[] = {
    0x28, 0x00, 0x00, 0x00, 0x5c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x28, 0x00, 0x00,
    0x00, 0x31, 0x00, 0x00, 0x00, 0x42, 0x00, 0x00, 0x00, 0x47, 0x00, 0x00, 0x00, 0x07, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x61, 0x6e, 0x44, 0x69,
    0x73, 0x6b, 0x20, 0x00, 0x43, 0x72, 0x75, 0x7a, 0x65, 0x72, 0x20, 0x42, 0x6c, 0x61, 0x64,
    0x65, 0x20, 0x20, 0x20, 0x20, 0x00, 0x31, 0x2e, 0x30, 0x30, 0x00, 0x34, 0x43, 0x35, 0x33,
    0x30, 0x30, 0x30, 0x31, 0x32, 0x33, 0x30, 0x34, 0x31, 0x32, 0x31, 0x30, 0x39, 0x34, 0x37,
    0x34, 0x00
};
/* STORAGE_DEVICE_DESCRIPTOR: a built-in SD card reader (BusTypeSd), no vendor */
static const uint8_t sd_reader_descriptor[] = {
    0x28, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x44, 0x20, 0x20, 0x43,
    0x61, 0x72, 0x64, 0x00
};
/* STORAGE_DEVICE_DESCRIPTOR: the NVMe disk Windows runs from (BusTypeNvme, fixed) */
static const uint8_t nvme_system_descriptor[] = {
    0x28, 0x00, 0x00, 0x00, 0x5e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x28, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x00, 0x4e, 0x00, 0x00, 0x00, 0x11, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x61, 0x6d, 0x73, 0x75,
    0x6e, 0x67, 0x20, 0x53, 0x53, 0x44, 0x20, 0x39, 0x37, 0x30, 0x20, 0x45, 0x56, 0x4f, 0x20,
    0x50, 0x6c, 0x75, 0x73, 0x20, 0x31, 0x54, 0x42, 0x00, 0x32, 0x42, 0x32, 0x51, 0x45, 0x58,
    0x4d, 0x37, 0x00, 0x53, 0x34, 0x45, 0x57, 0x4e, 0x58, 0x30, 0x52, 0x31, 0x32, 0x33, 0x34,
    0x35, 0x36, 0x41, 0x00
};
/* STORAGE_DEVICE_DESCRIPTOR: a Kingston USB stick reporting fixed media (BusTypeUsb) */
static const uint8_t multi_partition_descriptor[] = {
    0x28, 0x00, 0x00, 0x00, 0x47, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00,
    0x00, 0x31, 0x00, 0x00, 0x00, 0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4b, 0x69, 0x6e, 0x67, 0x73,
    0x74, 0x6f, 0x6e, 0x00, 0x44, 0x61, 0x74, 0x61, 0x54, 0x72, 0x61, 0x76, 0x65, 0x6c, 0x65,
    0x72, 0x20, 0x33, 0x2e, 0x30, 0x00, 0x50, 0x4d, 0x41, 0x50, 0x00
};
/* STORAGE_DEVICE_DESCRIPTOR: a Generic Flash Disk with no serial number, only blanks
 * (BusTypeUsb, removable) */
static const uint8_t blank_serial_descriptor[] = {
    0x28, 0x00, 0x00, 0x00, 0x58, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x28, 0x00, 0x00,
    0x00, 0x31, 0x00, 0x00, 0x00, 0x42, 0x00, 0x00, 0x00, 0x47, 0x00, 0x00, 0x00, 0x07, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x47, 0x65, 0x6e, 0x65, 0x72,
    0x69, 0x63, 0x20, 0x00, 0x46, 0x6c, 0x61, 0x73, 0x68, 0x20, 0x44, 0x69, 0x73, 0x6b, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x00, 0x38, 0x2e, 0x30, 0x37, 0x00, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x00
};
/* STORAGE_DEVICE_DESCRIPTOR: a JMicron USB to SATA bridge, its serial number padded on
 * both sides (BusTypeUsb) */
static const uint8_t padded_serial_descriptor[] = {
    0x28, 0x00, 0x00, 0x00, 0x5c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00,
    0x00, 0x31, 0x00, 0x00, 0x00, 0x42, 0x00, 0x00, 0x00, 0x47, 0x00, 0x00, 0x00, 0x07, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4a, 0x4d, 0x69, 0x63, 0x72,
    0x6f, 0x6e, 0x20, 0x00, 0x47, 0x65, 0x6e, 0x65, 0x72, 0x69, 0x63, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x00, 0x30, 0x35, 0x30, 0x38, 0x00, 0x20, 0x20, 0x20, 0x44,
    0x42, 0x39, 0x38, 0x37, 0x36, 0x35, 0x34, 0x33, 0x32, 0x31, 0x34, 0x45, 0x20, 0x20, 0x20,
    0x20, 0x00
};
/* STORAGE_DEVICE_DESCRIPTOR: a card reader whose bridge returns stray bytes for its
 * serial number (BusTypeUsb, removable) */
static const uint8_t stray_serial_descriptor[] = {
    0x28, 0x00, 0x00, 0x00, 0x4e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x28, 0x00, 0x00,
    0x00, 0x31, 0x00, 0x00, 0x00, 0x42, 0x00, 0x00, 0x00, 0x47, 0x00, 0x00, 0x00, 0x07, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x47, 0x65, 0x6e, 0x65, 0x72,
    0x69, 0x63, 0x2d, 0x00, 0x53, 0x44, 0x2f, 0x4d, 0x4d, 0x43, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x00, 0x31, 0x2e, 0x30, 0x30, 0x00, 0x01, 0x9a, 0xff, 0x20,
    0x7f, 0x41, 0x00
};
/* VOLUME_DISK_EXTENTS: one volume on disk 2 from 1 MiB */
static const uint8_t usb_volume_extents[] = {
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x38, 0x6e, 0x07, 0x00,
    0x00, 0x00
};
/* VOLUME_DISK_EXTENTS: a spanned volume on disks 0 and 3 */
static const uint8_t spanned_volume_extents[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60, 0xc0, 0x70, 0x74, 0x00,
    0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x50, 0xd6, 0xdc, 0x01, 0x00, 0x00, 0x00
};
/* DISK_GEOMETRY_EX: 31.9 GB, 512-byte sectors */
static const uint8_t usb_geometry_ex[] = {
    0x28, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00,
    0x00, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x48, 0x6e, 0x07, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};
/* DISK_GEOMETRY_EX: 63.9 GB, 4096-byte sectors */
static const uint8_t sd_4kn_geometry_ex[] = {
    0xca, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00,
    0x00, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0xa0, 0xde, 0x0e, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};

static void parses_storage_descriptors(void)
{
    di_storage_info s;
    CHECK(di_parse_storage_descriptor(usb_stick_descriptor, sizeof usb_stick_descriptor, &s));
    CHECK_STR(s.vendor, "SanDisk");
    CHECK_STR(s.product, "Cruzer Blade");
    CHECK_STR(s.serial, "4C530001230412109474");
    CHECK_U64(s.bus_type, DI_BUS_USB);
    CHECK(s.removable_media);
    CHECK_STR(di_bus_name(s.bus_type), "usb");

    CHECK(di_parse_storage_descriptor(sd_reader_descriptor, sizeof sd_reader_descriptor, &s));
    CHECK_STR(s.vendor, "");
    CHECK_STR(s.product, "SD  Card");
    CHECK_U64(s.bus_type, DI_BUS_SD);

    CHECK(di_parse_storage_descriptor(nvme_system_descriptor, sizeof nvme_system_descriptor, &s));
    CHECK_STR(s.product, "Samsung SSD 970 EVO Plus 1TB");
    CHECK(!s.removable_media);
    CHECK_STR(di_bus_name(s.bus_type), "nvme");

    /* Truncated or lying about its size: refused, never read past the buffer. */
    CHECK(!di_parse_storage_descriptor(usb_stick_descriptor, 20, &s));
    uint8_t bad[sizeof usb_stick_descriptor];
    memcpy(bad, usb_stick_descriptor, sizeof bad);
    bad[12] = 0xff; /* vendor offset beyond the end */
    CHECK(di_parse_storage_descriptor(bad, sizeof bad, &s));
    CHECK_STR(s.vendor, "");
}

static void keeps_usable_serial_numbers_only(void)
{
    di_storage_info s;
    /* Padding trimmed: the same number whichever way the bridge pads it. */
    CHECK(di_parse_storage_descriptor(padded_serial_descriptor, sizeof padded_serial_descriptor, &s));
    CHECK_STR(s.vendor, "JMicron");
    CHECK_STR(s.serial, "DB9876543214E");
    /* Only blanks: no serial number, not "". */
    CHECK(di_parse_storage_descriptor(blank_serial_descriptor, sizeof blank_serial_descriptor, &s));
    CHECK_STR(s.product, "Flash Disk");
    CHECK_STR(s.serial, "");
    /* Blanks up to the end of what was returned, with no NUL: still none, and nothing
     * read past the end. */
    CHECK(di_parse_storage_descriptor(blank_serial_descriptor, sizeof blank_serial_descriptor - 1, &s));
    CHECK_STR(s.serial, "");
    /* Stray bytes: unknown rather than compared or shown. */
    CHECK(di_parse_storage_descriptor(stray_serial_descriptor, sizeof stray_serial_descriptor, &s));
    CHECK_STR(s.product, "SD/MMC");
    CHECK_STR(s.serial, "");
    /* No serial number offset at all (the SD reader). */
    CHECK(di_parse_storage_descriptor(sd_reader_descriptor, sizeof sd_reader_descriptor, &s));
    CHECK_STR(s.serial, "");

    CHECK(di_serial_is_usable("4C530001230412109474"));
    CHECK(di_serial_is_usable("0000000000000000")); /* a placeholder still tells sticks apart */
    CHECK(di_serial_is_usable("WD-WCC4E1234567"));
    CHECK(!di_serial_is_usable(""));
    CHECK(!di_serial_is_usable("AB\x01" "CD"));
    CHECK(!di_serial_is_usable("\xc3\xa9t\xc3\xa9"));
}

static void parses_extents_and_geometry(void)
{
    di_disk_extent e[4];
    CHECK_U64(di_parse_disk_extents(usb_volume_extents, sizeof usb_volume_extents, e, 4), 1);
    CHECK_U64(e[0].disk_number, 2);
    CHECK_U64(e[0].offset, 1048576);
    CHECK_U64(e[0].length, 31914983424ull - 1048576);
    CHECK_U64(di_parse_disk_extents(spanned_volume_extents, sizeof spanned_volume_extents, e, 4), 2);
    CHECK_U64(e[1].disk_number, 3);
    CHECK(di_parse_disk_extents(spanned_volume_extents, 30, e, 4) == -1);
    /* More extents than room: all counted, the first stored. */
    CHECK_U64(di_parse_disk_extents(spanned_volume_extents, sizeof spanned_volume_extents, e, 1), 2);
    CHECK_U64(e[0].disk_number, 0);

    uint64_t size = 0;
    uint32_t sector = 0;
    CHECK(di_parse_geometry_ex(usb_geometry_ex, sizeof usb_geometry_ex, &size, &sector));
    CHECK_U64(size, 31914983424ull);
    CHECK_U64(sector, 512);
    CHECK(di_parse_geometry_ex(sd_4kn_geometry_ex, sizeof sd_4kn_geometry_ex, &size, &sector));
    CHECK_U64(sector, 4096);
    CHECK_U64(size, 63864569856ull);
    uint8_t odd[sizeof usb_geometry_ex];
    memcpy(odd, usb_geometry_ex, sizeof odd);
    odd[20] = 0x01; /* 513-byte sectors do not exist */
    CHECK(!di_parse_geometry_ex(odd, sizeof odd, &size, &sector));
    CHECK(!di_parse_geometry_ex(usb_geometry_ex, 16, &size, &sector));
}

/* A machine: NVMe disk 0 with Windows (C:) and a page file, disk 1 a fixed data disk
 * (D:), disk 2 the USB stick (E:), disk 3 a multi-partition stick (F:, G: and one
 * partition without a letter), disk 4 an SD card with no letter at all; and a volume
 * H: spanning disks 0 and 3. */
static int machine(di_disk_facts *disks, di_volume_facts *volumes, int *volume_count)
{
    memset(disks, 0, 5 * sizeof *disks);
    memset(volumes, 0, 8 * sizeof *volumes);
    di_parse_storage_descriptor(nvme_system_descriptor, sizeof nvme_system_descriptor, &disks[0].storage);
    disks[1].storage.bus_type = DI_BUS_SATA;
    snprintf(disks[1].storage.product, sizeof disks[1].storage.product, "WDC WD40EFRX");
    di_parse_storage_descriptor(usb_stick_descriptor, sizeof usb_stick_descriptor, &disks[2].storage);
    di_parse_storage_descriptor(multi_partition_descriptor, sizeof multi_partition_descriptor, &disks[3].storage);
    di_parse_storage_descriptor(sd_reader_descriptor, sizeof sd_reader_descriptor, &disks[4].storage);
    for (int i = 0; i < 5; i++) {
        disks[i].number = (uint32_t)i;
        disks[i].sector_size = 512;
    }
    disks[0].size = 1000204886016ull;
    disks[1].size = 4000787030016ull;
    di_parse_geometry_ex(usb_geometry_ex, sizeof usb_geometry_ex, &disks[2].size, &disks[2].sector_size);
    disks[3].size = 30943995904ull;
    di_parse_geometry_ex(sd_4kn_geometry_ex, sizeof sd_4kn_geometry_ex, &disks[4].size, &disks[4].sector_size);

    int v = 0;
    strcpy(volumes[v].letters, "C");
    volumes[v].holds_windows = true;
    volumes[v].has_page_file = true;
    volumes[v].extent_count = 1;
    volumes[v++].extents[0].disk_number = 0;
    strcpy(volumes[v].letters, ""); /* the EFI system partition: the boot volume */
    volumes[v].is_boot = true;
    volumes[v].extent_count = 1;
    volumes[v++].extents[0].disk_number = 0;
    strcpy(volumes[v].letters, "D");
    volumes[v].extent_count = 1;
    volumes[v++].extents[0].disk_number = 1;
    strcpy(volumes[v].letters, "E");
    volumes[v].extent_count = di_parse_disk_extents(usb_volume_extents, sizeof usb_volume_extents, volumes[v].extents, 8);
    v++;
    strcpy(volumes[v].letters, "G");
    volumes[v].extent_count = 1;
    volumes[v++].extents[0].disk_number = 3;
    strcpy(volumes[v].letters, "F");
    volumes[v].extent_count = 1;
    volumes[v++].extents[0].disk_number = 3;
    strcpy(volumes[v].letters, "");
    volumes[v].extent_count = 1;
    volumes[v++].extents[0].disk_number = 3;
    strcpy(volumes[v].letters, "H");
    volumes[v].extent_count = di_parse_disk_extents(spanned_volume_extents, sizeof spanned_volume_extents, volumes[v].extents, 8);
    v++;
    *volume_count = v;
    return 5;
}

static void maps_volumes_and_decides_what_to_offer(void)
{
    di_disk_facts disks[5];
    di_volume_facts volumes[8];
    int vc = 0;
    int dc = machine(disks, volumes, &vc);
    di_map_volumes_to_disks(disks, dc, volumes, vc);

    CHECK(disks[0].system);
    CHECK_STR(disks[0].letters, "CH");
    CHECK_U64(di_disk_offer_for(&disks[0]), DI_OFFER_NEVER);
    CHECK_U64(di_disk_offer_for(&disks[1]), DI_OFFER_FIXED);
    CHECK_STR(disks[2].letters, "E");
    CHECK_U64(di_disk_offer_for(&disks[2]), DI_OFFER_REMOVABLE);
    /* Several partitions, letters sorted, the spanned volume H: included. */
    CHECK_STR(disks[3].letters, "FGH");
    CHECK_U64(disks[3].volume_count, 4);
    CHECK_U64(di_disk_offer_for(&disks[3]), DI_OFFER_REMOVABLE); /* on USB though "fixed" media */
    CHECK_STR(disks[4].letters, "");
    CHECK_U64(di_disk_offer_for(&disks[4]), DI_OFFER_REMOVABLE);

    /* A page file alone makes a disk a system disk. */
    volumes[3].has_page_file = true;
    di_map_volumes_to_disks(disks, dc, volumes, vc);
    CHECK_U64(di_disk_offer_for(&disks[2]), DI_OFFER_NEVER);
}

static void each_disk_gets_its_letters(void)
{
    di_disk_facts disks[5];
    di_volume_facts volumes[8];
    int vc = 0;
    int dc = machine(disks, volumes, &vc);
    di_map_volumes_to_disks(disks, dc, volumes, vc);
    /* The dialog names a disk by these (src/gui/drive_text.c), in its own language. */
    CHECK_STR(disks[2].letters, "E");
    CHECK_STR(disks[3].letters, "FGH");
    CHECK_STR(disks[4].letters, "");
    CHECK_STR(disks[1].letters, "D");
}

/* The TRIM request's bytes as winioctl.h lays out DEVICE_MANAGE_DATA_SET_ATTRIBUTES and
 * DEVICE_DATA_SET_RANGE (x64: 28 bytes, the range at 32), and the codes that mean the
 * drive cannot trim (zeros then) against those that are failures. */
static void builds_trim_requests_and_tells_unsupported_codes(void)
{
    uint8_t req[DI_TRIM_REQUEST_BYTES];
    memset(req, 0xEE, sizeof req);
    di_trim_request(0x1122334455ull * 512, 3ull << 30, req);
    static const uint8_t head[32] = {28, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                     0,  0, 0, 0, 32, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0};
    CHECK(memcmp(req, head, sizeof head) == 0);
    uint64_t offset = 0, length = 0;
    for (int i = 7; i >= 0; i--) {
        offset = offset << 8 | req[32 + i];
        length = length << 8 | req[40 + i];
    }
    CHECK_U64(offset, 0x1122334455ull * 512);
    CHECK_U64(length, 3ull << 30);
    CHECK(di_trim_unsupported(1));    /* ERROR_INVALID_FUNCTION */
    CHECK(di_trim_unsupported(50));   /* ERROR_NOT_SUPPORTED */
    CHECK(di_trim_unsupported(87));   /* ERROR_INVALID_PARAMETER */
    CHECK(!di_trim_unsupported(5));   /* ERROR_ACCESS_DENIED: a failure to say */
    CHECK(!di_trim_unsupported(21));  /* ERROR_NOT_READY */
    CHECK(!di_trim_unsupported(1117)); /* ERROR_IO_DEVICE */
    CHECK(!di_trim_unsupported(0));
}

static const test_case tests[] = {
    {"builds_trim_requests_and_tells_unsupported_codes",
     builds_trim_requests_and_tells_unsupported_codes},
    {"parses_storage_descriptors", parses_storage_descriptors},
    {"keeps_usable_serial_numbers_only", keeps_usable_serial_numbers_only},
    {"parses_extents_and_geometry", parses_extents_and_geometry},
    {"maps_volumes_and_decides_what_to_offer", maps_volumes_and_decides_what_to_offer},
    {"each_disk_gets_its_letters", each_disk_gets_its_letters},
};
TEST_MAIN(tests)
