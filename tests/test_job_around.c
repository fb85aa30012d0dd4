/* Around the job: "Eject when done" (after everything else, every other handle closed;
 * a failure only warns), the partition table re-read once the last byte is flushed
 * (plain, bmap and GPT-move writes), and the machine kept awake during a job (Windows;
 * a no-op on Linux). A spy wraps every device the job opens, presents the target as a
 * 512-byte-sector block device and numbers the events it sees. */
#include <stdatomic.h>
#include <stdlib.h>

#include "check.h"
#include "diskimager/hash.h"
#include "diskimager/job.h"
#include "diskimager/crc32.h"
#include "diskimager/partitions.h"
#include "diskimager/system.h"
#include "job_runner.h"
#include "test_files.h"

#ifdef _WIN32
#include <windows.h>
#endif

#define MiB (1024ull * 1024ull)

typedef struct spy {
    bool eject_fails;
    atomic_uint seq;          /* events numbered from 1 */
    atomic_uint last_write;   /* the latest write to the target */
    atomic_uint last_flush;
    atomic_uint after_writes; /* how many */
    atomic_uint last_after_write;
    atomic_uint after_write_past_io; /* after_write calls later than every write and flush */
    atomic_int open_devices;  /* devices wrapped and not yet closed */
    atomic_uint last_close;   /* of any device but the eject handle */
    unsigned ejects, eject_at, eject_role_opens;
    int open_at_eject;
    unsigned awake_state_seen; /* Windows: the job thread's execution state */
} spy;

typedef struct spy_device {
    di_device base;
    di_device *inner;
    spy *s;
    di_role role;
} spy_device;

static unsigned tick(spy *s)
{
    return atomic_fetch_add(&s->seq, 1) + 1;
}

static void raise_to(atomic_uint *v, unsigned at)
{
    unsigned old = atomic_load(v);
    while (old < at && !atomic_compare_exchange_weak(v, &old, at)) {
    }
}

static spy_device *sd(di_device *dev)
{
    return (spy_device *)dev;
}

static di_status spy_read(di_device *dev, void *buf, size_t len, uint64_t offset, size_t *done,
                          di_error *error)
{
    di_device *in = sd(dev)->inner;
    return in->ops->read_at(in, buf, len, offset, done, error);
}

static di_status spy_write(di_device *dev, const void *buf, size_t len, uint64_t offset,
                           size_t *done, di_error *error)
{
    di_device *in = sd(dev)->inner;
    di_status st = in->ops->write_at(in, buf, len, offset, done, error);
    raise_to(&sd(dev)->s->last_write, tick(sd(dev)->s));
    return st;
}

static di_status spy_flush(di_device *dev, di_error *error)
{
    di_device *in = sd(dev)->inner;
    di_status st = in->ops->flush(in, error);
    raise_to(&sd(dev)->s->last_flush, tick(sd(dev)->s));
    return st;
}

static void spy_after_write(di_device *dev)
{
    spy *s = sd(dev)->s;
    unsigned at = tick(s);
    atomic_fetch_add(&s->after_writes, 1);
    raise_to(&s->last_after_write, at);
    if (at > atomic_load(&s->last_write) && at > atomic_load(&s->last_flush))
        atomic_fetch_add(&s->after_write_past_io, 1);
}

static di_status spy_set_size(di_device *dev, uint64_t size, di_error *error)
{
    di_device *in = sd(dev)->inner;
    if (!in->ops->set_size)
        return di_error_set(error, DI_ERR_INTERNAL, "set size", dev->path, 0, "not a file");
    di_status st = in->ops->set_size(in, size, error);
    if (st == DI_OK) dev->size = size;
    return st;
}

static di_status spy_eject(di_device *dev, di_error *error)
{
    spy *s = sd(dev)->s;
    s->ejects++;
    s->eject_at = tick(s);
    s->open_at_eject = atomic_load(&s->open_devices);
    if (s->eject_fails)
        return di_error_set(error, DI_ERR_OPEN, "eject", dev->path, 0,
                            "the drive refused to eject its medium");
    return DI_OK;
}

static void spy_close(di_device *dev)
{
    spy *s = sd(dev)->s;
    unsigned at = tick(s);
    if (sd(dev)->role != DI_ROLE_EJECT) raise_to(&s->last_close, at);
    atomic_fetch_sub(&s->open_devices, 1);
    di_device_close(sd(dev)->inner);
    free(dev);
}

static const di_device_ops spy_ops = {
    .read_at = spy_read,
    .write_at = spy_write,
    .flush = spy_flush,
    .after_write = spy_after_write,
    .close = spy_close,
    .set_size = spy_set_size,
    .eject = spy_eject,
};

static di_device *spy_wrap(di_device *inner, di_role role, void *ctx)
{
    spy *s = ctx;
#ifdef _WIN32
    /* Called on the job's thread: its execution state now. The same flags again leave
     * it as it is; the answer is the state before. */
    s->awake_state_seen = (unsigned)SetThreadExecutionState(ES_CONTINUOUS | ES_SYSTEM_REQUIRED);
#endif
    if (role == DI_ROLE_EJECT) s->eject_role_opens++;
    spy_device *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->base = *inner;
    d->base.ops = &spy_ops;
    d->inner = inner;
    d->s = s;
    d->role = role;
    if (role != DI_ROLE_SOURCE) {
        d->base.kind = DI_DEVICE_BLOCK;
        d->base.sector_size = 512;
    }
    atomic_fetch_add(&s->open_devices, 1);
    tick(s);
    return &d->base;
}

typedef struct files {
    const char *image, *device;
} files;

static files make_files(const char *test, uint64_t image_size, uint64_t device_size)
{
    const char *dir = test_dir(test);
    files f = {test_path(dir, "image.img"), test_path(dir, "device.img")};
    CHECK(make_random_file(f.image, image_size, 7));
    CHECK(make_zero_file(f.device, device_size));
    return f;
}

static di_job_spec write_spec(const files *f, spy *s)
{
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = f->image, .target_path = f->device,
                        .wrap = spy_wrap, .wrap_ctx = s};
    return spec;
}

/* ---- eject ---- */

static void ejects_last_with_every_other_handle_closed(void)
{
    files f = make_files("around_eject", 3 * MiB + 512, 8 * MiB);
    spy s = {0};
    di_job_spec spec = write_spec(&f, &s);
    spec.eject = true;
    spec.verify_after_write = true;
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK(out.result.ejected);
    CHECK(!(out.result.warnings & DI_WARN_EJECT_FAILED));
    CHECK_U64(s.ejects, 1);
    CHECK_U64(s.eject_role_opens, 1);
    /* Only the handle opened to eject was open: written, verified, all closed first. */
    CHECK_U64((uint64_t)s.open_at_eject, 1);
    CHECK(s.eject_at > atomic_load(&s.last_write));
    CHECK(s.eject_at > atomic_load(&s.last_flush));
    CHECK(s.eject_at > atomic_load(&s.last_after_write));
    CHECK(s.eject_at > atomic_load(&s.last_close));
    CHECK_U64((uint64_t)atomic_load(&s.open_devices), 0);
    CHECK(files_equal_prefix(f.image, f.device, 3 * MiB + 512));
}

static void a_failed_eject_only_warns(void)
{
    files f = make_files("around_eject_fails", 2 * MiB, 4 * MiB);
    spy s = {.eject_fails = true};
    di_job_spec spec = write_spec(&f, &s);
    spec.eject = true;
    spec.hash_mask = DI_HASH_BIT(DI_HASH_MD5);
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK(!out.result.ejected);
    CHECK(out.result.warnings & DI_WARN_EJECT_FAILED);
    char text[1024];
    di_error_format(&out.result.eject_error, text, sizeof text);
    CHECK_CONTAINS(text, "eject failed on");
    CHECK_CONTAINS(text, "the drive refused to eject its medium");
    /* The write and its digest stand. */
    char md5[DI_HASH_HEX_MAX];
    CHECK(reference_hash(f.image, DI_HASH_MD5, UINT64_MAX, md5));
    CHECK_STR(out.result.hashes[DI_HASH_MD5], md5);
    CHECK(files_equal_prefix(f.image, f.device, 2 * MiB));
}

static void no_eject_unless_a_write_succeeded(void)
{
    /* Not asked for. */
    files f = make_files("around_no_eject", 2 * MiB, 4 * MiB);
    spy s = {0};
    di_job_spec spec = write_spec(&f, &s);
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK_U64(s.ejects + s.eject_role_opens, 0);
    CHECK(!out.result.ejected && !out.result.warnings);
    /* A write that failed (the image does not fit) leaves the card in. */
    files big = make_files("around_no_eject_big", 5 * MiB, 4 * MiB);
    spy s2 = {0};
    spec = write_spec(&big, &s2);
    spec.eject = true;
    CHECK(run_job(&spec, &out) != DI_OK);
    CHECK_U64(s2.ejects + s2.eject_role_opens, 0);
    CHECK(!out.result.ejected && !(out.result.warnings & DI_WARN_EJECT_FAILED));
    /* Verify and Read never eject. */
    spy s3 = {0};
    spec = write_spec(&f, &s3);
    spec.kind = DI_JOB_VERIFY;
    spec.eject = true;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK_U64(s3.ejects + s3.eject_role_opens, 0);
}

static void a_file_target_is_not_ejected(void)
{
    /* Without the spy the target is the regular file it is. */
    files f = make_files("around_eject_file", 1 * MiB, 0);
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = f.image, .target_path = f.device,
                        .eject = true};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK(!out.result.ejected);
    CHECK(out.result.warnings & DI_WARN_EJECT_FAILED);
    char text[1024];
    CHECK_CONTAINS(di_error_format(&out.result.eject_error, text, sizeof text),
                   "it is a file, not a drive: there is nothing to eject");
    CHECK(files_equal_prefix(f.image, f.device, 1 * MiB));
}

/* ---- the partition table re-read ---- */

static void reread_after_the_last_flush(void)
{
    files f = make_files("around_reread", 3 * MiB + 7, 8 * MiB);
    spy s = {0};
    di_job_spec spec = write_spec(&f, &s);
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK_U64(atomic_load(&s.after_writes), 1);
    CHECK_U64(atomic_load(&s.after_write_past_io), 1);
    /* The head (the partition table) goes out last, flushed, and only then the re-read. */
    CHECK(atomic_load(&s.last_after_write) > atomic_load(&s.last_flush));
}

static void reread_after_a_bmap_write(void)
{
    const char *dir = test_dir("around_bmap");
    files f = {test_path(dir, "image.img"), test_path(dir, "device.img")};
    CHECK(make_random_file(f.image, 2 * MiB, 11));
    CHECK(make_zero_file(f.device, 4 * MiB));
    const char *bmap = test_path(dir, "image.bmap");
    /* Version 1.2: no checksums, blocks 0-99 and 300-311 of the image's 512. */
    CHECK(write_text_file(bmap,
                          "<?xml version=\"1.0\" ?>\n<bmap version=\"1.2\">\n"
                          "    <ImageSize> 2097152 </ImageSize>\n"
                          "    <BlockSize> 4096 </BlockSize>\n"
                          "    <BlocksCount> 512 </BlocksCount>\n"
                          "    <MappedBlocksCount> 112 </MappedBlocksCount>\n"
                          "    <BlockMap>\n        <Range> 0-99 </Range>\n"
                          "        <Range> 300-311 </Range>\n    </BlockMap>\n</bmap>\n"));
    spy s = {0};
    di_job_spec spec = write_spec(&f, &s);
    spec.bmap_path = bmap;
    spec.eject = true;
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    if (out.result.status != DI_OK) fprintf(stderr, "  %s\n", out.message);
    CHECK(out.result.bmap_used);
    CHECK_U64(atomic_load(&s.after_writes), 1);
    CHECK_U64(atomic_load(&s.after_write_past_io), 1);
    CHECK(out.result.ejected);
    CHECK(s.eject_at > atomic_load(&s.last_after_write));
    CHECK(files_equal_prefix(f.image, f.device, 100 * 4096));
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* A GPT disk image of `sectors` 512-byte sectors: protective MBR, one partition, the
 * primary table at its start and the backup at its end. */
static bool make_gpt_image(const char *path, uint64_t sectors)
{
    const uint32_t ss = 512, entries = 128, entry_size = 128;
    uint8_t *disk = calloc(sectors, ss);
    if (!disk) return false;
    uint8_t *mbr = disk;
    mbr[450] = 0xEE;
    put_le32(mbr + 454, 1);
    put_le32(mbr + 458, (uint32_t)(sectors - 1));
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    uint8_t table[128 * 128];
    memset(table, 0, sizeof table);
    memset(table, 0x11, 16);      /* type GUID */
    memset(table + 16, 0x22, 16); /* unique GUID */
    put_le64(table + 32, 2048);
    put_le64(table + 40, sectors - 34);
    uint32_t table_crc = di_crc32(table, sizeof table);
    uint64_t backup_lba = sectors - 1, backup_table = sectors - 33;
    for (int copy = 0; copy < 2; copy++) {
        uint64_t my = copy ? backup_lba : 1, other = copy ? 1 : backup_lba;
        uint64_t at = copy ? backup_table : 2;
        memcpy(disk + at * ss, table, sizeof table);
        uint8_t *h = disk + my * ss;
        memcpy(h, "EFI PART", 8);
        put_le32(h + 8, 0x00010000);
        put_le32(h + 12, 92);
        put_le64(h + 24, my);
        put_le64(h + 32, other);
        put_le64(h + 40, 34);
        put_le64(h + 48, sectors - 34);
        memset(h + 56, 0x33, 16);
        put_le64(h + 72, at);
        put_le32(h + 80, entries);
        put_le32(h + 84, entry_size);
        put_le32(h + 88, table_crc);
        put_le32(h + 16, di_crc32(h, 92));
    }
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(disk, ss, sectors, f) == sectors;
    if (f) ok = fclose(f) == 0 && ok;
    free(disk);
    return ok;
}

static void reread_again_after_the_gpt_backup_moves(void)
{
    const char *dir = test_dir("around_gpt");
    files f = {test_path(dir, "gpt.img"), test_path(dir, "device.img")};
    CHECK(make_gpt_image(f.image, 4096)); /* 2 MiB */
    CHECK(make_zero_file(f.device, 4 * MiB));
    spy s = {0};
    di_job_spec spec = write_spec(&f, &s);
    spec.verify_after_write = true;
    spec.move_gpt_backup = true;
    spec.eject = true;
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    if (out.result.status != DI_OK) fprintf(stderr, "  %s\n", out.message);
    CHECK(out.result.gpt_backup_moved);
    /* Once after the write, once after the move: the last one after every write. */
    CHECK_U64(atomic_load(&s.after_writes), 2);
    CHECK(atomic_load(&s.last_after_write) > atomic_load(&s.last_write));
    CHECK(atomic_load(&s.last_after_write) > atomic_load(&s.last_flush));
    CHECK(out.result.ejected);
    CHECK(s.eject_at > atomic_load(&s.last_after_write));
    CHECK_U64((uint64_t)s.open_at_eject, 1);
}

/* ---- keep awake ---- */

static void the_machine_stays_awake_during_a_job(void)
{
#ifdef _WIN32
    /* On this thread: di_job_run runs here, as a front end's worker thread runs it.
     * Wine keeps the state as Windows does for the thread (one value for the process),
     * so SetThreadExecutionState's answer tells it. */
    SetThreadExecutionState(ES_CONTINUOUS);
    files f = make_files("around_awake", 1 * MiB, 2 * MiB);
    spy s = {0};
    di_job_spec spec = write_spec(&f, &s);
    di_job *job = di_job_new(&spec);
    CHECK(job != NULL);
    if (!job) return;
    CHECK_U64(di_job_run(job), DI_OK);
    di_job_free(job);
    /* During the job: the system is kept up, the display may sleep. */
    CHECK_U64(s.awake_state_seen, ES_CONTINUOUS | ES_SYSTEM_REQUIRED);
    CHECK(!(s.awake_state_seen & ES_DISPLAY_REQUIRED));
    /* After it: cleared again. */
    CHECK_U64((unsigned)SetThreadExecutionState(ES_CONTINUOUS), ES_CONTINUOUS);
    /* A job that fails clears it too. */
    spec.source_path = test_path(test_dir("around_awake"), "missing.img");
    job = di_job_new(&spec);
    CHECK(job && di_job_run(job) != DI_OK);
    di_job_free(job);
    CHECK_U64((unsigned)SetThreadExecutionState(ES_CONTINUOUS), ES_CONTINUOUS);
#else
    /* Nothing to do on Linux (keep_awake.c says why): the call is there and harmless. */
    di_keep_awake(true);
    di_keep_awake(false);
    printf("note: keeping the machine awake is Windows-only; checked in the Windows build\n");
#endif
}

static const test_case tests[] = {
    {"ejects_last_with_every_other_handle_closed", ejects_last_with_every_other_handle_closed},
    {"a_failed_eject_only_warns", a_failed_eject_only_warns},
    {"no_eject_unless_a_write_succeeded", no_eject_unless_a_write_succeeded},
    {"a_file_target_is_not_ejected", a_file_target_is_not_ejected},
    {"reread_after_the_last_flush", reread_after_the_last_flush},
    {"reread_after_a_bmap_write", reread_after_a_bmap_write},
    {"reread_again_after_the_gpt_backup_moves", reread_again_after_the_gpt_backup_moves},
    {"the_machine_stays_awake_during_a_job", the_machine_stays_awake_during_a_job},
};
TEST_MAIN(tests)
