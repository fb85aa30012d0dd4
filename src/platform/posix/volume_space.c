/* The file system a file is to be made on (include/diskimager/volumes.h): free space by
 * statfs, the type as mountinfo names it (statfs says only "fuse" for a FUSE one), or
 * else by f_type's magic number (linux/magic.h). FAT is the one that matters: it holds
 * no file of 4 GiB or more, whether the kernel's vfat or fusefat serves it. */
#define _GNU_SOURCE
#include "diskimager/volumes.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "mountinfo.h"

typedef struct fs_magic {
    unsigned long magic;
    const char *name;
} fs_magic;

/* The ones an image is likely saved on; any other is named by its number. */
static const fs_magic known[] = {
    {0x4d44, "vfat"},            /* MSDOS_SUPER_MAGIC: msdos and vfat, FAT12/16/32 */
    {0x2011BAB0, "exfat"},
    {0xEF53, "ext4"},            /* ext2, ext3 and ext4 share it */
    {0x9123683E, "btrfs"},
    {0x58465342, "xfs"},
    {0x01021994, "tmpfs"},
    {0xF2F52010, "f2fs"},
    {0x5346544e, "ntfs"},        /* the kernel's ntfs and ntfs3 */
    {0x7366746e, "ntfs3"},
    {0x65735546, "fuse"},        /* ntfs-3g, exfat-fuse, sshfs, ... */
    {0x6969, "nfs"},
    {0xFF534D42, "cifs"},
    {0xFE534D42, "smb2"},
    {0x2FC12FC1, "zfs"},
    {0x794c7630, "overlay"},
    {0x482b, "hfsplus"},
    {0x9660, "iso9660"},
    {0x73717368, "squashfs"},
};

static bool is_fat_type(const char *type)
{
    return strcmp(type, "vfat") == 0 || strcmp(type, "msdos") == 0 ||
           strcmp(type, "fuse.fusefat") == 0;
}

/* The type of the file system mounted from dev, as mountinfo names it; false if none. */
static bool mount_type_of(dev_t dev, char *out, size_t out_size)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) return false;
    char line[4096];
    di_mount_entry entry;
    bool found = false;
    while (fgets(line, sizeof line, f))
        if (di_mountinfo_parse_line(line, &entry) && entry.major == major(dev) &&
            entry.minor == minor(dev) && entry.fs_type[0]) {
            snprintf(out, out_size, "%s", entry.fs_type);
            found = true;
        }
    fclose(f);
    return found;
}

di_status di_volume_space_of(const char *path, di_volume_space *out, di_error *error)
{
    memset(out, 0, sizeof *out);
    out->max_file_bytes = DI_NO_FILE_LIMIT;
    /* The file itself when it is there (it may be a link to another file system), else
     * the folder it will be made in. */
    char where[DI_PATH_MAX];
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            return di_error_why(error, DI_ERR_USAGE, DI_OP_INSPECT_VOLUME, path,
                                DI_REASON_IS_NOT_REGULAR_FILE,
                            DI_NO_ARGS);
        /* Truncating it frees the blocks it holds, not its length (it may be sparse). */
        out->existing_bytes = (uint64_t)st.st_blocks * 512u;
        snprintf(where, sizeof where, "%s", path);
    } else {
        const char *slash = strrchr(path, '/');
        if (!slash) snprintf(where, sizeof where, ".");
        else if (slash == path) snprintf(where, sizeof where, "/");
        else snprintf(where, sizeof where, "%.*s", (int)(slash - path), path);
    }
    struct statfs fs;
    if (statfs(where, &fs) != 0)
        return di_error_why_code(error, DI_ERR_OPEN, DI_OP_INSPECT_VOLUME, where, errno,
                                 DI_REASON_NONE, DI_NO_ARGS);
    struct stat where_st;
    if (stat(where, &where_st) != 0)
        return di_error_why_code(error, DI_ERR_OPEN, DI_OP_INSPECT_VOLUME, where, errno,
                                 DI_REASON_NONE, DI_NO_ARGS);
    /* Root may also write the blocks ext4 reserves for it (f_bfree); everyone else gets
     * f_bavail. (ext4 also holds back a few clusters that root cannot use either: a
     * file that only just fits can still fail, as it did before we looked.) */
    uint64_t blocks = geteuid() == 0 ? (uint64_t)fs.f_bfree : (uint64_t)fs.f_bavail;
    uint64_t unit = (uint64_t)fs.f_bsize;
    out->free_bytes = unit && blocks > UINT64_MAX / unit ? UINT64_MAX : blocks * unit;
    /* A file system that tells no size at all (fusefat, some other FUSE ones): its free
     * space is not known, which is not the same as none. */
    if (fs.f_blocks == 0) out->free_bytes = UINT64_MAX;
    unsigned long magic = (unsigned long)fs.f_type & 0xFFFFFFFFul;
    if (!mount_type_of(where_st.st_dev, out->fs_name, sizeof out->fs_name)) {
        snprintf(out->fs_name, sizeof out->fs_name, "0x%lx", magic);
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (known[i].magic == magic)
                snprintf(out->fs_name, sizeof out->fs_name, "%s", known[i].name);
    }
    if (magic == 0x4d44 || is_fat_type(out->fs_name)) out->max_file_bytes = DI_FAT_FILE_MAX;
    return DI_OK;
}
