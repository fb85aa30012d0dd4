/* Files and volumes (\\.\E:) behind the device interface. Every handle is opened
 * overlapped so several I/O threads keep several requests in flight; devices are
 * unbuffered and write-through, so what verify reads is what the medium holds.
 * Physical drives, enumeration by SetupAPI and the full locking sequence come with
 * the GUI's drive layer. */
#include "diskimager/device.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>
#include <wctype.h>
#include <string.h>
#include <windows.h>
#include <winioctl.h>

#include "disk_facts.h"
#include "drive_path.h"
#include "network_path.h"
#include "utf16.h"
#include "win_disks.h"

#define BLOCK_PARALLEL_IO 4
/* An output file written around the cache, with requests in flight and a flush now
 * and then, as on Linux (src/platform/posix/device_posix.c says why). */
#define FILE_PARALLEL_IO 4
#define FILE_FLUSH_BYTES ((uint64_t)64 << 20)

#define MAX_LOCKED_VOLUMES 32

typedef struct win_device {
    di_device base;
    HANDLE handle;
    /* Kept open after a fall-back to buffered I/O (other threads may still be in a
     * request on it); closed with the device. */
    HANDLE unbuffered_handle;
    /* An output file's second handle, FILE_FLAG_NO_BUFFERING: its aligned chunks go
     * around the system cache; the unaligned tail goes through handle. NULL: none. */
    HANDLE direct_handle;
    uint32_t direct_align;
    /* Set by the first unbuffered write the file system refuses although it opened the
     * handle: the rest go through handle without asking again (several I/O threads). */
    atomic_bool direct_refused;
    /* Every request that met the refusal waits for the one switch and shares its outcome. */
    INIT_ONCE fall_back_once;
    di_status fall_back_status;
    di_error fall_back_error;
    wchar_t *wpath;                 /* block devices: to open the buffered handle */
    DWORD access;                   /* as opened: the buffered handle asks for the same */
    bool locked;
    /* A physical disk's volumes, locked and dismounted for as long as we write. */
    HANDLE volume_locks[MAX_LOCKED_VOLUMES];
    int volume_lock_count;
} win_device;

static HANDLE handle_of(di_device *dev)
{
    return ((win_device *)dev)->handle;
}

/* One overlapped request, waited for on this thread; other threads run theirs. */
static BOOL overlapped_io(HANDLE h, bool writing, void *buf, size_t len, uint64_t offset,
                          DWORD *moved)
{
    OVERLAPPED ov;
    ZeroMemory(&ov, sizeof ov);
    ov.Offset = (DWORD)(offset & 0xFFFFFFFFu);
    ov.OffsetHigh = (DWORD)(offset >> 32);
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!ov.hEvent) return FALSE;
    DWORD n = len > 0x40000000u ? 0x40000000u : (DWORD)len;
    BOOL ok = writing ? WriteFile(h, buf, n, NULL, &ov) : ReadFile(h, buf, n, NULL, &ov);
    if (ok || GetLastError() == ERROR_IO_PENDING) ok = GetOverlappedResult(h, &ov, moved, TRUE);
    DWORD saved = GetLastError();
    CloseHandle(ov.hEvent);
    SetLastError(saved);
    return ok;
}

/* Takes a volume for ourselves, then dismounts it so Windows forgets its cached file
 * system. Explorer, an indexer or an antivirus may hold it for a moment: the lock's
 * error is then transient, and the core retries the whole open (src/core/retry.c). */
static bool lock_and_dismount(HANDLE volume, DWORD *error)
{
    DWORD ignored;
    if (!DeviceIoControl(volume, FSCTL_LOCK_VOLUME, NULL, 0, NULL, 0, &ignored, NULL)) {
        *error = GetLastError();
        return false;
    }
    /* Wine answers that dismounting is not supported; the lock is what matters. */
    DeviceIoControl(volume, FSCTL_DISMOUNT_VOLUME, NULL, 0, NULL, 0, &ignored, NULL);
    return true;
}

static void unlock_volumes(win_device *wd)
{
    DWORD ignored;
    for (int i = 0; i < wd->volume_lock_count; i++) {
        DeviceIoControl(wd->volume_locks[i], FSCTL_UNLOCK_VOLUME, NULL, 0, NULL, 0, &ignored, NULL);
        CloseHandle(wd->volume_locks[i]);
    }
    wd->volume_lock_count = 0;
}

static bool process_is_elevated(void)
{
    HANDLE token;
    TOKEN_ELEVATION elevation = {0};
    DWORD got = 0;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return true;
    BOOL ok = GetTokenInformation(token, TokenElevation, &elevation, sizeof elevation, &got);
    CloseHandle(token);
    return !ok || elevation.TokenIsElevated;
}

/* Access denied to a program that is not elevated never passes by waiting: it is said
 * at once, not retried. */
static void unless_elevated(di_error *error)
{
    if (error->fault != DI_FAULT_ACCESS_DENIED || process_is_elevated()) return;
    di_error_reword(error, DI_REASON_NEEDS_ADMINISTRATOR, DI_NO_ARGS);
    error->fault = DI_FAULT_UNKNOWN;
}

/* A drive's errors get their kind (the core retries what passes and names what does not);
 * an image file's are reported as they are. */
static void classify(const di_device *dev, di_error *error, di_io_op op)
{
    if (dev->kind != DI_DEVICE_BLOCK) return;
    error->fault = di_os_fault(error->os_code, op);
    unless_elevated(error);
}

static di_status win_read_at(di_device *dev, void *buf, size_t len, uint64_t offset,
                             size_t *done, di_error *error)
{
    DWORD n = 0;
    *done = 0;
    if (!overlapped_io(handle_of(dev), false, buf, len, offset, &n)) {
        DWORD err = GetLastError();
        if (err == ERROR_HANDLE_EOF) return DI_OK; /* reading at or past the end */
        di_error_why_code(error, DI_ERR_READ, DI_OP_READ, dev->path, (int)err,
                          DI_REASON_NONE, DI_NO_ARGS);
        classify(dev, error, DI_IO_READ);
        di_error_at(error, offset);
        return DI_ERR_READ;
    }
    *done = n;
    return DI_OK;
}

/* A file's write around the cache when the request allows it; FALSE with
 * ERROR_INVALID_PARAMETER when it does not or the file system refuses it after all. */
static BOOL write_direct(win_device *wd, const void *buf, size_t len, uint64_t offset, DWORD *moved)
{
    if (!wd->direct_handle || atomic_load_explicit(&wd->direct_refused, memory_order_relaxed) ||
        !di_io_aligned(buf, len, offset, wd->direct_align)) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    if (overlapped_io(wd->direct_handle, true, (void *)buf, len, offset, moved)) return TRUE;
    DWORD err = GetLastError();
    if (err != ERROR_INVALID_PARAMETER && err != ERROR_NOT_SUPPORTED) return FALSE;
    atomic_store(&wd->direct_refused, true);
    SetLastError(ERROR_INVALID_PARAMETER);
    return FALSE;
}

static di_status win_write_at(di_device *dev, const void *buf, size_t len, uint64_t offset,
                              size_t *done, di_error *error)
{
    DWORD n = 0;
    *done = 0;
    BOOL ok = write_direct((win_device *)dev, buf, len, offset, &n);
    if (!ok && GetLastError() == ERROR_INVALID_PARAMETER)
        ok = overlapped_io(handle_of(dev), true, (void *)buf, len, offset, &n);
    if (!ok) {
        DWORD err = GetLastError();
        di_status st = err == ERROR_DISK_FULL || err == ERROR_HANDLE_DISK_FULL
                           ? DI_ERR_NO_SPACE : DI_ERR_WRITE;
        di_error_why_code(error, st, DI_OP_WRITE, dev->path, (int)err, DI_REASON_NONE, DI_NO_ARGS);
        classify(dev, error, DI_IO_WRITE);
        di_error_at(error, offset);
        return st;
    }
    *done = n;
    return DI_OK;
}

static di_status win_flush(di_device *dev, di_error *error)
{
    if (!FlushFileBuffers(handle_of(dev))) {
        di_error_why_code(error, DI_ERR_FLUSH, DI_OP_FLUSH, dev->path, (int)GetLastError(),
                          DI_REASON_NONE, DI_NO_ARGS);
        classify(dev, error, DI_IO_FLUSH);
        return DI_ERR_FLUSH;
    }
    return DI_OK;
}

static void win_after_write(di_device *dev)
{
    DWORD ignored;
    /* Have Windows read the new partition table; volumes and Wine may refuse. */
    if (dev->kind == DI_DEVICE_BLOCK)
        DeviceIoControl(handle_of(dev), IOCTL_DISK_UPDATE_PROPERTIES, NULL, 0, NULL, 0, &ignored,
                        NULL);
}

static di_status win_set_size(di_device *dev, uint64_t size, di_error *error)
{
    if (dev->kind != DI_DEVICE_FILE)
        return di_error_why(error, DI_ERR_INTERNAL, DI_OP_SET_SIZE, dev->path,
                            DI_REASON_NOT_REGULAR_FILE, DI_NO_ARGS);
    LARGE_INTEGER at;
    at.QuadPart = (LONGLONG)size;
    if (!SetFilePointerEx(handle_of(dev), at, NULL, FILE_BEGIN) || !SetEndOfFile(handle_of(dev))) {
        DWORD err = GetLastError();
        di_status st = err == ERROR_DISK_FULL || err == ERROR_HANDLE_DISK_FULL ? DI_ERR_NO_SPACE
                                                                               : DI_ERR_WRITE;
        return di_error_why_code(error, st, DI_OP_SET_SIZE, dev->path, (int)err, DI_REASON_NONE,
                                 DI_NO_ARGS);
    }
    dev->size = size;
    return DI_OK;
}

/* NTFS writes zeros into a gap a write leaves past the end of a file (up to the new
 * data), unless the file is sparse: then the gap stays unallocated. FAT and exFAT have
 * no holes and refuse; the caller writes the same bytes either way. */
static di_status win_set_sparse(di_device *dev, di_error *error)
{
    if (dev->kind != DI_DEVICE_FILE)
        return di_error_why(error, DI_ERR_INTERNAL, DI_OP_WRITE, dev->path,
                            DI_REASON_NOT_REGULAR_FILE, DI_NO_ARGS);
    /* The handle is overlapped: the request is waited for like any other. */
    OVERLAPPED ov;
    ZeroMemory(&ov, sizeof ov);
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    DWORD got = 0;
    BOOL ok = ov.hEvent != NULL;
    if (ok) {
        ok = DeviceIoControl(handle_of(dev), FSCTL_SET_SPARSE, NULL, 0, NULL, 0, &got, &ov);
        if (!ok && GetLastError() == ERROR_IO_PENDING)
            ok = GetOverlappedResult(handle_of(dev), &ov, &got, TRUE);
    }
    DWORD err = GetLastError();
    if (ov.hEvent) CloseHandle(ov.hEvent);
    if (!ok)
        return di_error_why_code(error, DI_ERR_WRITE, DI_OP_WRITE, dev->path, (int)err,
                                 DI_REASON_NONE, DI_NO_ARGS);
    return DI_OK;
}

/* A reader that refuses unbuffered requests: a second handle without
 * FILE_FLAG_NO_BUFFERING, still write-through, and the job's flush at the end. A volume
 * locked through the first handle is locked through the new one. */
static BOOL CALLBACK switch_to_buffered(PINIT_ONCE once, void *param, void **context)
{
    (void)once;
    (void)context;
    win_device *wd = param;
    wd->fall_back_status = DI_OK;
    HANDLE buffered = CreateFileW(wd->wpath, wd->access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                                  OPEN_EXISTING, FILE_FLAG_WRITE_THROUGH | FILE_FLAG_OVERLAPPED,
                                  NULL);
    if (buffered == INVALID_HANDLE_VALUE) {
        wd->fall_back_status =
            di_error_why_code(&wd->fall_back_error, DI_ERR_WRITE, DI_OP_OPEN_BUFFERED,
                              wd->base.path, (int)GetLastError(), DI_REASON_NONE, DI_NO_ARGS);
        return TRUE;
    }
    DWORD ignored;
    DeviceIoControl(buffered, FSCTL_ALLOW_EXTENDED_DASD_IO, NULL, 0, NULL, 0, &ignored, NULL);
    if (wd->locked) {
        /* The lock moves to the new handle; if it cannot, the old one keeps it and the
         * job fails rather than write to a volume Windows may mount meanwhile. */
        DeviceIoControl(wd->handle, FSCTL_UNLOCK_VOLUME, NULL, 0, NULL, 0, &ignored, NULL);
        if (!DeviceIoControl(buffered, FSCTL_LOCK_VOLUME, NULL, 0, NULL, 0, &ignored, NULL)) {
            DWORD err = GetLastError();
            DeviceIoControl(wd->handle, FSCTL_LOCK_VOLUME, NULL, 0, NULL, 0, &ignored, NULL);
            CloseHandle(buffered);
            wd->fall_back_status =
                di_error_why_code(&wd->fall_back_error, DI_ERR_BUSY, DI_OP_LOCK_VOLUME,
                                  wd->base.path, (int)err, DI_REASON_NONE, DI_NO_ARGS);
            return TRUE;
        }
    }
    wd->unbuffered_handle = InterlockedExchangePointer(&wd->handle, buffered);
    return TRUE;
}

static di_status win_fall_back_buffered(di_device *dev, di_error *error)
{
    win_device *wd = (win_device *)dev;
    if (dev->kind != DI_DEVICE_BLOCK) return DI_OK; /* files are buffered already */
    InitOnceExecuteOnce(&wd->fall_back_once, switch_to_buffered, wd, NULL);
    if (wd->fall_back_status != DI_OK) *error = wd->fall_back_error;
    return wd->fall_back_status;
}

static void win_close(di_device *dev)
{
    win_device *wd = (win_device *)dev;
    DWORD ignored;
    if (wd->locked)
        DeviceIoControl(wd->handle, FSCTL_UNLOCK_VOLUME, NULL, 0, NULL, 0, &ignored, NULL);
    CloseHandle(wd->handle);
    if (wd->unbuffered_handle) CloseHandle(wd->unbuffered_handle);
    if (wd->direct_handle) CloseHandle(wd->direct_handle);
    unlock_volumes(wd);
    free(wd->wpath);
    free(wd);
}

static di_status win_eject(di_device *dev, di_error *error);
static di_status win_discard(di_device *dev, uint64_t offset, uint64_t length, bool *unsupported,
                             di_error *error);
static di_status lock_disk_volumes(win_device *wd, unsigned number, di_error *error);

static const di_device_ops win_ops = {
    .read_at = win_read_at,
    .write_at = win_write_at,
    .flush = win_flush,
    .after_write = win_after_write,
    .close = win_close,
    .set_size = win_set_size,
    .fall_back_buffered = win_fall_back_buffered,
    .eject = win_eject,
    .discard = win_discard,
    .set_sparse = win_set_sparse,
};

static bool is_device_path(const char *path)
{
    return (path[0] == '\\' || path[0] == '/') && (path[1] == '\\' || path[1] == '/') &&
           path[2] == '.' && (path[3] == '\\' || path[3] == '/');
}

static uint32_t query_sector_size(HANDLE h)
{
    DISK_GEOMETRY_EX geometry;
    DWORD got;
    if (DeviceIoControl(h, IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, NULL, 0, &geometry,
                        sizeof geometry, &got, NULL) &&
        geometry.Geometry.BytesPerSector >= 512)
        return geometry.Geometry.BytesPerSector;
    return 512;
}

/* Windows refuses raw writes into a mounted file system's sectors: take the volume. */
static di_status lock_volume(win_device *wd, di_error *error)
{
    DWORD err = 0;
    if (!lock_and_dismount(wd->handle, &err))
        return di_error_why_os(error, DI_ERR_BUSY, DI_IO_LOCK, DI_OP_LOCK_VOLUME, wd->base.path, (int)err,
                               DI_REASON_CLOSE_PROGRAMS, DI_NO_ARGS);
    wd->locked = true;
    return DI_OK;
}

/* Before writing a physical disk: refuse the system disk, then lock and dismount
 * every volume with an extent on it (a volume spanning disks included). */
static di_status lock_disk_volumes(win_device *wd, unsigned number, di_error *error)
{
    enum { MAX_DISKS = 64, MAX_VOLUMES = 64 };
    di_disk_facts *disks = calloc(MAX_DISKS, sizeof *disks);
    di_volume_facts *volumes = calloc(MAX_VOLUMES, sizeof *volumes);
    di_status st = DI_OK;
    if (!disks || !volumes) {
        st = di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_OPEN, wd->base.path,
                          DI_REASON_NONE, DI_NO_ARGS);
        goto out;
    }
    int volume_count = 0;
    int disk_count = di_win_enumerate(disks, MAX_DISKS, volumes, MAX_VOLUMES, &volume_count);
    for (int d = 0; d < disk_count; d++) {
        if (disks[d].number == number && di_disk_offer_for(&disks[d]) == DI_OFFER_NEVER) {
            st = di_error_why(error, DI_ERR_BUSY, DI_OP_OPEN, wd->base.path,
                              DI_REASON_SYSTEM_DISK_WINDOWS,
                            DI_NO_ARGS);
            goto out;
        }
    }
    for (int v = 0; v < volume_count; v++) {
        bool on_disk = false;
        for (int e = 0; e < volumes[v].extent_count; e++)
            if (volumes[v].extents[e].disk_number == number) on_disk = true;
        if (!on_disk) continue;
        const char *name = volumes[v].letters[0] ? volumes[v].letters : volumes[v].path;
        char volume_name[160];
        snprintf(volume_name, sizeof volume_name, "%s%s", name, volumes[v].letters[0] ? ":" : "");
        wchar_t *wpath = di_utf8_to_utf16(volumes[v].path);
        HANDLE h = wpath ? CreateFileW(wpath, GENERIC_READ | GENERIC_WRITE,
                                       FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0,
                                       NULL)
                         : INVALID_HANDLE_VALUE;
        free(wpath);
        DWORD err = GetLastError();
        if (h == INVALID_HANDLE_VALUE || wd->volume_lock_count >= MAX_LOCKED_VOLUMES ||
            !lock_and_dismount(h, &err)) {
            if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
            st = di_error_why_os(error, DI_ERR_BUSY, DI_IO_LOCK, DI_OP_LOCK_VOLUME, volume_name, (int)err,
                               DI_REASON_VOLUME_IN_USE, DI_ARGS(di_text(wd->base.path)));
            unlock_volumes(wd);
            goto out;
        }
        wd->volume_locks[wd->volume_lock_count++] = h;
    }
out:
    free(disks);
    free(volumes);
    return st;
}

static bool is_windows_volume(const char *path)
{
    wchar_t windows_dir[MAX_PATH];
    return strlen(path) == 6 && path[5] == ':' && GetWindowsDirectoryW(windows_dir, MAX_PATH) &&
           towupper(windows_dir[0]) == towupper((wchar_t)(unsigned char)path[4]);
}

static di_status open_volume(win_device *wd, const wchar_t *wpath, const di_open_options *opt,
                             di_error *error)
{
    const char *path = wd->base.path;
    if (opt->mode == DI_OPEN_CREATE)
        return di_error_why(error, DI_ERR_USAGE, DI_OP_OPEN, path,
                            DI_REASON_DEVICE_IS_NO_IMAGE_FILE, DI_NO_ARGS);
    unsigned disk_number;
    bool physical = di_physical_drive_number(path, &disk_number);
    if (opt->mode == DI_OPEN_WRITE) {
        if (!physical && is_windows_volume(path))
            return di_error_why(error, DI_ERR_BUSY, DI_OP_OPEN, path,
                                DI_REASON_VOLUME_HOLDS_WINDOWS, DI_NO_ARGS);
        if (physical) {
            di_status st = lock_disk_volumes(wd, disk_number, error);
            if (st != DI_OK) return st;
        }
    }
    DWORD access = GENERIC_READ | (opt->mode == DI_OPEN_WRITE ? GENERIC_WRITE : 0);
    wd->handle = CreateFileW(wpath, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                             OPEN_EXISTING,
                             FILE_FLAG_NO_BUFFERING | FILE_FLAG_WRITE_THROUGH |
                                 FILE_FLAG_OVERLAPPED,
                             NULL);
    if (wd->handle == INVALID_HANDLE_VALUE) {
        DWORD err = GetLastError();
        unlock_volumes(wd);
        di_error_why_os(error, DI_ERR_OPEN, DI_IO_OPEN, DI_OP_OPEN, path, (int)err,
                        DI_REASON_NONE, DI_NO_ARGS);
        unless_elevated(error);
        return DI_ERR_OPEN;
    }
    DWORD ignored;
    /* Lets reads and writes reach the volume's last sectors. */
    DeviceIoControl(wd->handle, FSCTL_ALLOW_EXTENDED_DASD_IO, NULL, 0, NULL, 0, &ignored, NULL);
    if (opt->mode == DI_OPEN_WRITE && !physical) {
        di_status st = lock_volume(wd, error);
        if (st != DI_OK) {
            CloseHandle(wd->handle);
            return st;
        }
    }
    /* A card's lock switch, as the reader reports it. */
    if (!DeviceIoControl(wd->handle, IOCTL_DISK_IS_WRITABLE, NULL, 0, NULL, 0, &ignored, NULL) &&
        GetLastError() == ERROR_WRITE_PROTECT)
        wd->base.read_only = true;
    wd->wpath = _wcsdup(wpath);
    wd->access = access;
    wd->base.kind = DI_DEVICE_BLOCK;
    wd->base.size = di_win_handle_size(wd->handle);
    wd->base.sector_size = query_sector_size(wd->handle);
    wd->base.parallel_io = BLOCK_PARALLEL_IO;
    return DI_OK;
}

static bool same_file(HANDLE a, HANDLE b)
{
    BY_HANDLE_FILE_INFORMATION ia, ib;
    return GetFileInformationByHandle(a, &ia) && GetFileInformationByHandle(b, &ib) &&
           ia.dwVolumeSerialNumber == ib.dwVolumeSerialNumber &&
           ia.nFileIndexHigh == ib.nFileIndexHigh && ia.nFileIndexLow == ib.nFileIndexLow;
}

/* The file's second handle for aligned writes, with the volume's sector size as their
 * alignment; a file system that refuses unbuffered handles leaves it NULL. It must be
 * the very file the first handle writes, whatever happened to its name since: ReOpenFile
 * says so by itself; where it fails (Wine), the path is opened and its identity checked. */
static void open_direct(win_device *wd, const wchar_t *wpath)
{
    const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE;
    const DWORD flags = FILE_FLAG_OVERLAPPED | FILE_FLAG_NO_BUFFERING;
    HANDLE h = ReOpenFile(wd->handle, GENERIC_WRITE, share, flags);
    if (h == INVALID_HANDLE_VALUE) {
        h = CreateFileW(wpath, GENERIC_WRITE, share, NULL, OPEN_EXISTING,
                        FILE_ATTRIBUTE_NORMAL | flags, NULL);
        if (h == INVALID_HANDLE_VALUE) return;
        if (!same_file(wd->handle, h)) {
            CloseHandle(h);
            return;
        }
    }
    uint32_t align = DI_DIRECT_ALIGNMENT;
    wchar_t root[MAX_PATH];
    DWORD per_cluster, sector, free_clusters, clusters;
    if (GetVolumePathNameW(wpath, root, MAX_PATH) &&
        GetDiskFreeSpaceW(root, &per_cluster, &sector, &free_clusters, &clusters) && sector > align)
        align = sector;
    wd->direct_handle = h;
    wd->direct_align = align;
    wd->base.parallel_io = FILE_PARALLEL_IO;
}

static di_status open_file(win_device *wd, const wchar_t *wpath, const di_open_options *opt,
                           di_error *error)
{
    const char *path = wd->base.path;
    DWORD attributes = GetFileAttributesW(wpath);
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY))
        return di_error_why(error, DI_ERR_OPEN, DI_OP_OPEN, path,
                            DI_REASON_DIRECTORY_NOT_IMAGE_OR_DEVICE,
                            DI_NO_ARGS);
    DWORD access = opt->mode == DI_OPEN_READ ? GENERIC_READ : GENERIC_WRITE;
    DWORD disposition = opt->mode == DI_OPEN_READ    ? OPEN_EXISTING
                        : opt->mode == DI_OPEN_WRITE ? OPEN_ALWAYS
                                                     : CREATE_ALWAYS;
    /* An output file shares writing with its own second, unbuffered handle. Windows has
     * no share mode that admits only that one: another program could open the file for
     * writing too, as it could any file a program keeps open for reading. */
    DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE;
    wd->handle = CreateFileW(wpath, access, share, NULL, disposition,
                             FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OVERLAPPED, NULL);
    if (wd->handle == INVALID_HANDLE_VALUE) /* a mapped drive unseen when elevated: say so */
        return di_win_note_unseen_drive(
            di_error_why_code(error, DI_ERR_OPEN, DI_OP_OPEN, path, (int)GetLastError(),
                              DI_REASON_NONE, DI_NO_ARGS), error);
    LARGE_INTEGER size;
    if (!GetFileSizeEx(wd->handle, &size)) {
        DWORD err = GetLastError();
        CloseHandle(wd->handle);
        return di_error_why_code(error, DI_ERR_OPEN, DI_OP_QUERY_SIZE, path, (int)err,
                                 DI_REASON_NONE, DI_NO_ARGS);
    }
    wd->base.kind = DI_DEVICE_FILE;
    wd->base.size = (uint64_t)size.QuadPart;
    wd->base.sector_size = DI_FILE_SECTOR_SIZE;
    wd->base.parallel_io = 1;
    if (opt->mode != DI_OPEN_READ) {
        wd->base.flush_every = FILE_FLUSH_BYTES;
        open_direct(wd, wpath);
    }
    return DI_OK;
}

di_status di_device_open(const char *path, const di_open_options *options, di_device **out,
                         di_error *error)
{
    di_open_options defaults = {0};
    const di_open_options *opt = options ? options : &defaults;
    *out = NULL;
    if (!path || !path[0]) return di_error_why(error, DI_ERR_USAGE, DI_OP_OPEN, "",
                                               DI_REASON_NO_PATH, DI_NO_ARGS);
    wchar_t *wpath = di_utf8_to_utf16(path);
    if (!wpath) return di_error_why(error, DI_ERR_OPEN, DI_OP_OPEN, path,
                                    DI_REASON_PATH_NOT_UTF8, DI_NO_ARGS);
    win_device *wd = calloc(1, sizeof *wd);
    if (!wd) {
        free(wpath);
        return di_error_why(error, DI_ERR_NO_MEMORY, DI_OP_OPEN, path, DI_REASON_NONE, DI_NO_ARGS);
    }
    wd->base.ops = &win_ops;
    atomic_init(&wd->direct_refused, false);
    InitOnceInitialize(&wd->fall_back_once);
    snprintf(wd->base.path, sizeof wd->base.path, "%s", path);
    di_status st = is_device_path(path) ? open_volume(wd, wpath, opt, error)
                                        : open_file(wd, wpath, opt, error);
    free(wpath);
    if (st != DI_OK) {
        free(wd);
        return st;
    }
    *out = &wd->base;
    return DI_OK;
}

/* Ejects the medium as Microsoft's "How to eject removable media" does: the volumes on
 * it locked and dismounted (Windows mounted the new partitions once the table was
 * re-read), removal allowed, then IOCTL_STORAGE_EJECT_MEDIA, on a handle of its own
 * opened for reading and writing, as those IOCTLs ask. That handle replaces the one
 * the device was opened with (a volume is locked only while no other handle is open
 * on it); closing the device closes it, and the locks kept in wd, releasing them. */
static di_status win_eject(di_device *dev, di_error *error)
{
    win_device *wd = (win_device *)dev;
    const char *path = dev->path;
    wchar_t *wpath = di_utf8_to_utf16(path);
    HANDLE h = wpath ? CreateFileW(wpath, GENERIC_READ | GENERIC_WRITE,
                                   FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL)
                     : INVALID_HANDLE_VALUE;
    free(wpath);
    if (h == INVALID_HANDLE_VALUE)
        return di_error_why_code(error, DI_ERR_OPEN, DI_OP_EJECT, path, (int)GetLastError(),
                                 DI_REASON_NONE, DI_NO_ARGS);
    CloseHandle(wd->handle);
    wd->handle = h;
    unsigned number;
    bool physical = di_physical_drive_number(path, &number);
    DWORD err = 0, got = 0;
    di_status st = DI_OK;
    if (physical)
        st = lock_disk_volumes(wd, number, error);
    else if (!lock_and_dismount(h, &err))
        st = di_error_why_os(error, DI_ERR_BUSY, DI_IO_LOCK, DI_OP_EJECT, path, (int)err,
                                   DI_REASON_PROGRAM_USES_DRIVE, DI_NO_ARGS);
    if (st == DI_OK) {
        PREVENT_MEDIA_REMOVAL allow = {FALSE};
        /* Readers that never lock their medium refuse this: the eject still decides. */
        DeviceIoControl(h, IOCTL_STORAGE_MEDIA_REMOVAL, &allow, sizeof allow, NULL, 0, &got,
                        NULL);
        if (!DeviceIoControl(h, IOCTL_STORAGE_EJECT_MEDIA, NULL, 0, NULL, 0, &got, NULL))
            st = di_error_why_code(error, DI_ERR_OPEN, DI_OP_EJECT, path, (int)GetLastError(),
                             DI_REASON_DRIVE_REFUSED_EJECT, DI_NO_ARGS);
    }
    return st;
}

/* di_trim_request writes winioctl.h's layout. */
_Static_assert(sizeof(DEVICE_MANAGE_DATA_SET_ATTRIBUTES) == 28, "DSM attributes: 28 bytes");
_Static_assert(sizeof(DEVICE_DATA_SET_RANGE) == 16, "DSM range: 16 bytes");

/* A drive: TRIM through the storage stack (SD hosts turn it into ERASE, USB bridges into
 * UNMAP, when they can). A file or a drive that cannot: the caller writes zeros. */
static di_status win_discard(di_device *dev, uint64_t offset, uint64_t length, bool *unsupported,
                             di_error *error)
{
    *unsupported = false;
    if (dev->kind != DI_DEVICE_BLOCK) {
        *unsupported = true;
        return DI_OK;
    }
    uint8_t request[DI_TRIM_REQUEST_BYTES];
    di_trim_request(offset, length, request);
    DWORD got = 0;
    if (DeviceIoControl(handle_of(dev), IOCTL_STORAGE_MANAGE_DATA_SET_ATTRIBUTES, request,
                        sizeof request, NULL, 0, &got, NULL))
        return DI_OK;
    DWORD err = GetLastError();
    if (di_trim_unsupported(err)) {
        *unsupported = true;
        return DI_OK;
    }
    di_error_why_code(error, DI_ERR_WRITE, DI_OP_DISCARD, dev->path, (int)err, DI_REASON_NONE,
                      DI_NO_ARGS);
    classify(dev, error, DI_IO_WRITE);
    di_error_at(error, offset);
    return DI_ERR_WRITE;
}
