#include "check.h"

int check_failures;

int run_tests(const test_case *tests, size_t count, int argc, char **argv)
{
    int passed = 0, failed = 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    for (size_t i = 0; i < count; i++) {
        bool selected = argc < 2;
        for (int a = 1; a < argc; a++)
            if (strcmp(argv[a], tests[i].name) == 0) selected = true;
        if (!selected) continue;
        int before = check_failures;
        printf("[ RUN  ] %s\n", tests[i].name);
        tests[i].fn();
        if (check_failures == before) {
            passed++;
            printf("[  OK  ] %s\n", tests[i].name);
        } else {
            failed++;
            printf("[ FAIL ] %s\n", tests[i].name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
