/* The command line parser: what is accepted, what is refused and why. */
#include "args.h"
#include "check.h"
#include "diskimager/hash.h"

static bool parse(cli_args *a, char *error, int argc, char **argv)
{
    return cli_parse_args(argc, argv, a, error, 256);
}

#define ARGV(...) (char *[]){"diskimager", __VA_ARGS__}
#define COUNT(...) (int)(sizeof((char *[]){"diskimager", __VA_ARGS__}) / sizeof(char *))
#define PARSE(a, e, ...) parse(a, e, COUNT(__VA_ARGS__), ARGV(__VA_ARGS__))

static void accepts_the_documented_forms(void)
{
    cli_args a;
    char e[256];
    CHECK(PARSE(&a, e, "write", "pi.img", "/dev/sdb", "--hash", "md5", "--hash=sha256",
                "--verify", "--yes", "--buffer-size", "8M", "--buffers=6", "--progress=json"));
    CHECK_U64(a.command, CLI_JOB);
    CHECK_U64(a.kind, DI_JOB_WRITE);
    CHECK_STR(a.first, "pi.img");
    CHECK_STR(a.second, "/dev/sdb");
    CHECK_U64(a.hash_mask, DI_HASH_BIT(DI_HASH_MD5) | DI_HASH_BIT(DI_HASH_SHA256));
    CHECK(a.verify && a.yes && !a.force && !a.eject);
    CHECK_U64(a.buffer_size, 8 * 1024 * 1024);
    CHECK_U64(a.buffers, 6);
    CHECK_U64(a.progress, CLI_PROGRESS_JSON);

    CHECK(PARSE(&a, e, "read", "/dev/sdb", "out.img", "--size", "1GB", "--keep-partial"));
    CHECK_U64(a.command, CLI_JOB);
    CHECK_U64(a.kind, DI_JOB_READ);
    CHECK_U64(a.size, 1000000000ull);
    CHECK(a.keep_partial);
    CHECK(!a.make_bmap);
    /* A Read that writes its own bmap; only a Read does. */
    CHECK(PARSE(&a, e, "read", "/dev/sdb", "out.img.xz", "--make-bmap", "--allocated-only"));
    CHECK(a.make_bmap && a.allocated_only);
    CHECK(!PARSE(&a, e, "write", "pi.img", "/dev/sdb", "--make-bmap"));
    CHECK_CONTAINS(e, "option '--make-bmap' does not apply to this command");

    CHECK(PARSE(&a, e, "write", "pi.img", "/dev/sdb", "--eject"));
    CHECK(a.eject);
    CHECK(PARSE(&a, e, "list", "--all"));
    CHECK(a.all);
    CHECK(PARSE(&a, e, "hash", "--", "-odd-name.img"));
    CHECK_STR(a.first, "-odd-name.img");
}

static void refuses_with_a_reason(void)
{
    cli_args a;
    char e[256];
    CHECK(!parse(&a, e, 1, ARGV(NULL)));
    CHECK_CONTAINS(e, "no command");
    CHECK(!PARSE(&a, e, "burn", "x"));
    CHECK_CONTAINS(e, "unknown command 'burn'");
    CHECK(!PARSE(&a, e, "write", "a.img"));
    CHECK_CONTAINS(e, "two paths");
    CHECK(!PARSE(&a, e, "verify", "a", "b", "c"));
    CHECK_CONTAINS(e, "unexpected argument 'c'");
    /* A write takes several drives, 32 at most. */
    CHECK(PARSE(&a, e, "write", "a.img", "b", "c", "--verify", "d"));
    CHECK_U64(a.device_count, 3);
    CHECK_STR(a.second, "b");
    CHECK_STR(a.devices[0], "b");
    CHECK_STR(a.devices[2], "d");
    char *many[2 + 33 + 1];
    char names[33][8];
    many[0] = "diskimager";
    many[1] = "write";
    many[2] = "x.img";
    for (int i = 0; i < 33; i++) {
        snprintf(names[i], sizeof names[i], "d%d", i);
        many[3 + i] = names[i];
    }
    CHECK(parse(&a, e, 3 + 32, many));
    CHECK_U64(a.device_count, 32);
    CHECK(!parse(&a, e, 3 + 33, many));
    CHECK_CONTAINS(e, "too many drives at 'd32'");
    CHECK(!PARSE(&a, e, "write", "a", "b", "--hash", "crc32"));
    CHECK_CONTAINS(e, "unknown hash 'crc32'");
    CHECK(!PARSE(&a, e, "write", "a", "b", "--hash"));
    CHECK_CONTAINS(e, "needs a value");
    CHECK(!PARSE(&a, e, "read", "a", "b", "--size", "12Q"));
    CHECK_CONTAINS(e, "invalid --size '12Q'");
    CHECK(!PARSE(&a, e, "read", "a", "b", "--size", "0"));
    CHECK(!PARSE(&a, e, "write", "a", "b", "--buffers", "0"));
    CHECK(!PARSE(&a, e, "write", "a", "b", "--buffers", "100000"));
    CHECK(!PARSE(&a, e, "write", "a", "b", "--buffer-size", "2G"));
    CHECK(!PARSE(&a, e, "write", "a", "b", "--progress=loud"));
    CHECK(!PARSE(&a, e, "read", "a", "b", "--yes"));
    CHECK_CONTAINS(e, "does not apply");
    CHECK(!PARSE(&a, e, "hash", "a", "--verify"));
    /* Only a write ejects the card. */
    CHECK(!PARSE(&a, e, "read", "a", "b", "--eject"));
    CHECK_CONTAINS(e, "option '--eject' does not apply to this command");
    CHECK(!PARSE(&a, e, "verify", "a", "b", "--eject"));
    CHECK(!PARSE(&a, e, "write", "a", "b", "--frobnicate"));
    CHECK_CONTAINS(e, "unknown option '--frobnicate'");
}

static const test_case tests[] = {
    {"accepts_the_documented_forms", accepts_the_documented_forms},
    {"refuses_with_a_reason", refuses_with_a_reason},
};
TEST_MAIN(tests)
