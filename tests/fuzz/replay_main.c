/* Runs a fuzz target over the files named on the command line: the seed corpus and
 * every input that once crashed, as regression tests in every build (gcc, MinGW under
 * Wine), not only where libFuzzer is. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int ran = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "cannot open %s\n", argv[i]);
            return 1;
        }
        uint8_t *buf = malloc(1u << 24);
        size_t n = buf ? fread(buf, 1, 1u << 24, f) : 0;
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
        ran++;
    }
    printf("%d passed, 0 failed\n", ran);
    return ran > 0 ? 0 : 1;
}
