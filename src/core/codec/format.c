/* Magic bytes and file-name suffixes of the compressed formats and containers. */
#include "diskimager/compression.h"

#include <stdio.h>
#include <string.h>

const char *di_format_name(di_format format)
{
    switch (format) {
    case DI_FORMAT_RAW: return "raw";
    case DI_FORMAT_GZIP: return "gzip";
    case DI_FORMAT_XZ: return "xz";
    case DI_FORMAT_ZSTD: return "zstd";
    case DI_FORMAT_BZIP2: return "bzip2";
    case DI_FORMAT_ZIP: return "zip";
    case DI_FORMAT_TAR: return "tar";
    case DI_FORMAT_DMG: return "DMG (Apple disk image)";
    case DI_FORMAT_LZ4: return "lz4";
    case DI_FORMAT_LZO: return "lzop";
    case DI_FORMAT_LZIP: return "lzip";
    case DI_FORMAT_COMPRESS: return "compress (.Z)";
    case DI_FORMAT_7Z: return "7-Zip";
    case DI_FORMAT_RAR: return "RAR";
    case DI_FORMAT_QCOW: return "QCOW (QEMU disk)";
    case DI_FORMAT_VHD: return "dynamic VHD (Virtual PC / Hyper-V disk)";
    case DI_FORMAT_VHDX: return "VHDX (Hyper-V disk)";
    case DI_FORMAT_VMDK: return "VMDK (VMware disk)";
    case DI_FORMAT_VDI: return "VDI (VirtualBox disk)";
    case DI_FORMAT_COUNT: break;
    }
    return "unknown";
}

bool di_format_decodable(di_format format)
{
    return format <= DI_FORMAT_TAR;
}

bool di_format_is_archive(di_format format)
{
    return format == DI_FORMAT_ZIP || format == DI_FORMAT_TAR;
}

static bool starts_with(const unsigned char *head, size_t len, const char *magic, size_t n)
{
    return len >= n && memcmp(head, magic, n) == 0;
}

static bool has_at(const unsigned char *head, size_t len, size_t offset, const char *magic,
                   size_t n)
{
    return len >= offset + n && memcmp(head + offset, magic, n) == 0;
}

/* Signatures at the start of a file; none of them can begin a disk's boot sector. */
static const struct {
    const char *magic;
    size_t len;
    di_format format;
} start_magic[] = {
    {"\xfd" "7zXZ\0", 6, DI_FORMAT_XZ},
    {"\x28\xb5\x2f\xfd", 4, DI_FORMAT_ZSTD},
    /* zip: a local file header first (an empty archive has nothing to write). */
    {"PK\x03\x04", 4, DI_FORMAT_ZIP},
    {"\x04\x22\x4d\x18", 4, DI_FORMAT_LZ4},
    {"\x02\x21\x4c\x18", 4, DI_FORMAT_LZ4},        /* lz4's legacy frame */
    {"\x89LZO\0\r\n\x1a\n", 9, DI_FORMAT_LZO},
    {"LZIP", 4, DI_FORMAT_LZIP},
    {"\x1f\x9d", 2, DI_FORMAT_COMPRESS},
    {"7z\xbc\xaf\x27\x1c", 6, DI_FORMAT_7Z},
    {"Rar!\x1a\x07", 6, DI_FORMAT_RAR},
    {"QFI\xfb", 4, DI_FORMAT_QCOW},
    {"conectix", 8, DI_FORMAT_VHD},
    {"vhdxfile", 8, DI_FORMAT_VHDX},
    {"KDMV", 4, DI_FORMAT_VMDK},
    {"# Disk DescriptorFile", 21, DI_FORMAT_VMDK},
};

di_format di_format_detect(const unsigned char *head, size_t len)
{
    /* gzip: ID1 ID2 and the only method there is (8, deflate). */
    if (starts_with(head, len, "\x1f\x8b\x08", 3)) return DI_FORMAT_GZIP;
    /* bzip2: "BZh" and a block size digit 1..9, then a block or end-of-stream magic. */
    if (len >= 10 && starts_with(head, len, "BZh", 3) && head[3] >= '1' && head[3] <= '9' &&
        (memcmp(head + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
         memcmp(head + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0))
        return DI_FORMAT_BZIP2;
    /* zstd may begin with a skippable frame (pzstd writes one): 0x184D2A50..5F. */
    if (len >= 4 && (head[0] & 0xf0) == 0x50 && memcmp(head + 1, "\x2a\x4d\x18", 3) == 0)
        return DI_FORMAT_ZSTD;
    for (size_t i = 0; i < sizeof start_magic / sizeof start_magic[0]; i++)
        if (starts_with(head, len, start_magic[i].magic, start_magic[i].len))
            return start_magic[i].format;
    /* tar: "ustar" in the first header (POSIX "ustar\0", GNU "ustar  \0"). */
    if (has_at(head, len, 257, "ustar", 6) ||
        (has_at(head, len, 257, "ustar", 5) && has_at(head, len, 262, " ", 1)))
        return DI_FORMAT_TAR;
    /* VDI: a text banner, then its signature at byte 64. */
    if (has_at(head, len, 64, "\x7f\x10\xda\xbe", 4)) return DI_FORMAT_VDI;
    return DI_FORMAT_RAW;
}

di_format di_format_detect_tail(const unsigned char *tail, size_t len)
{
    /* The UDIF trailer: "koly", version 4, header size 512. */
    if (len >= 512 && memcmp(tail + len - 512, "koly\0\0\0\x04\0\0\x02\0", 12) == 0)
        return DI_FORMAT_DMG;
    return DI_FORMAT_RAW;
}

static const struct {
    const char *suffix;
    di_format format;
} output_suffixes[] = {
    {".gz", DI_FORMAT_GZIP},
    {".xz", DI_FORMAT_XZ},
    {".zst", DI_FORMAT_ZSTD},
};

static const char *const inner_suffixes[] = {".gz", ".xz", ".zst", ".bz2", ".zip"};

static const char *const image_suffixes[] = {".img", ".iso", ".raw", ".bin", ".wic",
                                             ".sdcard", ".hddimg", ".dsk"};

bool di_name_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (m > n) return false;
    for (size_t i = 0; i < m; i++) {
        char a = s[n - m + i], b = suffix[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

di_format di_format_for_output(const char *path)
{
    for (size_t i = 0; i < sizeof output_suffixes / sizeof output_suffixes[0]; i++)
        if (di_name_ends_with(path, output_suffixes[i].suffix)) return output_suffixes[i].format;
    return DI_FORMAT_RAW;
}

void di_format_inner_name(const char *name, char *out, size_t out_size)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof inner_suffixes / sizeof inner_suffixes[0]; i++) {
        if (di_name_ends_with(name, inner_suffixes[i]) && n > strlen(inner_suffixes[i])) {
            n -= strlen(inner_suffixes[i]);
            break;
        }
    }
    snprintf(out, out_size, "%.*s", (int)n, name);
}

void di_format_layers_name(const int *formats, unsigned count, char *out, size_t out_size)
{
    size_t used = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < count && used < out_size; i++)
        used += (size_t)snprintf(out + used, out_size - used, "%s%s", i ? ", then " : "",
                                 di_format_name((di_format)formats[i]));
}

bool di_name_looks_like_image(const char *name)
{
    char inner[1024];
    di_format_inner_name(name, inner, sizeof inner);
    const char *base = strrchr(inner, '/');
    base = base ? base + 1 : inner;
    for (size_t i = 0; i < sizeof image_suffixes / sizeof image_suffixes[0]; i++)
        if (di_name_ends_with(base, image_suffixes[i]) && strlen(base) > strlen(image_suffixes[i]))
            return true;
    return false;
}
