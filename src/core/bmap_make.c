/* A Read's own bmap (bmap.h): the image's blocks that hold data found as its bytes
 * stream past, a SHA-256 per run of them, and bmaptool's format 2.0 written from that;
 * and the sparse output that leaves the other blocks as holes. bmaptool maps what a
 * sparse file has allocated: an image written by the sparse output, whose holes are
 * exactly its zero blocks, gets from `bmaptool create` the map made here. */
#include "diskimager/bmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/compression.h"
#include "diskimager/device.h"
#include "diskimager/units.h"

/* A range's digest as hex, which the text needs (64 digits for SHA-256). */
#define RANGE_HEX 64

typedef struct made_range {
    uint64_t first, last;          /* block numbers, inclusive */
    char hex[RANGE_HEX];           /* not NUL-terminated */
} made_range;

struct di_bmap_maker {
    uint64_t size;                 /* bytes added */
    uint64_t block;                /* the current block's number */
    size_t block_fill;             /* its bytes added so far ... */
    size_t block_zeros;            /* ... of which these, all zero, not hashed yet: the
                                      block is not known to hold data */
    bool block_data;               /* it holds a byte other than zero */
    di_hasher *hasher;             /* the open range's, NULL when none is open */
    uint64_t range_first;
    /* The last range the map may keep is open: it takes every block to the image's end. */
    bool stretched;
    made_range *ranges;
    size_t count, cap;
    bool failed;                   /* out of memory: the map cannot be made */
    bool finished;
};

di_bmap_maker *di_bmap_maker_new(void)
{
    return calloc(1, sizeof(di_bmap_maker));
}

void di_bmap_maker_free(di_bmap_maker *m)
{
    if (!m) return;
    di_hasher_free(m->hasher);
    free(m->ranges);
    free(m);
}

/* memcmp against itself shifted by one byte finds a non-zero byte at memory speed. */
static bool all_zero(const unsigned char *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static void hash_zeros(di_hasher *h, size_t n)
{
    static const unsigned char zeros[DI_BMAP_BLOCK_SIZE];
    di_hasher_update(h, zeros, n); /* n < DI_BMAP_BLOCK_SIZE: one block's first bytes */
}

static void open_range(di_bmap_maker *m)
{
    m->hasher = di_hasher_new(DI_HASH_SHA256);
    if (!m->hasher) {
        m->failed = true;
        return;
    }
    m->range_first = m->block;
    /* The map keeps DI_BMAP_MAKE_RANGES_MAX ranges: the last one never closes. */
    m->stretched = m->count + 1 >= DI_BMAP_MAKE_RANGES_MAX;
}

static void close_range(di_bmap_maker *m, uint64_t last)
{
    char hex[DI_HASH_HEX_MAX];
    di_hasher_final_hex(m->hasher, hex);
    di_hasher_free(m->hasher);
    m->hasher = NULL;
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        made_range *grown = realloc(m->ranges, cap * sizeof *grown);
        if (!grown) {
            m->failed = true;
            return;
        }
        m->ranges = grown;
        m->cap = cap;
    }
    made_range *r = &m->ranges[m->count++];
    r->first = m->range_first;
    r->last = last;
    memcpy(r->hex, hex, RANGE_HEX);
}

/* The current block is complete (or the image ends inside it). */
static void end_block(di_bmap_maker *m)
{
    /* A zero block ends the open range; in the stretched one it is mapped all the same. */
    if (!m->block_data && !m->stretched && m->hasher) close_range(m, m->block - 1);
    m->block++;
    m->block_fill = 0;
    m->block_zeros = 0;
    m->block_data = false;
}

bool di_bmap_maker_add(di_bmap_maker *m, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0 && !m->failed) {
        size_t piece = DI_BMAP_BLOCK_SIZE - m->block_fill;
        if (piece > len) piece = len;
        if (m->block_data || m->stretched) {
            di_hasher_update(m->hasher, p, piece);
        } else if (all_zero(p, piece)) {
            m->block_zeros += piece;
        } else {
            if (!m->hasher) open_range(m);
            if (m->failed) break;
            /* The block's first bytes were zeros, held back until the block proved to
             * hold data: they are part of the range all the same. */
            if (m->block_zeros) hash_zeros(m->hasher, m->block_zeros);
            di_hasher_update(m->hasher, p, piece);
            m->block_zeros = 0;
            m->block_data = true;
        }
        m->block_fill += piece;
        m->size += piece;
        p += piece;
        len -= piece;
        if (m->block_fill == DI_BMAP_BLOCK_SIZE) end_block(m);
    }
    return !m->failed;
}

uint64_t di_bmap_maker_image_size(const di_bmap_maker *m)
{
    return m->size;
}

static uint64_t mapped_blocks(const di_bmap_maker *m)
{
    uint64_t blocks = 0;
    for (size_t i = 0; i < m->count; i++) blocks += m->ranges[i].last - m->ranges[i].first + 1;
    return blocks;
}

uint64_t di_bmap_maker_mapped_bytes(const di_bmap_maker *m)
{
    uint64_t bytes = mapped_blocks(m) * DI_BMAP_BLOCK_SIZE;
    /* A last block mapped holds only as much as the image. */
    uint64_t tail = m->size % DI_BMAP_BLOCK_SIZE;
    if (tail && m->count && m->ranges[m->count - 1].last == m->size / DI_BMAP_BLOCK_SIZE)
        bytes -= DI_BMAP_BLOCK_SIZE - tail;
    return bytes;
}

size_t di_bmap_maker_range_count(const di_bmap_maker *m)
{
    return m->count;
}

bool di_bmap_maker_stretched(const di_bmap_maker *m)
{
    return m->stretched;
}

/* Appends to a text whose room was counted beforehand (HEADER_ROOM, RANGE_LINE_ROOM). */
typedef struct text_out {
    char *p;
    size_t len, room;
} text_out;

static void put(text_out *t, const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(text_out *t, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(t->p + t->len, t->room - t->len, fmt, args);
    va_end(args);
    if (n > 0) t->len += (size_t)n < t->room - t->len ? (size_t)n : t->room - t->len - 1;
}

/* The header's lines take less than this; each range's line at most 133 bytes (20-digit
 * block numbers give 141: the room counts those). */
#define HEADER_ROOM 2048u
#define RANGE_LINE_ROOM 144u

bool di_bmap_maker_finish(di_bmap_maker *m, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    if (m->failed || m->finished) return false;
    m->finished = true;
    if (m->block_fill) end_block(m);
    if (m->hasher) close_range(m, m->block - 1);
    if (m->failed) return false;

    text_out t = {.room = HEADER_ROOM + m->count * RANGE_LINE_ROOM};
    t.p = malloc(t.room);
    if (!t.p) return false;
    uint64_t blocks = m->block, mapped = mapped_blocks(m);
    char size[32], mapped_size[32];
    di_format_size(m->size, size, sizeof size);
    di_format_size(di_bmap_maker_mapped_bytes(m), mapped_size, sizeof mapped_size);
    /* Tenths of a percent in integers: the text is the same whatever the locale. */
    uint64_t permille = blocks ? mapped * 1000 / blocks : 0;
    /* The elements bmaptool reads, in its order; the comments only help a reader. */
    put(&t, "<?xml version=\"1.0\" ?>\n"
            "<!-- Block map (bmaptool's format 2.0), by diskimager -->\n"
            "<bmap version=\"2.0\">\n"
            "    <!-- Image: %s -->\n"
            "    <ImageSize> %llu </ImageSize>\n\n"
            "    <BlockSize> %u </BlockSize>\n\n"
            "    <BlocksCount> %llu </BlocksCount>\n\n"
            "    <!-- Mapped: %s, %llu.%llu%% -->\n"
            "    <MappedBlocksCount> %llu </MappedBlocksCount>\n\n"
            "    <ChecksumType> sha256 </ChecksumType>\n\n"
            "    <BmapFileChecksum> ",
        size, (unsigned long long)m->size, DI_BMAP_BLOCK_SIZE, (unsigned long long)blocks,
        mapped_size, (unsigned long long)(permille / 10), (unsigned long long)(permille % 10),
        (unsigned long long)mapped);
    /* The file's checksum is taken with its own value written as zeros, then put there. */
    size_t checksum_at = t.len;
    put(&t, "%.*s </BmapFileChecksum>\n\n    <BlockMap>\n", RANGE_HEX,
        "0000000000000000000000000000000000000000000000000000000000000000");
    for (size_t i = 0; i < m->count; i++) {
        const made_range *r = &m->ranges[i];
        if (r->first == r->last)
            put(&t, "        <Range chksum=\"%.*s\"> %llu </Range>\n", RANGE_HEX, r->hex,
                (unsigned long long)r->first);
        else
            put(&t, "        <Range chksum=\"%.*s\"> %llu-%llu </Range>\n", RANGE_HEX, r->hex,
                (unsigned long long)r->first, (unsigned long long)r->last);
    }
    put(&t, "    </BlockMap>\n</bmap>\n");

    di_hasher *h = di_hasher_new(DI_HASH_SHA256);
    char hex[DI_HASH_HEX_MAX];
    if (!h) {
        free(t.p);
        return false;
    }
    di_hasher_update(h, t.p, t.len);
    di_hasher_final_hex(h, hex);
    di_hasher_free(h);
    memcpy(t.p + checksum_at, hex, RANGE_HEX);
    *text = t.p;
    *len = t.len;
    return true;
}

void di_bmap_path_for_image(const char *image_path, char *out, size_t out_size)
{
    char inner[DI_PATH_MAX];
    di_format_inner_name(image_path, inner, sizeof inner);
    snprintf(out, out_size, "%s.bmap", inner);
}

di_status di_bmap_save(const char *path, const char *text, size_t len, di_error *error)
{
    di_open_options options = {.mode = DI_OPEN_CREATE};
    di_device *file = NULL;
    di_status st = di_device_open(path, &options, &file, error);
    if (st != DI_OK) return st;
    if ((st = di_device_write_full(file, text, len, 0, error)) == DI_OK)
        st = di_device_flush(file, error);
    di_device_close(file);
    return st;
}

/* ---- The sparse output ---- */

typedef struct sparse_output {
    di_device base;
    di_device *file;
} sparse_output;

static di_device *file_of(di_device *dev)
{
    return ((sparse_output *)dev)->file;
}

/* The bytes from offset to the next block boundary, at most left. */
static size_t piece_at(uint64_t offset, size_t left)
{
    size_t piece = DI_BMAP_BLOCK_SIZE - (size_t)(offset % DI_BMAP_BLOCK_SIZE);
    return piece < left ? piece : left;
}

/* Skips the zero blocks (or the zero parts of blocks at the request's ends) before the
 * first that holds data, then writes the run of those that hold data: one request to
 * the file, *done counting the blocks skipped. The caller (di_device_write_full) comes
 * back for the rest. */
static di_status sparse_write_at(di_device *dev, const void *buf, size_t len, uint64_t offset,
                                 size_t *done, di_error *error)
{
    const unsigned char *p = buf;
    size_t start = 0;
    while (start < len) {
        size_t piece = piece_at(offset + start, len - start);
        if (!all_zero(p + start, piece)) break;
        start += piece;
    }
    *done = start;
    if (start == len) return DI_OK;
    size_t end = start;
    while (end < len) {
        size_t piece = piece_at(offset + end, len - end);
        if (all_zero(p + end, piece)) break;
        end += piece;
    }
    di_device *file = file_of(dev);
    size_t put_bytes = 0;
    di_status st = file->ops->write_at(file, p + start, end - start, offset + start, &put_bytes,
                                       error);
    if (st != DI_OK) return st;
    /* dev->size stays as it was: several I/O threads write at once; set_size ends it. */
    *done = start + put_bytes;
    return DI_OK;
}

static di_status sparse_read_at(di_device *dev, void *buf, size_t len, uint64_t offset,
                                size_t *done, di_error *error)
{
    di_device *file = file_of(dev);
    return file->ops->read_at(file, buf, len, offset, done, error);
}

static di_status sparse_flush(di_device *dev, di_error *error)
{
    di_device *file = file_of(dev);
    return file->ops->flush(file, error);
}

static di_status sparse_set_size(di_device *dev, uint64_t size, di_error *error)
{
    di_device *file = file_of(dev);
    if (!file->ops->set_size)
        return di_error_why(error, DI_ERR_INTERNAL, DI_OP_SET_SIZE, dev->path,
                            DI_REASON_NOT_REGULAR_FILE, DI_NO_ARGS);
    di_status st = file->ops->set_size(file, size, error);
    if (st == DI_OK) dev->size = size;
    return st;
}

static void sparse_close(di_device *dev)
{
    di_device_close(file_of(dev));
    free(dev);
}

static const di_device_ops sparse_ops = {
    .read_at = sparse_read_at,
    .write_at = sparse_write_at,
    .flush = sparse_flush,
    .close = sparse_close,
    .set_size = sparse_set_size,
};

di_device *di_sparse_output_wrap(di_device *file)
{
    sparse_output *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    /* The file as the pipeline sees it: its name, alignment, writes in flight, flushes
     * on the way and retries. */
    s->base = *file;
    s->base.ops = &sparse_ops;
    s->base.below = NULL;
    s->file = file;
    return &s->base;
}
