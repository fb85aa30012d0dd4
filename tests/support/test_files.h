/* Files for tests: generated contents, comparisons and reference digests that do not
 * go through the engine under test. */
#ifndef DISKIMAGER_TEST_FILES_H
#define DISKIMAGER_TEST_FILES_H

#include <stdbool.h>
#include <stdint.h>

#include "diskimager/hash.h"

/* Deterministic pseudo-random bytes: the same seed gives the same file. */
bool make_random_file(const char *path, uint64_t size, uint32_t seed);
bool make_zero_file(const char *path, uint64_t size);
/* size bytes, every one of them byte (0xA5 tells untouched bytes from zero padding). */
bool make_filled_file(const char *path, uint64_t size, unsigned char byte);
/* true when every byte of path in [from, to) is value. */
bool bytes_are(const char *path, uint64_t from, uint64_t to, int value);
/* Replaces the file's contents with text. */
bool write_text_file(const char *path, const char *text);
bool write_bytes_at(const char *path, uint64_t offset, const void *data, size_t len);
bool read_bytes_at(const char *path, uint64_t offset, void *data, size_t len);
/* A file of size bytes that holds nothing (a hole, where the file system has them). */
bool make_sparse_file(const char *path, uint64_t size);
int64_t file_size_of(const char *path);
bool file_exists(const char *path);
void remove_if_exists(const char *path);
/* true when the first n bytes of a and b are equal (both must have n bytes). */
bool files_equal_prefix(const char *a, const char *b, uint64_t n);
/* true when path holds only zeros from offset to its end. */
bool file_zero_from(const char *path, uint64_t offset);
/* Lowercase hex digest of the first n bytes (n = UINT64_MAX: the whole file). */
bool reference_hash(const char *path, di_hash_alg alg, uint64_t n, char hex[DI_HASH_HEX_MAX]);
/* A directory for this test's files, created under the current one. */
const char *test_dir(const char *name);
/* test_dir + "/" + name, in a static ring of buffers. */
const char *test_path(const char *dir, const char *name);

#endif
