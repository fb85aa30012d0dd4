/* A strict reader for bmaptool's XML: the prolog, comments, elements, attributes in
 * double quotes, and text; no entities, no CDATA, no DTD: a bmap never needs them and
 * hostile input does not get them. Every number is checked for overflow and every
 * range against the image; the file's own checksum is verified when it has one. A
 * PGP-clearsigned bmap (bmaptool's .bmap.asc) is read from its signed text; the
 * signature itself is not checked. */
#include "diskimager/bmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/compression.h"
#include "diskimager/device.h"

#define NAME_MAX_LEN 32
#define VALUE_MAX_LEN 160

/* Where the text being parsed lies in the file: a clearsigned bmap's signed text
 * begins after its armor headers, and each dash escape ("- ") taken off a line start
 * moves the rest of the text two bytes. Errors name the file's lines and bytes. */
typedef struct text_origin {
    int line_base;               /* lines of the file before the text */
    size_t byte_base;            /* bytes of the file before the text */
    const size_t *escapes;       /* offsets in the text of lines that were "- "-escaped */
    size_t escape_count;
} text_origin;

typedef struct cursor {
    const char *start, *p, *end;
    const char *path;
    di_error *error;
    const text_origin *origin;   /* NULL: the text is the file */
} cursor;

/* The bmap's defect, a reason whose {0} is the line and whose {1}, {2}, ... are args. */
static di_status bad(cursor *c, di_reason reason, const di_arg *args, size_t count)
{
    int line = 1;
    for (const char *q = c->start; q < c->p && q < c->end; q++) line += *q == '\n';
    uint64_t offset = (uint64_t)(c->p - c->start);
    if (c->origin) {
        line += c->origin->line_base;
        size_t escaped = 0;
        while (escaped < c->origin->escape_count && c->origin->escapes[escaped] <= offset)
            escaped++;
        offset += c->origin->byte_base + 2 * escaped;
    }
    di_arg all[DI_ERROR_ARGS_MAX];
    all[0] = di_number((uint64_t)line);
    if (count > DI_ERROR_ARGS_MAX - 1) count = DI_ERROR_ARGS_MAX - 1;
    for (size_t i = 0; i < count; i++) all[i + 1] = args[i];
    di_error_why(c->error, DI_ERR_USAGE, DI_OP_READ_BMAP, c->path, reason, all, count + 1);
    di_error_at(c->error, offset);
    return DI_ERR_USAGE;
}

static bool at(const cursor *c, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(c->end - c->p) >= n && memcmp(c->p, s, n) == 0;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Skips blanks and comments between elements. */
static di_status skip_misc(cursor *c)
{
    for (;;) {
        while (c->p < c->end && is_space(*c->p)) c->p++;
        if (!at(c, "<!--")) return DI_OK;
        const char *close = NULL;
        for (const char *q = c->p + 4; q + 3 <= c->end; q++)
            if (memcmp(q, "-->", 3) == 0) {
                close = q;
                break;
            }
        if (!close) return bad(c, DI_REASON_BMAP_COMMENT_UNCLOSED, DI_NO_ARGS);
        c->p = close + 3;
    }
}

static bool is_name_char(char ch, bool first)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
           (!first && ch >= '0' && ch <= '9');
}

static di_status read_name(cursor *c, char name[NAME_MAX_LEN])
{
    size_t n = 0;
    while (c->p < c->end && is_name_char(*c->p, n == 0)) {
        if (n + 1 >= NAME_MAX_LEN) return bad(c, DI_REASON_BMAP_NAME_TOO_LONG, DI_NO_ARGS);
        name[n++] = *c->p++;
    }
    name[n] = '\0';
    return n ? DI_OK : bad(c, DI_REASON_BMAP_NAME_EXPECTED, DI_NO_ARGS);
}

typedef struct attribute {
    char name[NAME_MAX_LEN];
    char value[VALUE_MAX_LEN];
} attribute;

/* <name attr="value"...>: at most one attribute, which is all a bmap uses. */
static di_status open_tag(cursor *c, char name[NAME_MAX_LEN], attribute *attr)
{
    memset(attr, 0, sizeof *attr);
    if (!at(c, "<") || at(c, "</")) return bad(c, DI_REASON_BMAP_ELEMENT_EXPECTED, DI_NO_ARGS);
    c->p++;
    di_status st = read_name(c, name);
    if (st != DI_OK) return st;
    for (;;) {
        const char *before = c->p;
        while (c->p < c->end && is_space(*c->p)) c->p++;
        if (at(c, ">")) {
            c->p++;
            return DI_OK;
        }
        if (c->p == before) return bad(c, DI_REASON_BMAP_MALFORMED_TAG, DI_ARGS(di_text(name)));
        if (attr->name[0]) return bad(c, DI_REASON_BMAP_TWO_ATTRIBUTES, DI_ARGS(di_text(name)));
        if ((st = read_name(c, attr->name)) != DI_OK) return st;
        if (!at(c, "=\"")) return bad(c, DI_REASON_BMAP_ATTRIBUTE_FORM, DI_ARGS(di_text(name)));
        c->p += 2;
        size_t n = 0;
        while (c->p < c->end && *c->p != '"') {
            if (*c->p == '<' || *c->p == '&' || n + 1 >= VALUE_MAX_LEN)
                return bad(c, DI_REASON_BMAP_BAD_ATTRIBUTE_VALUE, DI_ARGS(di_text(name)));
            attr->value[n++] = *c->p++;
        }
        if (c->p >= c->end) return bad(c, DI_REASON_BMAP_ATTRIBUTE_UNCLOSED, DI_NO_ARGS);
        c->p++;
    }
}

/* The text up to the end tag </name>, blanks trimmed; offset says where it begins. */
static di_status text_then_close(cursor *c, const char *name, char *text, size_t size,
                                 size_t *offset)
{
    while (c->p < c->end && is_space(*c->p)) c->p++;
    const char *begin = c->p;
    while (c->p < c->end && *c->p != '<') {
        if (*c->p == '&') return bad(c, DI_REASON_BMAP_ENTITIES, DI_ARGS(di_text(name)));
        c->p++;
    }
    const char *stop = c->p;
    while (stop > begin && is_space(stop[-1])) stop--;
    if ((size_t)(stop - begin) >= size) return bad(c, DI_REASON_BMAP_TEXT_TOO_LONG, DI_ARGS(di_text(name)));
    memcpy(text, begin, (size_t)(stop - begin));
    text[stop - begin] = '\0';
    if (offset) *offset = (size_t)(begin - c->start);
    char tag[NAME_MAX_LEN + 4];
    snprintf(tag, sizeof tag, "</%s>", name);
    if (!at(c, tag)) return bad(c, DI_REASON_BMAP_NOT_CLOSED_AT_TEXT_END, DI_ARGS(di_text(name)));
    c->p += strlen(tag);
    return DI_OK;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s) return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static bool parse_digest(const char *hex, di_hash_alg alg, unsigned char *out);

size_t di_bmap_digest_size(di_hash_alg alg)
{
    static const size_t sizes[DI_HASH_COUNT] = {16, 20, 32, 64};
    return alg < DI_HASH_COUNT ? sizes[alg] : 0;
}

bool di_bmap_digest_from_hex(const char *hex, di_hash_alg alg, unsigned char *out)
{
    return parse_digest(hex, alg, out);
}

/* Hex of exactly the algorithm's length into bytes. */
static bool parse_digest(const char *hex, di_hash_alg alg, unsigned char *out)
{
    size_t want = di_bmap_digest_size(alg) * 2;
    if (strlen(hex) != want) return false;
    for (size_t i = 0; i < want; i += 2) {
        int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

typedef struct fields {
    int major;
    unsigned minor;
    /* 1.4 and 2.x: chksum= ranges, <ChecksumType>, <BmapFileChecksum>. 1.0 to 1.3: sha1=
     * ranges, <BmapFileSHA1>. (1.4 is 2.0 released under a 1.x number by mistake;
     * bmaptool reads it as 2.0.) */
    bool layout2;
    char version[VALUE_MAX_LEN];
    const char *blocks_at, *mapped_at;   /* where <BlocksCount>, <MappedBlocksCount> are */
    bool seen_image_size, seen_block_size, seen_blocks, seen_mapped, seen_type, seen_map;
    char file_checksum[VALUE_MAX_LEN];
    size_t file_checksum_at;
    bool file_checksum_sha1;   /* version 1's BmapFileSHA1 */
} fields;

static di_status add_range(cursor *c, di_bmap *b, size_t *cap, const attribute *attr,
                           const char *text, const fields *f)
{
    uint64_t first, last;
    char a[VALUE_MAX_LEN];
    snprintf(a, sizeof a, "%s", text);
    char *dash = strchr(a, '-');
    if (dash) *dash = '\0';
    if (!parse_u64(a, &first) || (dash ? !parse_u64(dash + 1, &last) : (last = first, false)))
        return bad(c, DI_REASON_BMAP_RANGE_FORM, DI_ARGS(di_text(text)));
    if (first > last) return bad(c, DI_REASON_BMAP_RANGE_BACKWARDS, DI_ARGS(di_text(text)));
    if (last >= b->blocks_count) return bad(c, DI_REASON_BMAP_RANGE_BEYOND, DI_ARGS(di_text(text)));
    if (b->range_count > 0 && first <= b->ranges[b->range_count - 1].last)
        return bad(c, DI_REASON_BMAP_RANGES_OVERLAP, DI_ARGS(di_text(text)));
    if (b->range_count == DI_BMAP_RANGES_MAX) return bad(c, DI_REASON_BMAP_TOO_MANY_RANGES, DI_NO_ARGS);
    if (b->range_count == *cap) {
        size_t grown = *cap ? *cap * 2 : 64;
        di_bmap_range *r = realloc(b->ranges, grown * sizeof *r);
        if (!r) return bad(c, DI_REASON_BMAP_OUT_OF_MEMORY, DI_NO_ARGS);
        b->ranges = r;
        *cap = grown;
    }
    di_bmap_range *r = &b->ranges[b->range_count];
    memset(r, 0, sizeof *r);
    r->first = first;
    r->last = last;
    bool wants_digest = b->range_count == 0 ? attr->name[0] != 0 : b->has_checksums;
    if (b->range_count == 0) b->has_checksums = wants_digest;
    if (wants_digest != (attr->name[0] != 0))
        return bad(c, DI_REASON_BMAP_MIXED_CHECKSUMS, DI_ARGS(di_text(text)));
    if (wants_digest) {
        const char *expected_name = f->layout2 ? "chksum" : "sha1";
        if (strcmp(attr->name, expected_name) != 0) {
            return bad(c, DI_REASON_BMAP_RANGE_CHECKSUM_ATTRIBUTE,
                       DI_ARGS(di_text(attr->name), di_text(expected_name), di_text(f->version)));
        }
        /* The right length but not hex (blockmap's test files put an X in front): the
         * file is well formed, the range can never match; jobs refuse it by its blocks. */
        if (strlen(attr->value) != di_bmap_digest_size(b->checksum_alg) * 2)
            return bad(c, DI_REASON_BMAP_RANGE_CHECKSUM_NOT_DIGEST,
                       DI_ARGS(di_text(di_hash_name(b->checksum_alg))));
        r->digest_malformed = !parse_digest(attr->value, b->checksum_alg, r->digest);
    }
    b->range_count++;
    return DI_OK;
}

static di_status parse_block_map(cursor *c, di_bmap *b, const fields *f)
{
    size_t cap = 0;
    for (;;) {
        di_status st = skip_misc(c);
        if (st != DI_OK) return st;
        if (at(c, "</BlockMap>")) {
            c->p += strlen("</BlockMap>");
            return DI_OK;
        }
        char name[NAME_MAX_LEN], text[VALUE_MAX_LEN];
        attribute attr;
        if ((st = open_tag(c, name, &attr)) != DI_OK) return st;
        if (strcmp(name, "Range") != 0) return bad(c, DI_REASON_BMAP_MAP_HOLDS, DI_ARGS(di_text(name)));
        if ((st = text_then_close(c, "Range", text, sizeof text, NULL)) != DI_OK) return st;
        if ((st = add_range(c, b, &cap, &attr, text, f)) != DI_OK) return st;
    }
}

static di_status parse_number(cursor *c, const char *name, uint64_t *out, bool *seen)
{
    char text[VALUE_MAX_LEN];
    if (*seen) return bad(c, DI_REASON_BMAP_APPEARS_TWICE, DI_ARGS(di_text(name)));
    *seen = true;
    di_status st = text_then_close(c, name, text, sizeof text, NULL);
    if (st != DI_OK) return st;
    if (!parse_u64(text, out)) return bad(c, DI_REASON_BMAP_NOT_A_NUMBER, DI_ARGS(di_text(name)));
    return DI_OK;
}

/* One child of <bmap>. */
static di_status parse_child(cursor *c, di_bmap *b, fields *f)
{
    char name[NAME_MAX_LEN], text[VALUE_MAX_LEN];
    attribute attr;
    di_status st = open_tag(c, name, &attr);
    if (st != DI_OK) return st;
    if (attr.name[0]) return bad(c, DI_REASON_BMAP_TAKES_NO_ATTRIBUTE, DI_ARGS(di_text(name)));
    uint64_t v = 0;
    if (!strcmp(name, "ImageSize")) return parse_number(c, name, &b->image_size, &f->seen_image_size);
    if (!strcmp(name, "BlocksCount")) {
        f->blocks_at = c->p;
        return parse_number(c, name, &b->blocks_count, &f->seen_blocks);
    }
    if (!strcmp(name, "MappedBlocksCount")) {
        f->mapped_at = c->p;
        return parse_number(c, name, &b->mapped_blocks, &f->seen_mapped);
    }
    if (!strcmp(name, "BlockSize")) {
        if ((st = parse_number(c, name, &v, &f->seen_block_size)) != DI_OK) return st;
        if (v < 512 || v > (1u << 20) || (v & (v - 1)))
            return bad(c, DI_REASON_BMAP_BLOCK_SIZE, DI_NO_ARGS);
        b->block_size = (uint32_t)v;
        return DI_OK;
    }
    if (!strcmp(name, "ChecksumType")) {
        if (!f->layout2) return bad(c, DI_REASON_BMAP_CHECKSUM_TYPE_VERSION,
                                    DI_ARGS(di_text(f->version)));
        if (f->seen_map) return bad(c, DI_REASON_BMAP_CHECKSUM_TYPE_AFTER_MAP, DI_NO_ARGS);
        if (f->seen_type) return bad(c, DI_REASON_BMAP_APPEARS_TWICE, DI_ARGS(di_text(name)));
        f->seen_type = true;
        if ((st = text_then_close(c, name, text, sizeof text, NULL)) != DI_OK) return st;
        if (!strcmp(text, "sha256")) b->checksum_alg = DI_HASH_SHA256;
        else if (!strcmp(text, "md5")) b->checksum_alg = DI_HASH_MD5;
        else if (!strcmp(text, "sha1")) b->checksum_alg = DI_HASH_SHA1;
        else return bad(c, DI_REASON_BMAP_UNKNOWN_CHECKSUM_TYPE, DI_ARGS(di_text(text)));
        return DI_OK;
    }
    if (!strcmp(name, "BmapFileChecksum") || !strcmp(name, "BmapFileSHA1")) {
        if (f->file_checksum[0]) return bad(c, DI_REASON_BMAP_FILE_CHECKSUM_TWICE, DI_NO_ARGS);
        f->file_checksum_sha1 = !strcmp(name, "BmapFileSHA1");
        if (f->file_checksum_sha1 == f->layout2) {
            return bad(c, f->layout2 ? DI_REASON_BMAP_FILE_SHA1_IN_LATER
                                     : DI_REASON_BMAP_FILE_CHECKSUM_IN_EARLY,
                       DI_ARGS(di_text(f->version)));
        }
        return text_then_close(c, name, f->file_checksum, sizeof f->file_checksum,
                               &f->file_checksum_at);
    }
    if (!strcmp(name, "BlockMap")) {
        if (f->seen_map) return bad(c, DI_REASON_BMAP_APPEARS_TWICE, DI_ARGS(di_text("BlockMap")));
        f->seen_map = true;
        if (!f->seen_block_size || !f->seen_blocks || !f->seen_image_size)
            return bad(c, DI_REASON_BMAP_MAP_BEFORE_SIZES, DI_NO_ARGS);
        return parse_block_map(c, b, f);
    }
    return bad(c, DI_REASON_BMAP_UNEXPECTED_ELEMENT, DI_ARGS(di_text(name)));
}

/* The file's checksum, taken with its own value replaced by zeros (bmaptool's rule). */
static di_status check_file_checksum(cursor *c, const char *text, size_t len, const di_bmap *b,
                                     const fields *f)
{
    di_hash_alg alg = f->file_checksum_sha1 ? DI_HASH_SHA1 : b->checksum_alg;
    unsigned char want[64];
    c->p = text + f->file_checksum_at;
    if (!parse_digest(f->file_checksum, alg, want))
        return bad(c, DI_REASON_BMAP_FILE_CHECKSUM_NOT_DIGEST,
                   DI_ARGS(di_text(di_hash_name(alg))));
    if (strspn(f->file_checksum, "0") == strlen(f->file_checksum))
        return bad(c, DI_REASON_BMAP_FILE_CHECKSUM_ZEROS, DI_NO_ARGS);
    di_hasher *h = di_hasher_new(alg);
    if (!h) return bad(c, DI_REASON_BMAP_NO_DIGEST_ALGORITHM, DI_ARGS(di_text(di_hash_name(alg))));
    size_t hex_len = strlen(f->file_checksum);
    static const char zeros[128] = "0000000000000000000000000000000000000000000000000000000000000000"
                                   "0000000000000000000000000000000000000000000000000000000000000000";
    di_hasher_update(h, text, f->file_checksum_at);
    di_hasher_update(h, zeros, hex_len);
    di_hasher_update(h, text + f->file_checksum_at + hex_len, len - f->file_checksum_at - hex_len);
    char got[DI_HASH_HEX_MAX], want_hex[DI_HASH_HEX_MAX];
    di_hasher_final_hex(h, got);
    di_hasher_free(h);
    for (size_t i = 0; i < hex_len; i++)
        want_hex[i] = (char)(f->file_checksum[i] >= 'A' && f->file_checksum[i] <= 'F'
                                 ? f->file_checksum[i] - 'A' + 'a' : f->file_checksum[i]);
    want_hex[hex_len] = '\0';
    if (strcmp(got, want_hex) != 0) {
        return bad(c, DI_REASON_BMAP_FILE_DAMAGED, DI_NO_ARGS);
    }
    return DI_OK;
}

static di_status parse_root(cursor *c, const char *text, size_t len, di_bmap *b)
{
    di_status st;
    while (c->p < c->end && is_space(*c->p)) c->p++;
    if (at(c, "<?xml")) {
        /* The text is not NUL-terminated: the search stays within it. */
        const char *close = NULL;
        for (const char *q = c->p; q + 2 <= c->end; q++)
            if (q[0] == '?' && q[1] == '>') {
                close = q;
                break;
            }
        if (!close) return bad(c, DI_REASON_BMAP_XML_DECLARATION_UNCLOSED, DI_NO_ARGS);
        c->p = close + 2;
    }
    if ((st = skip_misc(c)) != DI_OK) return st;
    if (at(c, "<!") || at(c, "<?")) return bad(c, DI_REASON_BMAP_DTD, DI_NO_ARGS);
    char name[NAME_MAX_LEN];
    attribute attr;
    if ((st = open_tag(c, name, &attr)) != DI_OK) return st;
    if (strcmp(name, "bmap") != 0) return bad(c, DI_REASON_BMAP_ROOT, DI_ARGS(di_text(name)));
    fields f = {0};
    char extra;
    if (strcmp(attr.name, "version") != 0 ||
        sscanf(attr.value, "%d.%u%c", &f.major, &f.minor, &extra) != 2 || f.major < 1 || f.major > 2)
        return bad(c, DI_REASON_BMAP_VERSION, DI_ARGS(di_text(attr.value)));
    snprintf(f.version, sizeof f.version, "%s", attr.value);
    f.layout2 = f.major >= 2 || f.minor >= 4;
    b->checksum_alg = f.layout2 ? DI_HASH_SHA256 : DI_HASH_SHA1;
    for (;;) {
        if ((st = skip_misc(c)) != DI_OK) return st;
        if (at(c, "</bmap>")) {
            c->p += strlen("</bmap>");
            break;
        }
        if (c->p >= c->end) return bad(c, DI_REASON_BMAP_UNCLOSED, DI_NO_ARGS);
        if ((st = parse_child(c, b, &f)) != DI_OK) return st;
    }
    if ((st = skip_misc(c)) != DI_OK) return st;
    if (c->p != c->end) return bad(c, DI_REASON_BMAP_TEXT_AFTER, DI_NO_ARGS);
    if (!f.seen_image_size || !f.seen_block_size || !f.seen_blocks || !f.seen_mapped || !f.seen_map)
        return bad(c, DI_REASON_BMAP_FIELDS_NEEDED, DI_NO_ARGS);
    /* No disk is 8 EiB: the bound keeps block * size arithmetic far from overflow. */
    if (b->image_size > (UINT64_MAX >> 2)) return bad(c, DI_REASON_BMAP_IMAGE_SIZE_TOO_LARGE, DI_NO_ARGS);
    if (b->blocks_count != b->image_size / b->block_size + (b->image_size % b->block_size != 0)) {
        c->p = f.blocks_at;
        return bad(c, DI_REASON_BMAP_BLOCKS_COUNT, DI_NO_ARGS);
    }
    uint64_t mapped = 0;
    for (size_t i = 0; i < b->range_count; i++) mapped += b->ranges[i].last - b->ranges[i].first + 1;
    if (mapped != b->mapped_blocks) {
        c->p = f.mapped_at;
        return bad(c, DI_REASON_BMAP_MAPPED_COUNT,
                   DI_ARGS(di_number(b->mapped_blocks), di_number(mapped)));
    }
    if (f.file_checksum[0]) return check_file_checksum(c, text, len, b, &f);
    return DI_OK;
}

/* ---- PGP cleartext signatures (RFC 4880, section 7) ----
 *
 *   -----BEGIN PGP SIGNED MESSAGE-----
 *   Hash: SHA512                      (one or more Hash: headers)
 *                                     (a blank line)
 *   <the signed text, each line that begins with "-" written as "- -...">
 *   -----BEGIN PGP SIGNATURE-----
 *   <the signature, which is not checked here>
 *   -----END PGP SIGNATURE-----
 *
 * The bmap is the signed text as it stands in the file, dash escapes undone, with its
 * own line ends, the one before the signature block included: that is the file that
 * was signed (and that gpg gives back), so its <BmapFileChecksum> still matches. (The
 * signature itself covers the text without that last line end, with CRLF line ends.) */

#define CLEARSIGN_BEGIN "-----BEGIN PGP SIGNED MESSAGE-----"
#define SIGNATURE_BEGIN "-----BEGIN PGP SIGNATURE-----"
#define SIGNATURE_END "-----END PGP SIGNATURE-----"

typedef struct line_view {
    const char *start;     /* the line's first byte */
    size_t len;            /* without its line end and trailing blanks (armor lines) */
    size_t full;           /* with its line end */
} line_view;

static bool next_line(const char *p, const char *end, line_view *out)
{
    if (p >= end) return false;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    out->start = p;
    out->full = (size_t)((nl ? nl + 1 : end) - p);
    while (stop > p && (stop[-1] == '\r' || stop[-1] == ' ' || stop[-1] == '\t')) stop--;
    out->len = (size_t)(stop - p);
    return true;
}

static bool line_is(const line_view *l, const char *s)
{
    return l->len == strlen(s) && memcmp(l->start, s, l->len) == 0;
}

/* An error in the envelope, at the line that begins at p. */
static di_status bad_envelope(const char *text, const char *end, const char *p, const char *path,
                              di_error *error, di_reason why)
{
    cursor c = {.start = text, .p = p, .end = end, .path = path, .error = error};
    return bad(&c, why, DI_NO_ARGS);
}

/* The signed text of a clearsigned bmap, into *out (malloc'ed), with where it lies. */
static di_status unwrap_clearsigned(const char *text, size_t len, const char *path, char **out,
                                    size_t *out_len, text_origin *origin, size_t **escapes,
                                    di_error *error)
{
    const char *end = text + len, *p = text;
    line_view l;
    *out = NULL;
    *escapes = NULL;
    memset(origin, 0, sizeof *origin);
    next_line(p, end, &l);
    p += l.full;
    int line = 1;
    /* Armor headers: Hash: only (RFC 4880 7; none at all means MD5), up to a blank line. */
    for (;;) {
        if (!next_line(p, end, &l))
            return bad_envelope(text, end, p, path, error,
                                DI_REASON_BMAP_SIGNED_HEADERS_END);
        line++;
        if (l.len == 0) break;
        if (l.len <= 5 || memcmp(l.start, "Hash:", 5) != 0)
            return bad_envelope(text, end, l.start, path, error,
                                DI_REASON_BMAP_SIGNED_HEADER);
        p += l.full;
    }
    p += l.full;
    origin->line_base = line;
    origin->byte_base = (size_t)(p - text);
    char *signed_text = malloc(len + 1);
    size_t n = 0, escape_count = 0, escape_cap = 0;
    size_t *marks = NULL;
    if (!signed_text) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_BMAP, path,
                                          DI_REASON_NONE, DI_NO_ARGS);
    di_status st = DI_OK;
    bool signature = false;
    while (next_line(p, end, &l)) {
        if (line_is(&l, SIGNATURE_BEGIN)) {
            signature = true;
            p += l.full;
            break;
        }
        size_t skip = 0;
        if (l.full > 0 && l.start[0] == '-') {
            if (l.full < 2 || l.start[1] != ' ') {
                st = bad_envelope(text, end, l.start, path, error,
                                  DI_REASON_BMAP_DASH_ESCAPE);
                goto fail;
            }
            skip = 2;
            if (escape_count == escape_cap) {
                size_t grown = escape_cap ? escape_cap * 2 : 16;
                size_t *m = realloc(marks, grown * sizeof *m);
                if (!m) {
                    st = di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_BMAP, path,
                                      DI_REASON_NONE, DI_NO_ARGS);
                    goto fail;
                }
                marks = m;
                escape_cap = grown;
            }
            marks[escape_count++] = n;
        }
        memcpy(signed_text + n, l.start + skip, l.full - skip);
        n += l.full - skip;
        p += l.full;
    }
    if (!signature) {
        st = bad_envelope(text, end, p > text && p[-1] == '\n' ? p - 1 : p, path, error,
                          DI_REASON_BMAP_NO_SIGNATURE_BLOCK);
        goto fail;
    }
    bool closed = false;
    while (next_line(p, end, &l)) {
        if (closed && l.len != 0) {
            st = bad_envelope(text, end, l.start, path, error,
                              DI_REASON_BMAP_TEXT_AFTER_SIGNATURE);
            goto fail;
        }
        if (line_is(&l, SIGNATURE_END)) closed = true;
        p += l.full;
    }
    if (!closed) {
        st = bad_envelope(text, end, p > text && p[-1] == '\n' ? p - 1 : p, path, error,
                          DI_REASON_BMAP_SIGNATURE_UNCLOSED);
        goto fail;
    }
    signed_text[n] = '\0';
    *out = signed_text;
    *out_len = n;
    *escapes = marks;
    origin->escapes = marks;
    origin->escape_count = escape_count;
    return DI_OK;
fail:
    free(signed_text);
    free(marks);
    return st;
}

static bool is_clearsigned(const char *text, size_t len)
{
    line_view l;
    return next_line(text, text + len, &l) && line_is(&l, CLEARSIGN_BEGIN);
}

di_status di_bmap_parse(const char *text, size_t len, const char *path, di_bmap *out,
                        di_error *error)
{
    memset(out, 0, sizeof *out);
    cursor c = {.start = text, .p = text, .end = text + len, .path = path, .error = error};
    if (len > DI_BMAP_FILE_MAX) return bad(&c, DI_REASON_BMAP_FILE_TOO_LARGE, DI_NO_ARGS);
    if (memchr(text, '\0', len)) return bad(&c, DI_REASON_BMAP_NUL_BYTE, DI_NO_ARGS);
    if (!is_clearsigned(text, len)) {
        di_status st = parse_root(&c, text, len, out);
        if (st != DI_OK) di_bmap_free(out);
        return st;
    }
    char *signed_text;
    size_t signed_len = 0;
    size_t *escapes;
    text_origin origin;
    di_status st = unwrap_clearsigned(text, len, path, &signed_text, &signed_len, &origin,
                                      &escapes, error);
    if (st != DI_OK) return st;
    cursor inner = {.start = signed_text, .p = signed_text, .end = signed_text + signed_len,
                    .path = path, .error = error, .origin = &origin};
    st = parse_root(&inner, signed_text, signed_len, out);
    if (st != DI_OK) di_bmap_free(out);
    else out->signature_unchecked = true;
    free(signed_text);
    free(escapes);
    return st;
}

void di_bmap_free(di_bmap *bmap)
{
    free(bmap->ranges);
    memset(bmap, 0, sizeof *bmap);
}

di_status di_bmap_load(const char *path, di_bmap *out, di_error *error)
{
    memset(out, 0, sizeof *out);
    di_open_options options = {.mode = DI_OPEN_READ};
    di_device *dev = NULL;
    di_status st = di_device_open(path, &options, &dev, error);
    if (st != DI_OK) return st;
    if (dev->kind != DI_DEVICE_FILE || dev->size > DI_BMAP_FILE_MAX) {
        di_device_close(dev);
        return di_error_why(error, DI_ERR_USAGE, DI_OP_READ_BMAP, path,
                            DI_REASON_NOT_A_BMAP_FILE, DI_NO_ARGS);
    }
    size_t len = (size_t)dev->size;
    char *text = malloc(len + 1);
    if (!text) {
        di_device_close(dev);
        return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ_BMAP, path,
                            DI_REASON_NONE, DI_NO_ARGS);
    }
    st = di_device_read_full(dev, text, len, 0, NULL, error);
    di_device_close(dev);
    if (st == DI_OK) {
        text[len] = '\0';
        st = di_bmap_parse(text, len, path, out, error);
    }
    free(text);
    return st;
}

static bool file_is_there(const char *path)
{
    di_open_options options = {.mode = DI_OPEN_READ};
    di_device *dev = NULL;
    di_error ignored;
    if (di_device_open(path, &options, &dev, &ignored) != DI_OK) return false;
    bool regular = dev->kind == DI_DEVICE_FILE;
    di_device_close(dev);
    return regular;
}

bool di_bmap_find_beside(const char *image_path, char *out, size_t out_size)
{
    char inner[DI_PATH_MAX], candidate[DI_PATH_MAX + 16];
    di_format_inner_name(image_path, inner, sizeof inner);
    size_t n = strlen(inner);
    bool img = n > 4 && (strcmp(inner + n - 4, ".img") == 0 || strcmp(inner + n - 4, ".IMG") == 0);
    const char *stems[3] = {image_path, inner, inner};
    for (int i = 0; i < 3; i++) {
        if (i == 1 && strcmp(inner, image_path) == 0) continue;
        if (i == 2 && !img) continue;
        int stem_len = i == 2 ? (int)n - 4 : (int)strlen(stems[i]);
        /* NAME.bmap, else its clearsigned form NAME.bmap.asc. */
        for (int signed_form = 0; signed_form < 2; signed_form++) {
            snprintf(candidate, sizeof candidate, "%.*s.bmap%s", stem_len, stems[i],
                     signed_form ? ".asc" : "");
            if (file_is_there(candidate)) {
                snprintf(out, out_size, "%s", candidate);
                return true;
            }
        }
    }
    return false;
}
