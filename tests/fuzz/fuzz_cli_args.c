/* libFuzzer target: the command line's parser (sizes, hash names, every option) on any
 * arguments: the input split at NUL bytes into argv. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "diskimager/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *argv[34] = {"diskimager"};
    int argc = 1;
    for (size_t at = 0; at <= size && argc < 33;) {
        argv[argc++] = copy + at;
        at += strlen(copy + at) + 1;
    }
    argv[argc] = NULL;
    cli_args args;
    char error[512];
    cli_parse_args(argc, argv, &args, error, sizeof error);
    uint64_t bytes;
    di_parse_size(copy, &bytes);
    free(copy);
    return 0;
}
