/* Entry point. On Windows the arguments arrive as UTF-16 and become UTF-8 here, so a
 * path such as C:\Users\Zoë\画像\pi.img reaches the engine intact. */
#include "commands.h"

#ifdef _WIN32
#include <stdlib.h>
#include <windows.h>

int wmain(int argc, wchar_t **wargv)
{
    SetConsoleOutputCP(CP_UTF8);
    /* An empty card reader or CD drive answers an error, not a "No disk" box. */
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOOPENFILEERRORBOX);
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    if (!argv) return CLI_EXIT_FAILURE;
    for (int i = 0; i < argc; i++) {
        int n = WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
        argv[i] = malloc(n > 0 ? (size_t)n : 1);
        if (!argv[i]) return CLI_EXIT_FAILURE;
        argv[i][0] = '\0';
        if (n > 0) WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, argv[i], n, NULL, NULL);
    }
    int code = cli_main(argc, argv);
    for (int i = 0; i < argc; i++) free(argv[i]);
    free(argv);
    return code;
}
#else
int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
#endif
