/* The pipeline's threads share one lock and one condition variable. Chunks are
 * megabytes, so the lock is taken a few hundred times a second at most; a lock-free
 * ring would buy nothing here and be harder to prove right.
 *
 * A chunk's slot is reused only when every consumer is done with it: the target
 * stage (one unit, whichever I/O thread claimed it) and each hasher. Hashers take
 * chunks strictly in order; I/O threads take them in order but finish in any order. */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "diskimager/threads.h"

typedef struct slot {
    unsigned char *data;   /* what the reader read from the source */
    unsigned char **aux;   /* COMPARE: what each target's I/O thread read from it */
    bool *target_done;     /* each target's I/O is done with this chunk */
    uint64_t seq;
    uint64_t offset;
    size_t len;            /* payload bytes in data */
    uint64_t progress;     /* what the chunk counts for in the progress */
    unsigned pending;      /* consumers still to finish with this chunk */
} slot;

/* One target's place in the pass. A target that failed stays in the ring: its threads
 * go on taking chunks and let them go untouched, so every chunk keeps the same number
 * of consumers and no one needs to count for the dropped. */
typedef struct target_state {
    pl_target cfg;
    pl_target_outcome *out;
    unsigned index;
    uint64_t next_claim;     /* next chunk for one of its I/O threads */
    uint64_t limit_seq;      /* a difference at this chunk: none past it is looked at */
    bool failed;             /* dropped: its error is in out */
    uint64_t flushed_bytes;  /* out->target_bytes at the last flush started on the way */
    bool flushing;
    uint64_t tolerated_first; /* the first difference inside cfg->tolerated */
} target_state;

typedef struct pipeline {
    const pl_config *cfg;
    slot *slots;
    target_state *targets;
    unsigned target_count;
    unsigned hasher_count;   /* of the source's data */
    unsigned consumers;      /* of every chunk: hashers, targets and their hashers */

    di_mutex *lock;
    di_cond *changed;
    uint64_t total_chunks;   /* lowered by the reader when a stream ends early */
    bool until_end;          /* the source's size is unknown: read until it ends */
    bool progress_consumed;  /* progress counts the stored (compressed) bytes used */
    uint64_t consumed_mark;
    size_t range_index;      /* the reader's place in cfg->ranges */
    uint64_t range_done;
    uint64_t read_count;     /* chunks the reader has filled */
    uint64_t limit_seq;      /* no chunk beyond this is worth reading: the largest
                                limit of the targets still in the pass */
    bool stop;               /* an error or a cancel: everyone leaves */
    int first_failed;        /* the target that failed first, -1: none */

    pl_outcome *out;
} pipeline;

typedef struct hasher_arg {
    pipeline *pl;
    di_hasher *hasher;
    target_state *target;    /* hashes what was read from this target; NULL: the source */
} hasher_arg;

typedef struct io_arg {
    pipeline *pl;
    target_state *target;
} io_arg;

uint32_t pl_alignment(const di_device *a, const di_device *b)
{
    uint32_t align = a ? a->sector_size : 512;
    if (b && b->sector_size > align) align = b->sector_size;
    return align ? align : 512;
}

static bool cancelled(const pipeline *pl)
{
    return atomic_load(pl->cfg->cancel);
}

/* Under the lock. The first failure wins; later ones are consequences. */
static void fail_locked(pipeline *pl, const di_error *error)
{
    if (pl->out->status == DI_OK) {
        pl->out->status = error->status;
        pl->out->error = *error;
    }
    pl->stop = true;
    di_cond_broadcast(pl->changed);
}

static void fail(pipeline *pl, const di_error *error)
{
    di_mutex_lock(pl->lock);
    fail_locked(pl, error);
    di_mutex_unlock(pl->lock);
}

static void fail_cancelled(pipeline *pl, di_op op, const char *path, uint64_t offset)
{
    di_error error;
    di_error_why(&error, DI_ERR_CANCELLED, op, path, DI_REASON_CANCELLED, DI_NO_ARGS);
    di_error_at(&error, offset);
    fail(pl, &error);
}

/* Under the lock: the reader goes as far as the target that goes furthest. */
static void update_limit_locked(pipeline *pl)
{
    uint64_t limit = 0;
    bool any = false;
    for (unsigned i = 0; i < pl->target_count; i++) {
        const target_state *t = &pl->targets[i];
        if (t->failed) continue;
        if (!any || t->limit_seq > limit) limit = t->limit_seq;
        any = true;
    }
    if (any) pl->limit_seq = limit;
    di_cond_broadcast(pl->changed);
}

/* Under the lock: target t failed. It is dropped and the others go on; when none is
 * left, the pass stops with the first one's error. */
static void fail_target_locked(pipeline *pl, target_state *t, const di_error *error)
{
    if (!t->failed) {
        t->failed = true;
        t->out->status = error->status;
        t->out->error = *error;
        if (pl->first_failed < 0) pl->first_failed = (int)t->index;
    }
    for (unsigned i = 0; i < pl->target_count; i++)
        if (!pl->targets[i].failed) {
            update_limit_locked(pl);
            return;
        }
    fail_locked(pl, &pl->targets[pl->first_failed].out->error);
}

/* Under the lock: one consumer is done with the chunk in s. */
static void release_locked(pipeline *pl, slot *s)
{
    if (--s->pending == 0) {
        di_progress_add(pl->cfg->progress, s->progress);
        di_cond_broadcast(pl->changed);
    }
}

static size_t round_up(size_t value, size_t unit)
{
    return (value + unit - 1) / unit * unit;
}

/* How many bytes to move on a device for len payload bytes: whole sectors on a
 * block device, exact on a file (except when padding a write). */
static size_t io_length(const di_device *dev, size_t len, bool pad)
{
    if (dev->kind == DI_DEVICE_BLOCK || pad) return round_up(len, dev->sector_size);
    return len;
}

/* What a chunk just read counts for: its bytes, or for a stream of unknown size the
 * compressed bytes used to make it (progress then runs over the stored file). */
static uint64_t chunk_progress(pipeline *pl, size_t len)
{
    if (!pl->progress_consumed) return len;
    di_device *source = pl->cfg->source;
    uint64_t now = source->ops->consumed(source);
    /* Fewer than before: the stream went back to its start (see pl_run). */
    uint64_t step = now >= pl->consumed_mark ? now - pl->consumed_mark : now;
    pl->consumed_mark = now;
    return step;
}

/* Where the reader's next chunk lies: the next piece of [start, start + length), or of
 * the current range. */
static void next_chunk(pipeline *pl, uint64_t seq, uint64_t *offset, size_t *len)
{
    const pl_config *cfg = pl->cfg;
    if (!cfg->ranges) {
        uint64_t done = seq * cfg->chunk_size;
        *offset = cfg->start + done;
        *len = (size_t)(cfg->length - done < cfg->chunk_size ? cfg->length - done : cfg->chunk_size);
        return;
    }
    const pl_range *r = &cfg->ranges[pl->range_index];
    uint64_t left = r->length - pl->range_done;
    *offset = r->offset + pl->range_done;
    *len = (size_t)(left < cfg->chunk_size ? left : cfg->chunk_size);
    pl->range_done += *len;
    if (pl->range_done == r->length) {
        pl->range_index++;
        pl->range_done = 0;
    }
}

/* Under the lock: the source has no chunk seq or later. */
static void end_of_source_locked(pipeline *pl, uint64_t seq)
{
    pl->total_chunks = seq;
    pl->out->source_ended = true;
    di_cond_broadcast(pl->changed);
}

static void reader_main(void *arg)
{
    pipeline *pl = arg;
    const pl_config *cfg = pl->cfg;

    for (uint64_t seq = 0; seq < pl->total_chunks; seq++) {
        slot *s = &pl->slots[seq % cfg->chunk_count];
        di_mutex_lock(pl->lock);
        while (s->pending > 0 && !pl->stop && seq <= pl->limit_seq)
            di_cond_wait(pl->changed, pl->lock);
        bool stop = pl->stop || seq > pl->limit_seq;
        di_mutex_unlock(pl->lock);
        if (stop) return;

        uint64_t offset;
        size_t len;
        next_chunk(pl, seq, &offset, &len);
        if (cancelled(pl)) {
            fail_cancelled(pl, DI_OP_READ, cfg->source->path, offset);
            return;
        }
        di_error error;
        di_error_clear(&error);
        size_t got = 0;
        di_status st = pl->until_end
                           ? di_device_read_upto(cfg->source, s->data, len, offset, &got, &error)
                           : di_device_read_full(cfg->source, s->data,
                                                 io_length(cfg->source, len, false), offset,
                                                 &got, &error);
        if (st != DI_OK) {
            fail(pl, &error);
            return;
        }
        bool last = pl->until_end && got < len;
        if (last) len = got;
        if (cfg->on_read && len && !cfg->on_read(cfg->on_read_ctx, offset, s->data, len, &error)) {
            fail(pl, &error);
            return;
        }
        if (len == 0) {
            di_mutex_lock(pl->lock);
            end_of_source_locked(pl, seq);
            di_mutex_unlock(pl->lock);
            return;
        }
        /* Padding for the target: zeros, never stale bytes of an earlier chunk. */
        if (len < cfg->chunk_size) memset(s->data + len, 0, cfg->chunk_size - len);

        di_mutex_lock(pl->lock);
        s->seq = seq;
        s->offset = offset;
        s->len = len;
        s->progress = chunk_progress(pl, len);
        for (unsigned i = 0; i < pl->target_count; i++) s->target_done[i] = false;
        s->pending = pl->consumers;
        pl->read_count = seq + 1;
        pl->out->source_bytes += len;
        /* Nobody else wants the chunk (a pass that only reads): it is done already. */
        if (pl->consumers == 0) di_progress_add(cfg->progress, s->progress);
        if (last) end_of_source_locked(pl, seq + 1);
        di_cond_broadcast(pl->changed);
        di_mutex_unlock(pl->lock);
    }
}

static size_t first_difference(const unsigned char *a, const unsigned char *b, size_t len)
{
    /* memcmp finds that they differ fast; then a short walk finds where. */
    size_t step = 4096;
    for (size_t at = 0; at < len; at += step) {
        size_t n = len - at < step ? len - at : step;
        if (memcmp(a + at, b + at, n) != 0) {
            for (size_t i = 0; i < n; i++)
                if (a[at + i] != b[at + i]) return at + i;
        }
    }
    return len;
}

/* The first difference in a chunk of len bytes at offset that lies outside
 * cfg->tolerated (len: none). Those inside are counted into *tolerated, the first of
 * them kept in *first_tolerated; they do not stop the pass. */
static size_t compare_chunk(const pl_config *cfg, uint64_t offset, const unsigned char *a,
                            const unsigned char *b, size_t len, uint64_t *tolerated,
                            uint64_t *first_tolerated)
{
    const pl_range *t = cfg->tolerated;
    size_t count = t ? cfg->tolerated_count : 0;
    /* The first range that ends after the chunk's start. */
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].offset + t[mid].length <= offset) lo = mid + 1;
        else hi = mid;
    }
    size_t pos = 0;
    for (size_t i = lo; pos < len; i++) {
        /* The stretch before range i (or up to the chunk's end) must be equal ... */
        size_t plain_end = len;
        if (i < count && t[i].offset < offset + len)
            plain_end = t[i].offset > offset + pos ? (size_t)(t[i].offset - offset) : pos;
        size_t diff = first_difference(a + pos, b + pos, plain_end - pos);
        if (diff < plain_end - pos) return pos + diff;
        pos = plain_end;
        if (pos >= len) break;
        /* ... range i itself may differ. */
        uint64_t range_end = t[i].offset + t[i].length;
        size_t end = range_end - offset < len ? (size_t)(range_end - offset) : len;
        for (; pos < end; pos++) {
            if (a[pos] == b[pos]) continue;
            if (*tolerated == 0) *first_tolerated = offset + pos;
            (*tolerated)++;
        }
    }
    return len;
}

/* Writes or compares one chunk on target t: false when it failed (its error is then
 * recorded) or the pass is cancelled. */
static bool process_target_chunk(pipeline *pl, target_state *t, slot *s)
{
    const pl_config *cfg = pl->cfg;
    di_device *target = t->cfg.device;
    di_error error;
    di_error_clear(&error);

    if (cancelled(pl)) {
        fail_cancelled(pl, cfg->mode == PL_TARGET_WRITE ? DI_OP_WRITE : DI_OP_VERIFY, target->path,
                       s->offset);
        return false;
    }
    /* A smaller drive's share of the image ends before this chunk does. */
    size_t len = s->len;
    if (t->cfg.end && s->offset + len > t->cfg.end) len = (size_t)(t->cfg.end - s->offset);
    if (cfg->mode == PL_TARGET_WRITE) {
        size_t n = io_length(target, len, cfg->pad_to_sector);
        if (di_device_write_full(target, s->data, n, s->offset, &error) != DI_OK) {
            di_mutex_lock(pl->lock);
            fail_target_locked(pl, t, &error);
            di_mutex_unlock(pl->lock);
            return false;
        }
        di_mutex_lock(pl->lock);
        t->out->target_bytes += n;
        if (t->cfg.done) atomic_fetch_add(t->cfg.done, n);
        di_mutex_unlock(pl->lock);
        return true;
    }

    unsigned char *aux = s->aux[t->index];
    size_t n = io_length(target, len, false);
    if (di_device_read_full(target, aux, n, s->offset, NULL, &error) != DI_OK) {
        di_mutex_lock(pl->lock);
        fail_target_locked(pl, t, &error);
        di_mutex_unlock(pl->lock);
        return false;
    }
    uint64_t tolerated = 0, first_tolerated = 0;
    size_t diff = compare_chunk(cfg, s->offset, s->data, aux, len, &tolerated, &first_tolerated);
    di_mutex_lock(pl->lock);
    t->out->target_bytes += n;
    if (t->cfg.done) atomic_fetch_add(t->cfg.done, n);
    if (tolerated) {
        if (t->out->tolerated_bytes == 0 || first_tolerated < t->tolerated_first)
            t->tolerated_first = first_tolerated;
        t->out->tolerated_bytes += tolerated;
    }
    if (diff < len) {
        uint64_t at = s->offset + diff;
        /* Chunks before this one may still be in flight on other threads and hold an
         * earlier difference; they finish, later ones are not looked at. */
        if (!t->out->mismatch || at < t->out->mismatch_offset) {
            t->out->mismatch = true;
            t->out->mismatch_offset = at;
        }
        if (s->seq < t->limit_seq) {
            t->limit_seq = s->seq;
            update_limit_locked(pl);
        }
    }
    di_mutex_unlock(pl->lock);
    return true;
}

/* Under the lock: a write that has put flush_every bytes on target t since its last
 * flush flushes them, holding no chunk, so its other I/O threads, the other targets and
 * the hashers go on meanwhile and the final flush finds little left. */
static void flush_on_the_way_locked(pipeline *pl, target_state *t)
{
    di_device *target = t->cfg.device;
    /* A job that is stopping has no use for a flush: its error or cancel comes first. */
    if (pl->cfg->mode != PL_TARGET_WRITE || !target->flush_every || t->flushing || t->failed ||
        pl->stop || cancelled(pl) || t->out->target_bytes - t->flushed_bytes < target->flush_every)
        return;
    t->flushing = true;
    t->flushed_bytes = t->out->target_bytes;
    di_mutex_unlock(pl->lock);
    di_error error;
    di_error_clear(&error);
    di_status st = di_device_flush(target, &error);
    di_mutex_lock(pl->lock);
    t->flushing = false;
    if (st != DI_OK) fail_target_locked(pl, t, &error);
}

static void io_main(void *arg)
{
    io_arg *ia = arg;
    pipeline *pl = ia->pl;
    target_state *t = ia->target;
    di_mutex_lock(pl->lock);
    for (;;) {
        if (pl->stop || t->next_claim >= pl->total_chunks || t->next_claim > pl->limit_seq)
            break;
        if (t->next_claim >= pl->read_count) {
            di_cond_wait(pl->changed, pl->lock);
            continue;
        }
        uint64_t seq = t->next_claim++;
        slot *s = &pl->slots[seq % pl->cfg->chunk_count];
        /* Dropped, past a difference, or past its end: the chunk is let go untouched. */
        bool skip = t->failed || seq > t->limit_seq || (t->cfg.end && s->offset >= t->cfg.end);
        di_mutex_unlock(pl->lock);

        bool ok = skip || process_target_chunk(pl, t, s);

        di_mutex_lock(pl->lock);
        s->target_done[t->index] = true;
        release_locked(pl, s);
        di_cond_broadcast(pl->changed);
        if (ok && !skip) flush_on_the_way_locked(pl, t);
    }
    di_mutex_unlock(pl->lock);
}

static void hasher_main(void *arg)
{
    hasher_arg *ha = arg;
    pipeline *pl = ha->pl;
    const pl_config *cfg = pl->cfg;
    target_state *t = ha->target;

    for (uint64_t seq = 0;; seq++) {
        slot *s = &pl->slots[seq % cfg->chunk_count];
        di_mutex_lock(pl->lock);
        for (;;) {
            if (pl->stop || seq > pl->limit_seq || seq >= pl->total_chunks) {
                di_mutex_unlock(pl->lock);
                return;
            }
            bool ready = pl->read_count > seq && (!t || s->target_done[t->index]);
            if (ready) break;
            di_cond_wait(pl->changed, pl->lock);
        }
        /* A dropped target's digest means nothing: its chunks are let go. */
        bool skip = t && (t->failed || seq > t->limit_seq);
        di_mutex_unlock(pl->lock);

        const unsigned char *bytes = t ? s->aux[t->index] : s->data;
        size_t len = s->len;
        /* A target's digest covers its own share of the image only. */
        if (t && t->cfg.end)
            len = s->offset >= t->cfg.end ? 0
                  : s->offset + len > t->cfg.end ? (size_t)(t->cfg.end - s->offset) : len;
        bool ok = skip || !len || di_hasher_update(ha->hasher, bytes, len);

        di_mutex_lock(pl->lock);
        if (!ok) {
            di_error error;
            di_error_why(&error, DI_ERR_INTERNAL, DI_OP_HASH,
                         t ? t->cfg.device->path : cfg->source->path,
                         DI_REASON_DIGEST_LIBRARY_FAILED, DI_NO_ARGS);
            di_error_at(&error, s->offset);
            fail_locked(pl, &error);
            di_mutex_unlock(pl->lock);
            return;
        }
        release_locked(pl, s);
        di_mutex_unlock(pl->lock);
    }
}

static void free_slots(pipeline *pl)
{
    if (!pl->slots) return;
    for (unsigned i = 0; i < pl->cfg->chunk_count; i++) {
        slot *s = &pl->slots[i];
        di_aligned_free(s->data);
        if (s->aux)
            for (unsigned k = 0; k < pl->target_count; k++) di_aligned_free(s->aux[k]);
        free(s->aux);
        free(s->target_done);
    }
    free(pl->slots);
}

static bool alloc_slots(pipeline *pl)
{
    const pl_config *cfg = pl->cfg;
    pl->slots = calloc(cfg->chunk_count, sizeof *pl->slots);
    if (!pl->slots) return false;
    for (unsigned i = 0; i < cfg->chunk_count; i++) {
        slot *s = &pl->slots[i];
        s->data = di_aligned_alloc(DI_DIRECT_ALIGNMENT, cfg->chunk_size);
        s->target_done = calloc(pl->target_count ? pl->target_count : 1, sizeof *s->target_done);
        if (!s->data || !s->target_done) return false;
        if (cfg->mode != PL_TARGET_COMPARE) continue;
        s->aux = calloc(pl->target_count, sizeof *s->aux);
        if (!s->aux) return false;
        for (unsigned k = 0; k < pl->target_count; k++) {
            s->aux[k] = di_aligned_alloc(DI_DIRECT_ALIGNMENT, cfg->chunk_size);
            if (!s->aux[k]) return false;
        }
    }
    return true;
}

/* Only tolerated differences: still a mismatch, at the first of them, but one the
 * caller can explain. */
static void conclude_target(const pl_config *cfg, target_state *t)
{
    pl_target_outcome *out = t->out;
    if (out->status != DI_OK) return;
    if (!out->mismatch && out->tolerated_bytes) {
        out->mismatch = true;
        out->mismatch_offset = t->tolerated_first;
        out->mismatch_tolerated = true;
    }
    if (!out->mismatch) return;
    out->status = DI_ERR_MISMATCH;
    di_error_why(&out->error, DI_ERR_MISMATCH, DI_OP_VERIFY, t->cfg.device->path,
                 out->mismatch_tolerated ? DI_REASON_DIFFERS_ONLY_IN_MOUNT_MARKS
                                         : DI_REASON_DEVICE_DIFFERS,
                 DI_ARGS(di_text(cfg->source->path)));
    di_error_at(&out->error, out->mismatch_offset);
}

/* The threads: the reader, each target's I/O threads, the source's hashers and each
 * target's. False when not all of them started (the pass is then stopped). */
static unsigned start_threads(pipeline *pl, di_thread **threads, io_arg *io_args,
                              hasher_arg *hasher_args)
{
    const pl_config *cfg = pl->cfg;
    unsigned count = 0, hashers = 0;
    if ((threads[count] = di_thread_start(reader_main, pl))) count++;
    for (unsigned i = 0; i < pl->target_count; i++) {
        target_state *t = &pl->targets[i];
        io_args[i] = (io_arg){.pl = pl, .target = t};
        for (unsigned k = 0; k < t->cfg.io_threads; k++)
            if ((threads[count] = di_thread_start(io_main, &io_args[i]))) count++;
        for (unsigned a = 0; t->cfg.hashers && a < DI_HASH_COUNT; a++) {
            if (!t->cfg.hashers[a]) continue;
            hasher_args[hashers] = (hasher_arg){.pl = pl, .hasher = t->cfg.hashers[a], .target = t};
            if ((threads[count] = di_thread_start(hasher_main, &hasher_args[hashers++]))) count++;
        }
    }
    for (unsigned a = 0; cfg->hashers && a < DI_HASH_COUNT; a++) {
        if (!cfg->hashers[a]) continue;
        hasher_args[hashers] = (hasher_arg){.pl = pl, .hasher = cfg->hashers[a]};
        if ((threads[count] = di_thread_start(hasher_main, &hasher_args[hashers++]))) count++;
    }
    return count;
}

di_status pl_run(const pl_config *cfg, pl_outcome *out, pl_target_outcome *per_target)
{
    memset(out, 0, sizeof *out);
    /* Each target's outcome is clean whatever happens below (even out of memory). */
    for (unsigned i = 0; per_target && cfg->targets && i < cfg->target_count; i++)
        memset(&per_target[i], 0, sizeof per_target[i]);
    pipeline pl = {.cfg = cfg, .out = out, .limit_seq = UINT64_MAX, .first_failed = -1};
    pl.total_chunks = cfg->length / cfg->chunk_size + (cfg->length % cfg->chunk_size != 0);
    if (cfg->ranges) {
        pl.total_chunks = 0;
        for (size_t i = 0; i < cfg->range_count; i++)
            pl.total_chunks += cfg->ranges[i].length / cfg->chunk_size +
                               (cfg->ranges[i].length % cfg->chunk_size != 0);
    }
    /* A bmap's ranges lie within the image: a stream that ends before one is an error. */
    pl.until_end = cfg->source->size_unknown && !cfg->ranges;
    pl.progress_consumed = cfg->source->size_unknown && cfg->source->ops->consumed && !cfg->ranges;
    /* A pass from byte 0 decodes the stream from its start, even when something read
     * further before (Verify Only looks at the image's boot sectors first): all the
     * stored bytes it uses count. A pass that goes on from where a stream stands counts
     * from there. */
    if (pl.progress_consumed)
        pl.consumed_mark = cfg->start == 0 ? 0 : cfg->source->ops->consumed(cfg->source);

    /* One target given the short way: a target list of one, whose outcome is the pass's. */
    pl_target single = {0};
    pl_target_outcome single_out;
    const pl_target *targets = cfg->targets;
    bool short_way = cfg->mode != PL_TARGET_NONE && !cfg->targets;
    di_hasher **source_hashers = cfg->hashers;
    if (short_way) {
        single.device = cfg->target;
        single.io_threads = cfg->io_threads;
        if (cfg->hash_target_data) {
            single.hashers = cfg->hashers;
            source_hashers = NULL;
        }
        targets = &single;
        per_target = &single_out;
    }
    pl.target_count = cfg->mode == PL_TARGET_NONE ? 0 : short_way ? 1 : cfg->target_count;

    unsigned thread_max = 1 + DI_HASH_COUNT;
    pl.targets = calloc(pl.target_count ? pl.target_count : 1, sizeof *pl.targets);
    for (unsigned i = 0; pl.targets && i < pl.target_count; i++) {
        target_state *t = &pl.targets[i];
        t->cfg = targets[i];
        if (t->cfg.io_threads == 0) t->cfg.io_threads = 1;
        if (t->cfg.io_threads > 64) t->cfg.io_threads = 64;
        t->out = &per_target[i];
        memset(t->out, 0, sizeof *t->out);
        t->index = i;
        t->limit_seq = UINT64_MAX;
        pl.consumers += 1;
        thread_max += t->cfg.io_threads + DI_HASH_COUNT;
        for (unsigned a = 0; t->cfg.hashers && a < DI_HASH_COUNT; a++)
            pl.consumers += t->cfg.hashers[a] != NULL;
    }
    for (unsigned a = 0; source_hashers && a < DI_HASH_COUNT; a++)
        pl.hasher_count += source_hashers[a] != NULL;
    pl.consumers += pl.hasher_count;
    pl_config own = *cfg;
    own.hashers = source_hashers;
    pl.cfg = &own;

    di_thread **threads = calloc(thread_max, sizeof *threads);
    io_arg *io_args = calloc(pl.target_count ? pl.target_count : 1, sizeof *io_args);
    hasher_arg *hasher_args = calloc(thread_max, sizeof *hasher_args);
    pl.lock = di_mutex_new();
    pl.changed = di_cond_new();
    if (!pl.targets || !threads || !io_args || !hasher_args || !pl.lock || !pl.changed ||
        !alloc_slots(&pl)) {
        di_error_why(&out->error, DI_ERR_NO_MEMORY, DI_OP_ALLOCATE_BUFFERS, cfg->source->path,
                     DI_REASON_BUFFERS, DI_ARGS(di_number(cfg->chunk_count), di_number(cfg->chunk_size)));
        out->status = DI_ERR_NO_MEMORY;
        goto out;
    }

    unsigned wanted = 1 + pl.hasher_count;
    for (unsigned i = 0; i < pl.target_count; i++) wanted += pl.targets[i].cfg.io_threads;
    wanted += pl.consumers - pl.hasher_count - pl.target_count; /* the targets' hashers */
    unsigned thread_count = start_threads(&pl, threads, io_args, hasher_args);
    if (thread_count != wanted) {
        di_error error;
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_START_THREADS, cfg->source->path,
                     DI_REASON_NONE, DI_NO_ARGS);
        fail(&pl, &error);
    }
    for (unsigned i = 0; i < thread_count; i++) di_thread_join(threads[i]);

    for (unsigned i = 0; i < pl.target_count; i++) conclude_target(cfg, &pl.targets[i]);
    if (short_way) {
        /* The one target's outcome is the pass's (a failure of its own is already). */
        out->target_bytes = single_out.target_bytes;
        out->mismatch = single_out.mismatch;
        out->mismatch_offset = single_out.mismatch_offset;
        out->mismatch_tolerated = single_out.mismatch_tolerated;
        out->tolerated_bytes = single_out.tolerated_bytes;
        if (out->status == DI_OK && single_out.status != DI_OK) {
            out->status = single_out.status;
            out->error = single_out.error;
        }
    } else if (out->status == DI_OK && pl.target_count) {
        /* Every target failed or differs: the pass did nothing worth having. */
        bool any_ok = false;
        for (unsigned i = 0; i < pl.target_count; i++) any_ok |= per_target[i].status == DI_OK;
        if (!any_ok) {
            out->status = per_target[0].status;
            out->error = per_target[0].error;
        }
    }

out:
    free_slots(&pl);
    free(pl.targets);
    free(threads);
    free(io_args);
    free(hasher_args);
    di_cond_free(pl.changed);
    di_mutex_free(pl.lock);
    return out->status;
}
