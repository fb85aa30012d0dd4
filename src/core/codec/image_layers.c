/* Peeling an image's layers. */
#include "image_layers.h"

#include <stdio.h>
#include <string.h>

#include "stream_source.h"
#include "tar_archive.h"

static const char *advice_for(di_format format)
{
    switch (format) {
    case DI_FORMAT_DMG: return "convert it to a raw image first (dmg2img, or hdiutil convert -format UDTO)";
    case DI_FORMAT_LZ4: return "decompress it first (lz4 -d)";
    case DI_FORMAT_LZO: return "decompress it first (lzop -d)";
    case DI_FORMAT_LZIP: return "decompress it first (lzip -d)";
    case DI_FORMAT_COMPRESS: return "decompress it first (gzip -d reads .Z files)";
    case DI_FORMAT_7Z:
    case DI_FORMAT_RAR: return "extract the image with 7-Zip first";
    default: return "convert it to a raw image first (qemu-img convert -O raw)";
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
    return di_error_why(error, DI_ERR_USAGE, DI_OP_OPEN_IMAGE, dev->path,
                        DI_REASON_FORMAT_CANNOT_DECODE,
                        DI_ARGS(di_text(layers->member[0] ? layers->member : "the image"),
                                di_text(where), di_text(di_format_name(format)),
                                di_text(advice_for(format))));
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
                            DI_REASON_DMG_WITHOUT_TRAILER, DI_ARGS(di_text(advice_for(DI_FORMAT_DMG))));
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
                              DI_REASON_TOO_MANY_LAYERS,
                              DI_ARGS(di_number(DI_LAYERS_MAX)));
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
