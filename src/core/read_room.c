/* Look before a Read: the output must fit where it is going (read_room.h). A raw image
 * is exactly the size read, so a too-large one is refused at once, naming both sizes,
 * instead of failing hours later at the last chunk or at 4 GiB on FAT. A compressed
 * one may well fit, so it only warns. */
#include "read_room.h"

#include <stdio.h>

#include "diskimager/job.h"
#include "diskimager/units.h"
#include "job_internal.h"

uint64_t read_room_free(const di_volume_space *volume)
{
    uint64_t room = volume->free_bytes + volume->existing_bytes;
    return room < volume->free_bytes ? UINT64_MAX : room;
}

di_status read_room_check(const char *path, uint64_t image_bytes, bool compressed,
                          const di_volume_space *volume, unsigned *warnings,
                          di_error *error)
{
    if (!volume) return DI_OK;
    uint64_t room = read_room_free(volume);
    bool too_large = image_bytes > volume->max_file_bytes;
    bool no_room = image_bytes > room;
    if (compressed) {
        if (too_large) *warnings |= DI_WARN_FAT_FILE_LIMIT;
        if (no_room) *warnings |= DI_WARN_OUTPUT_MAY_NOT_FIT;
        return DI_OK;
    }
    char a[32], b[32], c[32];
    const char *fs = volume->fs_name[0] ? volume->fs_name : "this";
    if (too_large) {
        if (volume->max_file_bytes == DI_FAT_FILE_MAX)
            return di_error_set(error, DI_ERR_NO_SPACE, "read", path, 0,
                                "the image would be %llu bytes (%s), but its folder is on a %s "
                                "file system, which cannot hold a file of 4 GiB or more: save "
                                "it compressed (.img.xz or .img.zst) or in a folder on another "
                                "drive",
                                (unsigned long long)image_bytes,
                                di_format_size(image_bytes, a, sizeof a), fs);
        return di_error_set(error, DI_ERR_NO_SPACE, "read", path, 0,
                            "the image would be %llu bytes (%s), but its folder is on a %s file "
                            "system, which holds no file larger than %llu bytes (%s): save it "
                            "compressed (.img.xz or .img.zst) or in a folder on another drive",
                            (unsigned long long)image_bytes,
                            di_format_size(image_bytes, a, sizeof a), fs,
                            (unsigned long long)volume->max_file_bytes,
                            di_format_size(volume->max_file_bytes, b, sizeof b));
    }
    if (no_room) {
        char replaced[96] = "";
        if (volume->existing_bytes)
            snprintf(replaced, sizeof replaced, " (counting the %s of the file it replaces)",
                     di_format_size(volume->existing_bytes, c, sizeof c));
        return di_error_set(error, DI_ERR_NO_SPACE, "read", path, 0,
                            "the image needs %llu bytes (%s), but only %llu bytes (%s) are free "
                            "there%s: free some space, choose another folder, or save it "
                            "compressed (.img.xz or .img.zst)",
                            (unsigned long long)image_bytes,
                            di_format_size(image_bytes, a, sizeof a), (unsigned long long)room,
                            di_format_size(room, b, sizeof b), replaced);
    }
    return DI_OK;
}

di_status read_room_check_job(job_run *run, const char *path, uint64_t image_bytes)
{
    di_volume_space volume;
    di_error error;
    di_error_clear(&error);
    /* A destination that cannot be inspected is no reason to refuse: opening the output
     * says what is wrong with it, and a full disk is still caught while writing. */
    bool known = di_volume_space_of(path, &volume, &error) == DI_OK;
    if (known) run->result->destination_free = read_room_free(&volume);
    di_error_clear(&error);
    unsigned warnings = 0;
    bool compressed = di_format_for_output(path) != DI_FORMAT_RAW;
    if (read_room_check(path, image_bytes, compressed, known ? &volume : NULL, &warnings,
                        &error) != DI_OK)
        return job_fail(run, &error);
    run->result->warnings |= warnings;
    return DI_OK;
}
