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
    unsigned char *aux;    /* COMPARE: what the I/O thread read from the target */
    uint64_t seq;
    uint64_t offset;
    size_t len;            /* payload bytes in data */
    uint64_t progress;     /* what the chunk counts for in the progress */
    unsigned pending;      /* consumers still to finish with this chunk */
    bool target_done;
} slot;

typedef struct pipeline {
    const pl_config *cfg;
    slot *slots;
    unsigned hasher_count;
    di_hash_alg hash_algs[DI_HASH_COUNT];

    di_mutex *lock;
    di_cond *changed;
    uint64_t total_chunks;   /* lowered by the reader when a stream ends early */
    bool until_end;          /* the source's size is unknown: read until it ends */
    bool progress_consumed;  /* progress counts the stored (compressed) bytes used */
    uint64_t consumed_mark;
    size_t range_index;      /* the reader's place in cfg->ranges */
    uint64_t range_done;
    uint64_t read_count;     /* chunks the reader has filled */
    uint64_t next_claim;     /* next chunk for an I/O thread */
    uint64_t limit_seq;      /* no chunk beyond this is worth processing */
    bool stop;               /* an error or a cancel: everyone leaves */
    uint64_t target_bytes;
    uint64_t flushed_bytes;  /* target_bytes at the last flush started on the way */
    bool flushing;
    uint64_t tolerated_first; /* the first difference inside cfg->tolerated */

    pl_outcome *out;
} pipeline;

typedef struct hasher_arg {
    pipeline *pl;
    di_hasher *hasher;
} hasher_arg;

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
    unsigned consumers = pl->hasher_count + (cfg->mode != PL_TARGET_NONE ? 1u : 0u);

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
        s->target_done = false;
        s->pending = consumers;
        pl->read_count = seq + 1;
        pl->out->source_bytes += len;
        /* Nobody else wants the chunk (a pass that only reads): it is done already. */
        if (consumers == 0) di_progress_add(cfg->progress, s->progress);
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

/* Writes or compares one chunk. Returns false when the pipeline must stop. */
static bool process_target_chunk(pipeline *pl, slot *s)
{
    const pl_config *cfg = pl->cfg;
    di_device *target = cfg->target;
    di_error error;
    di_error_clear(&error);

    if (cancelled(pl)) {
        fail_cancelled(pl, cfg->mode == PL_TARGET_WRITE ? DI_OP_WRITE : DI_OP_VERIFY, target->path,
                       s->offset);
        return false;
    }
    if (cfg->mode == PL_TARGET_WRITE) {
        size_t n = io_length(target, s->len, cfg->pad_to_sector);
        if (di_device_write_full(target, s->data, n, s->offset, &error) != DI_OK) {
            fail(pl, &error);
            return false;
        }
        di_mutex_lock(pl->lock);
        pl->target_bytes += n;
        di_mutex_unlock(pl->lock);
        return true;
    }

    size_t n = io_length(target, s->len, false);
    if (di_device_read_full(target, s->aux, n, s->offset, NULL, &error) != DI_OK) {
        fail(pl, &error);
        return false;
    }
    uint64_t tolerated = 0, first_tolerated = 0;
    size_t diff = compare_chunk(cfg, s->offset, s->data, s->aux, s->len, &tolerated,
                                &first_tolerated);
    di_mutex_lock(pl->lock);
    pl->target_bytes += n;
    if (tolerated) {
        if (pl->out->tolerated_bytes == 0 || first_tolerated < pl->tolerated_first)
            pl->tolerated_first = first_tolerated;
        pl->out->tolerated_bytes += tolerated;
    }
    if (diff < s->len) {
        uint64_t at = s->offset + diff;
        /* Chunks before this one may still be in flight on other threads and hold an
         * earlier difference; they finish, later ones are not looked at. */
        if (!pl->out->mismatch || at < pl->out->mismatch_offset) {
            pl->out->mismatch = true;
            pl->out->mismatch_offset = at;
        }
        if (s->seq < pl->limit_seq) pl->limit_seq = s->seq;
        di_cond_broadcast(pl->changed);
    }
    di_mutex_unlock(pl->lock);
    return true;
}

/* Under the lock: a write that has put flush_every bytes on the target since the last
 * flush flushes them, holding no chunk, so the other I/O threads and the hasher go on
 * meanwhile and the final flush finds little left. Returns false when it failed. */
static bool flush_on_the_way_locked(pipeline *pl)
{
    di_device *target = pl->cfg->target;
    /* A job that is stopping has no use for a flush: its error or cancel comes first. */
    if (pl->cfg->mode != PL_TARGET_WRITE || !target->flush_every || pl->flushing || pl->stop ||
        cancelled(pl) || pl->target_bytes - pl->flushed_bytes < target->flush_every)
        return true;
    pl->flushing = true;
    pl->flushed_bytes = pl->target_bytes;
    di_mutex_unlock(pl->lock);
    di_error error;
    di_error_clear(&error);
    di_status st = di_device_flush(target, &error);
    di_mutex_lock(pl->lock);
    pl->flushing = false;
    if (st != DI_OK) {
        fail_locked(pl, &error);
        return false;
    }
    return true;
}

static void io_main(void *arg)
{
    pipeline *pl = arg;
    di_mutex_lock(pl->lock);
    for (;;) {
        if (pl->stop || pl->next_claim >= pl->total_chunks || pl->next_claim > pl->limit_seq)
            break;
        if (pl->next_claim >= pl->read_count) {
            di_cond_wait(pl->changed, pl->lock);
            continue;
        }
        slot *s = &pl->slots[pl->next_claim % pl->cfg->chunk_count];
        pl->next_claim++;
        di_mutex_unlock(pl->lock);

        bool ok = process_target_chunk(pl, s);

        di_mutex_lock(pl->lock);
        if (!ok) break;
        s->target_done = true;
        release_locked(pl, s);
        di_cond_broadcast(pl->changed);
        if (!flush_on_the_way_locked(pl)) break;
    }
    di_mutex_unlock(pl->lock);
}

static void hasher_main(void *arg)
{
    hasher_arg *ha = arg;
    pipeline *pl = ha->pl;
    const pl_config *cfg = pl->cfg;

    for (uint64_t seq = 0;; seq++) {
        slot *s = &pl->slots[seq % cfg->chunk_count];
        di_mutex_lock(pl->lock);
        for (;;) {
            if (pl->stop || seq > pl->limit_seq || seq >= pl->total_chunks) {
                di_mutex_unlock(pl->lock);
                return;
            }
            bool ready = pl->read_count > seq && (!cfg->hash_target_data || s->target_done);
            if (ready) break;
            di_cond_wait(pl->changed, pl->lock);
        }
        di_mutex_unlock(pl->lock);

        const unsigned char *bytes = cfg->hash_target_data ? s->aux : s->data;
        bool ok = di_hasher_update(ha->hasher, bytes, s->len);

        di_mutex_lock(pl->lock);
        if (!ok) {
            di_error error;
            di_error_why(&error, DI_ERR_INTERNAL, DI_OP_HASH, cfg->source->path,
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
        di_aligned_free(pl->slots[i].data);
        di_aligned_free(pl->slots[i].aux);
    }
    free(pl->slots);
}

static bool alloc_slots(pipeline *pl)
{
    const pl_config *cfg = pl->cfg;
    pl->slots = calloc(cfg->chunk_count, sizeof *pl->slots);
    if (!pl->slots) return false;
    for (unsigned i = 0; i < cfg->chunk_count; i++) {
        pl->slots[i].data = di_aligned_alloc(DI_DIRECT_ALIGNMENT, cfg->chunk_size);
        if (!pl->slots[i].data) return false;
        if (cfg->mode == PL_TARGET_COMPARE) {
            pl->slots[i].aux = di_aligned_alloc(DI_DIRECT_ALIGNMENT, cfg->chunk_size);
            if (!pl->slots[i].aux) return false;
        }
    }
    return true;
}

di_status pl_run(const pl_config *cfg, pl_outcome *out)
{
    memset(out, 0, sizeof *out);
    pipeline pl = {.cfg = cfg, .out = out, .limit_seq = UINT64_MAX};
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

    di_thread *threads[1 + 64 + DI_HASH_COUNT];
    unsigned thread_count = 0;
    hasher_arg hasher_args[DI_HASH_COUNT];
    unsigned io_threads = cfg->mode == PL_TARGET_NONE ? 0 : cfg->io_threads;
    if (io_threads > 64) io_threads = 64;
    if (cfg->mode != PL_TARGET_NONE && io_threads == 0) io_threads = 1;

    for (unsigned i = 0; i < DI_HASH_COUNT; i++)
        if (cfg->hashers && cfg->hashers[i]) pl.hash_algs[pl.hasher_count++] = (di_hash_alg)i;

    pl.lock = di_mutex_new();
    pl.changed = di_cond_new();
    if (!pl.lock || !pl.changed || !alloc_slots(&pl)) {
        di_error_why(&out->error, DI_ERR_NO_MEMORY, DI_OP_ALLOCATE_BUFFERS, cfg->source->path,
                     DI_REASON_BUFFERS, DI_ARGS(di_number(cfg->chunk_count), di_number(cfg->chunk_size)));
        out->status = DI_ERR_NO_MEMORY;
        goto out;
    }

    unsigned wanted = 1 + io_threads + pl.hasher_count;
    for (unsigned i = 0; i < wanted; i++) {
        di_thread *t;
        if (i == 0) {
            t = di_thread_start(reader_main, &pl);
        } else if (i <= io_threads) {
            t = di_thread_start(io_main, &pl);
        } else {
            hasher_arg *ha = &hasher_args[i - 1 - io_threads];
            ha->pl = &pl;
            ha->hasher = cfg->hashers[pl.hash_algs[i - 1 - io_threads]];
            t = di_thread_start(hasher_main, ha);
        }
        if (t) threads[thread_count++] = t;
    }
    if (thread_count != wanted) {
        di_error error;
        di_error_why(&error, DI_ERR_NO_MEMORY, DI_OP_START_THREADS, cfg->source->path,
                     DI_REASON_NONE, DI_NO_ARGS);
        fail(&pl, &error);
    }
    for (unsigned i = 0; i < thread_count; i++) di_thread_join(threads[i]);

    out->target_bytes = pl.target_bytes;
    /* Only tolerated differences: still a mismatch, at the first of them, but one the
     * caller can explain. */
    if (out->status == DI_OK && !out->mismatch && out->tolerated_bytes) {
        out->mismatch = true;
        out->mismatch_offset = pl.tolerated_first;
        out->mismatch_tolerated = true;
    }
    if (out->status == DI_OK && out->mismatch) {
        out->status = DI_ERR_MISMATCH;
        if (out->mismatch_tolerated)
            di_error_why(&out->error, DI_ERR_MISMATCH, DI_OP_VERIFY, cfg->target->path,
                         DI_REASON_DIFFERS_ONLY_IN_MOUNT_MARKS, DI_ARGS(di_text(cfg->source->path)));
        else
            di_error_why(&out->error, DI_ERR_MISMATCH, DI_OP_VERIFY, cfg->target->path,
                         DI_REASON_DEVICE_DIFFERS, DI_ARGS(di_text(cfg->source->path)));
        di_error_at(&out->error, out->mismatch_offset);
    }

out:
    free_slots(&pl);
    di_cond_free(pl.changed);
    di_mutex_free(pl.lock);
    return out->status;
}
