#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskimager/checksum.h"
#include "diskimager/hash.h"
#include "diskimager/units.h"

const char cli_usage_text[] =
    "usage:\n"
    "  diskimager list [--all]\n"
    "  diskimager write IMAGE DEVICE [DEVICE...] [--hash ALG]... [--verify] [--yes] [--force]\n"
    "                   [--expect HEX]\n"
    "                   [--move-gpt-backup]   (with --verify)  [--member NAME]\n"
    "                   [--bmap FILE | --no-bmap] [--eject]\n"
    "  diskimager read  DEVICE IMAGE [--hash ALG]... [--size N] [--keep-partial]\n"
    "                   [--allocated-only] [--make-bmap] [--expect HEX]\n"
    "  diskimager verify IMAGE DEVICE [--hash ALG]... [--expect HEX] [--member NAME]\n"
    "                   [--bmap FILE | --no-bmap]\n"
    "  diskimager hash  PATH [--hash ALG]... [--size N] [--expect HEX]\n"
    "  diskimager format DEVICE [--fs fat32|exfat] [--label NAME] [--erase] [--yes] [--force]\n"
    "                   [--eject]\n"
    "  diskimager check DEVICE [--quick | --full] [--yes] [--force]\n"
    "common options: --buffer-size N --buffers N --progress=auto|plain|json|none\n"
    "  --log FILE (appends the job's log: what it did and why, UTC times) -v (the log on\n"
    "  stderr too)\n"
    "ALG: md5, sha1, sha256, sha512 (repeat --hash for several)\n"
    "sizes: 4096, 4M (MiB), 4MB (10^6), 1.5G ...\n"
    "IMAGE may be compressed or archived (gzip, xz, zstd, bzip2, zip, tar, one inside\n"
    "  another: found by their first bytes); in a zip or tar the file named like an image\n"
    "  is written, --member NAME picks another or one of several. read writes IMAGE.gz,\n"
    "  IMAGE.xz or IMAGE.zst compressed\n"
    "--bmap FILE: write (and verify) only the blocks the bmap maps, checking their\n"
    "  checksums; IMAGE.bmap beside the image (or in its zip or tar) is used unless --no-bmap\n"
    "--make-bmap: read also writes IMAGE.bmap (pi.img.bmap for pi.img.xz), bmaptool's\n"
    "  format, mapping the blocks that hold data; a raw IMAGE keeps its zero blocks as holes\n"
    "--expect HEX: the digest the image must have (md5, sha1, sha256 or sha512 by length);\n"
    "  without it, IMAGE.sha256, IMAGE.md5, SHA256SUMS, MD5SUMS ... beside the image (or in\n"
    "  its zip or tar) are used\n"
    "--eject: eject the card once written (and verified); if it cannot be, a warning\n"
    "format: restores a card as it came: one FAT32 (up to 32 GiB) or exFAT partition laid\n"
    "  out as the SD Association's specification says; --label (default: the size, 32GB);\n"
    "  --erase first erases the whole drive (discard, or zeros where it cannot)\n"
    "check: does the card hold what it reports? --quick (the default) writes a few hundred\n"
    "  sectors and puts them back (seconds); --full writes and reads back every sector\n"
    "  (destroys the data) and measures the speed. Exit 3: a fake card or bad sectors\n"
    "exit codes: 0 ok, 1 failure, 2 usage, 3 verify or checksum mismatch (check: a fake or\n"
    "  failing card), 130 cancelled\n";

#define MAX_BUFFERS 1024u
#define MAX_BUFFER_SIZE (1ull << 30)

static const struct {
    const char *name;
    cli_command command;
    di_job_kind kind;   /* CLI_JOB */
    int positionals;
} commands[] = {
    {"list", CLI_LIST, 0, 0},
    {"write", CLI_JOB, DI_JOB_WRITE, 2},
    {"read", CLI_JOB, DI_JOB_READ, 2},
    {"verify", CLI_JOB, DI_JOB_VERIFY, 2},
    {"hash", CLI_JOB, DI_JOB_HASH, 1},
    {"format", CLI_JOB, DI_JOB_FORMAT, 1},
    {"check", CLI_JOB, DI_JOB_CHECK, 1},
    {"help", CLI_HELP, 0, 0},
    {"--help", CLI_HELP, 0, 0},
    {"-h", CLI_HELP, 0, 0},
    {"--version", CLI_VERSION, 0, 0},
    {"version", CLI_VERSION, 0, 0},
};

const char *cli_command_for_kind(di_job_kind kind)
{
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
        if (commands[c].command == CLI_JOB && commands[c].kind == kind) return commands[c].name;
    return NULL;
}

static bool fail(char *error, size_t size, const char *fmt, const char *arg)
{
    snprintf(error, size, fmt, arg);
    return false;
}

/* "--name=value" or "--name value": returns the value or NULL when missing. */
static const char *option_value(const char *opt, const char *name, int argc, char **argv, int *i)
{
    size_t n = strlen(name);
    if (strncmp(opt, name, n) != 0) return NULL;
    if (opt[n] == '=') return opt + n + 1;
    if (opt[n] == '\0' && *i + 1 < argc) return argv[++*i];
    return NULL;
}

static bool is_option(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

#define KIND(k) (1u << (k))

/* The job kinds an option applies to (0: list's own). */
static const struct {
    const char *name;
    unsigned kinds;
} option_kinds[] = {
    {"--all", 0},
    {"--verify", KIND(DI_JOB_WRITE)},
    {"--yes", KIND(DI_JOB_WRITE) | KIND(DI_JOB_FORMAT) | KIND(DI_JOB_CHECK)},
    {"--force", KIND(DI_JOB_WRITE) | KIND(DI_JOB_FORMAT) | KIND(DI_JOB_CHECK)},
    {"--quick", KIND(DI_JOB_CHECK)},
    {"--full", KIND(DI_JOB_CHECK)},
    {"--move-gpt-backup", KIND(DI_JOB_WRITE)},
    {"--eject", KIND(DI_JOB_WRITE) | KIND(DI_JOB_FORMAT)},
    {"--hash", KIND(DI_JOB_WRITE) | KIND(DI_JOB_READ) | KIND(DI_JOB_VERIFY) | KIND(DI_JOB_HASH)},
    {"--expect", KIND(DI_JOB_WRITE) | KIND(DI_JOB_READ) | KIND(DI_JOB_VERIFY) | KIND(DI_JOB_HASH)},
    {"--fs", KIND(DI_JOB_FORMAT)},
    {"--label", KIND(DI_JOB_FORMAT)},
    {"--erase", KIND(DI_JOB_FORMAT)},
    {"--size", KIND(DI_JOB_READ) | KIND(DI_JOB_HASH)},
    {"--member", KIND(DI_JOB_WRITE) | KIND(DI_JOB_VERIFY)},
    {"--bmap", KIND(DI_JOB_WRITE) | KIND(DI_JOB_VERIFY)},
    {"--no-bmap", KIND(DI_JOB_WRITE) | KIND(DI_JOB_VERIFY)},
    {"--keep-partial", KIND(DI_JOB_READ)},
    {"--allocated-only", KIND(DI_JOB_READ)},
    {"--make-bmap", KIND(DI_JOB_READ)},
};

static bool option_allowed(const cli_args *args, const char *name)
{
    if (!strcmp(name, "--all")) return args->command == CLI_LIST;
    if (args->command != CLI_JOB) return false;
    for (size_t o = 0; o < sizeof option_kinds / sizeof option_kinds[0]; o++)
        if (!strcmp(name, option_kinds[o].name)) return (option_kinds[o].kinds & KIND(args->kind)) != 0;
    return true; /* the common options: --progress, --buffer-size, --log, ... */
}

bool cli_parse_args(int argc, char **argv, cli_args *args, char *error, size_t error_size)
{
    memset(args, 0, sizeof *args);
    error[0] = '\0';
    if (argc < 2) return fail(error, error_size, "%s", "no command given");

    int positionals_wanted = -1;
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        if (strcmp(argv[1], commands[c].name) == 0) {
            args->command = commands[c].command;
            args->kind = commands[c].kind;
            positionals_wanted = commands[c].positionals;
        }
    }
    if (positionals_wanted < 0) return fail(error, error_size, "unknown command '%s'", argv[1]);

    int positionals = 0;
    bool options_done = false;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            /* A write goes to one drive or several at once. */
            bool another_drive = args->kind == DI_JOB_WRITE && positionals >= 2 &&
                                 positionals < 1 + (int)DI_TARGETS_MAX;
            if (positionals >= positionals_wanted && !another_drive)
                return fail(error, error_size,
                            args->kind == DI_JOB_WRITE ? "too many drives at '%s' (32 at most)"
                                                       : "unexpected argument '%s'",
                            arg);
            if (positionals == 0) args->first = arg;
            else if (positionals == 1) args->second = arg;
            if (positionals >= 1) args->devices[args->device_count++] = arg;
            positionals++;
            continue;
        }
        if (!strcmp(arg, "--")) {
            options_done = true;
            continue;
        }
        static const char *const known[] = {"--all", "--hash", "--verify", "--yes",
                                            "--force", "--size", "--keep-partial",
                                            "--buffer-size", "--buffers", "--progress",
                                            "--expect", "--allocated-only",
                                            "--move-gpt-backup", "--member", "--bmap",
                                            "--no-bmap", "--eject", "--log", "--verbose",
                                            "-v", "--fs", "--label", "--erase", "--quick",
                                            "--full", "--make-bmap"};
        const char *name = NULL;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            if (is_option(arg, known[k])) name = known[k];
        if (!name) return fail(error, error_size, "unknown option '%s'", arg);
        if (!option_allowed(args, name))
            return fail(error, error_size, "option '%s' does not apply to this command", name);

        if (!strcmp(name, "--all")) args->all = true;
        else if (!strcmp(name, "--verify")) args->verify = true;
        else if (!strcmp(name, "--yes")) args->yes = true;
        else if (!strcmp(name, "--force")) args->force = true;
        else if (!strcmp(name, "--keep-partial")) args->keep_partial = true;
        else if (!strcmp(name, "--allocated-only")) args->allocated_only = true;
        else if (!strcmp(name, "--make-bmap")) args->make_bmap = true;
        else if (!strcmp(name, "--move-gpt-backup")) args->move_gpt_backup = true;
        else if (!strcmp(name, "--no-bmap")) args->no_bmap = true;
        else if (!strcmp(name, "--eject")) args->eject = true;
        else if (!strcmp(name, "--erase")) args->erase = true;
        else if (!strcmp(name, "--quick")) args->check_quick = true;
        else if (!strcmp(name, "--full")) args->check_full = true;
        else if (!strcmp(name, "--verbose") || !strcmp(name, "-v")) args->verbose = true;
        else {
            const char *value = option_value(arg, name, argc, argv, &i);
            if (!value || !value[0]) return fail(error, error_size, "option '%s' needs a value", name);
            if (!strcmp(name, "--hash")) {
                di_hash_alg alg;
                if (!di_hash_from_name(value, &alg))
                    return fail(error, error_size,
                                "unknown hash '%s' (md5, sha1, sha256, sha512)", value);
                args->hash_mask |= DI_HASH_BIT(alg);
            } else if (!strcmp(name, "--expect")) {
                di_expected_hash check;
                if (!di_expected_from_hex(value, &check))
                    return fail(error, error_size,
                                "invalid --expect '%s' (32, 40, 64 or 128 hex digits)", value);
                args->expect = value;
            } else if (!strcmp(name, "--log")) {
                args->log_file = value;
            } else if (!strcmp(name, "--fs")) {
                if (!strcmp(value, "fat32")) args->card_fs = DI_CARD_FS_FAT32;
                else if (!strcmp(value, "exfat")) args->card_fs = DI_CARD_FS_EXFAT;
                else return fail(error, error_size, "invalid --fs '%s' (fat32 or exfat)", value);
            } else if (!strcmp(name, "--label")) {
                args->label = value;
            } else if (!strcmp(name, "--member")) {
                args->member = value;
            } else if (!strcmp(name, "--bmap")) {
                args->bmap = value;
            } else if (!strcmp(name, "--size")) {
                if (!di_parse_size(value, &args->size) || args->size == 0)
                    return fail(error, error_size, "invalid --size '%s'", value);
            } else if (!strcmp(name, "--buffer-size")) {
                if (!di_parse_size(value, &args->buffer_size) || args->buffer_size == 0 ||
                    args->buffer_size > MAX_BUFFER_SIZE)
                    return fail(error, error_size, "invalid --buffer-size '%s' (1 byte to 1 GiB)",
                                value);
            } else if (!strcmp(name, "--buffers")) {
                uint64_t n;
                if (!di_parse_size(value, &n) || n == 0 || n > MAX_BUFFERS)
                    return fail(error, error_size, "invalid --buffers '%s' (1 to 1024)", value);
                args->buffers = (unsigned)n;
            } else if (!strcmp(name, "--progress")) {
                if (!strcmp(value, "auto")) args->progress = CLI_PROGRESS_AUTO;
                else if (!strcmp(value, "plain")) args->progress = CLI_PROGRESS_PLAIN;
                else if (!strcmp(value, "json")) args->progress = CLI_PROGRESS_JSON;
                else if (!strcmp(value, "none")) args->progress = CLI_PROGRESS_NONE;
                else return fail(error, error_size, "invalid --progress '%s'", value);
            }
        }
    }
    if (args->move_gpt_backup && !args->verify)
        return fail(error, error_size, "%s", "--move-gpt-backup needs --verify: it moves the "
                                             "backup only once the write is verified");
    if (args->check_quick && args->check_full)
        return fail(error, error_size, "%s", "--quick and --full exclude each other");
    if (args->bmap && args->no_bmap)
        return fail(error, error_size, "%s", "--bmap and --no-bmap exclude each other");
    if (args->allocated_only && args->size)
        return fail(error, error_size, "%s", "--allocated-only and --size exclude each other");
    if (positionals < positionals_wanted)
        return fail(error, error_size, "%s", positionals_wanted == 1 ? "a path is missing"
                                                                    : "two paths are needed");
    return true;
}
