/* The job kinds: one entry each. Adding a kind is an entry here, its run function in a
 * file of its own, and a text for it in every front end (test_job_kinds fails until
 * the CLI and the dialog have one). */
#include "job_internal.h"

static di_status run_write(job_run *run)
{
    return run->job->spec.bmap_path ? job_write_mapped(run) : job_write(run);
}

static di_status run_verify(job_run *run)
{
    return run->job->spec.bmap_path ? job_verify_mapped(run) : job_verify(run);
}

static const job_kind_def kinds[DI_JOB_KIND_COUNT] = {
    [DI_JOB_WRITE] = {.name = "write", .op = DI_OP_WRITE, .run = run_write, .needs_source = true,
                      .needs_target = true, .takes_bmap = true, .writes_drive = true},
    [DI_JOB_READ] = {.name = "read", .op = DI_OP_READ, .run = job_read, .needs_source = true,
                     .needs_target = true},
    [DI_JOB_VERIFY] = {.name = "verify", .op = DI_OP_VERIFY, .run = run_verify,
                       .needs_source = true, .needs_target = true, .takes_bmap = true},
    [DI_JOB_HASH] = {.name = "hash", .op = DI_OP_HASH, .run = job_hash, .needs_source = true},
    [DI_JOB_FORMAT] = {.name = "format", .op = DI_OP_FORMAT, .run = job_format,
                       .needs_target = true, .writes_drive = true},
    [DI_JOB_CHECK] = {.name = "check", .op = DI_OP_CHECK, .run = job_check, .needs_target = true,
                      .writes_drive = true},
};

const job_kind_def *job_kind_def_of(di_job_kind kind)
{
    if ((unsigned)kind >= DI_JOB_KIND_COUNT || !kinds[kind].run) return NULL;
    return &kinds[kind];
}

di_op job_kind_op(di_job_kind kind)
{
    const job_kind_def *def = job_kind_def_of(kind);
    return def ? def->op : DI_OP_START_JOB;
}

bool di_job_kind_writes_drive(di_job_kind kind)
{
    const job_kind_def *def = job_kind_def_of(kind);
    return def && def->writes_drive;
}

const char *di_job_kind_name(di_job_kind kind)
{
    const job_kind_def *def = job_kind_def_of(kind);
    return def ? def->name : "unknown";
}
