/* The test build of the dialog (Win32DiskImager_faults.exe): the same dialog, linked
 * with -Wl,--wrap=di_job_new so that every job it starts has one of its devices
 * wrapped by the fault device (tests/support/fault_device.c). The fault is read when
 * the job starts, from the file named by DI_GUI_FAULT_PLAN, one line:
 *
 *   ROLE OP KIND OFFSET [DELAY_MS]   source|target|readback  read|write
 *                            eio|short|end|nospace|slow|cancel  byte offset
 *                            (slow: each request's delay, 150 ms unless given)
 *
 * "none", or no file, starts the job as the dialog made it. The product's exe has
 * none of this: the fault device is linked into this copy only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/job.h"
#include "fault_device.h"

di_job *__real_di_job_new(const di_job_spec *spec);
di_job *__wrap_di_job_new(const di_job_spec *spec);

/* One job at a time: the dialog never starts a second while one runs. */
static fault_plan plan;

static bool parse_role(const char *word, di_role *role)
{
    if (strcmp(word, "source") == 0) *role = DI_ROLE_SOURCE;
    else if (strcmp(word, "target") == 0) *role = DI_ROLE_TARGET;
    else if (strcmp(word, "readback") == 0) *role = DI_ROLE_READBACK;
    else return false;
    return true;
}

static bool parse_kind(const char *word, fault_kind *kind)
{
    static const struct {
        const char *name;
        fault_kind kind;
    } kinds[] = {{"eio", FAULT_EIO},         {"short", FAULT_SHORT_ONCE}, {"end", FAULT_END},
                 {"nospace", FAULT_NO_SPACE}, {"slow", FAULT_SLOW},        {"cancel", FAULT_CANCEL}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(word, kinds[i].name) == 0) {
            *kind = kinds[i].kind;
            return true;
        }
    return false;
}

static bool load_plan(fault_plan *out)
{
    const char *path = getenv("DI_GUI_FAULT_PLAN");
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) return false;
    char role[16] = "", op[16] = "", kind[16] = "";
    unsigned long long offset = 0;
    unsigned delay_ms = 150;
    int fields = fscanf(f, "%15s %15s %15s %llu %u", role, op, kind, &offset, &delay_ms);
    fclose(f);
    fault_plan p = {.at_offset = offset, .delay_ms = delay_ms, .on_write = strcmp(op, "write") == 0};
    if (fields < 4 || !parse_role(role, &p.role) || !parse_kind(kind, &p.kind)) return false;
    *out = p;
    return true;
}

di_job *__wrap_di_job_new(const di_job_spec *spec)
{
    di_job_spec faulty = *spec;
    if (load_plan(&plan)) {
        faulty.wrap = fault_wrap;
        faulty.wrap_ctx = &plan;
    }
    di_job *job = __real_di_job_new(&faulty);
    plan.job = job;
    return job;
}
