/* The `diskimager` command: argument handling, confirmation, running a job with
 * progress, printing hashes and results, exit codes. */
#ifndef DISKIMAGER_CLI_COMMANDS_H
#define DISKIMAGER_CLI_COMMANDS_H

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILURE = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_MISMATCH = 3,
    CLI_EXIT_CANCELLED = 130
};

/* argv in UTF-8. */
int cli_main(int argc, char **argv);

#endif
