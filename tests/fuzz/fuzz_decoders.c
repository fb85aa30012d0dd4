/* libFuzzer target: the stream decoders (gzip, xz, zstd, bzip2, raw deflate; the first
 * byte picks) on any bytes, fed in small pieces into a small output buffer, as the
 * stream source does. They must end, fail, or ask for more: never loop, never write
 * past the buffer. Output is bounded so a decompression bomb stops early (the parallel
 * bzip2 decoder is then freed with its workers busy). */
#include <stdint.h>
#include <stdlib.h>

#include "core/codec/decoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_SIZE 4096
#define OUT_LIMIT (8u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    decoder *dec = NULL;
    switch (data[0] % 5) {
    case 0: dec = decoder_new_gzip(); break;
    case 1: dec = decoder_new_xz(1); break;
    case 2: dec = decoder_new_zstd(); break;
    case 3: dec = decoder_new_bzip2(1u + (data[1] >> 7)); break;  /* serial or parallel */
    default: dec = decoder_new_deflate_raw(); break;
    }
    if (!dec) return 0;
    size_t piece = 1 + data[1] % 64, pos = 2, total = 0;
    unsigned char out[OUT_SIZE];
    codec_failure why;
    for (unsigned rounds = 0; rounds < 1000000 && total < OUT_LIMIT; rounds++) {
        size_t n = size - pos < piece ? size - pos : piece;
        codec_buffers io = {.in = data + pos, .in_len = n, .input_ended = pos + n == size,
                            .out = out, .out_len = OUT_SIZE};
        codec_result r = dec->ops->step(dec, &io, &why);
        if (r == CODEC_FAILED) {
            /* Every failure names a reason its renderer can word. */
            char text[512];
            codec_failure_english(&why, text, sizeof text);
            if (why.reason == DI_REASON_NONE || !text[0]) abort();
        }
        if (io.in_used > n || io.out_made > OUT_SIZE) abort();
        pos += io.in_used;
        total += io.out_made;
        if (r != CODEC_MORE) break;
        if (io.in_used == 0 && io.out_made == 0 && pos == size) break; /* truncated */
    }
    decoder_free(dec);
    return 0;
}
