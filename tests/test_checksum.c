/* Checksum files and typed digests: coreutils and BSD formats, the sidecar search
 * beside an image, and garbage that must be refused without reading out of bounds. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "diskimager/checksum.h"
#include "test_files.h"

#define MD5_ABC "900150983cd24fb0d6963f7d28e17f72"
#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void typed_digests(void)
{
    di_expected_hash e;
    CHECK(di_expected_from_hex("  900150983CD24FB0D6963F7D28E17F72\n", &e));
    CHECK(e.present && e.alg == DI_HASH_MD5);
    CHECK_STR(e.hex, MD5_ABC);
    CHECK(di_expected_from_hex(SHA256_ABC, &e) && e.alg == DI_HASH_SHA256);
    CHECK(di_expected_from_hex("a9993e364706816aba3e25717850c26c9cd0d89d", &e) && e.alg == DI_HASH_SHA1);
    CHECK(!di_expected_from_hex("", &e));
    CHECK(!e.present);
    CHECK(!di_expected_from_hex("900150983cd24fb0d6963f7d28e17f7", &e));  /* 31 digits */
    CHECK(!di_expected_from_hex("900150983cd24fb0d6963f7d28e17f72x", &e));
    CHECK(!di_expected_from_hex("900150983cd24fb0d6963f7d28e17f72 extra", &e));
    char long_hex[300];
    memset(long_hex, 'a', sizeof long_hex - 1);
    long_hex[sizeof long_hex - 1] = '\0';
    CHECK(!di_expected_from_hex(long_hex, &e));
}

static void parses_lines(void)
{
    di_hash_alg alg;
    char hex[DI_HASH_HEX_MAX], name[256];
    CHECK(di_checksum_parse_line(MD5_ABC "  pi.img\n", &alg, hex, name, sizeof name));
    CHECK(alg == DI_HASH_MD5);
    CHECK_STR(name, "pi.img");
    CHECK(di_checksum_parse_line(SHA256_ABC " *2024-11-19-raspios-bookworm-arm64.img.xz\r\n", &alg, hex, name, sizeof name));
    CHECK(alg == DI_HASH_SHA256);
    CHECK_STR(name, "2024-11-19-raspios-bookworm-arm64.img.xz");
    CHECK(di_checksum_parse_line("SHA256 (my image (1).img) = " SHA256_ABC, &alg, hex, name, sizeof name));
    CHECK_STR(name, "my image (1).img");
    CHECK_STR(hex, SHA256_ABC);
    CHECK(di_checksum_parse_line("MD5 (a) = ) = b.img) = " MD5_ABC, &alg, hex, name, sizeof name));
    CHECK_STR(name, "a) = ) = b.img");
    CHECK(di_checksum_parse_line(MD5_ABC, &alg, hex, name, sizeof name));
    CHECK_STR(name, "");
    CHECK(!di_checksum_parse_line("# " MD5_ABC "  pi.img", &alg, hex, name, sizeof name));
    CHECK(!di_checksum_parse_line("", &alg, hex, name, sizeof name));
    CHECK(!di_checksum_parse_line("MD5 (pi.img) = " SHA256_ABC, &alg, hex, name, sizeof name));
    CHECK(!di_checksum_parse_line("SHA256 (pi.img = " SHA256_ABC, &alg, hex, name, sizeof name));
    CHECK(!di_checksum_parse_line("12345  pi.img", &alg, hex, name, sizeof name));
    CHECK(!di_checksum_parse_line(MD5_ABC "xpi.img", &alg, hex, name, sizeof name));
}

static void finds_the_image_in_a_sums_file(void)
{
    const char *sums =
        "# published sums\n"
        SHA256_ABC "  other.img\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  pi.img\r\n"
        "garbage line\n";
    di_expected_hash e;
    CHECK(di_checksum_find_in_text(sums, strlen(sums), "/home/zoe/Downloads/pi.img", DI_HASH_SHA256, &e));
    CHECK_STR(e.hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(di_checksum_find_in_text(sums, strlen(sums), "C:\\Users\\Zoe\\pi.img", DI_HASH_COUNT, &e));
    CHECK(!di_checksum_find_in_text(sums, strlen(sums), "missing.img", DI_HASH_COUNT, &e));
    CHECK(!e.present);
    /* The file's name says sha256: an md5 line for the image is not taken for one. */
    const char *mixed = MD5_ABC "  pi.img\n";
    CHECK(!di_checksum_find_in_text(mixed, strlen(mixed), "pi.img", DI_HASH_SHA256, &e));
    /* pi.img.md5 holding only the digest. */
    const char *bare = MD5_ABC "\n";
    CHECK(di_checksum_find_in_text(bare, strlen(bare), "pi.img", DI_HASH_MD5, &e));
    CHECK_STR(e.hex, MD5_ABC);
    /* Two nameless digests name nothing. */
    const char *two = MD5_ABC "\n" MD5_ABC "\n";
    CHECK(!di_checksum_find_in_text(two, strlen(two), "pi.img", DI_HASH_MD5, &e));
}

static void finds_sidecars_beside_the_image(void)
{
    const char *dir = test_dir("checksum");
    char image[512], side[600];
    snprintf(image, sizeof image, "%s/pi.img", dir);
    CHECK(write_text_file(image, "abc"));
    remove_if_exists(test_path(dir, "pi.img.sha256"));
    remove_if_exists(test_path(dir, "SHA256SUMS"));
    remove_if_exists(test_path(dir, "MD5SUMS"));
    di_expected_hash e;
    CHECK(!di_checksum_find_sidecar(image, &e));

    CHECK(write_text_file(test_path(dir, "MD5SUMS"), "MD5 (pi.img) = " MD5_ABC "\n"));
    CHECK(di_checksum_find_sidecar(image, &e));
    CHECK(e.alg == DI_HASH_MD5);
    CHECK_CONTAINS(e.source, "MD5SUMS");

    /* The image's own .sha256 comes before a folder's sums file. */
    snprintf(side, sizeof side, "%s.sha256", image);
    CHECK(write_text_file(side, SHA256_ABC " *pi.img\n"));
    CHECK(di_checksum_find_sidecar(image, &e));
    CHECK(e.alg == DI_HASH_SHA256);
    CHECK_STR(e.hex, SHA256_ABC);
    CHECK_STR(e.source, side);
    remove_if_exists(side);
    remove_if_exists(test_path(dir, "MD5SUMS"));
}

static void survives_garbage(void)
{
    /* Random bytes, including NULs and long lines: refused or parsed, never a crash
     * (the sanitizer build checks every read). */
    uint32_t state = 12345;
    for (int round = 0; round < 2000; round++) {
        char text[600];
        size_t len = (size_t)(state % sizeof text);
        for (size_t i = 0; i < len; i++) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            static const char alphabet[] = "0123456789abcdefABCDEF ()=*\n\r\t#MDSHA5126x";
            text[i] = round % 3 ? alphabet[state % (sizeof alphabet - 1)] : (char)state;
        }
        di_expected_hash e;
        di_checksum_find_in_text(text, len, "pi.img", DI_HASH_COUNT, &e);
        CHECK(!e.present || strlen(e.hex) == 32 || strlen(e.hex) == 40 || strlen(e.hex) == 64 ||
              strlen(e.hex) == 128);
    }
}

static const test_case tests[] = {
    {"typed_digests", typed_digests},
    {"parses_lines", parses_lines},
    {"finds_the_image_in_a_sums_file", finds_the_image_in_a_sums_file},
    {"finds_sidecars_beside_the_image", finds_sidecars_beside_the_image},
    {"survives_garbage", survives_garbage},
};
TEST_MAIN(tests)
