/* Which file of an archive (zip, tar) is the image: the one named by the user, else
 * the one file whose name looks like an image, else the only file there is. The
 * archive walkers offer each file in turn and keep the entries this asks them to keep.
 * Internal to the core. */
#ifndef DISKIMAGER_MEMBER_PICK_H
#define DISKIMAGER_MEMBER_PICK_H

#include <stdbool.h>

#include "diskimager/status.h"

enum {
    PICK_WANTED = 1u << 0,      /* the file the user named */
    PICK_IMAGE = 1u << 1,       /* the first file named like an image */
    PICK_ONLY_FILE = 1u << 2    /* the first file that is not litter (.DS_Store, ...) */
};
#define PICK_SLOTS 3

/* Where a slot's entry goes in an array of PICK_SLOTS kept entries. */
static inline unsigned member_pick_index(unsigned slot)
{
    return slot == PICK_WANTED ? 0 : slot == PICK_IMAGE ? 1 : 2;
}

typedef struct member_pick {
    const char *wanted;         /* NULL or "": none named */
    unsigned files, images, matches;
    char file_names[256], image_names[256];
} member_pick;

void member_pick_init(member_pick *p, const char *wanted);
/* Counts one file; returns the PICK_* slots it is the entry for (keep it for each). */
unsigned member_pick_offer(member_pick *p, const char *name);
/* Which slot holds the image; or an error naming the archive and its files. */
di_status member_pick_decide(const member_pick *p, const char *path, unsigned *slot,
                             di_error *error);
/* Files that are no image and never one: Finder and Explorer litter. */
bool member_is_litter(const char *name);

#endif
