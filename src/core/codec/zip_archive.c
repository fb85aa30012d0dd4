/* Zip central directory walking. Layouts from PKWARE's APPNOTE: end of central
 * directory (EOCD), the zip64 EOCD and its locator, central file headers, local file
 * headers. Everything little-endian. */
#include "zip_archive.h"

#include "member_pick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/le_bytes.h"

#define EOCD_SIZE 22u
#define EOCD_SEARCH (EOCD_SIZE + 65535u)      /* the comment is at most 64 KiB */
#define CENTRAL_HEADER_SIZE 46u
#define LOCAL_HEADER_SIZE 30u
#define CENTRAL_MAX (64u << 20)               /* 64 MiB of directory is plenty */

static di_status corrupt(di_error *error, const char *path, uint64_t offset, di_reason reason)
{
    di_error_why(error, DI_ERR_READ, DI_OP_READ_ZIP, path, reason, DI_NO_ARGS);
    di_error_at(error, offset);
    return DI_ERR_READ;
}

typedef struct central_directory {
    unsigned char *bytes;
    uint64_t offset;
    size_t size;
    uint64_t entries;
} central_directory;

/* The zip64 end record, when the classic one says its fields overflowed. */
static di_status read_zip64_end(codec_read_fn read, void *ctx, const char *path,
                                uint64_t file_size, uint64_t eocd_at, central_directory *cd,
                                di_error *error)
{
    unsigned char locator[20], record[56];
    if (eocd_at < sizeof locator)
        return corrupt(error, path, eocd_at, DI_REASON_ZIP_NO_ZIP64_LOCATOR);
    di_status st = read(ctx, eocd_at - sizeof locator, locator, sizeof locator, error);
    if (st != DI_OK) return st;
    if (di_le32(locator) != 0x07064b50u)
        return corrupt(error, path, eocd_at - 20, DI_REASON_ZIP_NO_ZIP64_LOCATOR);
    uint64_t record_at = di_le64(locator + 8);
    if (record_at > file_size || file_size - record_at < sizeof record)
        return corrupt(error, path, eocd_at - 20, DI_REASON_ZIP_ZIP64_END_OUTSIDE);
    st = read(ctx, record_at, record, sizeof record, error);
    if (st != DI_OK) return st;
    if (di_le32(record) != 0x06064b50u)
        return corrupt(error, path, record_at, DI_REASON_ZIP_BAD_ZIP64_END);
    cd->entries = di_le64(record + 32);
    uint64_t size = di_le64(record + 40);
    cd->offset = di_le64(record + 48);
    if (size > CENTRAL_MAX)
        return corrupt(error, path, record_at, DI_REASON_ZIP_DIRECTORY_TOO_LARGE);
    cd->size = (size_t)size;
    return DI_OK;
}

static di_status load_central_directory(codec_read_fn read, void *ctx, const char *path,
                                        uint64_t file_size, central_directory *cd,
                                        di_error *error)
{
    memset(cd, 0, sizeof *cd);
    size_t tail_len = file_size < EOCD_SEARCH ? (size_t)file_size : EOCD_SEARCH;
    if (tail_len < EOCD_SIZE) return corrupt(error, path, 0, DI_REASON_ZIP_TOO_SHORT);
    unsigned char *tail = malloc(tail_len);
    if (!tail) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_ZIP, path,
                                   DI_REASON_NONE, DI_NO_ARGS);
    uint64_t tail_at = file_size - tail_len;
    di_status st = read(ctx, tail_at, tail, tail_len, error);
    if (st != DI_OK) {
        free(tail);
        return st;
    }
    size_t at = tail_len - EOCD_SIZE + 1;
    bool found = false;
    while (at-- > 0) {
        if (di_le32(tail + at) == 0x06054b50u) {
            found = true;
            break;
        }
    }
    if (!found) {
        free(tail);
        return corrupt(error, path, tail_at, DI_REASON_ZIP_NO_END_RECORD);
    }
    const unsigned char *eocd = tail + at;
    uint64_t eocd_at = tail_at + at;
    cd->entries = di_le16(eocd + 10);
    cd->size = di_le32(eocd + 12);
    cd->offset = di_le32(eocd + 16);
    bool zip64 = di_le16(eocd + 10) == 0xffffu || di_le32(eocd + 12) == 0xffffffffu ||
                 di_le32(eocd + 16) == 0xffffffffu;
    free(tail);
    if (zip64) {
        st = read_zip64_end(read, ctx, path, file_size, eocd_at, cd, error);
        if (st != DI_OK) return st;
    }
    if (cd->size > CENTRAL_MAX)
        return corrupt(error, path, eocd_at, DI_REASON_ZIP_DIRECTORY_TOO_LARGE);
    if (cd->offset > file_size || file_size - cd->offset < cd->size)
        return corrupt(error, path, eocd_at, DI_REASON_ZIP_DIRECTORY_OUTSIDE);
    cd->bytes = malloc(cd->size ? cd->size : 1);
    if (!cd->bytes) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_ZIP, path,
                                        DI_REASON_NONE, DI_NO_ARGS);
    st = read(ctx, cd->offset, cd->bytes, cd->size, error);
    if (st != DI_OK) {
        free(cd->bytes);
        cd->bytes = NULL;
    }
    return st;
}

/* One central header at *pos; advances *pos. Fills the member but data_offset. */
static di_status parse_central_entry(const central_directory *cd, const char *path,
                                     size_t *pos, zip_member *m, bool *is_file,
                                     bool *encrypted, di_error *error)
{
    const unsigned char *p = cd->bytes + *pos;
    uint64_t where = cd->offset + *pos;
    if (cd->size - *pos < CENTRAL_HEADER_SIZE || di_le32(p) != 0x02014b50u)
        return corrupt(error, path, where, DI_REASON_ZIP_BAD_DIRECTORY_ENTRY);
    size_t name_len = di_le16(p + 28), extra_len = di_le16(p + 30), comment_len = di_le16(p + 32);
    size_t total = CENTRAL_HEADER_SIZE + name_len + extra_len + comment_len;
    if (cd->size - *pos < total)
        return corrupt(error, path, where, DI_REASON_ZIP_ENTRY_PAST_DIRECTORY);
    memset(m, 0, sizeof *m);
    *encrypted = (di_le16(p + 8) & 1u) != 0;
    m->method = di_le16(p + 10);
    m->crc32 = di_le32(p + 16);
    m->compressed_size = di_le32(p + 20);
    m->size = di_le32(p + 24);
    m->header_offset = di_le32(p + 42);
    size_t copy = name_len < ZIP_NAME_MAX - 1 ? name_len : ZIP_NAME_MAX - 1;
    memcpy(m->name, p + CENTRAL_HEADER_SIZE, copy);
    m->name[copy] = '\0';
    if (memchr(m->name, '\0', copy))
        return corrupt(error, path, where, DI_REASON_ZIP_NAME_HOLDS_NUL);
    *is_file = name_len > 0 && p[CENTRAL_HEADER_SIZE + name_len - 1] != '/' &&
               strncmp(m->name, "__MACOSX/", 9) != 0;

    /* Zip64 extra field: the 64-bit values of those fields that read 0xffffffff. */
    const unsigned char *extra = p + CENTRAL_HEADER_SIZE + name_len;
    for (size_t e = 0; e + 4 <= extra_len;) {
        uint16_t id = di_le16(extra + e), len = di_le16(extra + e + 2);
        if (e + 4 + len > extra_len)
            return corrupt(error, path, where, DI_REASON_ZIP_BAD_EXTRA_FIELD);
        if (id == 0x0001) {
            const unsigned char *v = extra + e + 4;
            size_t left = len;
            uint64_t *fields[3] = {&m->size, &m->compressed_size, &m->header_offset};
            for (int f = 0; f < 3; f++) {
                if (*fields[f] != 0xffffffffu) continue;
                if (left < 8) return corrupt(error, path, where, DI_REASON_ZIP_SHORT_ZIP64_FIELD);
                *fields[f] = di_le64(v);
                v += 8;
                left -= 8;
            }
        }
        e += 4 + len;
    }
    *pos += total;
    return DI_OK;
}

typedef struct walk {
    member_pick pick;
    zip_member kept[PICK_SLOTS];         /* the entry for each PICK_* slot */
    bool kept_encrypted[PICK_SLOTS];
    zip_name_fn each;
    void *each_ctx;
    unsigned files;             /* every file, litter too */
} walk;

static di_status walk_members(codec_read_fn read, void *ctx, const char *path,
                              uint64_t file_size, walk *w, di_error *error)
{
    central_directory cd;
    di_status st = load_central_directory(read, ctx, path, file_size, &cd, error);
    if (st != DI_OK) return st;
    size_t pos = 0;
    for (uint64_t i = 0; i < cd.entries && st == DI_OK; i++) {
        zip_member m;
        bool is_file = false, encrypted = false;
        st = parse_central_entry(&cd, path, &pos, &m, &is_file, &encrypted, error);
        if (st != DI_OK || !is_file) continue;
        w->files++;
        if (w->each) w->each(w->each_ctx, m.name, m.size);
        unsigned slots = member_pick_offer(&w->pick, m.name);
        for (unsigned bit = PICK_WANTED; bit <= PICK_ONLY_FILE; bit <<= 1) {
            if (!(slots & bit)) continue;
            w->kept[member_pick_index(bit)] = m;
            w->kept_encrypted[member_pick_index(bit)] = encrypted;
        }
    }
    free(cd.bytes);
    return st;
}

di_status zip_list_members(codec_read_fn read, void *ctx, const char *path, uint64_t file_size,
                           zip_name_fn each, void *each_ctx, unsigned *count, di_error *error)
{
    walk *w = calloc(1, sizeof *w);
    if (!w) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_ZIP, path,
                                DI_REASON_NONE, DI_NO_ARGS);
    member_pick_init(&w->pick, NULL);
    w->each = each;
    w->each_ctx = each_ctx;
    di_status st = walk_members(read, ctx, path, file_size, w, error);
    if (count) *count = w->files;
    free(w);
    return st;
}

const char *zip_method_name(unsigned method)
{
    switch (method) {
    case 0: return "stored";
    case 1: return "Shrink";
    case 6: return "Implode";
    case 8: return "Deflate";
    case 9: return "Deflate64";
    case 10: return "PKWARE DCL Implode";
    case 12: return "bzip2";
    case 14: return "LZMA";
    case 18: return "IBM TERSE";
    case 19: return "IBM LZ77";
    case 93: return "zstd";
    case 95: return "xz";
    case 96: return "JPEG";
    case 97: return "WavPack";
    case 98: return "PPMd";
    case 99: return "AE-x encryption";
    default: return NULL;
    }
}

bool zip_method_decodable(unsigned method)
{
    return method == 0 || method == 8 || method == 12 || method == 14 || method == 93 ||
           method == 95;
}

static di_status locate_data(codec_read_fn read, void *ctx, const char *path, uint64_t file_size,
                             zip_member *m, di_error *error)
{
    unsigned char local[LOCAL_HEADER_SIZE];
    if (m->header_offset > file_size || file_size - m->header_offset < sizeof local)
        return corrupt(error, path, m->header_offset, DI_REASON_ZIP_MEMBER_HEADER_OUTSIDE);
    di_status st = read(ctx, m->header_offset, local, sizeof local, error);
    if (st != DI_OK) return st;
    if (di_le32(local) != 0x04034b50u)
        return corrupt(error, path, m->header_offset, DI_REASON_ZIP_BAD_LOCAL_HEADER);
    m->data_offset =
        m->header_offset + LOCAL_HEADER_SIZE + di_le16(local + 26) + di_le16(local + 28);
    if (m->data_offset > file_size || file_size - m->data_offset < m->compressed_size)
        return corrupt(error, path, m->header_offset, DI_REASON_ZIP_MEMBER_DATA_PAST_END);
    return DI_OK;
}

di_status zip_find_member(codec_read_fn read, void *ctx, const char *path, uint64_t file_size,
                          const char *wanted, zip_member *out, di_error *error)
{
    walk *w = calloc(1, sizeof *w);
    if (!w) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_ZIP, path,
                                DI_REASON_NONE, DI_NO_ARGS);
    member_pick_init(&w->pick, wanted);
    unsigned slot = 0;
    di_status st = walk_members(read, ctx, path, file_size, w, error);
    if (st == DI_OK) st = member_pick_decide(&w->pick, path, &slot, error);
    const zip_member *chosen = &w->kept[member_pick_index(slot)];
    if (st != DI_OK) {
        /* said */
    } else if (w->kept_encrypted[member_pick_index(slot)]) {
        st = di_error_why(error, DI_ERR_USAGE, DI_OP_READ_ZIP, path, DI_REASON_ZIP_ENCRYPTED,
                          DI_ARGS(di_text(chosen->name)));
    } else if (!zip_method_decodable(chosen->method)) {
        const char *name = zip_method_name(chosen->method);
        if (name)
            st = di_error_why(error, DI_ERR_USAGE, DI_OP_READ_ZIP, path,
                              DI_REASON_ZIP_METHOD_UNSUPPORTED,
                              DI_ARGS(di_text(chosen->name), di_text(name),
                                      di_number(chosen->method)));
        else
            st = di_error_why(error, DI_ERR_USAGE, DI_OP_READ_ZIP, path,
                              DI_REASON_ZIP_METHOD_UNKNOWN,
                              DI_ARGS(di_text(chosen->name), di_number(chosen->method),
                                      di_number(chosen->method)));
    } else if (chosen->method == 0 && chosen->compressed_size != chosen->size) {
        st = corrupt(error, path, chosen->header_offset, DI_REASON_ZIP_STORED_SIZES_DIFFER);
    }
    if (st == DI_OK) {
        *out = *chosen;
        st = locate_data(read, ctx, path, file_size, out, error);
    }
    free(w);
    return st;
}
