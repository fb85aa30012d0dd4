/* Look before a Read: the pure policy (read_room_check) on volumes described by hand,
 * then the platform's di_volume_space_of and a READ refused by the engine on this
 * machine's own disk (natively, and under Wine through GetVolumeInformationW and
 * GetDiskFreeSpaceExW). */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L /* ftruncate */
#endif
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifdef _WIN32
#include <windows.h>
#include <winioctl.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

#include "check.h"
#include "core/read_room.h"
#include "diskimager/job.h"
#include "diskimager/volumes.h"
#include "fault_device.h"
#include "job_runner.h"
#include "test_files.h"

#define GiB (UINT64_C(1) << 30)
#define MiB (UINT64_C(1) << 20)

static di_volume_space fat(uint64_t free_bytes)
{
    di_volume_space v = {.free_bytes = free_bytes, .max_file_bytes = DI_FAT_FILE_MAX};
    snprintf(v.fs_name, sizeof v.fs_name, "FAT32");
    return v;
}

static di_volume_space plain(uint64_t free_bytes, uint64_t existing)
{
    di_volume_space v = {.free_bytes = free_bytes, .max_file_bytes = DI_NO_FILE_LIMIT,
                         .existing_bytes = existing};
    snprintf(v.fs_name, sizeof v.fs_name, "ext4");
    return v;
}

/* read_room_check, its message formatted as the user sees it. */
static di_status check_room(uint64_t image, bool compressed, const di_volume_space *v,
                            unsigned *warnings, char *message, size_t size)
{
    di_error error;
    di_error_clear(&error);
    *warnings = 0;
    di_status st = read_room_check("/media/card/pi.img", image, compressed, v, warnings, &error);
    message[0] = '\0';
    if (st != DI_OK) di_error_format(&error, message, size);
    return st;
}

static void fat_refuses_4_gib_raw(void)
{
    di_volume_space v = fat(100 * GiB);
    unsigned w;
    char m[1024];
    CHECK_U64(check_room(4 * GiB, false, &v, &w, m, sizeof m), DI_ERR_NO_SPACE);
    CHECK_CONTAINS(m, "read failed on /media/card/pi.img");
    CHECK_CONTAINS(m, "FAT32 file system");
    CHECK_CONTAINS(m, "4 GiB or more");
    CHECK_CONTAINS(m, "4294967296 bytes (4.29 GB)");
    CHECK_CONTAINS(m, ".img.xz");
    CHECK_CONTAINS(m, ".img.zst");
    CHECK_CONTAINS(m, "another drive");
    CHECK_U64(w, 0);
    /* Larger still, and too large for the free space as well: the FAT limit is named,
     * since freeing space would not help. */
    v = fat(GiB);
    CHECK_U64(check_room(32 * GiB, false, &v, &w, m, sizeof m), DI_ERR_NO_SPACE);
    CHECK_CONTAINS(m, "4 GiB or more");
}

/* A file system whose name is not known: the limit is still said, no name made up. */
static void an_unnamed_file_system_is_not_named(void)
{
    di_volume_space v = fat(100 * GiB);
    v.fs_name[0] = '\0';
    unsigned w;
    char m[1024];
    CHECK_U64(check_room(4 * GiB, false, &v, &w, m, sizeof m), DI_ERR_NO_SPACE);
    CHECK_CONTAINS(m, "its folder is on a file system that cannot hold a file of 4 GiB or more");
    v = plain(100 * GiB, 0);
    v.fs_name[0] = '\0';
    v.max_file_bytes = 16 * GiB;
    CHECK_U64(check_room(20 * GiB, false, &v, &w, m, sizeof m), DI_ERR_NO_SPACE);
    CHECK_CONTAINS(m, "its folder is on a file system that holds no file larger than 17179869184 bytes");
}

static void fat_takes_4_gib_less_one_byte(void)
{
    di_volume_space v = fat(100 * GiB);
    unsigned w;
    char m[1024];
    CHECK_U64(check_room(4 * GiB - 1, false, &v, &w, m, sizeof m), DI_OK);
    CHECK_U64(w, 0);
    CHECK_U64(check_room(4 * GiB - 1, true, &v, &w, m, sizeof m), DI_OK);
    CHECK_U64(w, 0);
}

static void compressed_on_fat_warns(void)
{
    di_volume_space v = fat(100 * GiB);
    unsigned w;
    char m[1024];
    CHECK_U64(check_room(4 * GiB, true, &v, &w, m, sizeof m), DI_OK);
    CHECK_U64(w, DI_WARN_FAT_FILE_LIMIT);
    /* On FAT and short of room: both warnings, still no refusal. */
    v = fat(GiB);
    CHECK_U64(check_room(64 * GiB, true, &v, &w, m, sizeof m), DI_OK);
    CHECK_U64(w, DI_WARN_FAT_FILE_LIMIT | DI_WARN_OUTPUT_MAY_NOT_FIT);
    /* exFAT has no such limit. */
    v = plain(100 * GiB, 0);
    snprintf(v.fs_name, sizeof v.fs_name, "exFAT");
    CHECK_U64(check_room(64 * GiB, false, &v, &w, m, sizeof m), DI_OK);
    CHECK_U64(w, 0);
}

static void free_space_boundary(void)
{
    unsigned w;
    char m[1024];
    di_volume_space v = plain(100 * MiB, 0);
    CHECK_U64(check_room(100 * MiB, false, &v, &w, m, sizeof m), DI_OK);
    CHECK_U64(w, 0);
    CHECK_U64(check_room(100 * MiB + 1, false, &v, &w, m, sizeof m), DI_ERR_NO_SPACE);
    CHECK_CONTAINS(m, "read failed on /media/card/pi.img");
    CHECK_CONTAINS(m, "104857601 bytes (105 MB)");
    CHECK_CONTAINS(m, "only 104857600 bytes (105 MB) are free");
    CHECK(strstr(m, "replaces") == NULL);
    /* Compressed: the same sizes only warn. */
    CHECK_U64(check_room(100 * MiB, true, &v, &w, m, sizeof m), DI_OK);
    CHECK_U64(w, 0);
    CHECK_U64(check_room(100 * MiB + 1, true, &v, &w, m, sizeof m), DI_OK);
    CHECK_U64(w, DI_WARN_OUTPUT_MAY_NOT_FIT);
    /* Nothing free at all; an empty image still fits. */
    v = plain(0, 0);
    CHECK_U64(check_room(0, false, &v, &w, m, sizeof m), DI_OK);
    CHECK_U64(check_room(512, false, &v, &w, m, sizeof m), DI_ERR_NO_SPACE);
}

static void replaced_file_counts_as_free(void)
{
    unsigned w;
    char m[1024];
    di_volume_space v = plain(20 * MiB, 30 * MiB);
    CHECK_U64(read_room_free(&v), 50 * MiB);
    CHECK_U64(check_room(50 * MiB, false, &v, &w, m, sizeof m), DI_OK);
    CHECK_U64(check_room(50 * MiB + 1, false, &v, &w, m, sizeof m), DI_ERR_NO_SPACE);
    CHECK_CONTAINS(m, "only 52428800 bytes (52.4 MB) are free");
    CHECK_CONTAINS(m, "counting the 31.5 MB of the file it replaces");
    CHECK_U64(check_room(50 * MiB + 1, true, &v, &w, m, sizeof m), DI_OK);
    CHECK_U64(w, DI_WARN_OUTPUT_MAY_NOT_FIT);
    /* The sum saturates rather than wrapping round to a small number. */
    v = plain(UINT64_MAX - 5, 100);
    CHECK_U64(read_room_free(&v), UINT64_MAX);
    CHECK_U64(check_room(UINT64_MAX - 1, false, &v, &w, m, sizeof m), DI_OK);
}

static void unknown_volume_passes(void)
{
    unsigned w;
    char m[1024];
    CHECK_U64(check_room(UINT64_MAX, false, NULL, &w, m, sizeof m), DI_OK);
    CHECK_U64(w, 0);
    CHECK_U64(check_room(UINT64_MAX, true, NULL, &w, m, sizeof m), DI_OK);
    CHECK_U64(w, 0);
}

/* ---- the platform and the engine, on this machine's disk ---- */

static void this_disk_is_inspected(void)
{
    const char *dir = test_dir("read_room");
    const char *file = test_path(dir, "here.img"), *missing = test_path(dir, "new.img");
    CHECK(make_random_file(file, 3 * MiB + 17, 5));
    remove_if_exists(missing);
    di_volume_space v;
    di_error error;
    di_error_clear(&error);
    CHECK_U64(di_volume_space_of(missing, &v, &error), DI_OK);
    CHECK(v.free_bytes > 0);
    CHECK(v.fs_name[0] != '\0');
    CHECK_U64(v.existing_bytes, 0);
    printf("note: %s is on %s with %llu bytes free\n", dir, v.fs_name,
           (unsigned long long)v.free_bytes);
    CHECK_U64(di_volume_space_of(file, &v, &error), DI_OK);
    CHECK(v.existing_bytes >= 3 * MiB + 17);
    /* Only a file of its own name (a bare name) is in the current folder. */
    CHECK_U64(di_volume_space_of("no-folder-part.img", &v, &error), DI_OK);
    /* A folder that does not exist, or a folder where a file is to go: not told. */
    di_error_clear(&error);
    CHECK(di_volume_space_of(test_path(dir, "no-such-folder/x.img"), &v, &error) != DI_OK);
    di_error_clear(&error);
    CHECK(di_volume_space_of(dir, &v, &error) != DI_OK);
}

static void read_records_the_room(void)
{
    const char *dir = test_dir("read_room");
    const char *source = test_path(dir, "small.dev"), *out_file = test_path(dir, "small.img");
    CHECK(make_random_file(source, 2 * MiB, 6));
    di_job_spec spec = {.kind = DI_JOB_READ, .source_path = source, .target_path = out_file};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK(out.result.destination_free > 0);
    CHECK_U64(out.result.warnings & (DI_WARN_FAT_FILE_LIMIT | DI_WARN_OUTPUT_MAY_NOT_FIT), 0);
    CHECK(files_equal_prefix(source, out_file, 2 * MiB));
}

static void read_larger_than_this_disk_is_refused(void)
{
    const char *dir = test_dir("read_room");
    const char *source = test_path(dir, "huge.dev"), *out_file = test_path(dir, "huge.img");
    remove_if_exists(out_file);
    di_volume_space v;
    di_error error;
    di_error_clear(&error);
    if (di_volume_space_of(out_file, &v, &error) != DI_OK || v.free_bytes > 4096 * GiB) {
        printf("note: this disk's free space is not known or too large; the refusal of a Read "
               "larger than it was not tried here\n");
        return;
    }
    /* Twice the free space and a GiB more: others using the disk meanwhile do not
     * change the answer. */
    uint64_t size = (2 * v.free_bytes + GiB) / 4096 * 4096;
    if (!make_sparse_file(source, size)) {
        printf("note: no sparse file of %llu bytes here; the refusal was not tried\n",
               (unsigned long long)size);
        remove_if_exists(source);
        return;
    }
    /* Should the look ever be skipped, the output says "no space" at 64 MiB rather than
     * fill this disk for real. */
    fault_plan guard = {.role = DI_ROLE_TARGET, .on_write = true, .kind = FAULT_NO_SPACE,
                        .at_offset = 64 * MiB};
    di_job_spec spec = {.kind = DI_JOB_READ, .source_path = source, .target_path = out_file,
                        .wrap = fault_wrap, .wrap_ctx = &guard};
    job_outcome out;
    time_t start = time(NULL);
    CHECK_U64(run_job(&spec, &out), DI_ERR_NO_SPACE);
    CHECK(time(NULL) - start < 30);
    char needs[64];
    snprintf(needs, sizeof needs, "the image needs %llu bytes", (unsigned long long)size);
    CHECK_CONTAINS(out.message, needs);
    CHECK_CONTAINS(out.message, "are free there");
    CHECK_CONTAINS(out.message, "huge.img");
    CHECK(out.result.destination_free > 0 && out.result.destination_free < size);
    CHECK_U64(out.result.device_bytes, 0);
    CHECK_U64(guard.wrapped, 0); /* the output was never opened */
    CHECK(!file_exists(out_file));
    remove_if_exists(source);
}

static const test_case tests[] = {
    {"fat_refuses_4_gib_raw", fat_refuses_4_gib_raw},
    {"fat_takes_4_gib_less_one_byte", fat_takes_4_gib_less_one_byte},
    {"compressed_on_fat_warns", compressed_on_fat_warns},
    {"free_space_boundary", free_space_boundary},
    {"replaced_file_counts_as_free", replaced_file_counts_as_free},
    {"unknown_volume_passes", unknown_volume_passes},
    {"this_disk_is_inspected", this_disk_is_inspected},
    {"read_records_the_room", read_records_the_room},
    {"read_larger_than_this_disk_is_refused", read_larger_than_this_disk_is_refused},
    {"an_unnamed_file_system_is_not_named", an_unnamed_file_system_is_not_named},
};
TEST_MAIN(tests)
