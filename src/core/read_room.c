/* Look before a Read: the output must fit where it is going (read_room.h). A raw image
 * is exactly the size read, so a too-large one is refused at once, naming both sizes,
 * instead of failing hours later at the last chunk or at 4 GiB on FAT. A compressed
 * one may well fit, so it only warns. */
#include "read_room.h"

#include "diskimager/job.h"
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
    const char *fs = volume->fs_name;
    if (too_large) {
        /* A file system of unknown name: no name is made up for it. */
        if (volume->max_file_bytes == DI_FAT_FILE_MAX && fs[0])
            return di_error_why(error, DI_ERR_NO_SPACE, DI_OP_READ, path, DI_REASON_FAT_4GIB,
                                DI_ARGS(di_number(image_bytes), di_size(image_bytes), di_text(fs)));
        if (volume->max_file_bytes == DI_FAT_FILE_MAX)
            return di_error_why(error, DI_ERR_NO_SPACE, DI_OP_READ, path,
                                DI_REASON_FAT_4GIB_UNNAMED,
                                DI_ARGS(di_number(image_bytes), di_size(image_bytes)));
        if (fs[0])
            return di_error_why(error, DI_ERR_NO_SPACE, DI_OP_READ, path,
                                DI_REASON_FILE_SIZE_LIMIT,
                                DI_ARGS(di_number(image_bytes), di_size(image_bytes), di_text(fs),
                                        di_number(volume->max_file_bytes),
                                        di_size(volume->max_file_bytes)));
        return di_error_why(error, DI_ERR_NO_SPACE, DI_OP_READ, path,
                            DI_REASON_FILE_SIZE_LIMIT_UNNAMED,
                            DI_ARGS(di_number(image_bytes), di_size(image_bytes),
                                    di_number(volume->max_file_bytes),
                                    di_size(volume->max_file_bytes)));
    }
    if (no_room && volume->existing_bytes)
        return di_error_why(error, DI_ERR_NO_SPACE, DI_OP_READ, path, DI_REASON_NO_ROOM_REPLACING,
                            DI_ARGS(di_number(image_bytes), di_size(image_bytes), di_number(room),
                                    di_size(room), di_size(volume->existing_bytes)));
    if (no_room)
        return di_error_why(error, DI_ERR_NO_SPACE, DI_OP_READ, path, DI_REASON_NO_ROOM,
                            DI_ARGS(di_number(image_bytes), di_size(image_bytes), di_number(room),
                                    di_size(room)));
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
