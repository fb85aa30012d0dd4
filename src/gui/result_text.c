/* The dialog's sentences about jobs: see result_text.h. */
#include "result_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diskimager/compression.h"
#include "diskimager/units.h"
#include "hash_choices.h"
#include "lang.h"

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
    case DI_JOB_WRITE: return tr(T_KIND_WRITE);
    case DI_JOB_READ: return tr(T_KIND_READ);
    case DI_JOB_VERIFY: return tr(T_KIND_VERIFY);
    case DI_JOB_HASH: return tr(T_KIND_HASH);
    case DI_JOB_FORMAT: return tr(T_KIND_FORMAT);
    case DI_JOB_CHECK: return tr(T_KIND_CHECK);
    case DI_JOB_KIND_COUNT: break;
    }
    return NULL;
}


/* The first digest the job took: the one shown in the Hash value box. */
static void pick_hash(const di_result *r, result_view *v)
{
    for (unsigned i = 0; i < DI_HASH_COUNT; i++) {
        if ((r->hash_mask & DI_HASH_BIT(i)) && r->hashes[i][0]) {
            snprintf(v->hash_alg, sizeof v->hash_alg, "%s", hash_label((di_hash_alg)i));
            snprintf(v->hash, sizeof v->hash, "%s", r->hashes[i]);
            return;
        }
    }
}

/* Appends tr_format(id, args...) to t. */
#define APPEND_TR(t, ...)                                                                  \
    do {                                                                                   \
        char piece_[2048];                                                                 \
        append((t), "%s", tr_format(piece_, sizeof piece_, __VA_ARGS__, NULL));            \
    } while (0)

static void render_match(const di_result *r, const di_expected_hash *expected, result_view *v,
                         text_out *match)
{
    if (!r->expected_checked) return;
    const char *from = expected->source[0] ? expected->source : tr(T_THE_EXPECTED_HASH);
    const char *alg = di_hash_name(expected->alg);
    if (r->expected_match) {
        v->match = RESULT_MATCH_OK;
        snprintf(v->match_text, sizeof v->match_text, "%s", tr(T_MATCH_SHORT));
        APPEND_TR(match, r->expected_matched_file ? T_EXPECTED_FILE_MATCHES : T_EXPECTED_MATCHES,
                  alg, from);
        return;
    }
    v->match = RESULT_MATCH_BAD;
    snprintf(v->match_text, sizeof v->match_text, "%s", tr(T_MISMATCH_SHORT));
    if (r->file_hashed)
        APPEND_TR(match, T_EXPECTED_MISMATCH_FILE, alg, from, expected->hex,
                  r->hashes[expected->alg], r->file_hashes[expected->alg]);
    else
        APPEND_TR(match, T_EXPECTED_MISMATCH, alg, from, expected->hex, r->hashes[expected->alg]);
    v->icon = RESULT_WARNING;
    v->failed = true;
}

static void render_success(di_job_kind kind, const di_result *r, const di_expected_hash *expected,
                           const char *bmap_name, double average_rate, result_view *v)
{
    const char *what = result_kind_word(kind);
    char size[32], rate[32], bytes[32], layers[160], name[DI_PATH_MAX + 256];
    char match_text[1024] = "";
    text_out match = {match_text, sizeof match_text, 0};
    pick_hash(r, v);
    render_match(r, expected, v, &match);
    bool bad = v->match == RESULT_MATCH_BAD;
    tr_size(r->image_bytes, size, sizeof size);
    tr_rate(average_rate, rate, sizeof rate);
    tr_format(v->status, sizeof v->status,
              bad ? T_DONE_STATUS_MISMATCH
                  : r->verified && kind == DI_JOB_WRITE ? T_DONE_STATUS_VERIFIED : T_DONE_STATUS,
              what, size, rate, NULL);
    text_out box = {v->box, sizeof v->box, 0};
    APPEND_TR(&box, bad ? T_DONE_BOX_MISMATCH : T_DONE_BOX, what);
    di_format_layers_name(r->layer_formats, r->layer_count, layers, sizeof layers);
    if (r->image_format != DI_FORMAT_RAW) {
        snprintf(name, sizeof name, "%s%s%s",
                 layers[0] ? layers : di_format_name((di_format)r->image_format),
                 r->zip_member[0] ? ": " : "", r->zip_member);
        APPEND_TR(&box, kind == DI_JOB_READ ? T_COMPRESSED_WITH : T_DECOMPRESSED_FROM, name);
    }
    if (r->bmap_used) {
        APPEND_TR(&box, kind == DI_JOB_WRITE ? T_MAPPED_WRITTEN : T_MAPPED_COMPARED,
                  tr_size(r->mapped_bytes, bytes, sizeof bytes), bmap_name);
        if (r->bmap_signature_unchecked) APPEND_TR(&box, T_BMAP_UNSIGNED);
    }
    if (r->bmap_made[0])
        APPEND_TR(&box, T_BMAP_MADE, tr_size(r->bmap_mapped_bytes, bytes, sizeof bytes),
                  r->bmap_made);
    if (r->verified && kind == DI_JOB_WRITE) APPEND_TR(&box, T_READ_BACK_MATCHES);
    if (r->truncated) APPEND_TR(&box, T_TAIL_NOT_WRITTEN);
    if (r->source_partitions_only) {
        char whole[32];
        APPEND_TR(&box, T_SOURCE_PARTITIONS_ONLY, tr_size(r->image_bytes, bytes, sizeof bytes),
                  tr_size(r->source_drive_bytes, whole, sizeof whole));
    }
    if (r->gpt_backup_moved) APPEND_TR(&box, T_GPT_MOVED);
    if (v->hash[0]) APPEND_TR(&box, T_HASH_LINE, v->hash_alg, v->hash);
    append(&box, "%s", match_text);
}

/* FORMAT: what the drive is now, and how it was erased. */
static void render_restored(const di_result *r, result_view *v)
{
    const di_card_layout *l = &r->layout;
    const char *fs = l->fs == DI_CARD_FS_EXFAT ? "exFAT" : "FAT32";
    char size[32], cluster[32];
    tr_format(v->status, sizeof v->status, T_RESTORED_STATUS, fs, l->label, NULL);
    text_out box = {v->box, sizeof v->box, 0};
    APPEND_TR(&box, T_DONE_BOX, result_kind_word(DI_JOB_FORMAT));
    APPEND_TR(&box, T_RESTORED_AS, fs, tr_size(l->partition_sectors * l->sector_size, size, sizeof size),
              di_format_block_size((uint64_t)l->cluster_sectors * l->sector_size, cluster,
                                   sizeof cluster),
              l->label);
    if (r->erased == DI_ERASE_DISCARDED) APPEND_TR(&box, T_ERASED_DISCARDED);
    if (r->erased == DI_ERASE_ZEROED) APPEND_TR(&box, T_ERASED_ZEROED);
}

/* CHECK: the verdict in a sentence, and the speeds of a full check. */
static void render_checked(const di_result *r, result_view *v)
{
    const di_check_report *c = &r->check;
    char good[32], reported[32], wrong[32], places[32], first[32], w[32], w1[32], rd[32], r1[32];
    tr_size(c->good_bytes, good, sizeof good);
    tr_size(c->reported_bytes, reported, sizeof reported);
    text_out box = {v->box, sizeof v->box, 0};
    switch (c->verdict) {
    case DI_CHECK_GENUINE:
        tr_format(v->status, sizeof v->status, T_CHECK_STATUS_GENUINE, NULL);
        if (c->mode == DI_CHECK_FULL) APPEND_TR(&box, T_CHECK_GENUINE_FULL, reported);
        else APPEND_TR(&box, T_CHECK_GENUINE_QUICK, tr_number(c->probes, places, sizeof places));
        break;
    case DI_CHECK_FAKE:
        tr_format(v->status, sizeof v->status, T_CHECK_STATUS_FAKE, good, NULL);
        APPEND_TR(&box, c->mode == DI_CHECK_FULL ? T_CHECK_FAKE : T_CHECK_FAKE_QUICK, good, reported);
        break;
    case DI_CHECK_BAD_SECTORS:
        tr_format(v->status, sizeof v->status, T_CHECK_STATUS_BAD, NULL);
        APPEND_TR(&box, T_CHECK_BAD, tr_size(c->wrong_bytes, wrong, sizeof wrong),
                  tr_number(c->range_count, places, sizeof places),
                  tr_number(c->ranges[0].offset, first, sizeof first));
        break;
    }
    if (c->verdict != DI_CHECK_GENUINE) {
        v->icon = RESULT_WARNING;
        v->failed = true;
    }
    if (c->mode == DI_CHECK_FULL && c->write.bytes)
        APPEND_TR(&box, T_CHECK_SPEED, tr_rate(di_speed_average(&c->write), w, sizeof w),
                  tr_rate(di_speed_slowest_percent(&c->write), w1, sizeof w1),
                  tr_rate(di_speed_average(&c->read), rd, sizeof rd),
                  tr_rate(di_speed_slowest_percent(&c->read), r1, sizeof r1));
}

/* A Read into a compressed file was looked at first: it may not fit (its size is not
 * known beforehand). Said whether it then succeeded or failed for want of room. */
static void render_room_warnings(const di_result *r, text_out *box)
{
    char a[32], b[32];
    if (r->warnings & DI_WARN_OUTPUT_MAY_NOT_FIT)
        APPEND_TR(box, T_ROOM_MAY_NOT_FIT, tr_size(r->destination_free, a, sizeof a),
                  tr_size(r->image_bytes, b, sizeof b));
    if (r->warnings & DI_WARN_FAT_FILE_LIMIT)
        APPEND_TR(box, T_ROOM_FAT_LIMIT, tr_size(r->image_bytes, b, sizeof b));
}

/* What the drive did on the way: requests retried after transient errors, a reader that
 * refused unbuffered I/O. */
static void render_drive_notes(const di_result *r, text_out *box)
{
    char n[32];
    if (r->retries)
        APPEND_TR(box, r->retries == 1 ? T_RETRIES_ONE : T_RETRIES_MANY,
                  tr_number(r->retries, n, sizeof n));
    if (r->warnings & DI_WARN_BUFFERED_IO) APPEND_TR(box, T_BUFFERED_IO);
}

/* "Eject when done": the card was ejected, or it could not be (the write stands). */
static void render_eject_note(const di_result *r, result_view *v, text_out *box)
{
    char text[2048];
    if (r->ejected) {
        APPEND_TR(box, T_EJECTED);
    } else if (r->warnings & DI_WARN_EJECT_FAILED) {
        APPEND_TR(box, T_EJECT_FAILED, result_error_text(&r->eject_error, text, sizeof text));
        v->icon = RESULT_WARNING;
    }
}

void result_render(di_job_kind kind, const di_result *r, const di_expected_hash *expected,
                   const char *bmap_name, double average_rate, result_view *v)
{
    memset(v, 0, sizeof *v);
    const char *what = result_kind_word(kind);
    char text[2048];
    if (!what) what = "?";
    if (r->status == DI_OK && kind == DI_JOB_FORMAT) {
        render_restored(r, v);
    } else if (r->status == DI_OK && kind == DI_JOB_CHECK) {
        render_checked(r, v);
    } else if (r->status == DI_OK) {
        render_success(kind, r, expected, bmap_name ? bmap_name : "", average_rate, v);
    } else if (r->status == DI_ERR_PARTITIONS) {
        /* Reading only the partitions needs a table we trust; the whole drive does not. */
        tr_format(v->status, sizeof v->status, T_TABLE_UNTRUSTED_STATUS, NULL);
        tr_format(v->box, sizeof v->box, T_READ_WHOLE_INSTEAD,
                  result_error_text(&r->error, text, sizeof text), NULL);
        v->icon = RESULT_WARNING;
        v->ask_read_whole_drive = true;
    } else if (r->status == DI_ERR_CANCELLED) {
        tr_format(v->status, sizeof v->status,
                  r->partial_removed ? T_CANCELLED_DELETED : T_CANCELLED, NULL);
    } else {
        bool mounted = r->status == DI_ERR_MISMATCH && r->mismatch_from_mount;
        tr_format(v->status, sizeof v->status, mounted ? T_FAILED_MOUNTED_STATUS : T_FAILED_STATUS,
                  what, NULL);
        text_out box = {v->box, sizeof v->box, 0};
        APPEND_TR(&box, T_FAILED_BOX, what, result_error_text(&r->error, text, sizeof text));
        if (r->partial_removed) APPEND_TR(&box, T_PARTIAL_DELETED);
        char lap[32];
        if (r->may_be_fake)
            APPEND_TR(&box, T_MAY_BE_FAKE, di_format_block_size(r->fake_wrap_bytes, lap, sizeof lap));
        v->icon = RESULT_ERROR;
        v->failed = true;
    }
    if (!v->box[0]) return;
    text_out box = {v->box, sizeof v->box, strlen(v->box)};
    if (kind == DI_JOB_READ) render_room_warnings(r, &box);
    render_drive_notes(r, &box);
    if ((kind == DI_JOB_WRITE || kind == DI_JOB_FORMAT) && r->status == DI_OK)
        render_eject_note(r, v, &box);
}
