/* Decimal sizes and rates for people; binary or decimal suffixes when parsing. */
#include "diskimager/units.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *di_format_size(uint64_t bytes, char *out, size_t out_size)
{
    static const char *const units[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
    if (bytes < 1000) {
        snprintf(out, out_size, "%llu B", (unsigned long long)bytes);
        return out;
    }
    double value = (double)bytes / 1000.0;
    size_t unit = 0;
    while (value >= 999.995 && unit + 1 < sizeof units / sizeof units[0]) {
        value /= 1000.0;
        unit++;
    }
    /* Three significant digits, as on the package: 4.19 MB, 31.9 GB, 256 GB. */
    if (value < 9.995) snprintf(out, out_size, "%.2f %s", value, units[unit]);
    else if (value < 99.95) snprintf(out, out_size, "%.1f %s", value, units[unit]);
    else snprintf(out, out_size, "%.0f %s", value, units[unit]);
    return out;
}

char *di_format_block_size(uint64_t bytes, char *out, size_t out_size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t unit = 0;
    while (bytes && bytes % 1024 == 0 && unit + 1 < sizeof units / sizeof units[0]) {
        bytes /= 1024;
        unit++;
    }
    snprintf(out, out_size, "%llu %s", (unsigned long long)bytes, units[unit]);
    return out;
}

char *di_format_rate(double bytes_per_second, char *out, size_t out_size)
{
    if (!(bytes_per_second >= 0)) bytes_per_second = 0;
    snprintf(out, out_size, "%.1f MB/s", bytes_per_second / 1e6);
    return out;
}

char *di_format_duration(double seconds, char *out, size_t out_size)
{
    if (!(seconds >= 0) || seconds > 359999.0 * 100) {
        snprintf(out, out_size, "--:--");
        return out;
    }
    unsigned long long total = (unsigned long long)(seconds + 0.5);
    unsigned long long h = total / 3600, m = (total / 60) % 60, s = total % 60;
    if (h) snprintf(out, out_size, "%llu:%02llu:%02llu", h, m, s);
    else snprintf(out, out_size, "%llu:%02llu", m, s);
    return out;
}

static bool suffix_multiplier(const char *suffix, uint64_t *mult)
{
    static const struct { const char *name; uint64_t mult; } table[] = {
        {"", 1}, {"b", 1},
        {"k", 1ull << 10}, {"kib", 1ull << 10}, {"kb", 1000ull},
        {"m", 1ull << 20}, {"mib", 1ull << 20}, {"mb", 1000000ull},
        {"g", 1ull << 30}, {"gib", 1ull << 30}, {"gb", 1000000000ull},
        {"t", 1ull << 40}, {"tib", 1ull << 40}, {"tb", 1000000000000ull},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcasecmp(suffix, table[i].name) == 0) {
            *mult = table[i].mult;
            return true;
        }
    }
    return false;
}

bool di_parse_size(const char *text, uint64_t *bytes)
{
    if (!text || !isdigit((unsigned char)text[0])) return false;
    uint64_t whole = 0;
    const char *p = text;
    while (isdigit((unsigned char)*p)) {
        unsigned digit = (unsigned)(*p - '0');
        if (whole > (UINT64_MAX - digit) / 10) return false;
        whole = whole * 10 + digit;
        p++;
    }
    /* A fraction only makes sense with a unit ("1.5G"); kept as parts per 10^9. */
    uint64_t frac = 0, frac_scale = 1;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return false;
        while (isdigit((unsigned char)*p)) {
            if (frac_scale < 1000000000ull) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                frac_scale *= 10;
            }
            p++;
        }
    }
    uint64_t mult;
    if (!suffix_multiplier(p, &mult)) return false;
    if (frac_scale > 1 && mult == 1) return false;
    if (whole > UINT64_MAX / mult) return false;
    uint64_t value = whole * mult;
    uint64_t extra = (uint64_t)((double)frac / (double)frac_scale * (double)mult);
    if (value > UINT64_MAX - extra) return false;
    *bytes = value + extra;
    return true;
}
