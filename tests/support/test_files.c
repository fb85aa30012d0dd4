#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64
#include "test_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef _WIN32
#include <direct.h>
#include <windows.h>
#include <winioctl.h>
#define make_dir(p) _mkdir(p)
#else
#include <fcntl.h>
#include <unistd.h>
#define make_dir(p) mkdir(p, 0755)
#endif

#define IO_CHUNK (1u << 20)

static uint32_t next_random(uint32_t *state)
{
    /* xorshift32: fast, and enough to make every sector different. */
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

bool make_random_file(const char *path, uint64_t size, uint32_t seed)
{
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    unsigned char *buf = malloc(IO_CHUNK);
    uint32_t state = seed ? seed : 0x9e3779b9u;
    bool ok = buf != NULL;
    for (uint64_t left = size; ok && left > 0;) {
        size_t n = left < IO_CHUNK ? (size_t)left : IO_CHUNK;
        for (size_t i = 0; i < n; i += 4) {
            uint32_t r = next_random(&state);
            memcpy(buf + i, &r, n - i < 4 ? n - i : 4);
        }
        ok = fwrite(buf, 1, n, f) == n;
        left -= n;
    }
    free(buf);
    return fclose(f) == 0 && ok;
}

bool make_filled_file(const char *path, uint64_t size, unsigned char byte)
{
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    unsigned char *buf = malloc(IO_CHUNK);
    bool ok = buf != NULL;
    if (buf) memset(buf, byte, IO_CHUNK);
    for (uint64_t left = size; ok && left > 0;) {
        size_t n = left < IO_CHUNK ? (size_t)left : IO_CHUNK;
        ok = fwrite(buf, 1, n, f) == n;
        left -= n;
    }
    free(buf);
    return fclose(f) == 0 && ok;
}

bool make_zero_file(const char *path, uint64_t size)
{
    return make_filled_file(path, size, 0);
}

bool bytes_are(const char *path, uint64_t from, uint64_t to, int value)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    bool ok = fseek(f, (long)from, SEEK_SET) == 0;
    for (uint64_t i = from; ok && i < to; i++) ok = fgetc(f) == value;
    fclose(f);
    return ok;
}

bool write_text_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

bool write_bytes_at(const char *path, uint64_t offset, const void *data, size_t len)
{
    FILE *f = fopen(path, "r+b");
    if (!f) return false;
    bool ok = fseeko(f, (off_t)offset, SEEK_SET) == 0 && fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

bool read_bytes_at(const char *path, uint64_t offset, void *data, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    bool ok = fseeko(f, (off_t)offset, SEEK_SET) == 0 && fread(data, 1, len, f) == len;
    fclose(f);
    return ok;
}

bool make_sparse_file(const char *path, uint64_t size)
{
#ifdef _WIN32
    wchar_t wide[1024];
    if (!MultiByteToWideChar(CP_UTF8, 0, path, -1, wide, 1024)) return false;
    HANDLE h = CreateFileW(wide, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) return false;
    DWORD ignored;
    DeviceIoControl(h, FSCTL_SET_SPARSE, NULL, 0, NULL, 0, &ignored, NULL);
    LARGE_INTEGER at = {.QuadPart = (LONGLONG)size};
    bool ok = SetFilePointerEx(h, at, NULL, FILE_BEGIN) && SetEndOfFile(h);
    CloseHandle(h);
    return ok;
#else
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return false;
    bool ok = ftruncate(fd, (off_t)size) == 0;
    return close(fd) == 0 && ok;
#endif
}

int64_t file_size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

void remove_if_exists(const char *path)
{
    remove(path);
}

bool files_equal_prefix(const char *a, const char *b, uint64_t n)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    unsigned char *ba = malloc(IO_CHUNK), *bb = malloc(IO_CHUNK);
    bool equal = fa && fb && ba && bb;
    for (uint64_t left = n; equal && left > 0;) {
        size_t want = left < IO_CHUNK ? (size_t)left : IO_CHUNK;
        equal = fread(ba, 1, want, fa) == want && fread(bb, 1, want, fb) == want &&
                memcmp(ba, bb, want) == 0;
        left -= want;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    free(ba);
    free(bb);
    return equal;
}

bool file_zero_from(const char *path, uint64_t offset)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    bool zero = fseeko(f, (off_t)offset, SEEK_SET) == 0;
    int c;
    while (zero && (c = fgetc(f)) != EOF) zero = c == 0;
    fclose(f);
    return zero;
}

bool reference_hash(const char *path, di_hash_alg alg, uint64_t n, char hex[DI_HASH_HEX_MAX])
{
    FILE *f = fopen(path, "rb");
    di_hasher *h = di_hasher_new(alg);
    unsigned char *buf = malloc(IO_CHUNK);
    bool ok = f && h && buf;
    while (ok && n > 0) {
        size_t want = n < IO_CHUNK ? (size_t)n : IO_CHUNK;
        size_t got = fread(buf, 1, want, f);
        if (got == 0) break;
        ok = di_hasher_update(h, buf, got);
        n -= got;
    }
    ok = ok && di_hasher_final_hex(h, hex);
    if (f) fclose(f);
    di_hasher_free(h);
    free(buf);
    return ok;
}

const char *test_dir(const char *name)
{
    static char dir[512];
    snprintf(dir, sizeof dir, "tmp-%s", name);
    if (make_dir(dir) != 0 && errno != EEXIST) return NULL;
    return dir;
}

const char *test_path(const char *dir, const char *name)
{
    static char ring[8][1024];
    static unsigned next;
    char *out = ring[next++ % 8];
    snprintf(out, sizeof ring[0], "%s/%s", dir, name);
    return out;
}
