/* The bmap parser: bmaptool's own output, version 1 files, each way a file can be
 * malformed (with the line and reason in the message), random damage to a good file,
 * the file's own checksum, and where a bmap is looked for beside an image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diskimager/bmap.h"
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
        "<?xml version=\"1.0\" ?>\n<bmap version=\"1.4\">\n"
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
}

static const test_case tests[] = {
    {"parses_bmaptool_output", parses_bmaptool_output},
    {"parses_version_1", parses_version_1},
    {"refuses_malformed_files", refuses_malformed_files},
    {"survives_random_damage", survives_random_damage},
    {"finds_the_bmap_beside_the_image", finds_the_bmap_beside_the_image},
};
TEST_MAIN(tests)
