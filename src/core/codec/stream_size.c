/* xz: liblzma's file-info decoder reads the stream footers and indexes, seeking
 * backwards from the end. zstd: frame headers and the 3-byte block headers, walked
 * from frame to frame (a few thousand small reads for a gigabyte). */
#include "stream_size.h"

#include <lzma.h>
#include <stdlib.h>
#define ZSTD_STATIC_LINKING_ONLY /* frame headers: ZSTD_getFrameHeader */
#include <zstd.h>

#define XZ_READ_SIZE 65536u
/* A hostile file of 1-byte blocks must not cost millions of reads: give up instead. */
#define ZSTD_MAX_BLOCKS 2000000u

bool stream_size_xz(codec_read_fn read, void *ctx, uint64_t file_size, uint64_t *size)
{
    lzma_stream strm = LZMA_STREAM_INIT;
    lzma_index *index = NULL;
    unsigned char *buf = malloc(XZ_READ_SIZE);
    if (!buf || lzma_file_info_decoder(&strm, &index, UINT64_MAX, file_size) != LZMA_OK) {
        free(buf);
        return false;
    }
    bool ok = false;
    uint64_t pos = 0;
    for (unsigned rounds = 0; rounds < 100000; rounds++) {
        if (strm.avail_in == 0) {
            if (pos >= file_size) break;
            size_t n = file_size - pos < XZ_READ_SIZE ? (size_t)(file_size - pos) : XZ_READ_SIZE;
            di_error ignored;
            if (read(ctx, pos, buf, n, &ignored) != DI_OK) break;
            strm.next_in = buf;
            strm.avail_in = n;
            pos += n;
        }
        lzma_ret rc = lzma_code(&strm, LZMA_RUN);
        if (rc == LZMA_SEEK_NEEDED) {
            pos = strm.seek_pos;
            strm.avail_in = 0;
            continue;
        }
        if (rc == LZMA_STREAM_END) {
            *size = lzma_index_uncompressed_size(index);
            ok = true;
            break;
        }
        if (rc != LZMA_OK) break;
    }
    if (index) lzma_index_end(index, NULL);
    lzma_end(&strm);
    free(buf);
    return ok;
}

static uint32_t le24(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

/* One frame at *pos: adds its content size, moves past it. False when unknown. */
static bool walk_zstd_frame(codec_read_fn read, void *ctx, uint64_t file_size, uint64_t *pos,
                            uint64_t *total, unsigned *blocks)
{
    unsigned char head[ZSTD_FRAMEHEADERSIZE_MAX];
    size_t n = file_size - *pos < sizeof head ? (size_t)(file_size - *pos) : sizeof head;
    di_error ignored;
    if (n < 8 || read(ctx, *pos, head, n, &ignored) != DI_OK) return false;
    ZSTD_frameHeader fh;
    if (ZSTD_getFrameHeader(&fh, head, n) != 0) return false;
    if (fh.frameType == ZSTD_skippableFrame) {
        *pos += ZSTD_SKIPPABLEHEADERSIZE + (uint64_t)(head[4] | head[5] << 8 | head[6] << 16 |
                                                     (uint32_t)head[7] << 24);
        return *pos <= file_size;
    }
    if (fh.frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN) return false;
    *total += fh.frameContentSize;
    *pos += fh.headerSize;
    for (;;) {
        unsigned char bh[3];
        if (++*blocks > ZSTD_MAX_BLOCKS || file_size - *pos < 3 ||
            read(ctx, *pos, bh, 3, &ignored) != DI_OK)
            return false;
        uint32_t header = le24(bh);
        uint32_t type = (header >> 1) & 3u, block_size = header >> 3;
        if (type == 3) return false; /* reserved: a corrupt file */
        *pos += 3 + (type == 1 ? 1u : block_size); /* RLE blocks store one byte */
        if (*pos > file_size) return false;
        if (header & 1u) break; /* the last block */
    }
    if (fh.checksumFlag) *pos += 4;
    return *pos <= file_size;
}

bool stream_size_zstd(codec_read_fn read, void *ctx, uint64_t file_size, uint64_t *size)
{
    uint64_t pos = 0, total = 0;
    unsigned blocks = 0;
    while (pos < file_size)
        if (!walk_zstd_frame(read, ctx, file_size, &pos, &total, &blocks)) return false;
    *size = total;
    return pos == file_size;
}
