/* User-facing sizes, rates and durations. Decimal units (1 MB = 10^6 bytes), the
 * units card and stick vendors print on the package. */
#ifndef DISKIMAGER_UNITS_H
#define DISKIMAGER_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "0 B", "512 B", "4.19 MB", "31.9 GB", "2.20 TB". */
char *di_format_size(uint64_t bytes, char *out, size_t out_size);
/* A block size in the binary unit that holds it whole: "512 B", "32 KiB", "4 MiB", as
 * cluster and erase-block sizes are given. */
char *di_format_block_size(uint64_t bytes, char *out, size_t out_size);
/* "312.4 MB/s" from bytes per second. */
char *di_format_rate(double bytes_per_second, char *out, size_t out_size);
/* "0:42", "12:05", "1:02:03"; "--:--" when unknown (negative). */
char *di_format_duration(double seconds, char *out, size_t out_size);

/* Parses a byte count: "4096", "4M", "4MiB", "1.5G", "2GB", "512k". Binary for K/M/G/T
 * and KiB/MiB..., decimal for kB/MB/GB/TB. Returns false on anything else or overflow. */
bool di_parse_size(const char *text, uint64_t *bytes);

#endif
