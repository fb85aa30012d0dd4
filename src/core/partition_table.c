/* Partition tables. Every count, offset and size read from the disk is bounded before
 * use; a table that does not add up is refused with the reason, not guessed at. */
#include "diskimager/partitions.h"

#include <stdlib.h>
#include <string.h>

#include "diskimager/crc32.h"
#include "diskimager/device.h"
#include "diskimager/le_bytes.h"

#define MAX_EBR_CHAIN 128
#define GPT_MAX_ENTRIES 1024
#define GPT_HEADER_SIZE 92
/* The largest partition entry accepted (128 bytes in practice; the spec allows 128 << n). */
#define GPT_MAX_ENTRY_SIZE 4096u

/* A defect of the partition table, as a reason with its arguments. */
static di_status problem(di_error *error, di_reason reason, const di_arg *args, size_t count)
{
    return di_error_why(error, DI_ERR_PARTITIONS, DI_OP_READ_PARTITION_TABLE, "", reason, args,
                        count);
}

static di_status add_partition(di_partition_table *t, uint64_t first, uint64_t count,
                               uint64_t disk_sectors, di_error *error)
{
    if (count == 0) return DI_OK;
    if (first == 0 || first > disk_sectors || count > disk_sectors - first)
        return problem(error, DI_REASON_PARTITION_OUTSIDE_DISK,
                       DI_ARGS(di_number(first), di_number(first + count - 1)));
    if (t->count >= DI_MAX_PARTITIONS)
        return problem(error, DI_REASON_PARTITIONS_TOO_MANY, DI_ARGS(di_number(DI_MAX_PARTITIONS)));
    t->parts[t->count].first_lba = first;
    t->parts[t->count].last_lba = first + count - 1;
    t->count++;
    return DI_OK;
}

/* An extended partition holds its logical ones; any other two must not overlap. */
static di_status check_overlaps(const di_partition_table *t, di_error *error)
{
    for (int i = 0; i < t->count; i++)
        for (int j = i + 1; j < t->count; j++)
            if (!t->parts[i].container && !t->parts[j].container && t->parts[i].first_lba <= t->parts[j].last_lba &&
                t->parts[j].first_lba <= t->parts[i].last_lba)
                return problem(error, DI_REASON_PARTITIONS_OVERLAP,
                               DI_ARGS(di_number((uint64_t)i + 1), di_number((uint64_t)j + 1)));
    return DI_OK;
}

static bool is_extended(uint8_t type)
{
    return type == 0x05 || type == 0x0F || type == 0x85;
}

static di_status parse_logical(di_table_read_fn read, void *ctx, uint8_t *buf, uint64_t ext_start,
                               uint64_t ext_sectors, uint64_t disk_sectors, di_partition_table *t,
                               di_error *error)
{
    uint64_t ebr = ext_start;
    for (int hops = 0;; hops++) {
        if (hops >= MAX_EBR_CHAIN)
            return problem(error, DI_REASON_PARTITION_CHAIN_TOO_LONG,
                           DI_ARGS(di_number(MAX_EBR_CHAIN)));
        if (read(ctx, ebr * t->sector_size, buf, t->sector_size, error) != DI_OK) return error->status;
        if (buf[510] != 0x55 || buf[511] != 0xAA)
            return problem(error, DI_REASON_PARTITION_EBR_NO_SIGNATURE, DI_ARGS(di_number(ebr)));
        const uint8_t *e1 = buf + 446, *e2 = buf + 462;
        di_status st =
            add_partition(t, ebr + di_le32(e1 + 8), di_le32(e1 + 12), disk_sectors, error);
        if (st != DI_OK) return st;
        uint64_t next = di_le32(e2 + 8);
        if (!is_extended(e2[4]) || next == 0) return DI_OK;
        if (next >= ext_sectors)
            return problem(error, DI_REASON_PARTITION_LINK_OUTSIDE,
                           DI_ARGS(di_number(ext_start + next)));
        ebr = ext_start + next;
    }
}

static di_status parse_gpt(di_table_read_fn read, void *ctx, uint8_t *buf, uint64_t disk_sectors,
                           di_partition_table *t, di_error *error)
{
    uint32_t ss = t->sector_size;
    if (read(ctx, (uint64_t)ss, buf, ss, error) != DI_OK) return error->status;
    if (memcmp(buf, "EFI PART", 8) != 0)
        return problem(error, DI_REASON_PARTITION_NO_GPT_HEADER, DI_NO_ARGS);
    uint32_t header_size = di_le32(buf + 12);
    if (header_size < GPT_HEADER_SIZE || header_size > ss || header_size > 512)
        return problem(error, DI_REASON_GPT_HEADER_SIZE, DI_ARGS(di_number(header_size)));
    uint32_t stored_crc = di_le32(buf + 16);
    uint8_t header[512];
    memcpy(header, buf, header_size);
    di_put_le32(header + 16, 0);
    if (di_crc32(header, header_size) != stored_crc)
        return problem(error, DI_REASON_GPT_HEADER_CRC, DI_ARGS(di_hex32(stored_crc)));
    memcpy(t->gpt_header, buf, header_size);
    memset(t->gpt_header + header_size, 0, sizeof t->gpt_header - header_size);
    uint64_t my_lba = di_le64(buf + 24), first_usable = di_le64(buf + 40),
             last_usable = di_le64(buf + 48);
    uint64_t entries_lba = di_le64(buf + 72);
    uint32_t count = di_le32(buf + 80), size = di_le32(buf + 84), entries_crc = di_le32(buf + 88);
    if (my_lba != 1 || first_usable > last_usable || last_usable >= disk_sectors)
        return problem(error, DI_REASON_GPT_HEADER_SECTORS, DI_ARGS(di_number(disk_sectors)));
    if (count == 0 || count > GPT_MAX_ENTRIES || size < 128 || size > GPT_MAX_ENTRY_SIZE ||
        (size & (size - 1)))
        return problem(error, DI_REASON_GPT_TABLE_INVALID,
                       DI_ARGS(di_number(count), di_number(size)));
    uint64_t table_bytes = (uint64_t)count * size;
    uint64_t table_sectors = (table_bytes + ss - 1) / ss;
    if (entries_lba < 2 || entries_lba + table_sectors > disk_sectors)
        return problem(error, DI_REASON_GPT_TABLE_OUTSIDE_DISK, DI_ARGS(di_number(entries_lba)));
    uint8_t *entries = di_aligned_alloc(DI_DIRECT_ALIGNMENT, (size_t)(table_sectors * ss));
    if (!entries) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_PARTITION_TABLE, "",
                                      DI_REASON_NONE, DI_NO_ARGS);
    di_status st = read(ctx, entries_lba * ss, entries, (size_t)(table_sectors * ss), error);
    if (st == DI_OK && di_crc32(entries, (size_t)table_bytes) != entries_crc)
        st = problem(error, DI_REASON_GPT_TABLE_CRC, DI_ARGS(di_hex32(entries_crc)));
    for (uint32_t i = 0; st == DI_OK && i < count; i++) {
        const uint8_t *e = entries + (size_t)i * size;
        static const uint8_t unused[16];
        if (memcmp(e, unused, 16) == 0) continue;
        uint64_t first = di_le64(e + 32), last = di_le64(e + 40);
        if (first < first_usable || last > last_usable || first > last)
            st = problem(error, DI_REASON_GPT_PARTITION_OUTSIDE,
                         DI_ARGS(di_number((uint64_t)i + 1), di_number(first)));
        else
            st = add_partition(t, first, last - first + 1, disk_sectors, error);
    }
    di_aligned_free(entries);
    if (st != DI_OK) return st;
    t->kind = DI_TABLE_GPT;
    t->gpt_entry_count = count;
    t->gpt_entry_size = size;
    t->gpt_entries_lba = entries_lba;
    return DI_OK;
}

di_status di_partition_table_parse(di_table_read_fn read, void *ctx, uint64_t disk_size,
                                   uint32_t sector_size, di_partition_table *t, di_error *error)
{
    memset(t, 0, sizeof *t);
    t->sector_size = sector_size;
    if (sector_size < 512 || sector_size > 65536 || (sector_size & (sector_size - 1)))
        return problem(error, DI_REASON_PARTITION_SECTOR_SIZE, DI_ARGS(di_number(sector_size)));
    uint64_t disk_sectors = disk_size / sector_size;
    if (disk_sectors < 2) return problem(error, DI_REASON_PARTITION_DISK_TOO_SMALL, DI_NO_ARGS);
    uint8_t *buf = di_aligned_alloc(DI_DIRECT_ALIGNMENT, sector_size);
    if (!buf) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_PARTITION_TABLE, "",
                                  DI_REASON_NONE, DI_NO_ARGS);
    di_status st = read(ctx, 0, buf, sector_size, error);
    if (st != DI_OK) goto out;
    if (buf[510] != 0x55 || buf[511] != 0xAA) {
        st = problem(error, DI_REASON_NO_PARTITION_TABLE, DI_NO_ARGS);
        goto out;
    }
    uint8_t mbr[64];
    memcpy(mbr, buf + 446, sizeof mbr);
    int protective = 0, others = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t type = mbr[i * 16 + 4];
        if (type == 0xEE) protective++;
        else if (type != 0 && di_le32(mbr + i * 16 + 12) != 0) others++;
    }
    if (protective && others) {
        st = problem(error, DI_REASON_PARTITION_HYBRID_MBR, DI_ARGS(di_number((uint64_t)others)));
        goto out;
    }
    if (protective) {
        st = parse_gpt(read, ctx, buf, disk_sectors, t, error);
    } else {
        t->kind = DI_TABLE_MBR;
        for (int i = 0; i < 4 && st == DI_OK; i++) {
            const uint8_t *e = mbr + i * 16;
            uint64_t first = di_le32(e + 8), count = di_le32(e + 12);
            if (e[4] == 0 || count == 0) continue;
            st = add_partition(t, first, count, disk_sectors, error);
            if (st == DI_OK && is_extended(e[4])) {
                t->parts[t->count - 1].container = true;
                    st = parse_logical(read, ctx, buf, first, count, disk_sectors, t, error);
            }
        }
    }
    if (st != DI_OK) goto out;
    if (t->count == 0) {
        st = problem(error, DI_REASON_PARTITION_TABLE_EMPTY, DI_NO_ARGS);
        goto out;
    }
    st = check_overlaps(t, error);
    if (st != DI_OK) goto out;
    uint64_t last = 0;
    for (int i = 0; i < t->count; i++)
        if (t->parts[i].last_lba > last) last = t->parts[i].last_lba;
    t->used_end = (last + 1) * sector_size;
    t->image_size = t->used_end;
    if (t->kind == DI_TABLE_GPT) {
        uint64_t table_sectors =
            ((uint64_t)t->gpt_entry_count * t->gpt_entry_size + sector_size - 1) / sector_size;
        t->image_size += (table_sectors + 1) * sector_size;
    }
out:
    di_aligned_free(buf);
    return st;
}

void di_gpt_make_backup(const di_partition_table *t, uint8_t *primary, const uint8_t *entries,
                        uint8_t *backup)
{
    uint32_t ss = t->sector_size, header_size = di_le32(t->gpt_header + 12);
    uint64_t table_bytes = (uint64_t)t->gpt_entry_count * t->gpt_entry_size;
    uint64_t table_sectors = (table_bytes + ss - 1) / ss;
    uint64_t last_lba = t->image_size / ss - 1;
    uint64_t backup_entries_lba = last_lba - table_sectors;
    uint32_t entries_crc = di_crc32(entries, (size_t)table_bytes);

    memcpy(primary, t->gpt_header, header_size);
    di_put_le64(primary + 32, last_lba);                 /* alternate header */
    di_put_le64(primary + 48, backup_entries_lba - 1);   /* last usable */
    di_put_le32(primary + 88, entries_crc);
    di_put_le32(primary + 16, 0);
    di_put_le32(primary + 16, di_crc32(primary, header_size));

    memcpy(backup, primary, header_size);
    di_put_le64(backup + 24, last_lba);                  /* my LBA */
    di_put_le64(backup + 32, 1);                         /* alternate: the primary */
    di_put_le64(backup + 72, backup_entries_lba);
    di_put_le32(backup + 16, 0);
    di_put_le32(backup + 16, di_crc32(backup, header_size));
}
