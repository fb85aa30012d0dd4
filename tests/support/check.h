/* A minimal test harness: named test functions, checks that report file, line and
 * the values involved, and a main that runs them all (or those named on the command
 * line) and ends with "N passed, N failed". */
#ifndef DISKIMAGER_TEST_CHECK_H
#define DISKIMAGER_TEST_CHECK_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

extern int check_failures;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            check_failures++;                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

#define CHECK_U64(actual, expected)                                                    \
    do {                                                                               \
        uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected);                   \
        if (a_ != e_) {                                                                \
            check_failures++;                                                          \
            fprintf(stderr, "%s:%d: %s == %" PRIu64 ", expected %" PRIu64 "\n",        \
                    __FILE__, __LINE__, #actual, a_, e_);                               \
        }                                                                              \
    } while (0)

#define CHECK_STR(actual, expected)                                                    \
    do {                                                                               \
        const char *a_ = (actual), *e_ = (expected);                                   \
        if (!a_ || strcmp(a_, e_) != 0) {                                              \
            check_failures++;                                                          \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,        \
                    __LINE__, #actual, a_ ? a_ : "(null)", e_);                         \
        }                                                                              \
    } while (0)

#define CHECK_CONTAINS(haystack, needle)                                               \
    do {                                                                               \
        const char *h_ = (haystack), *n_ = (needle);                                   \
        if (!h_ || !strstr(h_, n_)) {                                                  \
            check_failures++;                                                          \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,       \
                    __LINE__, h_ ? h_ : "(null)", n_);                                  \
        }                                                                              \
    } while (0)

typedef struct test_case {
    const char *name;
    void (*fn)(void);
} test_case;

/* Each test file defines: static const test_case tests[] = {...}; TEST_MAIN(tests) */
int run_tests(const test_case *tests, size_t count, int argc, char **argv);
#define TEST_MAIN(table)                                                               \
    int main(int argc, char **argv)                                                    \
    {                                                                                  \
        return run_tests(table, sizeof table / sizeof table[0], argc, argv);           \
    }

#endif
