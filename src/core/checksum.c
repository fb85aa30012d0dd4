/* Checksum files: strict parsing of coreutils and BSD lines, and the search for the
 * file published beside an image. Reads go through the device layer so UTF-8 paths
 * work on Windows too; a checksum file larger than CHECKSUM_FILE_MAX is not one. */
#include "diskimager/checksum.h"

#include "diskimager/compression.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diskimager/compression.h"
#include "diskimager/device.h"

#define CHECKSUM_FILE_MAX (1024 * 1024)

static bool alg_for_length(size_t len, di_hash_alg *alg)
{
    switch (len) {
    case 32: *alg = DI_HASH_MD5; return true;
    case 40: *alg = DI_HASH_SHA1; return true;
    case 64: *alg = DI_HASH_SHA256; return true;
    case 128: *alg = DI_HASH_SHA512; return true;
    default: return false;
    }
}

/* Copies the hex run at p into hex (lowercased); returns its length, 0 if not hex. */
static size_t take_hex(const char *p, char hex[DI_HASH_HEX_MAX])
{
    size_t n = 0;
    while (isxdigit((unsigned char)p[n])) {
        if (n + 1 >= DI_HASH_HEX_MAX) return 0;
        hex[n] = (char)tolower((unsigned char)p[n]);
        n++;
    }
    hex[n] = '\0';
    return n;
}

bool di_expected_from_hex(const char *text, di_expected_hash *out)
{
    memset(out, 0, sizeof *out);
    while (*text == ' ' || *text == '\t') text++;
    size_t n = take_hex(text, out->hex);
    const char *rest = text + n;
    while (*rest == ' ' || *rest == '\t' || *rest == '\r' || *rest == '\n') rest++;
    if (n == 0 || *rest || !alg_for_length(n, &out->alg)) {
        memset(out, 0, sizeof *out);
        return false;
    }
    out->present = true;
    return true;
}

static void copy_name(const char *start, size_t len, char *name, size_t size)
{
    if (size == 0) return;
    if (len >= size) len = size - 1;
    memcpy(name, start, len);
    name[len] = '\0';
}

static bool parse_bsd(const char *line, di_hash_alg *alg, char hex[DI_HASH_HEX_MAX], char *name,
                      size_t name_size)
{
    /* "SHA256 (pi.img) = 3a7b..." */
    static const struct { const char *tag; di_hash_alg alg; } tags[] = {
        {"MD5", DI_HASH_MD5}, {"SHA1", DI_HASH_SHA1}, {"SHA256", DI_HASH_SHA256},
        {"SHA512", DI_HASH_SHA512},
    };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        size_t t = strlen(tags[i].tag);
        if (strncmp(line, tags[i].tag, t) != 0 || strncmp(line + t, " (", 2) != 0) continue;
        const char *open = line + t + 2;
        const char *close = strstr(open, ") = ");
        if (!close) return false;
        /* The name may hold ") = " itself: the digest is what follows the last one. */
        for (const char *next; (next = strstr(close + 1, ") = "));) close = next;
        size_t n = take_hex(close + 4, hex);
        di_hash_alg by_length;
        if (!alg_for_length(n, &by_length) || by_length != tags[i].alg) return false;
        const char *end = close + 4 + n;
        if (*end && *end != '\r' && *end != '\n') return false;
        copy_name(open, (size_t)(close - open), name, name_size);
        *alg = tags[i].alg;
        return true;
    }
    return false;
}

bool di_checksum_parse_line(const char *line, di_hash_alg *alg, char hex[DI_HASH_HEX_MAX],
                            char *name, size_t name_size)
{
    if (name_size) name[0] = '\0';
    if (!line) return false;
    while (*line == ' ' || *line == '\t') line++;
    if (*line == '#' || *line == '\0' || *line == '\r' || *line == '\n') return false;
    if (isalpha((unsigned char)line[0]) && parse_bsd(line, alg, hex, name, name_size)) return true;

    size_t n = take_hex(line, hex);
    if (!alg_for_length(n, alg)) return false;
    const char *p = line + n;
    if (*p == '\0' || *p == '\r' || *p == '\n') return true; /* a bare digest */
    if (*p != ' ' && *p != '\t') return false;
    /* coreutils: two spaces (text) or space-asterisk (binary) before the name. */
    p++;
    if (*p == '*' || *p == ' ') p++;
    copy_name(p, strcspn(p, "\r\n"), name, name_size);
    return true;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *back = strrchr(path, '\\');
    if (back && (!slash || back > slash)) slash = back;
    return slash ? slash + 1 : path;
}

bool di_checksum_find_in_text(const char *text, size_t len, const char *image_name,
                              di_hash_alg alg_hint, di_expected_hash *out)
{
    memset(out, 0, sizeof *out);
    const char *want = base_name(image_name);
    di_expected_hash nameless = {0};
    int nameless_count = 0, lines = 0;
    size_t at = 0;
    while (at < len) {
        size_t end = at;
        while (end < len && text[end] != '\n') end++;
        char line[2048];
        size_t n = end - at < sizeof line - 1 ? end - at : sizeof line - 1;
        memcpy(line, text + at, n);
        line[n] = '\0';
        at = end + 1;

        di_hash_alg alg;
        char hex[DI_HASH_HEX_MAX], name[1024];
        if (!di_checksum_parse_line(line, &alg, hex, name, sizeof name)) continue;
        lines++;
        if (alg_hint != DI_HASH_COUNT && alg != alg_hint) continue;
        const char *entry = base_name(name);
        if (name[0] && strcmp(entry, want) != 0) continue;
        di_expected_hash *target = name[0] ? out : &nameless;
        target->present = true;
        target->alg = alg;
        snprintf(target->hex, sizeof target->hex, "%s", hex);
        if (name[0]) return true;
        nameless_count++;
    }
    /* A lone nameless digest is the image's; several nameless ones name nothing. */
    if (nameless_count == 1 && lines == 1) {
        *out = nameless;
        return true;
    }
    memset(out, 0, sizeof *out);
    return false;
}

/* Reads a small file whole; NULL if missing, unreadable or too large to be a checksum file. */
static char *read_small_file(const char *path, size_t *len)
{
    di_open_options options = {.mode = DI_OPEN_READ};
    di_device *dev = NULL;
    di_error error;
    if (di_device_open(path, &options, &dev, &error) != DI_OK) return NULL;
    char *text = NULL;
    if (dev->kind == DI_DEVICE_FILE && dev->size <= CHECKSUM_FILE_MAX) {
        text = malloc((size_t)dev->size + 1);
        size_t got = 0;
        if (text && di_device_read_full(dev, text, (size_t)dev->size, 0, &got, &error) == DI_OK) {
            text[got] = '\0';
            *len = got;
        } else {
            free(text);
            text = NULL;
        }
    }
    di_device_close(dev);
    return text;
}

static bool find_sidecar_for(const char *image_path, di_expected_hash *out)
{
    static const struct { const char *suffix; di_hash_alg alg; } beside[] = {
        {".sha256", DI_HASH_SHA256}, {".sha256sum", DI_HASH_SHA256}, {".sha512", DI_HASH_SHA512},
        {".sha512sum", DI_HASH_SHA512}, {".sha1", DI_HASH_SHA1}, {".md5", DI_HASH_MD5},
    };
    static const struct { const char *name; di_hash_alg alg; } in_folder[] = {
        {"SHA256SUMS", DI_HASH_SHA256}, {"SHA512SUMS", DI_HASH_SHA512},
        {"SHA1SUMS", DI_HASH_SHA1}, {"MD5SUMS", DI_HASH_MD5},
    };
    memset(out, 0, sizeof *out);
    char path[DI_PATH_MAX];
    size_t count = sizeof beside / sizeof beside[0] + sizeof in_folder / sizeof in_folder[0];
    for (size_t i = 0; i < count; i++) {
        di_hash_alg alg;
        if (i < sizeof beside / sizeof beside[0]) {
            snprintf(path, sizeof path, "%s%s", image_path, beside[i].suffix);
            alg = beside[i].alg;
        } else {
            size_t k = i - sizeof beside / sizeof beside[0];
            size_t folder = (size_t)(base_name(image_path) - image_path);
            snprintf(path, sizeof path, "%.*s%s", (int)folder, image_path, in_folder[k].name);
            alg = in_folder[k].alg;
        }
        size_t len = 0;
        char *text = read_small_file(path, &len);
        if (!text) continue;
        bool found = di_checksum_find_in_text(text, len, image_path, alg, out);
        free(text);
        if (found) {
            snprintf(out->source, sizeof out->source, "%s", path);
            return true;
        }
    }
    return false;
}

bool di_checksum_find_sidecar(const char *image_path, di_expected_hash *out)
{
    if (find_sidecar_for(image_path, out)) return true;
    /* pi.img.xz: a sum published for the image inside (pi.img.sha256, or "pi.img" in
     * SHA256SUMS) counts too; the job matches it against the decoded image. */
    char inner[DI_PATH_MAX];
    di_format_inner_name(image_path, inner, sizeof inner);
    return strcmp(inner, image_path) != 0 && find_sidecar_for(inner, out);
}
