/* The bmap parser: bmaptool's own output, version 1 files, each way a file can be
 * malformed (with the line and reason in the message), random damage to a good file,
 * the file's own checksum, and where a bmap is looked for beside an image. PGP-
 * clearsigned bmaps and their damaged envelopes. Writes with a bmap: the safe order for
 * an image of 1 MiB or less, a regular file given exactly the image's size. And the
 * files of other projects' test suites (bmaptool, balena's blockmap, bmap-rs), read from
 * $DI_PEER_DATA or ../shared/peer-data beside the source tree (skipped, saying so, when
 * that folder is absent). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diskimager/bmap.h"
#include "diskimager/job.h"
#include "fault_device.h"
#include "job_runner.h"
#include "test_files.h"

#define SHA_A "a88832996fc004ab0160943396fbb34e774db34fb499df55bc7e71ff5adea04f"
#define SHA_B "6762124bdeb41b6b3ed468f28aab3042e32e5b297a923b1c5db0a8408fede061"

/* A version 2.0 bmap as bmaptool writes it, without its file checksum. */
static const char good[] =
    "<?xml version=\"1.0\" ?>\n"
    "<!-- a comment that mentions <MappedBlocksCount> and <BlockMap> -->\n"
    "<bmap version=\"2.0\">\n"
    "    <ImageSize> 10485760 </ImageSize>\n"
    "    <BlockSize> 4096 </BlockSize>\n"
    "    <BlocksCount> 2560 </BlocksCount>\n"
    "    <MappedBlocksCount> 6    </MappedBlocksCount>\n"
    "    <ChecksumType> sha256 </ChecksumType>\n"
    "    <BlockMap>\n"
    "        <Range chksum=\"" SHA_A "\"> 3-7 </Range>\n"
    "        <!-- between ranges -->\n"
    "        <Range chksum=\"" SHA_B "\"> 1000 </Range>\n"
    "    </BlockMap>\n"
    "</bmap>\n";

static char *clearsigned(const char *body);

static di_status parse(const char *text, di_bmap *b, di_error *e)
{
    di_error_clear(e);
    return di_bmap_parse(text, strlen(text), "x.bmap", b, e);
}

static void parses_bmaptool_output(void)
{
    di_bmap b;
    di_error e;
    CHECK_U64(parse(good, &b, &e), DI_OK);
    CHECK_U64(b.image_size, 10485760);
    CHECK_U64(b.block_size, 4096);
    CHECK_U64(b.blocks_count, 2560);
    CHECK_U64(b.mapped_blocks, 6);
    CHECK(b.has_checksums);
    CHECK(b.checksum_alg == DI_HASH_SHA256);
    CHECK_U64(b.range_count, 2);
    CHECK_U64(b.ranges[0].first, 3);
    CHECK_U64(b.ranges[0].last, 7);
    CHECK_U64(b.ranges[1].first, 1000);
    CHECK_U64(b.ranges[1].last, 1000);
    CHECK(b.ranges[0].digest[0] == 0xa8 && b.ranges[0].digest[31] == 0x4f);
    di_bmap_free(&b);

    /* The real file bmaptool 3.6 wrote, its own checksum included and checked. */
    char *text = NULL;
    FILE *f = fopen(DI_SOURCE_DIR "/tests/fuzz/corpus/bmap/bmaptool-2.0.bmap", "rb");
    CHECK(f != NULL);
    if (!f) return;
    text = calloc(1, 65536);
    size_t n = fread(text, 1, 65535, f);
    fclose(f);
    CHECK_U64(di_bmap_parse(text, n, "real.bmap", &b, &e), DI_OK);
    CHECK_U64(b.range_count, 2);
    di_bmap_free(&b);
    char *digit = strstr(text, "<Range chksum=\"a");
    CHECK(digit != NULL);
    if (digit) digit[16] = 'b'; /* one changed digit: the file's checksum catches it */
    CHECK_U64(di_bmap_parse(text, n, "real.bmap", &b, &e), DI_ERR_USAGE);
    CHECK_CONTAINS(e.detail, "its own checksum does not match");
    free(text);
}

static void parses_version_1(void)
{
    static const char v1[] =
        "<?xml version=\"1.0\" ?>\n<bmap version=\"1.3\">\n"
        "<ImageSize>8192</ImageSize><BlockSize>4096</BlockSize><BlocksCount>2</BlocksCount>\n"
        "<MappedBlocksCount>1</MappedBlocksCount>\n"
        "<BlockMap><Range sha1=\"0123456789abcdef0123456789abcdef01234567\">1</Range></BlockMap>\n"
        "</bmap>";
    di_bmap b;
    di_error e;
    CHECK_U64(parse(v1, &b, &e), DI_OK);
    CHECK(b.checksum_alg == DI_HASH_SHA1);
    CHECK_U64(b.range_count, 1);
    di_bmap_free(&b);
    /* 1.4 has 2.0's layout (bmaptool released 2.0 as 1.4 once): sha1= is not its. */
    char v14[sizeof v1];
    memcpy(v14, v1, sizeof v1);
    memcpy(strstr(v14, "\"1.3\""), "\"1.4\"", 5);
    CHECK_U64(parse(v14, &b, &e), DI_ERR_USAGE);
    CHECK_CONTAINS(e.detail, "line 5: a range's checksum attribute is sha1, not chksum (bmap version 1.4)");
    static const char plain[] =
        "<bmap version=\"1.2\"><ImageSize>100</ImageSize><BlockSize>512</BlockSize>"
        "<BlocksCount>1</BlocksCount><MappedBlocksCount>1</MappedBlocksCount>"
        "<BlockMap><Range>0</Range></BlockMap></bmap>";
    CHECK_U64(parse(plain, &b, &e), DI_OK);
    CHECK(!b.has_checksums);
    di_bmap_free(&b);
}

typedef struct bad_case {
    const char *from, *to;    /* replace the first `from` in good by `to` */
    const char *reason;
} bad_case;

static const bad_case bad_cases[] = {
    {"<!-- between ranges -->", "<!-- never closed", "comment is never closed"},
    {"<?xml version=\"1.0\" ?>", "<!DOCTYPE bmap>", "DTDs"},
    {"<bmap version=\"2.0\">", "<bmap version=\"3.0\">", "unsupported bmap version"},
    {"<bmap version=\"2.0\">", "<map version=\"2.0\">", "root element is <map>"},
    {"<bmap version=\"2.0\">", "<bmap version=\"2.0\" x=\"1\">", "more than one attribute"},
    {" 10485760 ", " 10485760&amp; ", "entities"},
    {"<BlockSize> 4096 ", "<BlockSize> 4000 ", "power of two"},
    {"<BlocksCount> 2560 ", "<BlocksCount> 2561 ", "BlocksCount does not match"},
    {"<MappedBlocksCount> 6 ", "<MappedBlocksCount> 7 ", "MappedBlocksCount does not match"},
    {"> 1000 <", "> 5 <", "overlap or are out of order"},
    {"> 1000 <", "> 2560 <", "beyond the image's blocks"},
    {"> 3-7 <", "> 7-3 <", "runs backwards"},
    {"> 3-7 <", "> 3-x <", "not N or N-M"},
    {"> 1000 <", "> 99999999999999999999999 <", "not N or N-M"},
    {SHA_B "\"", "abc\"", "not a sha256 digest"},
    {"<Range chksum=\"" SHA_B "\">", "<Range>", "some ranges have a checksum"},
    {"<ChecksumType> sha256 </ChecksumType>", "<Colour>red</Colour>", "unexpected element <Colour>"},
    {"<MappedBlocksCount> 6    </MappedBlocksCount>", "", "are all needed"},
    {"<ImageSize> 10485760 </ImageSize>", "", "comes before the image's sizes"},
    {"</bmap>\n", "</bmap>\ntrailing", "text after </bmap>"},
    {"</Range>\n    </BlockMap>", "</Range>\n    <Foo/></BlockMap>", "malformed tag"},
    {"<BlockSize> 4096 </BlockSize>", "<BlockSize> 4096 </BlockSize><BlockSize>4096</BlockSize>", "appears twice"},
    {"<ChecksumType> sha256 ", "<ChecksumType> crc32 ", "unknown <ChecksumType>"},
    {"<ImageSize> 10485760 ", "<ImageSize> 18446744073709551615 ", "ImageSize is too large"},
};

static void refuses_malformed_files(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        char text[4096];
        const char *at = strstr(good, c->from);
        CHECK(at != NULL);
        if (!at) continue;
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - good), good, c->to, at + strlen(c->from));
        di_bmap b;
        di_error e;
        int before = check_failures;
        CHECK_U64(parse(text, &b, &e), DI_ERR_USAGE);
        CHECK_CONTAINS(e.detail, c->reason);
        CHECK_CONTAINS(e.detail, "line ");
        CHECK_STR(e.path, "x.bmap");
        CHECK(b.ranges == NULL);
        if (check_failures != before) fprintf(stderr, "  in case %zu (%s): %s\n", i, c->reason, e.detail);
    }
    di_bmap b;
    di_error e;
    char with_nul[64] = "<bmap version=\"2.0\">";
    CHECK_U64(di_bmap_parse(with_nul, sizeof with_nul, "x.bmap", &b, &e), DI_ERR_USAGE);
    CHECK_CONTAINS(e.detail, "NUL");
}

static void survives_random_damage(void)
{
    srand(11);
    size_t len = strlen(good);
    char *text = malloc(len + 1);
    for (int round = 0; round < 20000; round++) {
        memcpy(text, good, len + 1);
        for (int k = 0; k < 1 + round % 5; k++) {
            size_t at = (size_t)rand() % len;
            text[at] = round % 3 ? (char)(rand() % 94 + 32) : "<>/\"-=! 0123"[rand() % 12];
        }
        size_t n = round % 7 == 0 ? (size_t)rand() % len : len; /* sometimes cut short */
        di_bmap b;
        di_error e;
        if (di_bmap_parse(text, n, "x.bmap", &b, &e) == DI_OK) {
            for (size_t i = 0; i < b.range_count; i++) {
                CHECK(b.ranges[i].first <= b.ranges[i].last);
                CHECK(b.ranges[i].last < b.blocks_count);
                if (i) CHECK(b.ranges[i].first > b.ranges[i - 1].last);
            }
            di_bmap_free(&b);
        }
    }
    free(text);
}

static void finds_the_bmap_beside_the_image(void)
{
    const char *dir = test_dir("bmap");
    char image[256], bmap[256], found[256];
    snprintf(image, sizeof image, "%s", test_path(dir, "pi.img.xz"));
    snprintf(bmap, sizeof bmap, "%s", test_path(dir, "pi.img.bmap"));
    CHECK(write_text_file(image, "x"));
    remove_if_exists(bmap);
    remove_if_exists(test_path(dir, "pi.bmap"));
    CHECK(!di_bmap_find_beside(image, found, sizeof found));
    CHECK(write_text_file(bmap, good));
    CHECK(di_bmap_find_beside(image, found, sizeof found));
    CHECK_STR(found, bmap);
    remove_if_exists(bmap);
    snprintf(bmap, sizeof bmap, "%s", test_path(dir, "pi.bmap"));
    CHECK(write_text_file(bmap, good));
    CHECK(di_bmap_find_beside(image, found, sizeof found));
    CHECK_STR(found, bmap);
    di_bmap b;
    di_error e;
    CHECK_U64(di_bmap_load(bmap, &b, &e), DI_OK);
    CHECK_U64(b.range_count, 2);
    di_bmap_free(&b);

    /* The clearsigned form, NAME.bmap.asc, when there is no NAME.bmap. */
    remove_if_exists(bmap);
    char asc[256], plain[256];
    snprintf(asc, sizeof asc, "%s", test_path(dir, "pi.img.bmap.asc"));
    snprintf(plain, sizeof plain, "%s", test_path(dir, "pi.img.bmap"));
    char *signed_text = clearsigned(good);
    CHECK(write_text_file(asc, signed_text));
    free(signed_text);
    CHECK(di_bmap_find_beside(image, found, sizeof found));
    CHECK_STR(found, asc);
    CHECK_U64(di_bmap_load(found, &b, &e), DI_OK);
    CHECK(b.signature_unchecked);
    di_bmap_free(&b);
    CHECK(write_text_file(plain, good));
    CHECK(di_bmap_find_beside(image, found, sizeof found));
    CHECK_STR(found, plain);
    remove_if_exists(plain);
    remove_if_exists(asc);
}

/* ---- helpers for files ---- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (!f) return NULL;
    size_t cap = 65536, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n < cap) continue;
        char *grown = realloc(buf, cap * 2 + 1);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    *len = n;
    return buf;
}

/* text with its first `from` replaced by `to` (malloc'ed; NULL when from is absent). */
static char *replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (!at) return NULL;
    size_t n = strlen(text) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    if (out) snprintf(out, n + 1, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return out;
}

static int line_at(const char *text, const char *at)
{
    int line = 1;
    for (const char *p = text; p < at; p++) line += *p == '\n';
    return line;
}

/* Every byte of [offset, offset + len) of the file is `byte`. */
static bool file_filled(const char *path, uint64_t offset, uint64_t len, unsigned char byte)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    bool same = fseek(f, (long)offset, SEEK_SET) == 0;
    for (uint64_t i = 0; same && i < len; i++) same = fgetc(f) == byte;
    fclose(f);
    return same;
}

static bool copy_prefix(const char *from, const char *to, uint64_t n)
{
    size_t len;
    char *data = slurp(from, &len);
    bool ok = data && len >= n;
    FILE *f = ok ? fopen(to, "wb") : NULL;
    ok = f && fwrite(data, 1, (size_t)n, f) == n;
    if (f) ok = fclose(f) == 0 && ok;
    free(data);
    return ok;
}

static bool sha256_is(const char *path, const char *hex)
{
    char got[DI_HASH_HEX_MAX];
    if (!reference_hash(path, DI_HASH_SHA256, UINT64_MAX, got)) return false;
    if (strcmp(got, hex) == 0) return true;
    fprintf(stderr, "  sha256 of %s is %s, expected %s\n", path, got, hex);
    return false;
}

static di_status bmap_job(di_job_kind kind, const char *image, const char *bmap,
                          const char *target, fault_plan *plan, job_outcome *out)
{
    di_job_spec spec = {.kind = kind, .source_path = image, .target_path = target,
                        .bmap_path = bmap, .wrap = plan ? fault_wrap : NULL, .wrap_ctx = plan};
    return run_job(&spec, out);
}

/* ---- the peers' files ---- */

#define TEST_IMAGE_SIZE 821752u /* bmaptool's test.image: not a multiple of 4096 */
#define TEST_IMAGE_SHA256 "d1ff17fa5f20ff1c4fffa079fc466819fcd0b3308ac89e7c13a91da948e09f5b"

static const char *peer_dir(void)
{
    const char *env = getenv("DI_PEER_DATA");
    return env && env[0] ? env : DI_SOURCE_DIR "/../shared/peer-data";
}

static const char *peer(const char *name)
{
    static char ring[8][1024];
    static unsigned next;
    char *out = ring[next++ % 8];
    snprintf(out, sizeof ring[0], "%s/%s", peer_dir(), name);
    return out;
}

static bool have_peer_data(const char *test)
{
    if (file_exists(peer("bmaptool/test.image.gz")) && file_exists(peer("bmap-rs/simple.bmap")) &&
        file_exists(peer("blockmap/invalid/range/version-2.0.bmap")))
        return true;
    printf("SKIP %s: the peers' test data is not at %s (set DI_PEER_DATA to the peer-data "
           "folder)\n", test, peer_dir());
    return false;
}

static const char *const bmaptool_maps[] = {
    "bmaptool/test.image.bmap.v1.2", "bmaptool/test.image.bmap.v1.3",
    "bmaptool/test.image.bmap.v1.4", "bmaptool/test.image.bmap.v2.0",
    "bmaptool/test.image.bmap.v2.0.asc", "blockmap/stringified.bmap",
};
#define MAP_COUNT (sizeof bmaptool_maps / sizeof bmaptool_maps[0])

static bool same_ranges(const di_bmap *a, const di_bmap *b)
{
    if (a->range_count != b->range_count) return false;
    for (size_t i = 0; i < a->range_count; i++)
        if (a->ranges[i].first != b->ranges[i].first || a->ranges[i].last != b->ranges[i].last)
            return false;
    return true;
}

/* bmaptool's four formats (1.4 being 2.0's layout), its clearsigned 2.0 and blockmap's
 * stringified 2.0: all parse, their own checksums verified, to the same map. */
static void peer_bmaptool_versions_parse(void)
{
    if (!have_peer_data(__func__)) return;
    di_bmap ref, b;
    di_error e;
    CHECK_U64(di_bmap_load(peer("bmaptool/test.image.bmap.v2.0"), &ref, &e), DI_OK);
    CHECK_U64(ref.image_size, TEST_IMAGE_SIZE);
    CHECK_U64(ref.blocks_count, 201);
    CHECK_U64(ref.mapped_blocks, 117);
    CHECK_U64(ref.range_count, 48);
    if (ref.range_count != 48) return;
    CHECK(ref.ranges[0].first == 0 && ref.ranges[0].last == 1);
    CHECK(ref.ranges[47].first == 198 && ref.ranges[47].last == 199);
    for (size_t i = 0; i < MAP_COUNT; i++) {
        int before = check_failures;
        di_error_clear(&e);
        CHECK_U64(di_bmap_load(peer(bmaptool_maps[i]), &b, &e), DI_OK);
        CHECK(same_ranges(&b, &ref));
        CHECK_U64(b.mapped_blocks, 117);
        CHECK(b.has_checksums);
        bool old = strstr(bmaptool_maps[i], "v1.2") || strstr(bmaptool_maps[i], "v1.3");
        CHECK(b.checksum_alg == (old ? DI_HASH_SHA1 : DI_HASH_SHA256));
        CHECK(b.signature_unchecked == (strstr(bmaptool_maps[i], ".asc") != NULL));
        for (size_t r = 0; r < b.range_count; r++) CHECK(!b.ranges[r].digest_malformed);
        if (!old) CHECK(memcmp(b.ranges[0].digest, ref.ranges[0].digest, 32) == 0);
        if (check_failures != before) fprintf(stderr, "  in %s: %s\n", bmaptool_maps[i], e.detail);
        di_bmap_free(&b);
    }
    di_bmap_free(&ref);

    /* Each file's own checksum is checked: 1.3's BmapFileSHA1, 1.4's BmapFileChecksum,
     * and the clearsigned file's over its signed text (line numbers of the .asc). */
    static const struct {
        const char *file;
        int checksum_line;
    } own[] = {{"bmaptool/test.image.bmap.v1.3", 39}, {"bmaptool/test.image.bmap.v1.4", 42},
               {"bmaptool/test.image.bmap.v2.0.asc", 45}};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        size_t len;
        char *text = slurp(peer(own[i].file), &len);
        CHECK(text != NULL);
        if (!text) continue;
        char *range = strstr(text, "> 119-133 <");
        CHECK(range != NULL);
        if (!range) {
            free(text);
            continue;
        }
        while (*range != '"') range--;
        range[-1] = range[-1] == '0' ? '1' : '0'; /* the last hex digit of its checksum */
        CHECK_U64(di_bmap_parse(text, len, own[i].file, &b, &e), DI_ERR_USAGE);
        CHECK_CONTAINS(e.detail, "its own checksum does not match");
        char where[32];
        snprintf(where, sizeof where, "line %d:", own[i].checksum_line);
        CHECK_CONTAINS(e.detail, where);
        free(text);
    }
}

/* balena blockmap's damaged files: file checksums that no longer match are refused;
 * a range checksum that is not hex parses, flagged, and a job refuses it by its blocks. */
static void peer_blockmap_damaged_files(void)
{
    if (!have_peer_data(__func__)) return;
    static const char *const file_checksum[] = {
        "blockmap/invalid/file-checksum/version-1.3.bmap",
        "blockmap/invalid/file-checksum/version-1.4.bmap",
        "blockmap/invalid/file-checksum/version-2.0.bmap"};
    di_bmap b;
    di_error e;
    for (size_t i = 0; i < 3; i++) {
        di_error_clear(&e);
        CHECK_U64(di_bmap_load(peer(file_checksum[i]), &b, &e), DI_ERR_USAGE);
        CHECK_CONTAINS(e.detail, "the bmap file is damaged: its own checksum does not match");
        CHECK_CONTAINS(e.path, file_checksum[i]);
    }
    static const struct {
        const char *file;
        uint64_t bad[3][2];
        size_t bad_count;
    } ranges[] = {
        {"blockmap/invalid/range/version-1.2.bmap", {{119, 133}}, 1},
        {"blockmap/invalid/range/version-1.3.bmap", {{119, 133}}, 1},
        {"blockmap/invalid/range/version-1.4.bmap", {{119, 133}}, 1},
        {"blockmap/invalid/range/version-2.0.bmap", {{119, 133}}, 1},
        {"blockmap/invalid/range/multiple-1.2.bmap", {{15, 18}, {119, 133}, {191, 191}}, 3},
        {"blockmap/invalid/range/multiple-2.0.bmap", {{15, 18}, {119, 133}, {191, 191}}, 3},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        int before = check_failures;
        di_error_clear(&e);
        CHECK_U64(di_bmap_load(peer(ranges[i].file), &b, &e), DI_OK);
        size_t found = 0;
        for (size_t r = 0; r < b.range_count; r++) {
            if (!b.ranges[r].digest_malformed) continue;
            CHECK(found < ranges[i].bad_count);
            if (found < ranges[i].bad_count) {
                CHECK_U64(b.ranges[r].first, ranges[i].bad[found][0]);
                CHECK_U64(b.ranges[r].last, ranges[i].bad[found][1]);
            }
            found++;
        }
        CHECK_U64(found, ranges[i].bad_count);
        CHECK_U64(b.mapped_blocks, 117);
        if (check_failures != before) fprintf(stderr, "  in %s: %s\n", ranges[i].file, e.detail);
        di_bmap_free(&b);
    }
}

/* bmap-rs's simple.bmap: its test parses it (MappedBlocksCount 680 taken as written,
 * ranges adding up to 685, the BmapFileChecksum of zeros not checked). We refuse it,
 * as bmaptool does ("checksum mismatch for bmap file"): a count that contradicts the
 * ranges and a checksum of zeros are what a damaged or hand-edited bmap looks like.
 * With both mended, its ranges are what bmap-rs's test expects. */
static void peer_bmap_rs_simple_is_refused(void)
{
    if (!have_peer_data(__func__)) return;
    di_bmap b;
    di_error e;
    di_error_clear(&e);
    CHECK_U64(di_bmap_load(peer("bmap-rs/simple.bmap"), &b, &e), DI_ERR_USAGE);
    CHECK_CONTAINS(e.detail, "line 6: MappedBlocksCount does not match the ranges (it says 680, "
                             "the ranges hold 685 blocks)");
    size_t len;
    char *text = slurp(peer("bmap-rs/simple.bmap"), &len);
    CHECK(text != NULL);
    if (!text) return;
    char *counted = replaced(text, "> 680 <", "> 685 <");
    CHECK(counted != NULL);
    CHECK_U64(parse(counted, &b, &e), DI_ERR_USAGE);
    CHECK_CONTAINS(e.detail, "line 9: the file's checksum is all zeros: a placeholder");
    char *open = counted ? strstr(counted, "  <BmapFileChecksum>") : NULL;
    char *close = open ? strstr(open, "</BmapFileChecksum>\n") : NULL;
    if (close) memmove(open, close + strlen("</BmapFileChecksum>\n"),
                       strlen(close + strlen("</BmapFileChecksum>\n")) + 1);
    CHECK_U64(parse(counted ? counted : "", &b, &e), DI_OK);
    CHECK_U64(b.block_size, 4096);
    CHECK_U64(b.blocks_count, 1025);
    CHECK_U64(b.image_size, 1025 * 4096);
    CHECK_U64(b.range_count, 5);
    uint64_t block = 0;
    for (size_t i = 0; i < b.range_count; i++) {
        CHECK_U64(b.ranges[i].first, block);
        CHECK_U64(b.ranges[i].last - b.ranges[i].first + 1, block + 1);
        char number[24], hex[DI_HASH_HEX_MAX];
        unsigned char want[32];
        snprintf(number, sizeof number, "%llu", (unsigned long long)block);
        di_hasher *h = di_hasher_new(DI_HASH_SHA256);
        di_hasher_update(h, number, strlen(number));
        di_hasher_final_hex(h, hex);
        di_hasher_free(h);
        CHECK(di_bmap_digest_from_hex(hex, DI_HASH_SHA256, want));
        CHECK(memcmp(b.ranges[i].digest, want, 32) == 0);
        block = block == 0 ? 8 : block * 4;
    }
    CHECK_U64(block, 2048);
    di_bmap_free(&b);
    free(counted);
    free(text);
}

/* ---- PGP-clearsigned bmaps ---- */

static char *clearsigned(const char *body)
{
    /* A line of the signed text that begins with '-', dash-escaped as RFC 4880 says. */
    const char *head = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n";
    const char *sig = "-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n=AbCd\n"
                      "-----END PGP SIGNATURE-----\n";
    size_t n = strlen(head) + 2 * strlen(body) + strlen(sig) + 1;
    char *out = malloc(n), *o = out;
    o += sprintf(o, "%s", head);
    for (const char *p = body; *p;) {
        if (*p == '-') o += sprintf(o, "- ");
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
        memcpy(o, p, len);
        o += len;
        p += len;
    }
    sprintf(o, "%s", sig);
    return out;
}

static void reads_clearsigned_bmaps(void)
{
    /* The good bmap with a line that begins with '-' in its first comment. */
    char *body = replaced(good, "-->\n<bmap", "\n- a line that begins with a dash\n-->\n<bmap");
    char *asc = clearsigned(body);
    CHECK(strstr(asc, "\n- - a line that begins") != NULL);
    di_bmap b;
    di_error e;
    CHECK_U64(parse(asc, &b, &e), DI_OK);
    CHECK(b.signature_unchecked);
    CHECK_U64(b.range_count, 2);
    CHECK_U64(b.ranges[1].first, 1000);
    di_bmap_free(&b);
    CHECK_U64(parse(good, &b, &e), DI_OK);
    CHECK(!b.signature_unchecked);
    di_bmap_free(&b);

    /* Errors in the signed text name the clearsigned file's line and byte. */
    char *damaged = replaced(asc, "> 1000 <", "> 5 <");
    CHECK_U64(parse(damaged, &b, &e), DI_ERR_USAGE);
    char want[64];
    snprintf(want, sizeof want, "line %d: ranges overlap", line_at(damaged, strstr(damaged, "> 5 <")));
    CHECK_CONTAINS(e.detail, want);
    CHECK(e.has_offset);
    /* Where the parser stopped, after that </Range>: in the file, past the headers and
     * the dash escape before it. */
    CHECK_U64(e.offset, (uint64_t)(strstr(damaged, "> 5 </Range>") - damaged) + 12);
    free(damaged);

    /* CRLF line ends, no Hash: header (MD5 by RFC 4880), several Hash: headers. */
    char *crlf = malloc(2 * strlen(asc) + 1), *o = crlf;
    for (const char *p = asc; *p; p++) {
        if (*p == '\n') *o++ = '\r';
        *o++ = *p;
    }
    *o = '\0';
    CHECK_U64(parse(crlf, &b, &e), DI_OK);
    di_bmap_free(&b);
    free(crlf);
    char *no_hash = replaced(asc, "Hash: SHA256\n", "");
    CHECK_U64(parse(no_hash, &b, &e), DI_OK);
    di_bmap_free(&b);
    free(no_hash);
    char *two_hashes = replaced(asc, "Hash: SHA256\n", "Hash: SHA256\nHash: SHA512, SHA1\n");
    CHECK_U64(parse(two_hashes, &b, &e), DI_OK);
    di_bmap_free(&b);
    free(two_hashes);

    /* Damaged envelopes, each refused naming its line. */
    static const struct {
        const char *from, *to, *reason;
        int line;     /* 0: the file's last line */
    } cases[] = {
        {"Hash: SHA256\n\n", "Hash: SHA256\n", "is not \"Hash: ...\"", 3},
        {"Hash: SHA256\n", "Comment: hi\n", "is not \"Hash: ...\"", 2},
        {"- - a line that", "-- a line that", "is not dash-escaped", 6},
        {"- - a line that", "-a line that", "is not dash-escaped", 6},
        {"-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n=AbCd\n-----END PGP SIGNATURE-----\n", "",
         "ends without its signature block", 0},
        {"-----END PGP SIGNATURE-----\n", "", "never closed", 0},
        {"-----END PGP SIGNATURE-----\n", "-----END PGP SIGNATURE-----\n<bmap/>\n",
         "text after the signature block", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = replaced(asc, cases[i].from, cases[i].to);
        CHECK(text != NULL);
        if (!text) continue;
        int before = check_failures;
        CHECK_U64(parse(text, &b, &e), DI_ERR_USAGE);
        CHECK_CONTAINS(e.detail, cases[i].reason);
        int line = cases[i].line ? cases[i].line : line_at(text, text + strlen(text) - 1);
        snprintf(want, sizeof want, "line %d: ", line);
        CHECK_CONTAINS(e.detail, want);
        CHECK(b.ranges == NULL);
        if (check_failures != before) fprintf(stderr, "  in envelope case %zu: %s\n", i, e.detail);
        free(text);
    }
    /* Only a file whose first line is the armor header is clearsigned. */
    char *late = malloc(strlen(asc) + 2);
    sprintf(late, "\n%s", asc);
    CHECK_U64(parse(late, &b, &e), DI_ERR_USAGE);
    free(late);
    free(asc);
    free(body);
}

static void checks_the_version_layout(void)
{
    static const bad_case cases[] = {
        {"<bmap version=\"2.0\">", "<bmap version=\"1.3\">", "checksum attribute is chksum, not sha1 (bmap version 1.3)"},
        {"<bmap version=\"2.0\">", "<bmap version=\"1.2\">", "<ChecksumType> in a bmap of version 1.2"},
        {"    <BlockMap>", "    <BmapFileSHA1> 0000000000000000000000000000000000000000 </BmapFileSHA1>\n    <BlockMap>", "<BmapFileSHA1> in a bmap of version 2.0"},
        {"    <ChecksumType> sha256 </ChecksumType>\n", "", "are all needed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = replaced(good, cases[i].from, cases[i].to);
        if (i == 0) {
            /* 1.3 with 2.0's range attribute (and no <ChecksumType>, refused otherwise). */
            char *no_type = replaced(text, "    <ChecksumType> sha256 </ChecksumType>\n", "");
            free(text);
            text = no_type;
        }
        if (i == 3) {
            /* ChecksumType after BlockMap. */
            char *moved = replaced(text, "</BlockMap>\n", "</BlockMap>\n<ChecksumType>sha256</ChecksumType>\n");
            free(text);
            text = moved;
        }
        di_bmap b;
        di_error e;
        CHECK_U64(parse(text, &b, &e), DI_ERR_USAGE);
        CHECK_CONTAINS(e.detail, i == 3 ? "<ChecksumType> comes after <BlockMap>" : cases[i].reason);
        free(text);
    }
    /* 1.3 with BmapFileChecksum: that belongs to 1.4 and later. */
    static const char v13[] =
        "<bmap version=\"1.3\"><ImageSize>100</ImageSize><BlockSize>512</BlockSize>"
        "<BlocksCount>1</BlocksCount><MappedBlocksCount>1</MappedBlocksCount>"
        "<BmapFileChecksum>00</BmapFileChecksum><BlockMap><Range>0</Range></BlockMap></bmap>";
    di_bmap b;
    di_error e;
    CHECK_U64(parse(v13, &b, &e), DI_ERR_USAGE);
    CHECK_CONTAINS(e.detail, "<BmapFileChecksum> in a bmap of version 1.3 (versions 1.0 to 1.3 use <BmapFileSHA1>)");
}

/* ---- writes with a bmap ---- */

/* test.image, decoded from bmaptool's test.image.gz by a plain write (which pads its
 * last sector) and cut to its size; its sha256 is the one bmaptool's test expects. */
static const char *decoded_test_image(const char *dir)
{
    const char *image = test_path(dir, "test.image");
    if (file_size_of(image) == TEST_IMAGE_SIZE && sha256_is(image, TEST_IMAGE_SHA256)) return image;
    const char *padded = test_path(dir, "test.image.padded");
    remove_if_exists(padded);
    di_job_spec spec = {.kind = DI_JOB_WRITE, .source_path = peer("bmaptool/test.image.gz"),
                        .target_path = padded};
    job_outcome out;
    CHECK_U64(run_job(&spec, &out), DI_OK);
    CHECK(copy_prefix(padded, image, TEST_IMAGE_SIZE));
    CHECK(sha256_is(image, TEST_IMAGE_SHA256));
    return image;
}

/* Every peer bmap of test.image, from the raw image and from test.image.gz: a new file
 * ends up as the image, size and sha256 (bmaptool's test_compat checks the same); so
 * does a larger file that was there before (cut to the image's size, as bmaptool does). */
static void peer_writes_give_the_image(void)
{
    if (!have_peer_data(__func__)) return;
    const char *dir = test_dir("bmap-peer");
    const char *image = decoded_test_image(dir);
    const char *out_file = test_path(dir, "out.img");
    char gz[1024];
    snprintf(gz, sizeof gz, "%s", peer("bmaptool/test.image.gz"));
    const char *sources[2] = {image, gz};
    for (size_t i = 0; i < MAP_COUNT; i++) {
        for (int s = 0; s < 2; s++) {
            for (int existing = 0; existing < 2; existing++) {
                int before = check_failures;
                remove_if_exists(out_file);
                if (existing) CHECK(make_filled_file(out_file, 3u << 20, 'Z'));
                job_outcome out;
                CHECK_U64(bmap_job(DI_JOB_WRITE, sources[s], peer(bmaptool_maps[i]), out_file,
                                   NULL, &out), DI_OK);
                CHECK(out.result.bmap_used);
                CHECK_U64(out.result.mapped_bytes, 117u * 4096u);
                CHECK(out.result.bmap_signature_unchecked ==
                      (strstr(bmaptool_maps[i], ".asc") != NULL));
                CHECK_U64(file_size_of(out_file), TEST_IMAGE_SIZE);
                CHECK(sha256_is(out_file, TEST_IMAGE_SHA256));
                CHECK_U64(bmap_job(DI_JOB_VERIFY, sources[s], peer(bmaptool_maps[i]), out_file,
                                   NULL, &out), DI_OK);
                if (check_failures != before)
                    fprintf(stderr, "  with %s from %s%s: %s\n", bmaptool_maps[i], sources[s],
                            existing ? " over a larger file" : "", out.message);
            }
        }
    }
}

/* A small image (1 MiB or less) whose range does not match its bmap, and blockmap's
 * maps with a range checksum that is not hex: the job fails naming the blocks and the
 * device is not written at all: not its first sectors, not any. On a regular file and
 * on 512- and 4096-byte-sector block devices. */
static void peer_damaged_small_images_write_nothing(void)
{
    if (!have_peer_data(__func__)) return;
    const char *dir = test_dir("bmap-peer");
    const char *image = decoded_test_image(dir);
    const char *changed = test_path(dir, "changed.image");
    const char *device = test_path(dir, "device.img");
    CHECK(copy_prefix(image, changed, TEST_IMAGE_SIZE));
    const unsigned char x = 0xA5;
    CHECK(write_bytes_at(changed, 119u * 4096u + 77u, &x, 1)); /* inside blocks 119-133 */
    static const struct {
        const char *bmap;
        bool changed_image;
        di_status status;
        const char *reason;
    } cases[] = {
        {"bmaptool/test.image.bmap.v2.0", true, DI_ERR_MISMATCH, "blocks 119-133 of the image differ from the bmap's sha256"},
        {"bmaptool/test.image.bmap.v1.2", true, DI_ERR_MISMATCH, "blocks 119-133 of the image differ from the bmap's sha1"},
        {"blockmap/invalid/range/version-1.2.bmap", false, DI_ERR_USAGE, "checksum of blocks 119-133 is not a sha1 digest"},
        {"blockmap/invalid/range/version-1.3.bmap", false, DI_ERR_USAGE, "checksum of blocks 119-133 is not a sha1 digest"},
        {"blockmap/invalid/range/version-1.4.bmap", false, DI_ERR_USAGE, "checksum of blocks 119-133 is not a sha256 digest"},
        {"blockmap/invalid/range/version-2.0.bmap", false, DI_ERR_USAGE, "checksum of blocks 119-133 is not a sha256 digest"},
        {"blockmap/invalid/range/multiple-1.2.bmap", false, DI_ERR_USAGE, "checksum of blocks 15-18 is not a sha1 digest"},
        {"blockmap/invalid/range/multiple-2.0.bmap", false, DI_ERR_USAGE, "checksum of blocks 15-18 is not a sha256 digest"},
    };
    static const uint32_t sectors[] = {0, 512, 4096};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t k = 0; k < 3; k++) {
            int before = check_failures;
            CHECK(make_filled_file(device, 2u << 20, 'Z'));
            fault_plan plan = {.role = DI_ROLE_TARGET, .as_block_sector = sectors[k]};
            job_outcome out;
            CHECK_U64(bmap_job(DI_JOB_WRITE, cases[i].changed_image ? changed : image,
                               peer(cases[i].bmap), device, &plan, &out), cases[i].status);
            CHECK_CONTAINS(out.message, cases[i].reason);
            CHECK_U64(plan.writes, 0);
            CHECK(file_filled(device, 0, 2u << 20, 'Z'));
            CHECK_U64(file_size_of(device), 2u << 20);
            if (check_failures != before)
                fprintf(stderr, "  with %s, %u-byte sectors: %s\n", cases[i].bmap,
                        (unsigned)sectors[k], out.message);
        }
    }
    /* Mended, the same small image is one aligned write of whole sectors at offset 0:
     * the image, its last sector zero-padded, the device past it untouched. */
    for (size_t k = 1; k < 3; k++) {
        CHECK(make_filled_file(device, 2u << 20, 'Z'));
        fault_plan plan = {.role = DI_ROLE_TARGET, .as_block_sector = sectors[k]};
        job_outcome out;
        CHECK_U64(bmap_job(DI_JOB_WRITE, image, peer("bmaptool/test.image.bmap.v2.0"), device,
                           &plan, &out), DI_OK);
        uint64_t padded = (TEST_IMAGE_SIZE + sectors[k] - 1) / sectors[k] * sectors[k];
        CHECK_U64(plan.writes, 1);
        CHECK_U64(plan.write_offsets[0], 0);
        CHECK_U64(plan.misaligned, 0);
        CHECK(files_equal_prefix(image, device, TEST_IMAGE_SIZE));
        CHECK(file_filled(device, TEST_IMAGE_SIZE, padded - TEST_IMAGE_SIZE, 0));
        CHECK(file_filled(device, padded, (2u << 20) - padded, 'Z'));
        CHECK_U64(file_size_of(device), 2u << 20);
        CHECK_U64(out.result.device_bytes, padded);
    }
    remove_if_exists(changed);
}

/* Images of holes only, a small one not a multiple of the sector, and a larger one with
 * data in two places: the file written is exactly the image (bmaptool truncates its
 * output to the image's size). The larger one is still written in the safe order. */
static void files_written_have_the_image_size(void)
{
    const char *dir = test_dir("bmap-size");
    const char *image = test_path(dir, "holes.img"), *map = test_path(dir, "holes.bmap");
    const char *out_file = test_path(dir, "out.img");
    static const uint64_t sizes[] = {(3u << 20) + 5, 100001, 4096, 1u << 20, (1u << 20) + 1};
    char text[1024], want[DI_HASH_HEX_MAX];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t blocks = (sizes[i] + 4095) / 4096;
        snprintf(text, sizeof text,
                 "<?xml version=\"1.0\" ?>\n<bmap version=\"2.0\">\n<ImageSize>%llu</ImageSize>"
                 "<BlockSize>4096</BlockSize><BlocksCount>%llu</BlocksCount>"
                 "<MappedBlocksCount>0</MappedBlocksCount><ChecksumType>sha256</ChecksumType>"
                 "<BlockMap>\n</BlockMap>\n</bmap>\n",
                 (unsigned long long)sizes[i], (unsigned long long)blocks);
        CHECK(write_text_file(map, text));
        CHECK(make_zero_file(image, sizes[i]));
        CHECK(reference_hash(image, DI_HASH_SHA256, UINT64_MAX, want));
        for (int existing = 0; existing < 2; existing++) {
            int before = check_failures;
            remove_if_exists(out_file);
            if (existing) CHECK(make_filled_file(out_file, 5u << 20, 'Z'));
            job_outcome out;
            CHECK_U64(bmap_job(DI_JOB_WRITE, image, map, out_file, NULL, &out), DI_OK);
            CHECK_U64(file_size_of(out_file), sizes[i]);
            if (!existing) CHECK(sha256_is(out_file, want));
            /* The first MiB (or all of a smaller image) is written whole. */
            uint64_t head = sizes[i] < (1u << 20) ? sizes[i] : (1u << 20);
            CHECK(file_filled(out_file, 0, head, 0));
            if (check_failures != before)
                fprintf(stderr, "  holes only, %llu bytes%s: %s\n", (unsigned long long)sizes[i],
                        existing ? ", over a larger file" : "", out.message);
        }
    }

    /* 5 MiB + 1234 bytes, data in blocks 0-1 and 700 (no checksums: a 1.2 file). */
    const uint64_t size = (5u << 20) + 1234;
    CHECK(make_zero_file(image, size));
    unsigned char data[8192];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 7 + 1);
    CHECK(write_bytes_at(image, 0, data, 8192));
    CHECK(write_bytes_at(image, 700u * 4096u, data, 4096));
    snprintf(text, sizeof text,
             "<bmap version=\"1.2\"><ImageSize>%llu</ImageSize><BlockSize>4096</BlockSize>"
             "<BlocksCount>%llu</BlocksCount><MappedBlocksCount>3</MappedBlocksCount><BlockMap>"
             "<Range>0-1</Range><Range>700</Range></BlockMap></bmap>",
             (unsigned long long)size, (unsigned long long)(size + 4095) / 4096);
    CHECK(write_text_file(map, text));
    CHECK(reference_hash(image, DI_HASH_SHA256, UINT64_MAX, want));
    remove_if_exists(out_file);
    fault_plan plan = {.role = DI_ROLE_TARGET};
    job_outcome out;
    CHECK_U64(bmap_job(DI_JOB_WRITE, image, map, out_file, &plan, &out), DI_OK);
    CHECK_U64(file_size_of(out_file), size);
    CHECK(sha256_is(out_file, want));
    /* A file is emptied, not erased: block 700 written and flushed, the head last. */
    CHECK_U64(plan.writes, 2);
    if (plan.writes == 2) {
        CHECK_U64(plan.write_offsets[0], 700u * 4096u);
        CHECK_U64(plan.write_offsets[1], 0);
        CHECK(plan.write_flushes[1] > plan.write_flushes[0]);
    }

    /* Over an existing larger file full of other bytes: as bmaptool leaves it, the image
     * exactly, what the file held showing nowhere (the unmapped blocks past the head). */
    FILE *old = fopen(out_file, "wb");
    CHECK(old != NULL);
    for (uint64_t i = 0; old && i < size + (3u << 20); i++) fputc('Z', old);
    if (old) fclose(old);
    fault_plan again = {.role = DI_ROLE_TARGET};
    CHECK_U64(bmap_job(DI_JOB_WRITE, image, map, out_file, &again, &out), DI_OK);
    CHECK_U64(file_size_of(out_file), size);
    CHECK(sha256_is(out_file, want));
}

static const test_case tests[] = {
    {"parses_bmaptool_output", parses_bmaptool_output},
    {"parses_version_1", parses_version_1},
    {"refuses_malformed_files", refuses_malformed_files},
    {"survives_random_damage", survives_random_damage},
    {"finds_the_bmap_beside_the_image", finds_the_bmap_beside_the_image},
    {"checks_the_version_layout", checks_the_version_layout},
    {"reads_clearsigned_bmaps", reads_clearsigned_bmaps},
    {"files_written_have_the_image_size", files_written_have_the_image_size},
    {"peer_bmaptool_versions_parse", peer_bmaptool_versions_parse},
    {"peer_blockmap_damaged_files", peer_blockmap_damaged_files},
    {"peer_bmap_rs_simple_is_refused", peer_bmap_rs_simple_is_refused},
    {"peer_writes_give_the_image", peer_writes_give_the_image},
    {"peer_damaged_small_images_write_nothing", peer_damaged_small_images_write_nothing},
};
TEST_MAIN(tests)
