/* bzip2 decoded on several threads, like lbzip2, in bounded memory.
 *
 * bzip2 blocks are independent, but they sit bit to bit in the file with nothing to
 * say where one ends. The thread calling step (the pipeline's reader) copies the
 * compressed bytes into a ring and finds the 48-bit magics at any bit offset; the bits
 * from one block magic to the next magic are a "piece". Each piece goes to a worker,
 * which gives libbz2 a little stream of its own: "BZh" + the level, the piece's bits
 * shifted to a byte boundary, then the 48 bits of the magic that follows the piece in
 * the file, and nothing more. libbz2 decodes the block, checks the block's CRC, reads
 * that magic and stops for want of input: output and a stop for input there mean a
 * whole, correct block. (No end-of-stream trailer is made up: the file's own stream
 * CRCs are checked here, in order, against its end magics.)
 *
 * A magic can also turn up by chance inside compressed data. Then the piece before it
 * is only the start of a block, and libbz2, given only the file's own bits up to the
 * piece's last byte first, can never reach the block's end: it fails or stops for input
 * before writing any output. Such a failure at the head of the queue rewinds: the piece
 * is merged with the next one and decoded again. Only a block that fails once it has
 * written output (a CRC that does not match), or a piece grown past any real block's
 * length, or no magic left, is corrupt data.
 *
 * The workers decode a block with our own decoder (bzip2_block_decode.c: about 40 %
 * less CPU than libbz2, which lbzip2 beats by 25 %); the same rules hold for it: a
 * piece ending inside a block needs more bits before any output. libbz2, as described
 * above, takes what ours leaves to it: randomised blocks and a tail piece (the input
 * ends without a magic after it).
 *
 * Output leaves in order. Each job writes into a few fixed pieces of memory and waits
 * when they are full (a block of zeros decodes to 45 MB), the reader copies them out;
 * jobs in flight are threads + 1. So memory is the ring, the jobs' output pieces, our
 * decoder's state in each worker (about 3.7 MB, any level) and, in a worker that ever
 * had a block ours leaves to libbz2, libbz2's state too (as much again at level 9),
 * whatever the input. */
#include <bzlib.h>
#include <stdlib.h>
#include <string.h>

#include "bzip2_block_decode.h"
#include "bzip2_blocks.h"
#include "bzip2_parallel.h"
#include "diskimager/threads.h"

#define MAX_WORKERS 16u
#define PIECE_SIZE ((size_t)512 << 10)
#define PIECES_PER_JOB 2u
#define STAGE_SIZE ((size_t)64 << 10)
#define OUT_STEP ((size_t)128 << 10)     /* output per libbz2 call: the reader sees it soon */
#define RING_MIN ((size_t)4 << 20)       /* holds the longest block of level 9 and more */
#define RING_MIRROR 64u                  /* the ring's first bytes again after its end */
#define MAGIC_AND_CRC_BITS (BZ2_MAGIC_BITS + BZ2_CRC_BITS)   /* a block is longer */
#define CACHED_BLOCKS 4u

#define CORRUPT DI_REASON_CODEC_CORRUPT

typedef enum job_state { JOB_FREE, JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED } job_state;

typedef struct out_piece {
    unsigned char *data;        /* PIECE_SIZE bytes, allocated on first use */
    size_t len;                 /* bytes the worker has put in */
    size_t read;                /* bytes the reader has taken out */
} out_piece;

typedef struct bz_job {
    job_state state;
    uint64_t seq;                   /* workers take queued jobs oldest first */
    uint64_t start_bit, end_bit;    /* a block magic at start_bit, a magic at end_bit */
    bool tail;                      /* no magic at end_bit: the input ends there */
    char level;
    bool cancelled;                 /* dropped by a rewind or by free: its worker stops */
    bool worker_active;             /* a worker holds it (and reads its bits in the ring) */
    bool produced;                  /* libbz2 wrote output: the piece held a whole block */
    bool data_error;                /* failed on the data (a rewind may help), not memory */
    bool stalled;                   /* failed for want of bits: the piece ends inside a block */
    di_reason failure;
    out_piece pieces[PIECES_PER_JOB];
    unsigned write_piece, read_piece;
} bz_job;

typedef enum entry_kind {
    ENTRY_BLOCK,                /* a piece, decoded by its job */
    ENTRY_STREAM_END,           /* a stream ends: its combined CRC is checked */
    ENTRY_DATA_END,             /* only trailing bytes follow: the decoder has ended */
    ENTRY_TRUNCATED,            /* the input ends inside a stream */
    ENTRY_FAILED                /* not bzip2 there */
} entry_kind;

/* What the file holds, in order; the reader commits entries from the head. */
typedef struct entry {
    entry_kind kind;
    bz_job *job;                /* BLOCK */
    uint64_t start_bit, end_bit;
    uint32_t crc;               /* BLOCK: its stored CRC; STREAM_END: the combined CRC */
    char level;
    di_reason failure;        /* FAILED; a tail BLOCK: why it was retried, if it was */
} entry;

typedef enum split_state {
    SPLIT_HEADER,               /* "BZh" + level at a byte boundary, or trailing bytes */
    SPLIT_FIRST_MAGIC,          /* a stream's first block or its end */
    SPLIT_BLOCK,                /* a piece started at at: looking for the next magic */
    SPLIT_STREAM_CRC,           /* the end magic at at: its combined CRC follows */
    SPLIT_IDLE                  /* nothing more to find (unless a rewind) */
} split_state;

typedef enum split_stop { STOP_INPUT, STOP_BLOCKED, STOP_IDLE } split_stop;

typedef struct splitter {
    split_state state;
    uint64_t at;                /* bit position, see split_state */
    uint64_t scan_from;         /* SPLIT_BLOCK: no magic before this */
    char level;
    bool first_stream;
    di_reason retry_failure;  /* SPLIT_BLOCK after a rewind: why the piece grew */
} splitter;

struct parallel_decoder;

typedef struct cached_block {
    void *ptr;
    size_t size;
    bool in_use;
} cached_block;

typedef struct worker {
    struct parallel_decoder *pd;
    di_thread *thread;
    unsigned char *stage;       /* the little stream handed to libbz2, a part at a time */
    bz2_block_decoder *block;   /* our own block decoder, made at the first block */
    cached_block blocks[CACHED_BLOCKS];  /* libbz2's allocations, kept from block to block */
} worker;

typedef struct parallel_decoder {
    decoder base;
    di_mutex *lock;
    di_cond *wake_reader;       /* a job wrote output, ended, or let go of its slot */
    uint64_t reader_events;     /* counts those: the reader drops the lock (to copy, to
                                 * scan) between looking and waiting, and must not miss one */
    di_cond *wake_workers;      /* a job was queued or dropped, a piece was emptied */
    bool shutdown;

    unsigned threads, started;
    worker workers[MAX_WORKERS];
    bz_job *jobs;               /* threads + 1 */
    unsigned job_count;
    uint64_t next_seq;

    entry *queue;
    unsigned queue_cap, queue_head, queue_len;

    unsigned char *ring;        /* ring_size + RING_MIRROR bytes */
    size_t ring_size;
    uint64_t ring_end;          /* compressed bytes taken in so far */
    bz2_scanner scanner;
    splitter split;
    bool input_done;

    uint32_t combined;          /* the current stream's combined CRC so far */
    bool finished;
    di_reason fatal;
    size_t memory, memory_peak;
} parallel_decoder;

static di_reason bz_reason(int rc)
{
    switch (rc) {
    case BZ_DATA_ERROR: return CORRUPT;
    case BZ_DATA_ERROR_MAGIC: return DI_REASON_CODEC_NOT_ITS_FORMAT;
    case BZ_MEM_ERROR: return DI_REASON_CODEC_OUT_OF_MEMORY;
    default: return DI_REASON_CODEC_DECODER_FAILED;
    }
}

/* Lock held. */
static void account(parallel_decoder *pd, size_t add, size_t sub)
{
    pd->memory = pd->memory + add - sub;
    if (pd->memory > pd->memory_peak) pd->memory_peak = pd->memory;
}

/* ---- libbz2's allocations: its state and its block array, kept between blocks ---- */

static void *cache_alloc(void *opaque, int items, int size)
{
    worker *w = opaque;
    size_t n = (size_t)items * (size_t)size;
    cached_block *empty = NULL, *other = NULL;
    for (unsigned i = 0; i < CACHED_BLOCKS; i++) {
        cached_block *b = &w->blocks[i];
        if (b->in_use) continue;
        if (b->ptr && b->size == n) {
            b->in_use = true;
            return b->ptr;
        }
        if (!b->ptr && !empty) empty = b;
        if (b->ptr && !other) other = b;
    }
    cached_block *spare = empty ? empty : other;
    if (!spare) return NULL;
    void *p = malloc(n);
    if (!p) return NULL;
    di_mutex_lock(w->pd->lock);
    account(w->pd, n, spare->ptr ? spare->size : 0);
    di_mutex_unlock(w->pd->lock);
    free(spare->ptr);   /* a block of another size (another level) */
    *spare = (cached_block){.ptr = p, .size = n, .in_use = true};
    return p;
}

static void cache_free(void *opaque, void *p)
{
    worker *w = opaque;
    for (unsigned i = 0; i < CACHED_BLOCKS; i++)
        if (w->blocks[i].ptr == p) w->blocks[i].in_use = false;
}

/* ---- the workers ---- */

/* Lock held. The piece the job's next output goes into; NULL when the job is dropped
 * (failure NONE) or no memory is left for it. */
static out_piece *room_for_output(parallel_decoder *pd, bz_job *job, di_reason *failure)
{
    *failure = DI_REASON_NONE;
    for (;;) {
        if (job->cancelled || pd->shutdown) return NULL;
        out_piece *p = &job->pieces[job->write_piece];
        /* Full: what the job wrote a turn ago, not yet emptied by the reader. */
        if (p->len == PIECE_SIZE) {
            di_cond_wait(pd->wake_workers, pd->lock);
            continue;
        }
        if (!p->data) {
            p->data = malloc(PIECE_SIZE);
            if (!p->data) {
                *failure = DI_REASON_CODEC_OUT_OF_MEMORY;
                return NULL;
            }
            account(pd, PIECE_SIZE, 0);
        }
        return p;
    }
}

typedef enum job_end { JOB_END_OK, JOB_END_FAILED, JOB_END_DROPPED } job_end;

/* Lock held. Publishes what libbz2 wrote into p. A full piece is the reader's: the
 * job goes on in the next one at once (the reader may empty this one before the job
 * writes again, and it must not be written again before the next). */
static void publish(parallel_decoder *pd, bz_job *job, out_piece *p, size_t out)
{
    if (out == 0) return;
    p->len += out;
    if (p->len == PIECE_SIZE) job->write_piece = (job->write_piece + 1) % PIECES_PER_JOB;
    job->produced = true;
    pd->reader_events++;
    di_cond_broadcast(pd->wake_reader);
}

/* Publishes the out bytes the job just wrote into *p, then finds room for its next
 * ones (*dst, *room). False when the job was dropped (*end JOB_END_DROPPED) or no
 * memory is left (*end JOB_END_FAILED, the job's failure set). Called without the lock. */
static bool next_room(parallel_decoder *pd, bz_job *job, out_piece **p, size_t out,
                      unsigned char **dst, size_t *room, job_end *end)
{
    di_mutex_lock(pd->lock);
    publish(pd, job, *p, out);
    di_reason failure;
    *p = room_for_output(pd, job, &failure);
    *room = *p ? PIECE_SIZE - (*p)->len : 0;
    *dst = *p ? (*p)->data + (*p)->len : NULL;
    di_mutex_unlock(pd->lock);
    if (*p) return true;
    if (failure) {
        job->data_error = false;
        job->failure = failure;
    }
    *end = failure ? JOB_END_FAILED : JOB_END_DROPPED;
    return false;
}

/* The last bytes a job wrote, once it stops writing. Called without the lock. */
static void publish_last(parallel_decoder *pd, bz_job *job, out_piece *p, size_t out)
{
    if (out == 0) return;
    di_mutex_lock(pd->lock);
    publish(pd, job, p, out);
    di_mutex_unlock(pd->lock);
}

/* The job's piece through our own decoder: parsed whole first (a piece ending inside a
 * block needs more bits and has written nothing: stalled, for a merge), then written
 * out into the job's pieces with the CRC checked at the end. False when the block is
 * libbz2's to decode (randomised) or no decoder could be made. Called without the lock. */
static bool decode_job_own(worker *w, bz_job *job, job_end *end)
{
    parallel_decoder *pd = w->pd;
    if (!w->block) {
        w->block = bz2_block_decoder_new();
        if (!w->block) return false;
        di_mutex_lock(pd->lock);
        account(pd, bz2_block_decoder_memory(), 0);
        di_mutex_unlock(pd->lock);
    }
    const bz2_bytes ring = {pd->ring, pd->ring_size};
    uint64_t block_end = 0;
    bz2_block_status st =
        bz2_block_parse(w->block, &ring, job->start_bit, job->end_bit, job->level, &block_end);
    if (st == BZ2_BLOCK_UNSUPPORTED) return false;
    job->data_error = true;
    job->stalled = st == BZ2_BLOCK_NEED_MORE;
    job->failure = DI_REASON_NONE;
    *end = JOB_END_FAILED;
    if (st != BZ2_BLOCK_OK) {
        job->failure = CORRUPT;
        return true;
    }
    /* The next magic starts where a block ends: anything between is not bzip2, and no
     * merge with the next piece can change where this block ends. */
    if (block_end != job->end_bit) {
        job->data_error = false;
        job->failure = CORRUPT;
        return true;
    }
    size_t out = 0, room;
    out_piece *p = NULL;
    unsigned char *dst;
    for (;;) {
        bool more = next_room(pd, job, &p, out, &dst, &room, end);
        out = 0;
        if (!more) return true;
        st = bz2_block_output(w->block, dst, room < OUT_STEP ? room : OUT_STEP, &out);
        if (st == BZ2_BLOCK_MORE_OUTPUT) continue;
        if (st == BZ2_BLOCK_OK)
            *end = JOB_END_OK;
        else
            job->failure = CORRUPT;   /* the block's CRC does not match its bytes */
        break;
    }
    publish_last(pd, job, p, out);
    return true;
}

/* Decodes the job's piece into its output pieces with libbz2. Called without the lock.
 *
 * libbz2 gets the piece in two parts. First the piece up to its last byte (whose last
 * bits are the file's own, the next magic's first ones): a whole block ends in there,
 * so libbz2 writes its output, checks its CRC and stops for input while reading the
 * magic. A piece cut short by a magic found by chance inside a block stops before any
 * output: the block's real end lies further on (two magics are at least 45 bits apart,
 * so the real one cannot hide in that last byte). Then the rest of the magic after the
 * piece, which libbz2 must accept as one. */
static job_end decode_job_libbz2(worker *w, bz_job *job)
{
    parallel_decoder *pd = w->pd;
    const bz2_bytes ring = {pd->ring, pd->ring_size};
    uint64_t next_bit = job->start_bit;
    uint64_t piece_end = job->start_bit + (job->end_bit - job->start_bit + 7) / 8 * 8;
    uint64_t magic_end = job->end_bit + BZ2_MAGIC_BITS;
    /* A tail ends with the input: whole bytes only, for zeros padding the last one
     * would be taken for bits of the file. A block ending in those last bits is then
     * not seen whole, and the file is said cut short (which it is) without it. */
    if (job->tail)
        piece_end = magic_end = job->start_bit + (job->end_bit - job->start_bit) / 8 * 8;
    uint64_t stop_bit = piece_end;   /* what may be handed over in this part */
    job->data_error = true;
    job->stalled = false;
    job->failure = DI_REASON_NONE;

    bz_stream bz;
    memset(&bz, 0, sizeof bz);
    bz.bzalloc = cache_alloc;
    bz.bzfree = cache_free;
    bz.opaque = w;
    if (BZ2_bzDecompressInit(&bz, 0, 0) != BZ_OK) {
        job->data_error = false;
        job->failure = DI_REASON_CODEC_OUT_OF_MEMORY;
        return JOB_END_FAILED;
    }
    memcpy(w->stage, "BZh", 3);
    w->stage[3] = (unsigned char)job->level;
    size_t staged = bz2_copy_bits(&ring, next_bit, stop_bit, w->stage + 4, STAGE_SIZE - 4);
    next_bit += (uint64_t)staged * 8;
    bz.next_in = (char *)w->stage;
    bz.avail_in = (unsigned)(staged + 4);

    job_end end = JOB_END_FAILED;
    bool produced = false;
    size_t out = 0, room;
    out_piece *p = NULL;
    unsigned char *dst;
    for (;;) {
        produced = produced || out > 0;
        bool more = next_room(pd, job, &p, out, &dst, &room, &end);
        out = 0;
        if (!more) break;
        unsigned want = (unsigned)(room < OUT_STEP ? room : OUT_STEP);
        bz.next_out = (char *)dst;
        bz.avail_out = want;
        unsigned in_before = bz.avail_in;
        int rc = BZ2_bzDecompress(&bz);
        out = want - bz.avail_out;
        if (rc == BZ_OK && bz.avail_out == 0) continue;           /* more output to come */
        if (rc == BZ_OK && bz.avail_in == 0) {
            if (next_bit >= stop_bit && stop_bit == piece_end) {
                /* The piece is in: without output, it ended inside a block. */
                if (!produced && out == 0) {
                    job->failure = CORRUPT;
                    job->stalled = true;
                    break;
                }
                stop_bit = magic_end;
            }
            if (next_bit < stop_bit) {
                staged = bz2_copy_bits(&ring, next_bit, stop_bit, w->stage, STAGE_SIZE);
                next_bit += (uint64_t)staged * 8;
                bz.next_in = (char *)w->stage;
                bz.avail_in = (unsigned)staged;
                continue;
            }
            end = JOB_END_OK;   /* block, CRC and the magic after it read: wants more */
            break;
        }
        if (rc == BZ_OK && (out > 0 || bz.avail_in != in_before)) continue;
        if (rc == BZ_OK || rc == BZ_STREAM_END) {
            job->failure = CORRUPT;   /* no progress, or a stream end no piece holds */
        } else {
            job->failure = bz_reason(rc);
            job->data_error = rc == BZ_DATA_ERROR || rc == BZ_DATA_ERROR_MAGIC;
        }
        break;
    }
    publish_last(pd, job, p, out);
    BZ2_bzDecompressEnd(&bz);
    return end;
}

static job_end decode_job(worker *w, bz_job *job)
{
    job_end end;
    if (!job->tail && decode_job_own(w, job, &end)) return end;
    return decode_job_libbz2(w, job);
}

/* Lock held. */
static bz_job *oldest_queued(parallel_decoder *pd)
{
    bz_job *oldest = NULL;
    for (unsigned i = 0; i < pd->job_count; i++) {
        bz_job *j = &pd->jobs[i];
        if (j->state == JOB_QUEUED && (!oldest || j->seq < oldest->seq)) oldest = j;
    }
    return oldest;
}

static void worker_main(void *arg)
{
    worker *w = arg;
    parallel_decoder *pd = w->pd;
    di_mutex_lock(pd->lock);
    while (!pd->shutdown) {
        /* Oldest first: the job the reader waits for is never behind later ones. */
        bz_job *job = oldest_queued(pd);
        if (!job) {
            di_cond_wait(pd->wake_workers, pd->lock);
            continue;
        }
        job->state = JOB_RUNNING;
        job->worker_active = true;
        di_mutex_unlock(pd->lock);
        job_end end = decode_job(w, job);
        di_mutex_lock(pd->lock);
        job->worker_active = false;
        if (job->cancelled)
            job->state = JOB_FREE;
        else
            job->state = end == JOB_END_OK ? JOB_DONE : JOB_FAILED;
        pd->reader_events++;
        di_cond_broadcast(pd->wake_reader);
    }
    di_mutex_unlock(pd->lock);
}

/* Lock held. Starts the workers when the first block is queued: a decoder that never
 * sees one starts no thread. False when none could start. */
static bool ensure_workers(parallel_decoder *pd)
{
    while (pd->started < pd->threads) {
        worker *w = &pd->workers[pd->started];
        w->pd = pd;
        if (!w->stage) {
            w->stage = malloc(STAGE_SIZE);
            if (!w->stage) break;
            account(pd, STAGE_SIZE, 0);
        }
        w->thread = di_thread_start(worker_main, w);
        if (!w->thread) break;
        pd->started++;
    }
    return pd->started > 0;
}

/* ---- the reader's side: the ring, the splitter, the queue ---- */

static bz2_bytes ring_bytes(const parallel_decoder *pd)
{
    return (bz2_bytes){pd->ring, pd->ring_size};
}

/* Lock held. The oldest ring byte still needed: by a piece not yet committed (a rewind
 * goes back to it), by a worker still reading, by the splitter. */
static uint64_t ring_low_water(const parallel_decoder *pd)
{
    uint64_t low = pd->ring_end;
    if (pd->split.state != SPLIT_IDLE && pd->split.at / 8 < low) low = pd->split.at / 8;
    for (unsigned i = 0; i < pd->queue_len; i++) {
        const entry *e = &pd->queue[(pd->queue_head + i) % pd->queue_cap];
        if (e->kind == ENTRY_BLOCK && e->start_bit / 8 < low) low = e->start_bit / 8;
    }
    for (unsigned i = 0; i < pd->job_count; i++) {
        const bz_job *j = &pd->jobs[i];
        if (j->worker_active && j->start_bit / 8 < low) low = j->start_bit / 8;
    }
    return low;
}

/* Lock held. Copies what fits of in into the ring; returns how much. */
static size_t ring_take(parallel_decoder *pd, const unsigned char *in, size_t len)
{
    size_t used = (size_t)(pd->ring_end - ring_low_water(pd));
    size_t n = pd->ring_size - used < len ? pd->ring_size - used : len;
    for (size_t done = 0; done < n;) {
        size_t at = (size_t)(pd->ring_end % pd->ring_size);
        size_t part = pd->ring_size - at < n - done ? pd->ring_size - at : n - done;
        memcpy(pd->ring + at, in + done, part);
        if (at < RING_MIRROR) {
            size_t m = RING_MIRROR - at < part ? RING_MIRROR - at : part;
            memcpy(pd->ring + pd->ring_size + at, in + done, m);
        }
        pd->ring_end += part;
        done += part;
    }
    return n;
}

/* The first magic at a bit position >= from whose 48 bits have been taken in. When
 * there is none, *checked is the first position not looked at yet. Only the reader
 * writes the ring: no lock needed. */
static bool ring_find(const parallel_decoder *pd, uint64_t from, uint64_t *at, bz2_magic *kind,
                      uint64_t *checked)
{
    for (;;) {
        uint64_t q = from / 8;
        if (pd->ring_end < q + 6) {
            *checked = from;
            return false;
        }
        /* From q on, the memory is contiguous up to the ring's end plus its mirror. */
        size_t index = (size_t)(q % pd->ring_size);
        size_t contiguous = pd->ring_size + RING_MIRROR - index;
        size_t len = pd->ring_end - q < contiguous ? (size_t)(pd->ring_end - q) : contiguous;
        uint64_t rel;
        if (bz2_scanner_find(&pd->scanner, pd->ring + index, len, from - q * 8, &rel, kind)) {
            *at = q * 8 + rel;
            return true;
        }
        uint64_t next = q * 8 + (uint64_t)len * 8 - (BZ2_MAGIC_BITS - 1);
        if (next < from) next = from;
        if (q + len == pd->ring_end) {
            *checked = next;
            return false;
        }
        from = next;
    }
}

static bool queue_full(const parallel_decoder *pd) { return pd->queue_len == pd->queue_cap; }

static void push(parallel_decoder *pd, entry e)
{
    pd->queue[(pd->queue_head + pd->queue_len) % pd->queue_cap] = e;
    pd->queue_len++;
}

static void pop(parallel_decoder *pd)
{
    pd->queue_head = (pd->queue_head + 1) % pd->queue_cap;
    pd->queue_len--;
}

/* The splitter's last word: nothing follows until a rewind. */
static void push_final(parallel_decoder *pd, entry_kind kind, di_reason failure)
{
    push(pd, (entry){.kind = kind, .failure = failure});
    pd->split.state = SPLIT_IDLE;
}

/* Lock held. Queues the piece [start, end) for the workers (a tail: the input ends at
 * end; retried: why the piece was merged); false when no job slot is free (every one
 * is in flight). */
static bool queue_block(parallel_decoder *pd, uint64_t start, uint64_t end, bool tail,
                        di_reason retried)
{
    bz_job *job = NULL;
    for (unsigned i = 0; i < pd->job_count && !job; i++)
        if (pd->jobs[i].state == JOB_FREE) job = &pd->jobs[i];
    if (!job) return false;
    if (!ensure_workers(pd)) {
        push_final(pd, ENTRY_FAILED, DI_REASON_CODEC_NO_THREAD);
        return true;
    }
    const bz2_bytes ring = ring_bytes(pd);
    job->state = JOB_QUEUED;
    job->seq = pd->next_seq++;
    job->start_bit = start;
    job->end_bit = end;
    job->tail = tail;
    job->level = pd->split.level;
    job->cancelled = job->produced = false;
    job->failure = DI_REASON_NONE;
    for (unsigned i = 0; i < PIECES_PER_JOB; i++) job->pieces[i].len = job->pieces[i].read = 0;
    job->write_piece = job->read_piece = 0;
    push(pd, (entry){.kind = ENTRY_BLOCK, .job = job, .start_bit = start, .end_bit = end,
                     .crc = bz2_bits(&ring, start + BZ2_MAGIC_BITS, BZ2_CRC_BITS),
                     .level = pd->split.level, .failure = retried});
    di_cond_broadcast(pd->wake_workers);
    return true;
}

/* The stream header at a byte boundary: another stream, or the bytes after the last
 * one (ignored, as bzip2 -d does). False, with *stop, when it does not go on. */
static bool split_header(parallel_decoder *pd, bool *queued, split_stop *stop)
{
    splitter *sp = &pd->split;
    uint64_t at = sp->at / 8, avail = pd->ring_end - at;
    unsigned char h[4] = {0};
    size_t got = avail < 4 ? (size_t)avail : 4;
    for (size_t i = 0; i < got; i++) h[i] = pd->ring[(at + i) % pd->ring_size];
    bool bzh_so_far = memcmp(h, "BZh", got < 3 ? got : 3) == 0;
    di_reason failure = DI_REASON_NONE;
    entry_kind final;
    if (!sp->first_stream && (!bzh_so_far || (got < 3 && pd->input_done)))
        final = ENTRY_DATA_END;
    else if (!bzh_so_far || (got == 4 && (h[3] < '1' || h[3] > '9'))) {
        final = ENTRY_FAILED;
        failure = DI_REASON_CODEC_NOT_ITS_FORMAT;
    } else if (got < 4 && !pd->input_done) {
        *stop = STOP_INPUT;
        return false;
    } else if (got < 4) {
        final = ENTRY_TRUNCATED;
    } else {
        sp->level = (char)h[3];
        sp->at = (at + 4) * 8;
        sp->state = SPLIT_FIRST_MAGIC;
        return true;
    }
    push_final(pd, final, failure);
    *queued = true;
    *stop = STOP_IDLE;
    return false;
}

/* Lock held. Finds what the taken-in bytes hold and queues it; *queued says whether
 * anything was. Returns why it stopped. */
static split_stop split(parallel_decoder *pd, bool *queued)
{
    splitter *sp = &pd->split;
    const bz2_bytes ring = ring_bytes(pd);
    *queued = false;
    for (;;) {
        if (sp->state == SPLIT_IDLE) return STOP_IDLE;
        if (queue_full(pd)) return STOP_BLOCKED;
        uint64_t have = pd->ring_end * 8;
        switch (sp->state) {
        case SPLIT_HEADER: {
            split_stop stop;
            if (!split_header(pd, queued, &stop)) return stop;
            break;
        }
        case SPLIT_FIRST_MAGIC: {
            if (sp->at + BZ2_MAGIC_BITS > have) {
                if (!pd->input_done) return STOP_INPUT;
                push_final(pd, ENTRY_TRUNCATED, DI_REASON_NONE);
                *queued = true;
                return STOP_IDLE;
            }
            bz2_magic kind = bz2_magic_at(&ring, sp->at);
            if (kind == BZ2_BLOCK) {
                sp->state = SPLIT_BLOCK;
                sp->scan_from = sp->at + MAGIC_AND_CRC_BITS;
                sp->retry_failure = DI_REASON_NONE;
            } else if (kind == BZ2_STREAM_END) {
                sp->state = SPLIT_STREAM_CRC;   /* an empty stream */
            } else {
                push_final(pd, ENTRY_FAILED, CORRUPT);
                *queued = true;
                return STOP_IDLE;
            }
            break;
        }
        case SPLIT_BLOCK: {
            /* A real block ends before this; a piece that does not is corrupt. */
            uint64_t limit = sp->at + bz2_max_block_bits(sp->level);
            uint64_t at = 0, checked = 0;
            bz2_magic kind = BZ2_NO_MAGIC;
            di_mutex_unlock(pd->lock);
            bool found = ring_find(pd, sp->scan_from, &at, &kind, &checked);
            di_mutex_lock(pd->lock);
            if (!found) sp->scan_from = checked;
            if ((found && at > limit) || (!found && checked > limit)) {
                push_final(pd, ENTRY_FAILED, sp->retry_failure ? sp->retry_failure : CORRUPT);
                *queued = true;
                return STOP_IDLE;
            }
            if (!found) {
                if (!pd->input_done) return STOP_INPUT;
                /* The input ends inside this piece: cut short, or the piece is
                 * corrupt, which decoding it tells apart as libbz2 alone would. */
                if (pd->queue_len + 2 > pd->queue_cap) return STOP_BLOCKED;
                if (!queue_block(pd, sp->at, have, true, sp->retry_failure)) return STOP_BLOCKED;
                *queued = true;
                if (sp->state != SPLIT_IDLE) push_final(pd, ENTRY_TRUNCATED, DI_REASON_NONE);
                return STOP_IDLE;
            }
            sp->scan_from = at;   /* found again at once if no job is free now */
            if (!queue_block(pd, sp->at, at, false, DI_REASON_NONE)) return STOP_BLOCKED;
            *queued = true;
            if (sp->state == SPLIT_IDLE) return STOP_IDLE;
            sp->retry_failure = DI_REASON_NONE;
            sp->at = at;
            if (kind == BZ2_BLOCK)
                sp->scan_from = at + MAGIC_AND_CRC_BITS;
            else
                sp->state = SPLIT_STREAM_CRC;
            break;
        }
        case SPLIT_STREAM_CRC: {
            if (sp->at + MAGIC_AND_CRC_BITS > have) {
                if (!pd->input_done) return STOP_INPUT;
                push_final(pd, ENTRY_TRUNCATED, DI_REASON_NONE);
                *queued = true;
                return STOP_IDLE;
            }
            uint32_t crc = bz2_bits(&ring, sp->at + BZ2_MAGIC_BITS, BZ2_CRC_BITS);
            push(pd, (entry){.kind = ENTRY_STREAM_END, .crc = crc});
            *queued = true;
            sp->at = (sp->at + MAGIC_AND_CRC_BITS + 7) / 8 * 8;
            sp->state = SPLIT_HEADER;
            sp->first_stream = false;
            break;
        }
        case SPLIT_IDLE:
            return STOP_IDLE;
        }
    }
}

/* Lock held. Lets go of a job: at once, or by its worker when it notices. */
static void drop_job(parallel_decoder *pd, bz_job *job)
{
    if (job->worker_active)
        job->cancelled = true;
    else
        job->state = JOB_FREE;
    di_cond_broadcast(pd->wake_workers);
}

/* Lock held. The head piece failed without output: the magic that ended it was a
 * chance match inside the block. Everything queued after it goes; the splitter looks
 * again from the head piece's start for a magic past that one. */
static void rewind_to_head(parallel_decoder *pd, di_reason failure)
{
    entry head = pd->queue[pd->queue_head];
    for (unsigned i = 0; i < pd->queue_len; i++) {
        entry *e = &pd->queue[(pd->queue_head + i) % pd->queue_cap];
        if (e->kind == ENTRY_BLOCK) drop_job(pd, e->job);
    }
    pd->queue_len = 0;
    splitter *sp = &pd->split;
    sp->state = SPLIT_BLOCK;
    sp->at = head.start_bit;
    sp->level = head.level;
    sp->scan_from = head.end_bit + 1;
    sp->retry_failure = failure;
    sp->first_stream = false;
}

typedef enum drain_status {
    DRAIN_WAIT,         /* the head job has nothing to give yet */
    DRAIN_EMPTY,        /* nothing queued */
    DRAIN_OUT_FULL,
    DRAIN_TRUNCATED,
    DRAIN_END,
    DRAIN_FAILED
} drain_status;

static drain_status fail(parallel_decoder *pd, di_reason failure)
{
    pd->fatal = failure;
    return DRAIN_FAILED;
}

/* Lock held. Copies the head job's output out and commits entries in order. */
static drain_status drain(parallel_decoder *pd, codec_buffers *io, size_t *made)
{
    while (pd->queue_len > 0) {
        entry *e = &pd->queue[pd->queue_head];
        switch (e->kind) {
        case ENTRY_BLOCK: {
            bz_job *job = e->job;
            out_piece *p = &job->pieces[job->read_piece];
            if (p->read < p->len) {
                if (*made == io->out_len) return DRAIN_OUT_FULL;
                size_t n = p->len - p->read < io->out_len - *made ? p->len - p->read
                                                                  : io->out_len - *made;
                const unsigned char *src = p->data + p->read;
                /* The worker writes only past p->len and reuses the piece only once it
                 * is emptied below: the copy needs no lock. */
                di_mutex_unlock(pd->lock);
                memcpy(io->out + *made, src, n);
                di_mutex_lock(pd->lock);
                *made += n;
                p->read += n;
                if (p->read == PIECE_SIZE) {
                    p->len = p->read = 0;
                    job->read_piece = (job->read_piece + 1) % PIECES_PER_JOB;
                    di_cond_broadcast(pd->wake_workers);
                }
                continue;
            }
            if (job->state == JOB_DONE) {
                pd->combined = (pd->combined << 1 | pd->combined >> 31) ^ e->crc;
                job->state = JOB_FREE;
                pop(pd);
                continue;
            }
            if (job->state == JOB_FAILED) {
                /* Output means a whole block whose data is wrong: no rewind helps. */
                if (job->produced || !job->data_error) return fail(pd, job->failure);
                if (job->tail) {
                    /* No magic left to merge with: cut short inside a block, or
                     * corrupt (as the piece it grew from was, if it was retried). */
                    if (job->stalled && !e->failure) return DRAIN_TRUNCATED;
                    return fail(pd, e->failure ? e->failure : job->failure);
                }
                rewind_to_head(pd, job->failure);
                continue;
            }
            return DRAIN_WAIT;
        }
        case ENTRY_STREAM_END:
            /* Each block's CRC was checked as it was decoded; this checks none is missing,
             * repeated or out of order. */
            if (pd->combined != e->crc) return fail(pd, CORRUPT);
            pd->combined = 0;
            pop(pd);
            continue;
        case ENTRY_DATA_END:
            pd->finished = true;
            return DRAIN_END;
        case ENTRY_TRUNCATED:
            return DRAIN_TRUNCATED;
        case ENTRY_FAILED:
            return fail(pd, e->failure);
        }
    }
    return DRAIN_EMPTY;
}

static codec_result parallel_step(decoder *dec, codec_buffers *io, codec_failure *why)
{
    parallel_decoder *pd = (parallel_decoder *)dec;
    size_t pos = 0, made = 0;
    codec_result result = CODEC_MORE;
    di_mutex_lock(pd->lock);
    for (;;) {
        uint64_t events = pd->reader_events;
        if (pd->fatal) {
            result = CODEC_FAILED;
            break;
        }
        if (pd->finished) {
            result = CODEC_END;
            break;
        }
        drain_status ds = drain(pd, io, &made);
        if (ds == DRAIN_FAILED || ds == DRAIN_END) continue;
        if (made == io->out_len && ds != DRAIN_EMPTY && ds != DRAIN_TRUNCATED) break;
        size_t taken = 0;
        if (pd->split.state != SPLIT_IDLE && pos < io->in_len)
            taken = ring_take(pd, io->in + pos, io->in_len - pos);
        pos += taken;
        if (io->input_ended && pos == io->in_len) pd->input_done = true;
        bool queued;
        split_stop stop = split(pd, &queued);
        if (queued || taken > 0) continue;
        if (ds == DRAIN_TRUNCATED) break;   /* the caller sees the input end with no progress */
        if (stop == STOP_INPUT && pos == io->in_len && !pd->input_done) break;
        if (made > 0 || pos > 0) break;
        /* Nothing to do but wait for a worker: the head job's output, a job slot, or
         * room in the ring once a piece is committed. Unless one came meanwhile. */
        if (pd->reader_events == events) di_cond_wait(pd->wake_reader, pd->lock);
    }
    if (result == CODEC_FAILED) codec_fail(why, "bzip2", pd->fatal);
    di_mutex_unlock(pd->lock);
    io->in_used = pos;
    io->out_made = made;
    return result;
}

/* Everything but the threads. */
static void release(parallel_decoder *pd)
{
    for (unsigned i = 0; i < MAX_WORKERS; i++) {
        free(pd->workers[i].stage);
        bz2_block_decoder_free(pd->workers[i].block);
        for (unsigned b = 0; b < CACHED_BLOCKS; b++) free(pd->workers[i].blocks[b].ptr);
    }
    for (unsigned i = 0; pd->jobs && i < pd->job_count; i++)
        for (unsigned k = 0; k < PIECES_PER_JOB; k++) free(pd->jobs[i].pieces[k].data);
    free(pd->jobs);
    free(pd->queue);
    free(pd->ring);
    di_cond_free(pd->wake_reader);
    di_cond_free(pd->wake_workers);
    di_mutex_free(pd->lock);
    free(pd);
}

static void parallel_free(decoder *dec)
{
    parallel_decoder *pd = (parallel_decoder *)dec;
    di_mutex_lock(pd->lock);
    pd->shutdown = true;
    for (unsigned i = 0; i < pd->job_count; i++) pd->jobs[i].cancelled = true;
    di_cond_broadcast(pd->wake_workers);
    di_mutex_unlock(pd->lock);
    /* A worker inside libbz2 finishes that call (one block at most) and leaves. */
    for (unsigned i = 0; i < pd->started; i++) di_thread_join(pd->workers[i].thread);
    release(pd);
}

static const decoder_ops parallel_ops = {.step = parallel_step, .free = parallel_free};

decoder *decoder_new_bzip2_parallel(unsigned threads)
{
    parallel_decoder *pd = calloc(1, sizeof *pd);
    if (!pd) return NULL;
    pd->base.ops = &parallel_ops;
    pd->threads = threads < 2 ? 2 : threads > MAX_WORKERS ? MAX_WORKERS : threads;
    pd->job_count = pd->threads + 1;
    pd->queue_cap = 2 * pd->job_count + 4;   /* blocks and the stream ends between them */
    /* The ring holds the pieces in flight (at most 0.9 MB each, but for rare weird
     * ones) and the one being looked for. */
    pd->ring_size = ((size_t)pd->threads + 2) << 20;
    if (pd->ring_size < RING_MIN) pd->ring_size = RING_MIN;
    pd->lock = di_mutex_new();
    pd->wake_reader = di_cond_new();
    pd->wake_workers = di_cond_new();
    pd->jobs = calloc(pd->job_count, sizeof *pd->jobs);
    pd->queue = calloc(pd->queue_cap, sizeof *pd->queue);
    pd->ring = malloc(pd->ring_size + RING_MIRROR);
    if (!pd->lock || !pd->wake_reader || !pd->wake_workers || !pd->jobs || !pd->queue ||
        !pd->ring) {
        release(pd);
        return NULL;
    }
    pd->memory = pd->memory_peak = pd->ring_size + RING_MIRROR;
    bz2_scanner_init(&pd->scanner);
    pd->split.state = SPLIT_HEADER;
    pd->split.first_stream = true;
    return &pd->base;
}

size_t bzip2_parallel_peak_memory(const decoder *dec)
{
    if (!dec || dec->ops != &parallel_ops) return 0;
    parallel_decoder *pd = (parallel_decoder *)dec;
    di_mutex_lock(pd->lock);
    size_t peak = pd->memory_peak;
    di_mutex_unlock(pd->lock);
    return peak;
}
