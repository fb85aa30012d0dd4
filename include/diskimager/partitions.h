/* MBR (primary, extended, logical) and GPT partition tables, read strictly: they are
 * untrusted bytes from a card. Used to read only the allocated part of a drive. */
#ifndef DISKIMAGER_PARTITIONS_H
#define DISKIMAGER_PARTITIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/status.h"

#define DI_MAX_PARTITIONS 128

typedef enum di_table_kind { DI_TABLE_NONE = 0, DI_TABLE_MBR, DI_TABLE_GPT } di_table_kind;

typedef struct di_partition {
    uint64_t first_lba;
    uint64_t last_lba;  /* inclusive */
    bool container;     /* an MBR extended partition: holds the logical ones */
} di_partition;

typedef struct di_partition_table {
    di_table_kind kind;
    uint32_t sector_size;
    int count;
    di_partition parts[DI_MAX_PARTITIONS];
    uint64_t used_end;        /* bytes: the end of the last partition */
    uint64_t image_size;      /* bytes an image of the allocated part needs (GPT: with a
                                 backup entry table and header after used_end) */
    /* GPT: the primary header sector and the entry table, for the image's backup copy. */
    uint8_t gpt_header[512];
    uint32_t gpt_entry_count;
    uint32_t gpt_entry_size;
    uint64_t gpt_entries_lba;
} di_partition_table;

/* Reads len bytes at offset (multiples of the sector size); DI_OK or an error. */
typedef di_status (*di_table_read_fn)(void *ctx, uint64_t offset, void *buf, size_t len,
                                      di_error *error);

/* Parses the table of a disk of disk_size bytes. A protective MBR leads to the GPT; a
 * hybrid MBR, overlapping or out-of-range partitions, a bad signature or CRC, or no
 * partitions at all fail with DI_ERR_PARTITIONS and say what is wrong. */
di_status di_partition_table_parse(di_table_read_fn read, void *ctx, uint64_t disk_size,
                                   uint32_t sector_size, di_partition_table *out,
                                   di_error *error);

/* GPT: writes the image's backup entry table and header (at its own end) into entries
 * and header, and patches the primary header (alternate LBA, last usable LBA, CRCs).
 * entries must hold gpt_entry_count * gpt_entry_size bytes read from the disk. */
void di_gpt_make_backup(const di_partition_table *table, uint8_t *primary_header,
                        const uint8_t *entries, uint8_t *backup_header);

#endif
