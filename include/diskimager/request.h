/* Requests: what the user asked, as a front end collects it. The request layer applies
 * every policy once (the default hash, the checksum and bmap found with the image, the
 * drive's facts to re-check, the rules between options, the refusals that need no
 * exclusive access) and gives a job's spec, or the refusal as data. The dialog and the
 * CLI build requests, ask their questions and render plans and results; neither
 * decides policy. */
#ifndef DISKIMAGER_REQUEST_H
#define DISKIMAGER_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskimager/companions.h"
#include "diskimager/drives.h"
#include "diskimager/job.h"

typedef struct di_request {
    di_job_kind kind;
    /* WRITE, VERIFY: the image; READ: the image to make; HASH: an image whose size
     * bounds the hash and whose published digest is checked, or NULL (or a path that is
     * no file): the whole of `drive` is hashed, checked against its own sidecar. */
    const char *image;
    /* The device written, compared or read; HASH: what is hashed (a drive or a file). */
    const char *drive;
    /* WRITE: the drive as the user saw it when choosing it (its size, model and serial
     * number are re-checked by the job); NULL: as the system describes it now. */
    const di_drive_info *chosen;
    /* WRITE to several drives at once (2 to DI_TARGETS_MAX): these instead of drive and
     * chosen (chosen_drives may be NULL, or hold NULL for a drive typed by name). */
    const char *const *drives;
    const di_drive_info *const *chosen_drives;
    unsigned drive_count;
    const char *member;          /* the file inside an archive image; NULL: the only one */
    unsigned hash_mask;
    const char *expected;        /* a digest the user typed; NULL or "": look for one */
    const char *bmap;            /* WRITE, VERIFY: a bmap the user named; NULL: look */
    bool no_bmap;                /* ... or none at all */
    bool verify_after_write;     /* WRITE */
    bool move_gpt_backup;        /* WRITE, only with verify_after_write */
    bool eject;                  /* WRITE */
    bool keep_partial;           /* READ */
    bool allocated_only;         /* READ */
    bool make_bmap;              /* READ: a bmap beside the image, its zero blocks holes */
    uint64_t read_size;          /* READ, HASH without an image: 0 for all */
    size_t buffer_size;          /* 0: the default */
    unsigned buffer_count;       /* 0: the default */
    /* FORMAT: the file system, the label (NULL or "": from the size), erase it all first. */
    di_card_fs card_fs;
    const char *card_label;
    bool erase;
    di_check_mode check_mode;    /* CHECK: a quick probe, or every sector */
    /* WRITE, FORMAT or CHECK of a drive that is not removable: the user insisted (the dialog's second
     * question, the CLI's --force). Never enough for the system disk. */
    bool fixed_disk_confirmed;
} di_request;

/* A request made into a job. Its spec points into it: use it where it is, not a copy. */
typedef struct di_plan {
    di_job_spec spec;            /* the job to run, when planning returned DI_OK */
    di_error refusal;            /* otherwise why not, as data (refusal.reason) */
    di_drive_info drive;         /* WRITE, FORMAT, CHECK: the target's facts the checks used */
    /* WRITE to several drives: how many (1 otherwise), each one's facts and path; the
     * spec's targets point here. */
    unsigned drive_count;
    di_drive_info drives[DI_TARGETS_MAX];
    char devices[DI_TARGETS_MAX][DI_PATH_MAX];
    di_target_spec targets[DI_TARGETS_MAX];
    bool bmap_found;             /* spec's bmap was found with the image (not named) */
    di_bmap_location bmap;
    bool expected_found;         /* spec.expected came from a checksum file (its source) */
    char image[DI_PATH_MAX];
    char device[DI_PATH_MAX];
    char member[DI_MEMBER_MAX];
    char card_label[DI_CARD_LABEL_MAX + 1];
    /* FORMAT of a drive whose size is known: the layout it will get (the job plans it
     * again from the drive it opens, with a new volume serial number). */
    bool layout_known;
    di_card_layout layout;
} di_plan;

/* The refusals that need no lookup: a missing or empty image, a folder, no drive, the
 * system disk, a fixed disk the user did not insist on, a typed digest that is none,
 * options that exclude each other; FORMAT: a drive its layout does not fit, a label FAT
 * cannot hold. WRITE, FORMAT, CHECK: fills *drive with the target's facts (NULL
 * allowed). DI_OK, or the refusal in *error. Cheap: a front end checks before it asks
 * its questions (which member of an archive, are you sure). */
di_status di_request_check(const di_request *request, di_drive_info *drive, di_error *error);

/* A WRITE to several drives: each is checked as one would be (the refusals name it);
 * the same drive twice is refused. */
/* di_request_check, then the lookups: the checksum published for the image, its bmap,
 * the default hash; fills plan->spec. DI_OK, or the refusal in plan->refusal. */
di_status di_request_plan(const di_request *request, di_plan *plan);

#endif
