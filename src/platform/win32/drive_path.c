/* Pure: the one reader of "\\.\PhysicalDriveN" for the device and drive layers. */
#include "drive_path.h"

#include <stdint.h>
#include <string.h>

static const char prefix[] = "\\\\.\\physicaldrive";

bool di_physical_drive_number(const char *path, unsigned *number)
{
    if (!path) return false;
    size_t n = sizeof prefix - 1;
    for (size_t i = 0; i < n; i++) {
        char c = path[i];   /* the NUL of a shorter path stops here: prefix has none */
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != prefix[i]) return false;
    }
    const char *p = path + n;
    if (*p < '0' || *p > '9') return false;
    uint64_t value = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        value = value * 10 + (uint64_t)(*p - '0');
        if (value > UINT32_MAX) return false;
    }
    if (*p != '\0') return false;
    *number = (unsigned)value;
    return true;
}
