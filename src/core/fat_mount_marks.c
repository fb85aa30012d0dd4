/* The bytes an OS changes on a FAT volume when it mounts it. Field names and offsets
 * are those of Microsoft's "FAT: General Overview of On-Disk Format" (fatgen103); what
 * each OS does with them: Linux fs/fat/inode.c (fat_set_state, fat_clusters_flush),
 * Windows' fastfat (the dirty bits of BS_Reserved1 and FAT[1]). Every number read from
 * the image is checked before it is used, so a boot sector that does not add up (or
 * random data) gives no marks: tolerating a difference there would hide a bad card. */
#include "fat_mount_marks.h"

#include <string.h>

#include "diskimager/le_bytes.h"

#define BOOT_BYTES 512u

static bool power_of_two(uint32_t v)
{
    return v && !(v & (v - 1));
}

typedef struct fat_bpb {
    uint32_t bytes_per_sector;
    uint32_t reserved_sectors;
    uint32_t fat_count;
    uint32_t fat_sectors;     /* of one FAT */
    uint32_t fsinfo_sector;   /* FAT32; 0: none */
    uint8_t media;
    unsigned bits;            /* 12, 16 or 32 */
    bool extended;            /* BS_BootSig 0x29 (or 0x28): BS_Reserved1 is the state byte */
} fat_bpb;

/* The BPB of a FAT boot sector, checked as fatgen103 and the kernels check it. */
static bool parse_bpb(const uint8_t *b, uint64_t volume_size, fat_bpb *out)
{
    memset(out, 0, sizeof *out);
    /* A jump to the boot code: EB xx (90) or E9 xx xx. */
    if (b[0] != 0xEB && b[0] != 0xE9) return false;
    if (b[510] != 0x55 || b[511] != 0xAA) return false;
    uint32_t bps = di_le16(b + 11), spc = b[13], reserved = di_le16(b + 14), fats = b[16];
    uint32_t root_entries = di_le16(b + 17), total16 = di_le16(b + 19), fat16 = di_le16(b + 22);
    uint32_t total32 = di_le32(b + 32);
    uint8_t media = b[21];
    if (bps < 512 || bps > 4096 || !power_of_two(bps)) return false;
    if (!power_of_two(spc) || spc > 128) return false;
    if (reserved == 0 || fats < 1 || fats > 2) return false;
    if (media != 0xF0 && media < 0xF8) return false;

    uint64_t total, fat_sectors;
    unsigned bits;
    uint64_t root_sectors = 0;
    if (fat16 == 0) {
        /* FAT32's BPB: no fixed root directory, 32-bit sizes, version 0.0. */
        fat_sectors = di_le32(b + 36);
        if (fat_sectors == 0 || root_entries != 0 || total16 != 0 || total32 == 0) return false;
        if (di_le16(b + 42) != 0 || di_le32(b + 44) < 2) return false;
        total = total32;
        bits = 32;
        out->extended = b[66] == 0x29 || b[66] == 0x28;
        uint32_t fsinfo = di_le16(b + 48);
        if (fsinfo != 0 && fsinfo != 0xFFFF) {
            if (fsinfo >= reserved) return false;
            out->fsinfo_sector = fsinfo;
        }
    } else {
        fat_sectors = fat16;
        if (root_entries == 0 || (root_entries * 32u) % bps != 0) return false;
        total = total16 ? total16 : total32;
        if (total == 0) return false;
        root_sectors = root_entries * 32u / bps;
        bits = 16; /* or 12: the cluster count says */
        out->extended = b[38] == 0x29 || b[38] == 0x28;
    }
    uint64_t meta = reserved + fats * fat_sectors + root_sectors;
    if (meta >= total) return false;
    uint64_t clusters = (total - meta) / spc;
    if (clusters == 0) return false;
    if (bits == 16) {
        if (clusters >= 65525) return false; /* counts FAT32 has, a BPB FAT32 has not */
        if (clusters < 4085) bits = 12;
    } else if (clusters > 0x0FFFFFF5u - 2) {
        return false;
    }
    /* Each FAT holds an entry for every cluster, and the two reserved ones. */
    if (fat_sectors * bps * 8 / bits < clusters + 2) return false;
    if (volume_size != UINT64_MAX && total * bps > volume_size) return false;

    out->bytes_per_sector = bps;
    out->reserved_sectors = reserved;
    out->fat_count = fats;
    out->fat_sectors = (uint32_t)fat_sectors;
    out->media = media;
    out->bits = bits;
    return true;
}

static bool read_below(di_table_read_fn read, void *ctx, uint64_t read_limit, uint64_t offset,
                       uint8_t *buf, size_t len)
{
    if (offset > read_limit || len > read_limit - offset) return false;
    di_error error;
    di_error_clear(&error);
    return read(ctx, offset, buf, len, &error) == DI_OK;
}

/* FAT[0] holds the media byte in its low 8 bits and ones above: a FAT, not data. */
static bool fat_starts_right(const uint8_t *fat, const fat_bpb *bpb)
{
    if (fat[0] != bpb->media || fat[1] != 0xFF) return false;
    if (bpb->bits == 12) return (fat[2] & 0x0F) == 0x0F;
    if (bpb->bits == 32) return fat[2] == 0xFF && (fat[3] & 0x0F) == 0x0F;
    return true;
}

static bool fsinfo_valid(const uint8_t *s)
{
    return di_le32(s) == 0x41615252u && di_le32(s + 484) == 0x61417272u &&
           di_le32(s + 508) == 0xAA550000u;
}

static bool add_mark(di_fat_marks *out, uint64_t offset, uint32_t length, di_fat_mark_kind kind)
{
    if (out->count >= DI_FAT_MARKS_MAX) return false;
    out->marks[out->count++] = (di_fat_mark){.offset = offset, .length = length, .kind = kind};
    return true;
}

size_t di_fat_volume_marks(const uint8_t boot[512], uint64_t volume_offset,
                           uint64_t volume_size, di_table_read_fn read, void *ctx,
                           uint64_t read_limit, di_fat_marks *out)
{
    fat_bpb bpb;
    if (!parse_bpb(boot, volume_size, &bpb)) return 0;
    uint64_t bps = bpb.bytes_per_sector;
    uint64_t fat_start = volume_offset + bpb.reserved_sectors * bps;
    uint8_t sector[BOOT_BYTES];
    if (!read_below(read, ctx, read_limit, fat_start, sector, sizeof sector) ||
        !fat_starts_right(sector, &bpb))
        return 0;

    size_t before = out->count;
    if (bpb.extended)
        add_mark(out, volume_offset + (bpb.bits == 32 ? 0x41 : 0x25), 1, DI_FAT_MARK_STATE);
    if (bpb.fsinfo_sector &&
        read_below(read, ctx, read_limit, volume_offset + bpb.fsinfo_sector * bps, sector,
                   sizeof sector) &&
        fsinfo_valid(sector))
        add_mark(out, volume_offset + bpb.fsinfo_sector * bps + 488, 8, DI_FAT_MARK_FSINFO);
    /* FAT12 has no flags in FAT[1]. */
    if (bpb.bits != 12)
        for (uint32_t i = 0; i < bpb.fat_count; i++)
            add_mark(out, fat_start + (uint64_t)i * bpb.fat_sectors * bps + (bpb.bits == 32 ? 7 : 3), 1,
                     DI_FAT_MARK_FAT_FLAGS);
    if (out->count > before) out->volumes++;
    return out->count - before;
}

/* The partition parser's reads, kept below the limit. */
typedef struct limited_reader {
    di_table_read_fn read;
    void *ctx;
    uint64_t limit;
} limited_reader;

static di_status limited_read(void *ctx, uint64_t offset, void *buf, size_t len, di_error *error)
{
    limited_reader *lr = ctx;
    if (offset > lr->limit || len > lr->limit - offset)
        return di_error_why(error, DI_ERR_READ, DI_OP_READ, "",
                            DI_REASON_BEYOND_LOOKED_AT, DI_NO_ARGS);
    return lr->read(lr->ctx, offset, buf, len, error);
}

static void sort_marks(di_fat_marks *out)
{
    for (size_t i = 1; i < out->count; i++) {
        di_fat_mark m = out->marks[i];
        size_t j = i;
        for (; j > 0 && out->marks[j - 1].offset > m.offset; j--) out->marks[j] = out->marks[j - 1];
        out->marks[j] = m;
    }
    /* Volumes never overlap (the table's partitions do not); should two marks ever do,
     * the later one goes, so the pipeline's ranges stay strictly ascending. */
    size_t kept = 0;
    for (size_t i = 0; i < out->count; i++) {
        if (kept && out->marks[i].offset <
                        out->marks[kept - 1].offset + out->marks[kept - 1].length)
            continue;
        out->marks[kept++] = out->marks[i];
    }
    out->count = kept;
}

void di_fat_find_mount_marks(di_table_read_fn read, void *ctx, uint64_t image_size,
                             uint64_t read_limit, di_fat_marks *out)
{
    memset(out, 0, sizeof *out);
    if (image_size != UINT64_MAX && image_size < read_limit) read_limit = image_size;
    uint8_t boot[BOOT_BYTES];
    if (!read_below(read, ctx, read_limit, 0, boot, sizeof boot)) return;
    /* A superfloppy: the file system from byte 0, no partition table. */
    if (di_fat_volume_marks(boot, 0, image_size, read, ctx, read_limit, out)) return;

    limited_reader lr = {.read = read, .ctx = ctx, .limit = read_limit};
    static const uint32_t sector_sizes[] = {512, 4096};
    di_partition_table table;
    for (size_t s = 0; s < sizeof sector_sizes / sizeof sector_sizes[0] && !out->count; s++) {
        uint32_t ss = sector_sizes[s];
        di_error error;
        di_error_clear(&error);
        if (di_partition_table_parse(limited_read, &lr, image_size, ss, &table, &error) != DI_OK)
            continue;
        for (int i = 0; i < table.count; i++) {
            const di_partition *p = &table.parts[i];
            if (p->container) continue;
            uint64_t offset = p->first_lba * ss;
            uint64_t size = (p->last_lba - p->first_lba + 1) * ss;
            if (read_below(read, ctx, read_limit, offset, boot, sizeof boot))
                di_fat_volume_marks(boot, offset, size, read, ctx, read_limit, out);
        }
    }
    sort_marks(out);
}
