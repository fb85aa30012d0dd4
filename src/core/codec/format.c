/* Magic bytes and file-name suffixes of the compressed formats. */
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
    case DI_FORMAT_COUNT: break;
    }
    return "unknown";
}

static bool starts_with(const unsigned char *head, size_t len, const char *magic, size_t n)
{
    return len >= n && memcmp(head, magic, n) == 0;
}

di_format di_format_detect(const unsigned char *head, size_t len)
{
    /* gzip: ID1 ID2 and the only method there is (8, deflate). */
    if (starts_with(head, len, "\x1f\x8b\x08", 3)) return DI_FORMAT_GZIP;
    if (starts_with(head, len, "\xfd" "7zXZ\0", 6)) return DI_FORMAT_XZ;
    if (starts_with(head, len, "\x28\xb5\x2f\xfd", 4)) return DI_FORMAT_ZSTD;
    /* bzip2: "BZh" and a block size digit 1..9, then a block or end-of-stream magic. */
    if (len >= 10 && starts_with(head, len, "BZh", 3) && head[3] >= '1' && head[3] <= '9' &&
        (memcmp(head + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
         memcmp(head + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0))
        return DI_FORMAT_BZIP2;
    /* zip: a local file header first (an empty archive has nothing to write). */
    if (starts_with(head, len, "PK\x03\x04", 4)) return DI_FORMAT_ZIP;
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

static bool ends_with_nocase(const char *s, const char *suffix)
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
        if (ends_with_nocase(path, output_suffixes[i].suffix)) return output_suffixes[i].format;
    return DI_FORMAT_RAW;
}

void di_format_inner_name(const char *name, char *out, size_t out_size)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof inner_suffixes / sizeof inner_suffixes[0]; i++) {
        if (ends_with_nocase(name, inner_suffixes[i]) && n > strlen(inner_suffixes[i])) {
            n -= strlen(inner_suffixes[i]);
            break;
        }
    }
    snprintf(out, out_size, "%.*s", (int)n, name);
}
