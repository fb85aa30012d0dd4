/* libFuzzer target: checksum files (coreutils and BSD lines, SHA256SUMS, a lone digest)
 * and typed digests. A digest found must be well formed: lowercase hex of its
 * algorithm's length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/checksum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_digest(const di_expected_hash *e)
{
    static const size_t lengths[DI_HASH_COUNT] = {32, 40, 64, 128};
    if (e->alg >= DI_HASH_COUNT || strlen(e->hex) != lengths[e->alg]) abort();
    for (const char *p = e->hex; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    di_expected_hash e;
    for (unsigned alg = 0; alg <= DI_HASH_COUNT; alg += 2) {
        if (di_checksum_find_in_text((const char *)data, size, "pi.img", (di_hash_alg)alg, &e))
            check_digest(&e);
    }
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (di_expected_from_hex(text, &e)) check_digest(&e);
    di_hash_alg alg;
    char hex[DI_HASH_HEX_MAX], name[256];
    if (di_checksum_parse_line(text, &alg, hex, name, sizeof name) && alg >= DI_HASH_COUNT) abort();
    free(text);
    return 0;
}
