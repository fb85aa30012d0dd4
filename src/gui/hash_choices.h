/* The hashes the dialog offers, in its combo's order: one table for the combo, the
 * remembered choice and the Hash value box's label. Pure. */
#ifndef DISKIMAGER_GUI_HASH_CHOICES_H
#define DISKIMAGER_GUI_HASH_CHOICES_H

#include "diskimager/hash.h"

#define HASH_CHOICE_COUNT 3
extern const di_hash_alg hash_choices[HASH_CHOICE_COUNT];

/* "MD5", "SHA-1", "SHA-256", "SHA-512": how the dialog names an algorithm. */
const char *hash_label(di_hash_alg alg);
/* The combo's index of a remembered choice, 0 (MD5) for anything out of range. */
int hash_choice_index(int remembered);

#endif
