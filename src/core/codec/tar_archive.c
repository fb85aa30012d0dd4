/* Tar headers (POSIX.1-2001 ustar and pax, GNU long names and base-256 sizes) and the
 * member device. */
#include "tar_archive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "member_pick.h"
#include "stored_digest.h"

#define PAX_MAX (64u << 10)     /* a pax header holds a few records, not megabytes */

static bool parse_octal(const unsigned char *field, size_t len, uint64_t *out)
{
    if (field[0] & 0x80) {
        /* GNU base-256: the rest of the field, big-endian (sizes of 8 GiB and more). */
        if (field[0] != 0x80) return false;
        uint64_t v = 0;
        for (size_t i = 1; i < len; i++) {
            if (v >> 56) return false;
            v = v << 8 | field[i];
        }
        *out = v;
        return true;
    }
    size_t i = 0;
    while (i < len && field[i] == ' ') i++;
    uint64_t v = 0;
    bool digits = false;
    for (; i < len && field[i] >= '0' && field[i] <= '7'; i++) {
        if (v >> 60) return false;
        v = v << 3 | (uint64_t)(field[i] - '0');
        digits = true;
    }
    for (; i < len; i++)
        if (field[i] != ' ' && field[i] != '\0') return false;
    *out = v;
    return digits;
}

static bool all_zero(const unsigned char *block)
{
    for (size_t i = 0; i < TAR_BLOCK; i++)
        if (block[i]) return false;
    return true;
}

void tar_parse_header(const unsigned char block[TAR_BLOCK], tar_header *out)
{
    memset(out, 0, sizeof *out);
    if (all_zero(block)) {
        out->kind = TAR_HEADER_END;
        return;
    }
    out->kind = TAR_HEADER_BAD;
    uint64_t recorded, size;
    if (!parse_octal(block + 148, 8, &recorded) || !parse_octal(block + 124, 12, &size)) return;
    /* The checksum counts its own field as eight spaces; old tars summed signed bytes. */
    uint64_t sum_unsigned = 0;
    int64_t sum_signed = 0;
    for (size_t i = 0; i < TAR_BLOCK; i++) {
        unsigned char b = i >= 148 && i < 156 ? ' ' : block[i];
        sum_unsigned += b;
        sum_signed += (signed char)b;
    }
    if (recorded != sum_unsigned && (int64_t)recorded != sum_signed) return;
    out->size = size;
    bool ustar = memcmp(block + 257, "ustar", 5) == 0;
    char name[101], prefix[156];
    memcpy(name, block, 100);
    name[100] = '\0';
    memcpy(prefix, block + 345, 155);
    prefix[ustar && memcmp(block + 257, "ustar\0", 6) == 0 ? 155 : 0] = '\0';
    if (prefix[0]) snprintf(out->name, sizeof out->name, "%s/%s", prefix, name);
    else snprintf(out->name, sizeof out->name, "%s", name);
    switch (block[156]) {
    case '0': case '\0': case '7': out->kind = TAR_HEADER_FILE; break;
    case 'S': out->kind = TAR_HEADER_SPARSE; break;
    case 'L': out->kind = TAR_HEADER_LONG_NAME; break;
    case 'x': out->kind = TAR_HEADER_PAX; break;
    default: out->kind = TAR_HEADER_OTHER; break;
    }
}

/* ---- walking the headers ---- */

typedef struct tar_entry {
    char name[TAR_NAME_MAX];
    uint64_t size;
    uint64_t header_offset;
    uint64_t data_offset;
    bool sparse;
} tar_entry;

typedef void (*entry_fn)(void *ctx, const tar_entry *entry);

static di_status corrupt(di_error *error, const char *path, uint64_t offset, di_reason reason)
{
    di_error_why(error, DI_ERR_READ, DI_OP_READ_TAR, path, reason, DI_NO_ARGS);
    di_error_at(error, offset);
    return DI_ERR_READ;
}

/* The data of a long-name or pax header, whole (it is small). */
static di_status read_small_data(di_device *file, uint64_t offset, uint64_t size, char **out,
                                 di_error *error)
{
    *out = NULL;
    if (size > PAX_MAX)
        return corrupt(error, file->path, offset, DI_REASON_TAR_EXTENDED_HEADER_TOO_LARGE);
    char *text = malloc((size_t)size + 1);
    if (!text) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_TAR, file->path,
                                   DI_REASON_NONE, DI_NO_ARGS);
    di_status st = di_device_read_full(file, text, (size_t)size, offset, NULL, error);
    if (st != DI_OK) {
        free(text);
        return st;
    }
    text[size] = '\0';
    *out = text;
    return DI_OK;
}

/* pax records: "LEN key=value\n"; path and size are the ones that matter here. */
static bool apply_pax(const char *text, size_t len, char *name, size_t name_size, uint64_t *size,
                      bool *has_size, bool *sparse)
{
    size_t pos = 0;
    while (pos < len) {
        size_t rec = 0, i = pos;
        while (i < len && text[i] >= '0' && text[i] <= '9') {
            rec = rec * 10 + (size_t)(text[i] - '0');
            if (rec > len) return false;
            i++;
        }
        if (i == pos || i >= len || text[i] != ' ' || rec < i - pos + 3 || pos + rec > len ||
            text[pos + rec - 1] != '\n')
            return false;
        const char *key = text + i + 1, *end = text + pos + rec - 1;
        const char *eq = memchr(key, '=', (size_t)(end - key));
        if (!eq) return false;
        size_t key_len = (size_t)(eq - key), value_len = (size_t)(end - eq - 1);
        if (key_len > 11 && memcmp(key, "GNU.sparse.", 11) == 0) {
            /* GNU tar's pax sparse files: the data is a map and the non-zero blocks. */
            *sparse = true;
        } else if (key_len == 4 && memcmp(key, "path", 4) == 0) {
            if (value_len >= name_size || memchr(eq + 1, '\0', value_len)) return false;
            memcpy(name, eq + 1, value_len);
            name[value_len] = '\0';
        } else if (key_len == 4 && memcmp(key, "size", 4) == 0) {
            uint64_t v = 0;
            if (value_len == 0 || value_len > 19) return false;
            for (size_t k = 0; k < value_len; k++) {
                char c = eq[1 + k];
                if (c < '0' || c > '9') return false;
                v = v * 10 + (uint64_t)(c - '0');
            }
            *size = v;
            *has_size = true;
        }
        pos += rec;
    }
    return true;
}

static di_status walk(di_device *file, atomic_bool *cancel, entry_fn each, void *ctx,
                      di_error *error)
{
    const char *path = file->path;
    unsigned char *block = di_aligned_alloc(DI_DIRECT_ALIGNMENT, TAR_BLOCK);
    if (!block) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_TAR, path,
                                    DI_REASON_NONE, DI_NO_ARGS);
    char next_name[TAR_NAME_MAX] = "";
    uint64_t next_size = 0;
    bool has_next_size = false, next_sparse = false;
    uint64_t pos = 0;
    di_status st = DI_OK;
    for (;;) {
        if (cancel && atomic_load(cancel)) {
            st = di_error_why(error, DI_ERR_CANCELLED, DI_OP_READ_TAR, path,
                              DI_REASON_CANCELLED, DI_NO_ARGS);
            di_error_at(error, pos);
            break;
        }
        size_t got = 0;
        if ((st = di_device_read_upto(file, block, TAR_BLOCK, pos, &got, error)) != DI_OK) break;
        if (got == 0 && pos > 0) {
            /* No end blocks (some writers leave them out) is fine; a stream that ended
             * before the last member's data did is a truncated archive. */
            if (!file->size_unknown && pos > file->size)
                st = corrupt(error, path, file->size, DI_REASON_TAR_LAST_MEMBER_PAST_END);
            break;
        }
        if (got < TAR_BLOCK) {
            st = corrupt(error, path, pos, DI_REASON_TAR_ENDS_INSIDE_HEADER);
            break;
        }
        tar_header h;
        tar_parse_header(block, &h);
        if (h.kind == TAR_HEADER_END) break;
        if (h.kind == TAR_HEADER_BAD) {
            st = corrupt(error, path, pos, DI_REASON_TAR_BAD_CHECKSUM);
            break;
        }
        uint64_t data = pos + TAR_BLOCK;
        bool member = h.kind == TAR_HEADER_FILE || h.kind == TAR_HEADER_SPARSE;
        if (member && has_next_size) h.size = next_size; /* checked like any other size */
        if (h.size > (UINT64_MAX >> 2)) {
            st = corrupt(error, path, pos, DI_REASON_TAR_IMPOSSIBLE_SIZE);
            break;
        }
        if (!file->size_unknown && (data > file->size || h.size > file->size - data)) {
            st = corrupt(error, path, pos, DI_REASON_TAR_MEMBER_PAST_END);
            break;
        }
        if (h.kind == TAR_HEADER_LONG_NAME || h.kind == TAR_HEADER_PAX) {
            char *text = NULL;
            if ((st = read_small_data(file, data, h.size, &text, error)) != DI_OK) break;
            bool ok = true;
            if (h.kind == TAR_HEADER_LONG_NAME)
                snprintf(next_name, sizeof next_name, "%s", text);
            else
                ok = apply_pax(text, (size_t)h.size, next_name, sizeof next_name, &next_size,
                               &has_next_size, &next_sparse);
            free(text);
            if (!ok) {
                st = corrupt(error, path, pos, DI_REASON_TAR_BAD_PAX);
                break;
            }
        } else {
            if (member) {
                tar_entry e = {.size = h.size, .header_offset = pos, .data_offset = data,
                               .sparse = h.kind == TAR_HEADER_SPARSE || next_sparse};
                const char *name = next_name[0] ? next_name : h.name;
                /* "./pi.img" (tar -C dir .) is pi.img to whoever names it. */
                while (name[0] == '.' && name[1] == '/') name += 2;
                snprintf(e.name, sizeof e.name, "%s", name);
                each(ctx, &e);
            }
            next_name[0] = '\0';
            has_next_size = next_sparse = false;
        }
        pos = data + (h.size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
    }
    di_aligned_free(block);
    return st;
}

/* ---- choosing and listing ---- */

typedef struct pick_walk {
    member_pick pick;
    tar_entry kept[PICK_SLOTS];
    tar_name_fn each;
    void *each_ctx;
    unsigned files;
} pick_walk;

static void offer(void *ctx, const tar_entry *e)
{
    pick_walk *w = ctx;
    w->files++;
    if (w->each) w->each(w->each_ctx, e->name, e->size);
    unsigned slots = member_pick_offer(&w->pick, e->name);
    for (unsigned bit = PICK_WANTED; bit <= PICK_ONLY_FILE; bit <<= 1)
        if (slots & bit) w->kept[member_pick_index(bit)] = *e;
}

di_status tar_list_members(di_device *file, tar_name_fn each, void *ctx, unsigned *count,
                           atomic_bool *cancel, di_error *error)
{
    pick_walk *w = calloc(1, sizeof *w);
    if (!w) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_TAR, file->path,
                                DI_REASON_NONE, DI_NO_ARGS);
    member_pick_init(&w->pick, NULL);
    w->each = each;
    w->each_ctx = ctx;
    di_status st = walk(file, cancel, offer, w, error);
    if (count) *count = w->files;
    free(w);
    return st;
}

/* ---- the member device ---- */

typedef struct tar_member {
    di_device base;
    di_device *file;
    tar_entry entry;
    bool finished;
    uint64_t read_to;           /* the furthest byte of the file read: progress */
    atomic_bool *cancel;
    /* A plain .tar's own digests, for a published sum of it: the headers between
     * reads, the member, the rest. */
    stored_digest digest;
} tar_member;

static di_status member_read_at(di_device *dev, void *buf, size_t len, uint64_t offset,
                                size_t *done, di_error *error)
{
    tar_member *tm = (tar_member *)dev;
    *done = 0;
    if (offset >= tm->entry.size) {
        /* Read to its end: the stored file's digest takes in the rest of the archive,
         * and the layer below (a .tar.gz's gzip) runs its checks too. */
        if (tm->finished) return DI_OK;
        di_status st = stored_digest_upto(&tm->digest, tm->file, tm->file->size, tm->cancel, error);
        if (st != DI_OK) return st;
        stored_digest_end(&tm->digest);
        tm->finished = true;
        return tm->file->sequential ? di_device_read_to_end(tm->file, error) : DI_OK;
    }
    if (len > tm->entry.size - offset) len = (size_t)(tm->entry.size - offset);
    uint64_t at = tm->entry.data_offset + offset;
    di_status st = stored_digest_upto(&tm->digest, tm->file, at, tm->cancel, error);
    if (st == DI_OK) st = di_device_read_upto(tm->file, buf, len, at, done, error);
    if (st == DI_OK && *done < len) {
        /* The archive ends inside the member: say so in the tar's terms. */
        di_error_why(error, DI_ERR_READ, DI_OP_READ_TAR, tm->file->path,
                     DI_REASON_TAR_MEMBER_TRUNCATED,
                     DI_ARGS(di_text(tm->entry.name)));
        di_error_at(error, at + *done);
        return DI_ERR_READ;
    }
    if (st == DI_OK) stored_digest_saw(&tm->digest, at, buf, *done);
    if (st == DI_OK && at + *done > tm->read_to) tm->read_to = at + *done;
    return st;
}

static di_status member_write_at(di_device *dev, const void *buf, size_t len, uint64_t offset,
                                 size_t *done, di_error *error)
{
    (void)buf; (void)len; (void)done;
    di_error_why(error, DI_ERR_USAGE, DI_OP_WRITE, dev->path,
                 DI_REASON_MEMBER_READ_ONLY, DI_NO_ARGS);
    di_error_at(error, offset);
    return DI_ERR_USAGE;
}

static di_status member_flush(di_device *dev, di_error *error)
{
    (void)dev; (void)error;
    return DI_OK;
}

static uint64_t member_consumed(const di_device *dev)
{
    const tar_member *tm = (const tar_member *)dev;
    if (tm->file->ops->consumed) return tm->file->ops->consumed(tm->file);
    return tm->read_to > tm->entry.data_offset ? tm->read_to - tm->entry.data_offset : 0;
}

static void member_close(di_device *dev)
{
    tar_member *tm = (tar_member *)dev;
    di_device_close(tm->file);
    free(tm);
}

static const di_device_ops member_ops = {
    .read_at = member_read_at,
    .write_at = member_write_at,
    .flush = member_flush,
    .close = member_close,
    .consumed = member_consumed,
};

const char *tar_member_name(const di_device *dev)
{
    return dev->ops == &member_ops ? ((const tar_member *)dev)->entry.name : "";
}

bool tar_member_hashed(const di_device *dev, bool *has_hashers)
{
    if (dev->ops != &member_ops) return false;
    const tar_member *tm = (const tar_member *)dev;
    *has_hashers = tm->digest.hashers != NULL;
    return tm->digest.done;
}

di_status tar_member_open(di_device *file, const char *wanted, di_hasher **file_hashers,
                          atomic_bool *cancel, di_device **out, di_error *error)
{
    *out = NULL;
    pick_walk *w = calloc(1, sizeof *w);
    tar_member *tm = calloc(1, sizeof *tm);
    di_status st = DI_OK;
    unsigned slot = 0;
    if (!w || !tm) st = di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_TAR, file->path,
                                     DI_REASON_NONE, DI_NO_ARGS);
    if (st == DI_OK) {
        member_pick_init(&w->pick, wanted);
        st = walk(file, cancel, offer, w, error);
    }
    if (st == DI_OK) st = member_pick_decide(&w->pick, file->path, &slot, error);
    if (st == DI_OK && w->kept[member_pick_index(slot)].sparse)
        st = di_error_why(error, DI_ERR_USAGE, DI_OP_READ_TAR, file->path, DI_REASON_TAR_SPARSE,
                          DI_ARGS(di_text(w->kept[member_pick_index(slot)].name)));
    if (st != DI_OK) {
        free(w);
        free(tm);
        di_device_close(file);
        return st;
    }
    tm->entry = w->kept[member_pick_index(slot)];
    free(w);
    tm->file = file;
    tm->cancel = cancel;
    stored_digest_init(&tm->digest, file_hashers);
    di_device_init_stream(&tm->base, &member_ops, file);
    /* Read to its end by the job (see DI_LAYER_END) when it decodes a stream, or when
     * the stored file is being hashed. */
    tm->base.sequential = file->sequential || tm->digest.hashing;
    tm->base.size = tm->entry.size;
    tm->base.stored_size = file->ops->consumed ? file->stored_size : tm->entry.size;
    tm->base.below = file;
    *out = &tm->base;
    return DI_OK;
}
