/* Finding the bmap and the checksum that come with an image, beside it or inside its
 * archive. Only an archive that is the image file itself (a .zip, a plain .tar) is
 * searched: its directory costs a few reads, where one inside a compressed layer would
 * cost a decode of the whole file before the job even starts. */
#include "diskimager/companions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/image_layers.h"
#include "codec/member_pick.h"
#include "codec/tar_archive.h"
#include "codec/zip_archive.h"
#include "diskimager/compression.h"
#include "diskimager/device.h"

#define MEMBER_TEXT_MAX DI_BMAP_FILE_MAX
#define MEMBERS_MAX 4096u

typedef struct member_names {
    char (*names)[DI_MEMBER_MAX];
    size_t count;
} member_names;

static void keep_name(void *ctx, const char *name, uint64_t size)
{
    (void)size;
    member_names *m = ctx;
    if (!m->names || m->count == MEMBERS_MAX) return;
    snprintf(m->names[m->count++], DI_MEMBER_MAX, "%s", name);
}

static di_device *open_plain(const char *path)
{
    di_open_options options = {.mode = DI_OPEN_READ};
    di_device *dev = NULL;
    di_error ignored;
    if (di_device_open(path, &options, &dev, &ignored) != DI_OK) return NULL;
    if (dev->kind != DI_DEVICE_FILE) {
        di_device_close(dev);
        return NULL;
    }
    return dev;
}

/* The files of the archive that the image file is; false when it is none. */
static bool list_archive(const char *path, member_names *out)
{
    memset(out, 0, sizeof *out);
    di_device *dev = open_plain(path);
    if (!dev) return false;
    di_format format = DI_FORMAT_RAW;
    di_error error;
    bool ok = di_format_of_device(dev, &format, &error) == DI_OK && di_format_is_archive(format);
    if (ok) {
        out->names = calloc(MEMBERS_MAX, DI_MEMBER_MAX);
        unsigned count = 0;
        ok = out->names &&
             (format == DI_FORMAT_ZIP
                  ? zip_list_members(di_device_read_exact, dev, path, dev->size, keep_name, out,
                                     &count, &error)
                  : tar_list_members(dev, keep_name, out, &count, NULL, &error)) == DI_OK;
    }
    di_device_close(dev);
    if (!ok) {
        free(out->names);
        memset(out, 0, sizeof *out);
    }
    return ok;
}

/* The image's member: the one chosen, else the one the pick rule takes. */
static bool image_member(const member_names *m, const char *chosen, char *out)
{
    if (chosen && chosen[0]) {
        snprintf(out, DI_MEMBER_MAX, "%s", chosen);
        return true;
    }
    member_pick pick;
    member_pick_init(&pick, NULL);
    size_t image = 0, only = 0;
    for (size_t i = 0; i < m->count; i++) {
        unsigned slots = member_pick_offer(&pick, m->names[i]);
        if (slots & PICK_IMAGE) image = i;
        if (slots & PICK_ONLY_FILE) only = i;
    }
    di_error ignored;
    unsigned slot;
    if (member_pick_decide(&pick, "", &slot, &ignored) != DI_OK) return false;
    snprintf(out, DI_MEMBER_MAX, "%s", m->names[slot == PICK_IMAGE ? image : only]);
    return true;
}

static const char *base_of(const char *name)
{
    const char *slash = strrchr(name, '/');
    return slash ? slash + 1 : name;
}

static bool is_bmap_name(const char *name)
{
    return di_name_ends_with(name, ".bmap") || di_name_ends_with(name, ".bmap.asc");
}

/* IMAGE.bmap (or for pi.img.xz, pi.img.bmap and pi.bmap) beside the image member, else
 * the only bmap in the archive. */
static bool pick_bmap(const member_names *m, const char *image, char *out)
{
    char inner[DI_MEMBER_MAX], stems[3][DI_MEMBER_MAX + 8];
    di_format_inner_name(image, inner, sizeof inner);
    size_t n = strlen(inner);
    snprintf(stems[0], sizeof stems[0], "%s.bmap", image);
    snprintf(stems[1], sizeof stems[1], "%s.bmap", inner);
    const char *dot = strrchr(base_of(inner), '.');
    snprintf(stems[2], sizeof stems[2], "%.*s.bmap", dot ? (int)(dot - inner) : (int)n, inner);
    for (int s = 0; s < 3; s++)
        for (size_t i = 0; i < m->count; i++)
            if (strcmp(m->names[i], stems[s]) == 0 ||
                (strncmp(m->names[i], stems[s], strlen(stems[s])) == 0 &&
                 strcmp(m->names[i] + strlen(stems[s]), ".asc") == 0)) {
                snprintf(out, DI_MEMBER_MAX, "%s", m->names[i]);
                return true;
            }
    /* Else the archive's only bmap, when it holds only one image it could be for. */
    size_t found = 0, at = 0, images = 0;
    for (size_t i = 0; i < m->count; i++) {
        if (member_is_litter(m->names[i])) continue;
        if (di_name_looks_like_image(m->names[i])) images++;
        if (is_bmap_name(m->names[i])) {
            found++;
            at = i;
        }
    }
    if (found != 1 || images > 1) return false;
    snprintf(out, DI_MEMBER_MAX, "%s", m->names[at]);
    return true;
}

bool di_bmap_find_for_image(const char *image_path, const char *image_member_name,
                            di_bmap_location *out)
{
    memset(out, 0, sizeof *out);
    if (di_bmap_find_beside(image_path, out->path, sizeof out->path)) return true;
    member_names m;
    if (!list_archive(image_path, &m)) return false;
    char image[DI_MEMBER_MAX];
    bool found = image_member(&m, image_member_name, image) && pick_bmap(&m, image, out->member);
    free(m.names);
    if (found) snprintf(out->path, sizeof out->path, "%s", image_path);
    return found;
}

/* A member's bytes, whole (it is small). */
static di_status read_member(const char *path, const char *member, char **text, size_t *len,
                             di_error *error)
{
    *text = NULL;
    di_open_options options = {.mode = DI_OPEN_READ};
    di_device *file = NULL;
    di_status st = di_device_open(path, &options, &file, error);
    if (st != DI_OK) return st;
    image_open_options open = {.member = member};
    image_layers layers;
    di_device *dev = NULL;
    if ((st = image_layers_open(file, &open, &layers, &dev, error)) != DI_OK) return st;
    if (layers.count == 0 || !di_format_is_archive(layers.formats[0]) || dev->size_unknown ||
        dev->size > MEMBER_TEXT_MAX) {
        di_device_close(dev);
        return di_error_why(error, DI_ERR_USAGE, DI_OP_READ, path, DI_REASON_NOT_A_SMALL_MEMBER,
                            DI_ARGS(di_text(member)));
    }
    *len = (size_t)dev->size;
    *text = malloc(*len + 1);
    if (!*text) st = di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_READ, path,
                                  DI_REASON_NONE, DI_NO_ARGS);
    else st = di_device_read_full(dev, *text, *len, 0, NULL, error);
    /* Read to its end, so a zip member's CRC is checked. */
    if (st == DI_OK) st = di_device_read_to_end(dev, error);
    di_device_close(dev);
    if (st != DI_OK) {
        free(*text);
        *text = NULL;
        return st;
    }
    (*text)[*len] = '\0';
    return DI_OK;
}

di_status di_bmap_load_location(const char *path, const char *member, di_bmap *out,
                                di_error *error)
{
    if (!member || !member[0]) return di_bmap_load(path, out, error);
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t len = 0;
    di_status st = read_member(path, member, &text, &len, error);
    if (st != DI_OK) return st;
    char name[DI_PATH_MAX];
    snprintf(name, sizeof name, "%s:%s", path, member);
    st = di_bmap_parse(text, len, name, out, error);
    free(text);
    return st;
}

bool di_checksum_find_for_image(const char *image_path, const char *image_member_name,
                                di_expected_hash *out)
{
    if (di_checksum_find_sidecar(image_path, out)) return true;
    member_names m;
    if (!list_archive(image_path, &m)) return false;
    static const struct { const char *suffix; di_hash_alg alg; bool beside; } kinds[] = {
        {".sha256", DI_HASH_SHA256, true}, {".sha256sum", DI_HASH_SHA256, true},
        {".sha512", DI_HASH_SHA512, true}, {".sha512sum", DI_HASH_SHA512, true},
        {".sha1", DI_HASH_SHA1, true}, {".md5", DI_HASH_MD5, true},
        {"SHA256SUMS", DI_HASH_SHA256, false}, {"SHA512SUMS", DI_HASH_SHA512, false},
        {"SHA1SUMS", DI_HASH_SHA1, false}, {"MD5SUMS", DI_HASH_MD5, false},
    };
    char image[DI_MEMBER_MAX], inner[DI_MEMBER_MAX];
    bool found = false;
    if (image_member(&m, image_member_name, image)) {
        di_format_inner_name(image, inner, sizeof inner);
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0] && !found; k++) {
            for (size_t i = 0; i < m.count && !found; i++) {
                const char *name = m.names[i];
                char want[DI_MEMBER_MAX + 16];
                bool match = false;
                /* A compressed member (pi.img.xz): only sums of the image inside can be
                 * checked; the member as stored is not hashed. */
                if (kinds[k].beside) {
                    snprintf(want, sizeof want, "%s%s", inner, kinds[k].suffix);
                    match = strcmp(name, want) == 0;
                } else {
                    match = strcmp(base_of(name), kinds[k].suffix) == 0;
                }
                if (!match) continue;
                char *text = NULL;
                size_t len = 0;
                di_error ignored;
                if (read_member(image_path, name, &text, &len, &ignored) != DI_OK) continue;
                found = di_checksum_find_in_text(text, len, inner, kinds[k].alg, out);
                free(text);
                if (found) snprintf(out->source, sizeof out->source, "%s:%s", image_path, name);
            }
        }
    }
    free(m.names);
    return found;
}
