/* The dialog's sentences about jobs: see result_text.h. */
#include "result_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diskimager/compression.h"
#include "diskimager/units.h"

typedef struct text_out {
    char *out;
    size_t size, used;
} text_out;

#if defined(__MINGW32__)
__attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void append(text_out *t, const char *fmt, ...)
{
    if (t->used >= t->size) return;
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(t->out + t->used, t->size - t->used, fmt, args);
    va_end(args);
    if (n > 0) t->used += (size_t)n;
}

const char *result_kind_word(di_job_kind kind)
{
    /* No default: a new kind without a word does not build (-Wswitch, -Werror). */
    switch (kind) {
    case DI_JOB_WRITE: return "Write";
    case DI_JOB_READ: return "Read";
    case DI_JOB_VERIFY: return "Verify";
    case DI_JOB_HASH: return "Drive hash";
    case DI_JOB_KIND_COUNT: break;
    }
    return NULL;
}

char *result_error_text(const di_error *e, char *out, size_t out_size)
{
    if (out_size == 0) return out;
    out[0] = '\0';
    text_out t = {out, out_size, 0};
    char a[32], b[32];
    /* No default: a new reason without the dialog's sentence does not build. */
    switch (e->reason) {
    case DI_REASON_NONE:
    case DI_REASON_COUNT: di_error_format(e, out, out_size); break;
    case DI_REASON_NO_IMAGE:
        append(&t, "Please choose an image file first: type its path, use Browse, or drop the "
                   "file on this window.");
        break;
    case DI_REASON_IMAGE_MISSING: append(&t, "The image file %s does not exist.", e->path); break;
    case DI_REASON_IMAGE_IS_FOLDER: append(&t, "%s is a folder, not an image file.", e->path); break;
    case DI_REASON_IMAGE_EMPTY:
        append(&t, "The image file %s is empty: there is nothing to write or verify.", e->path);
        break;
    case DI_REASON_NO_DRIVE:
        append(&t, "Please choose a device: insert an SD card or USB drive and pick it in the "
                   "Device box.");
        break;
    case DI_REASON_SYSTEM_DISK:
        append(&t, "%s holds the running system: it is never written.", e->path);
        break;
    case DI_REASON_FIXED_DISK:
        append(&t, "%s is a FIXED disk (%s), not a removable drive.", e->path,
               di_format_size(e->sizes[0], a, sizeof a));
        break;
    case DI_REASON_BAD_EXPECTED:
        append(&t, "The expected hash \"%s\" is not an MD5, SHA-1, SHA-256 or SHA-512 digest "
                   "(32, 40, 64 or 128 hex digits).", e->value);
        break;
    case DI_REASON_IMAGE_SIZE_UNKNOWN:
        append(&t, "%s does not record the size of the image inside it, so the drive's first "
                   "image-size bytes cannot be told. Write or Verify Only compares the drive "
                   "with it instead.", e->path);
        break;
    case DI_REASON_IMAGE_TOO_BIG_TO_HASH:
        append(&t, "The image %s (%s) is larger than %s (%s): the drive cannot hold it.",
               e->path, di_format_size(e->sizes[0], a, sizeof a), e->path2,
               di_format_size(e->sizes[1], b, sizeof b));
        break;
    case DI_REASON_MOVE_GPT_NEEDS_VERIFY:
        append(&t, "The backup GPT is moved only after a verified write: tick Verify after "
                   "write.");
        break;
    }
    return out;
}

static const char *alg_label(unsigned alg)
{
    switch (alg) {
    case DI_HASH_MD5: return "MD5";
    case DI_HASH_SHA1: return "SHA-1";
    case DI_HASH_SHA256: return "SHA-256";
    default: return "SHA-512";
    }
}

/* The first digest the job took: the one shown in the Hash value box. */
static void pick_hash(const di_result *r, result_view *v)
{
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        if ((r->hash_mask & DI_HASH_BIT(i)) && r->hashes[i][0]) {
            snprintf(v->hash_alg, sizeof v->hash_alg, "%s", alg_label(i));
            snprintf(v->hash, sizeof v->hash, "%s", r->hashes[i]);
            return;
        }
    }
}

static void render_match(const di_result *r, const di_expected_hash *expected, result_view *v,
                         text_out *match)
{
    if (!r->expected_checked) return;
    const char *from = expected->source[0] ? expected->source : "the expected hash";
    const char *alg = di_hash_name(expected->alg);
    if (r->expected_match) {
        v->match = RESULT_MATCH_OK;
        snprintf(v->match_text, sizeof v->match_text, "\xE2\x9C\x93 match");
        append(match, "\n\nThe %s%s matches %s.", alg,
               r->expected_matched_file ? " of the compressed file" : "", from);
        return;
    }
    v->match = RESULT_MATCH_BAD;
    snprintf(v->match_text, sizeof v->match_text, "\xE2\x9C\x97 MISMATCH");
    append(match, "\n\n%s MISMATCH with %s:\nexpected %s\ncomputed %s%s%s", alg, from,
           expected->hex, r->hashes[expected->alg], r->file_hashed ? " (image), " : "",
           r->file_hashed ? r->file_hashes[expected->alg] : "");
    v->icon = RESULT_WARNING;
    v->failed = true;
}

static void render_success(di_job_kind kind, const di_result *r, const di_expected_hash *expected,
                           const char *bmap_name, double average_rate, result_view *v)
{
    const char *what = result_kind_word(kind);
    char size[32], rate[32], bytes[32], layers[160], match_text[1024] = "";
    text_out match = {match_text, sizeof match_text, 0};
    pick_hash(r, v);
    render_match(r, expected, v, &match);
    bool bad = v->match == RESULT_MATCH_BAD;
    snprintf(v->status, sizeof v->status, "%s %s: %s at %s%s.", what,
             bad ? "finished, hash MISMATCH" : "successful",
             di_format_size(r->image_bytes, size, sizeof size),
             di_format_rate(average_rate, rate, sizeof rate),
             r->verified && kind == DI_JOB_WRITE ? ", verified" : "");
    text_out box = {v->box, sizeof v->box, 0};
    append(&box, "%s %s.", what, bad ? "finished, but the image is not the one expected" : "successful");
    di_format_layers_name(r->layer_formats, r->layer_count, layers, sizeof layers);
    if (r->image_format != DI_FORMAT_RAW)
        append(&box, "\nThe image was %s %s%s%s.",
               kind == DI_JOB_READ ? "compressed with" : "decompressed from",
               layers[0] ? layers : di_format_name((di_format)r->image_format),
               r->zip_member[0] ? ": " : "", r->zip_member);
    if (r->bmap_used) {
        append(&box, "\nOnly the %s of data mapped by %s %s.",
               di_format_size(r->mapped_bytes, bytes, sizeof bytes), bmap_name,
               kind == DI_JOB_WRITE ? "were written, each range's checksum checked"
                                    : "were compared");
        if (r->bmap_signature_unchecked)
            append(&box, "\nThe bmap is PGP-signed; its signature was not checked.");
    }
    if (r->verified && kind == DI_JOB_WRITE)
        append(&box, "\nThe device was read back and matches the image.");
    if (r->truncated) append(&box, "\nThe image's zero tail beyond the device's end was not written.");
    if (r->gpt_backup_moved) append(&box, "\nThe backup GPT was moved to the end of the drive.");
    if (v->hash[0]) append(&box, "\n\n%s: %s", v->hash_alg, v->hash);
    append(&box, "%s", match_text);
}

/* A Read into a compressed file was looked at first: it may not fit (its size is not
 * known beforehand). Said whether it then succeeded or failed for want of room. */
static void render_room_warnings(const di_result *r, text_out *box)
{
    char a[32], b[32];
    if (r->warnings & DI_WARN_OUTPUT_MAY_NOT_FIT)
        append(box, "\n\nOnly %s were free for the image, less than the %s read: a compressed "
                    "image fits only if it is smaller.",
               di_format_size(r->destination_free, a, sizeof a),
               di_format_size(r->image_bytes, b, sizeof b));
    if (r->warnings & DI_WARN_FAT_FILE_LIMIT)
        append(box, "\n\nThe image's folder is on a FAT file system, where a file cannot reach "
                    "4 GiB: the %s read fits only if it compresses below that.",
               di_format_size(r->image_bytes, b, sizeof b));
}

/* What the drive did on the way: requests retried after transient errors, a reader that
 * refused unbuffered I/O. */
static void render_drive_notes(const di_result *r, text_out *box)
{
    if (r->retries)
        append(box, "\n\nThe drive was waited for: %u retr%s after errors that passed (a drive "
                    "waking up or being mounted).",
               r->retries, r->retries == 1 ? "y" : "ies");
    if (r->warnings & DI_WARN_BUFFERED_IO)
        append(box, "\n\nThe drive's reader refused unbuffered I/O: the rest of the job went "
                    "through Windows' cache (written through and flushed).");
}

/* "Eject when done": the card was ejected, or it could not be (the write stands). */
static void render_eject_note(const di_result *r, result_view *v, text_out *box)
{
    char text[2048];
    if (r->ejected) {
        append(box, "\n\nThe card was ejected: it can be taken out.");
    } else if (r->warnings & DI_WARN_EJECT_FAILED) {
        append(box, "\n\nThe card could not be ejected (it was written all the same): %s",
               result_error_text(&r->eject_error, text, sizeof text));
        v->icon = RESULT_WARNING;
    }
}

void result_render(di_job_kind kind, const di_result *r, const di_expected_hash *expected,
                   const char *bmap_name, double average_rate, result_view *v)
{
    memset(v, 0, sizeof *v);
    const char *what = result_kind_word(kind);
    char text[2048];
    if (!what) what = "Job";
    if (r->status == DI_OK) {
        render_success(kind, r, expected, bmap_name ? bmap_name : "", average_rate, v);
    } else if (r->status == DI_ERR_PARTITIONS) {
        /* Reading only the partitions needs a table we trust; the whole drive does not. */
        snprintf(v->status, sizeof v->status, "Read stopped: the partition table cannot be trusted.");
        snprintf(v->box, sizeof v->box, "%s\n\nRead the whole drive instead?",
                 result_error_text(&r->error, text, sizeof text));
        v->icon = RESULT_WARNING;
        v->ask_read_whole_drive = true;
    } else if (r->status == DI_ERR_CANCELLED) {
        snprintf(v->status, sizeof v->status, "Cancelled.%s",
                 r->partial_removed ? " The incomplete image was deleted." : "");
    } else {
        bool mounted = r->status == DI_ERR_MISMATCH && r->mismatch_from_mount;
        snprintf(v->status, sizeof v->status, "%s failed%s.", what,
                 mounted ? ": the card was mounted since it was written" : "");
        snprintf(v->box, sizeof v->box, "%s failed.\n\n%s%s", what,
                 result_error_text(&r->error, text, sizeof text),
                 r->partial_removed ? "\n\nThe incomplete image was deleted." : "");
        v->icon = RESULT_ERROR;
        v->failed = true;
    }
    if (!v->box[0]) return;
    text_out box = {v->box, sizeof v->box, strlen(v->box)};
    if (kind == DI_JOB_READ) render_room_warnings(r, &box);
    render_drive_notes(r, &box);
    if (kind == DI_JOB_WRITE && r->status == DI_OK) render_eject_note(r, v, &box);
}
