/* Is a Write's source its own target? Decided from where each name's bytes are stored
 * (the platform's di_storage_id_of), never from the names' text: /dev/sdb and a link in
 * /dev/disk/by-id, \\.\E: and the \\.\PhysicalDrive2 it lies on, are the same storage. */
#include <stdio.h>

#include "diskimager/drives.h"

/* One extent against another: apart, the same, the first inside the second or the
 * second inside the first. Two partitions with the same number on one disk are the same
 * partition, unless both are known to be stored in different files: Wine gives every
 * file-backed drive letter the same disk and partition number. */
static di_storage_relation relate_extents(const di_storage_extent *a, const di_storage_extent *b,
                                          bool different_files)
{
    if (a->disk != b->disk) return DI_STORAGE_APART;
    if (a->partition == b->partition)
        return a->partition != 0 && different_files ? DI_STORAGE_APART : DI_STORAGE_SAME;
    if (a->partition == 0) return DI_STORAGE_SECOND_INSIDE;
    if (b->partition == 0) return DI_STORAGE_FIRST_INSIDE;
    return DI_STORAGE_APART; /* two partitions of one disk */
}

/* Every extent of a meets one of b. */
static bool all_met(const di_storage_id *a, const di_storage_id *b)
{
    for (unsigned i = 0; i < a->count && i < DI_STORAGE_EXTENTS_MAX; i++) {
        bool met = false;
        for (unsigned k = 0; k < b->count && k < DI_STORAGE_EXTENTS_MAX; k++)
            met |= relate_extents(&a->on[i], &b->on[k], false) != DI_STORAGE_APART;
        if (!met) return false;
    }
    return true;
}

di_storage_relation di_storage_relate(const di_storage_id *a, const di_storage_id *b)
{
    bool both_files = a->file && b->file;
    bool same_file = both_files && a->file_volume == b->file_volume &&
                     a->file_index == b->file_index;
    di_storage_relation found = DI_STORAGE_APART;
    for (unsigned i = 0; i < a->count && i < DI_STORAGE_EXTENTS_MAX; i++) {
        for (unsigned k = 0; k < b->count && k < DI_STORAGE_EXTENTS_MAX; k++) {
            di_storage_relation r = relate_extents(&a->on[i], &b->on[k], both_files && !same_file);
            if (r == DI_STORAGE_APART) continue;
            /* A volume over several disks that meets the other in different ways. */
            if (found != DI_STORAGE_APART && found != r) return DI_STORAGE_SHARED;
            found = r;
        }
    }
    /* Some extents met, others did not: the two share storage only in part. */
    if ((found == DI_STORAGE_SAME || found == DI_STORAGE_FIRST_INSIDE) && !all_met(a, b))
        return DI_STORAGE_SHARED;
    if ((found == DI_STORAGE_SAME || found == DI_STORAGE_SECOND_INSIDE) && !all_met(b, a))
        return DI_STORAGE_SHARED;
    /* Disks known on both sides decide (two partitions of a loop device share its file
     * and are still apart). Otherwise a file and the loop device it backs, or one file
     * twice, are the same. */
    if (found != DI_STORAGE_APART || (a->count && b->count)) return found;
    return same_file ? DI_STORAGE_SAME : DI_STORAGE_APART;
}

di_status di_source_apart(const char *source, const char *target, di_error *error)
{
    di_storage_id s, t;
    if (!source || !target || !di_storage_id_of(source, &s) || !di_storage_id_of(target, &t))
        return DI_OK;
    di_reason reason;
    switch (di_storage_relate(&s, &t)) {
    case DI_STORAGE_APART: return DI_OK;
    case DI_STORAGE_SAME: reason = DI_REASON_SOURCE_IS_TARGET; break;
    case DI_STORAGE_FIRST_INSIDE: reason = DI_REASON_SOURCE_ON_TARGET; break;
    case DI_STORAGE_SECOND_INSIDE: reason = DI_REASON_TARGET_ON_SOURCE; break;
    case DI_STORAGE_SHARED:
    default: reason = DI_REASON_SOURCE_SHARES_TARGET; break;
    }
    return di_error_why(error, DI_ERR_USAGE, DI_OP_WRITE, target, reason, DI_ARGS(di_text(source)));
}
