/* Test tool: restores a card layout into a file, as the Restore command will on a
 * drive, so the shell test can hand the result to fsck.fat, fsck.exfat, mtools,
 * exfat-fuse and sfdisk.
 * Usage: card_format_tool FILE BYTES SECTOR_SIZE [fat32|exfat|auto] [LABEL]
 * The file is made (sparse, emptied first) BYTES long; prints the layout as key=value
 * lines. DI_CARD_OVER=1: the file is written over as a used card is, zeros included. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diskimager/card_format.h"

/* The file is new and sparse, so zeros are already there: only what is not zero is
 * written, and a 2 TiB card takes a few MiB of disk. */
static bool all_zero(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i]) return false;
    return true;
}

static bool over_old_data;   /* DI_CARD_OVER=1: the file keeps what it held, as a card */

static di_status write_at(void *ctx, uint64_t offset, const void *buf, size_t len, di_error *error)
{
    int fd = *(int *)ctx;
    if (!over_old_data && all_zero(buf, len)) return DI_OK;
    if (pwrite(fd, buf, len, (off_t)offset) != (ssize_t)len)
        return di_error_why_code(error, DI_ERR_WRITE, DI_OP_WRITE, "", errno, DI_REASON_NONE,
                                 DI_NO_ARGS);
    return DI_OK;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s FILE BYTES SECTOR_SIZE [fat32|exfat|auto] [LABEL]\n", argv[0]);
        return 2;
    }
    uint64_t bytes = strtoull(argv[2], NULL, 0);
    uint32_t sector = (uint32_t)strtoul(argv[3], NULL, 0);
    di_card_fs fs = DI_CARD_FS_AUTO;
    if (argc > 4 && strcmp(argv[4], "fat32") == 0) fs = DI_CARD_FS_FAT32;
    if (argc > 4 && strcmp(argv[4], "exfat") == 0) fs = DI_CARD_FS_EXFAT;
    const char *label = argc > 5 ? argv[5] : NULL;
    di_card_layout l;
    di_error error;
    char text[1024];
    if (di_card_layout_plan(bytes, sector, fs, label, 0x1234ABCDu, &l, &error) != DI_OK) {
        fprintf(stderr, "refused: %s\n", di_error_format(&error, text, sizeof text));
        return 3;
    }
    printf("fs=%s\nboundary=%llu\nstart=%llu\nsectors=%llu\ncluster=%u\nreserved=%u\nfat=%u\n"
           "clusters=%u\nheap=%u\nlabel=%s\n",
           l.fs == DI_CARD_FS_FAT32 ? "fat32" : "exfat", (unsigned long long)l.boundary_sectors,
           (unsigned long long)l.partition_start, (unsigned long long)l.partition_sectors,
           l.cluster_sectors, l.reserved_sectors, l.fat_sectors, l.cluster_count, l.heap_offset,
           l.label);
    if (l.fs == DI_CARD_FS_EXFAT)
        printf("fat_offset=%u\nbitmap_clusters=%u\nupcase_clusters=%u\nupcase_bytes=%u\n"
               "root_cluster=%u\n",
               l.fat_offset, l.bitmap_clusters, l.upcase_clusters, l.upcase_bytes, l.root_cluster);
    const char *over = getenv("DI_CARD_OVER");
    over_old_data = over && strcmp(over, "1") == 0;
    int fd = open(argv[1], O_RDWR | O_CREAT | (over_old_data ? 0 : O_TRUNC), 0644);
    if (fd < 0 || ftruncate(fd, (off_t)bytes) != 0) {
        perror(argv[1]);
        return 1;
    }
    di_status st = di_card_write(&l, write_at, &fd, &error);
    close(fd);
    if (st != DI_OK) {
        fprintf(stderr, "failed: %s\n", di_error_format(&error, text, sizeof text));
        return 1;
    }
    return 0;
}
