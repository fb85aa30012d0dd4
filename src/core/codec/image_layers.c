/* Peeling an image's layers. */
#include "image_layers.h"

#include <stdio.h>
#include <string.h>

#include "stream_source.h"
#include "tar_archive.h"

/* What to do about a format diskimager cannot decode, as the reason that says so of a
 * member of an archive ({0} its name) or of the image itself. tool: the command that
 * decompresses it, for the reasons that name one. */
typedef struct refusal {
    di_reason member, image;
    const char *tool;
} refusal;

static refusal refusal_for(di_format format)
{
    switch (format) {
    case DI_FORMAT_DMG:
        return (refusal){DI_REASON_MEMBER_FORMAT_DMG, DI_REASON_IMAGE_FORMAT_DMG, NULL};
    case DI_FORMAT_LZ4:
        return (refusal){DI_REASON_MEMBER_FORMAT_DECOMPRESS, DI_REASON_IMAGE_FORMAT_DECOMPRESS,
                         "lz4 -d"};
    case DI_FORMAT_LZO:
        return (refusal){DI_REASON_MEMBER_FORMAT_DECOMPRESS, DI_REASON_IMAGE_FORMAT_DECOMPRESS,
                         "lzop -d"};
    case DI_FORMAT_LZIP:
        return (refusal){DI_REASON_MEMBER_FORMAT_DECOMPRESS, DI_REASON_IMAGE_FORMAT_DECOMPRESS,
                         "lzip -d"};
    case DI_FORMAT_COMPRESS:
        return (refusal){DI_REASON_MEMBER_FORMAT_COMPRESS, DI_REASON_IMAGE_FORMAT_COMPRESS, NULL};
    case DI_FORMAT_7Z:
    case DI_FORMAT_RAR:
        return (refusal){DI_REASON_MEMBER_FORMAT_7ZIP, DI_REASON_IMAGE_FORMAT_7ZIP, NULL};
    default:
        return (refusal){DI_REASON_MEMBER_FORMAT_RAW, DI_REASON_IMAGE_FORMAT_RAW, NULL};
    }
}

static di_status refuse(di_device *dev, const image_layers *layers, di_format format,
                        di_error *error)
{
    char where[96] = "";
    if (layers->count > 0) {
        size_t used = (size_t)snprintf(where, sizeof where, " (inside ");
        for (unsigned i = layers->count; i-- > 0 && used < sizeof where;)
            used += (size_t)snprintf(where + used, sizeof where - used, "%s%s",
                                     di_format_name(layers->formats[i]), i ? " inside " : ")");
    }
    refusal r = refusal_for(format);
    const char *name = di_format_name(format);
    if (!layers->member[0])
        return r.tool ? di_error_why(error, DI_ERR_USAGE, DI_OP_OPEN_IMAGE, dev->path, r.image,
                                     DI_ARGS(di_text(where), di_text(name), di_text(r.tool)))
                      : di_error_why(error, DI_ERR_USAGE, DI_OP_OPEN_IMAGE, dev->path, r.image,
                                     DI_ARGS(di_text(where), di_text(name)));
    return r.tool ? di_error_why(error, DI_ERR_USAGE, DI_OP_OPEN_IMAGE, dev->path, r.member,
                                 DI_ARGS(di_text(layers->member), di_text(where), di_text(name),
                                         di_text(r.tool)))
                  : di_error_why(error, DI_ERR_USAGE, DI_OP_OPEN_IMAGE, dev->path, r.member,
                                 DI_ARGS(di_text(layers->member), di_text(where),
                                         di_text(name)));
}

/* A DMG says what it is in its last 512 bytes: looked at in a plain file only, where
 * that costs one read. A file named .dmg without that trailer is a damaged one. */
static di_status check_dmg_trailer(di_device *file, const image_layers *layers, di_error *error)
{
    if (file->kind != DI_DEVICE_FILE || file->sequential || file->size < 512) return DI_OK;
    uint64_t start = (file->size - 512) / DI_DIRECT_ALIGNMENT * DI_DIRECT_ALIGNMENT;
    size_t len = (size_t)(file->size - start), got = 0;
    unsigned char *tail = di_aligned_alloc(DI_DIRECT_ALIGNMENT, 2 * DI_DIRECT_ALIGNMENT);
    if (!tail) return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_OPEN_IMAGE, file->path,
                                   DI_REASON_NONE, DI_NO_ARGS);
    /* A tail that cannot be read is no DMG's: the copy meets the error where it is. */
    di_error ignored;
    di_status st = di_device_read_upto(file, tail, len, start, &got, &ignored);
    di_format format = st == DI_OK ? di_format_detect_tail(tail, got) : DI_FORMAT_RAW;
    di_aligned_free(tail);
    if (st != DI_OK) return DI_OK;
    if (format == DI_FORMAT_DMG) return refuse(file, layers, format, error);
    if (di_name_ends_with(file->path, ".dmg"))
        return di_error_why(error, DI_ERR_USAGE, DI_OP_OPEN_IMAGE, file->path,
                            DI_REASON_DMG_WITHOUT_TRAILER, DI_NO_ARGS);
    return DI_OK;
}

static void note_member(di_device *dev, image_layers *layers)
{
    if (layers->member[0]) return;
    const char *name = stream_source_member(dev);
    if (!name[0]) name = tar_member_name(dev);
    snprintf(layers->member, sizeof layers->member, "%s", name);
}

di_status image_layers_open(di_device *file, const image_open_options *options,
                            image_layers *layers, di_device **out, di_error *error)
{
    memset(layers, 0, sizeof *layers);
    *out = NULL;
    di_device *dev = file;
    di_status st = check_dmg_trailer(dev, layers, error);
    bool archive_seen = false;
    while (st == DI_OK) {
        di_format format;
        if ((st = di_format_of_device(dev, &format, error)) != DI_OK) break;
        if (format == DI_FORMAT_RAW) break;
        if (!di_format_decodable(format)) {
            st = refuse(dev, layers, format, error);
            break;
        }
        if (layers->count == DI_LAYERS_MAX) {
            st = di_error_why(error, DI_ERR_USAGE, DI_OP_OPEN_IMAGE, dev->path,
                              DI_REASON_TOO_MANY_LAYERS, DI_ARGS(di_number(DI_LAYERS_MAX)));
            break;
        }
        layers->formats[layers->count++] = format;
        bool archive = di_format_is_archive(format);
        if (archive && options->stop_at_archive) break;
        /* --member names a file of the first archive; archives inside it have one image. */
        const char *member = archive && !archive_seen ? options->member : NULL;
        di_device *next = NULL;
        if (format == DI_FORMAT_TAR)
            st = tar_member_open(dev, member, layers->count == 1 ? options->file_hashers : NULL,
                                 options->cancel, &next, error);
        else
            st = stream_source_open(dev, format, member,
                                    layers->count == 1 ? options->file_hashers : NULL,
                                    options->cancel, &next, error);
        dev = next; /* both close what they were given when they fail */
        if (st != DI_OK) break;
        if (archive) {
            archive_seen = true;
            note_member(dev, layers);
            if (di_name_ends_with(layers->member, ".dmg")) st = refuse(dev, layers, DI_FORMAT_DMG, error);
        }
    }
    if (st != DI_OK) {
        di_device_close(dev);
        return st;
    }
    *out = dev;
    return DI_OK;
}

bool image_layers_file_hashed(const di_device *dev)
{
    for (; dev; dev = dev->below) {
        bool has = false, done = tar_member_hashed(dev, &has);
        if (has) return done;
        done = stream_source_hashed(dev, &has);
        if (has) return done;
    }
    return false;
}
