/* proctitle.c - the process title, what ps and /proc/<pid>/cmdline show.
 *
 * Linux has no call for it: a process shows the memory its arguments were passed
 * in. The strings of argv and, right after them, of the environment sit in one
 * contiguous area; proctitle_init copies both elsewhere (the environment to new
 * heap strings, so getenv keeps working) and proctitle_set then overwrites the
 * whole area with the title and NUL bytes. A title is cut to PROCTITLE_MAX bytes,
 * as Redis's setproctitle cuts it (SPT_MAXTITLE), and to the area.
 *
 * Invariants: after proctitle_init nothing may use the original argv strings (the
 * returned copy replaces them); the area is only written by proctitle_set.
 * Costs: one copy of argv and the environment at start; O(area) per title. */
#include "proctitle.h"
#include <stdlib.h>
#include <string.h>

extern char **environ;

#define PROCTITLE_MAX 255 /* ps shows at most this much of a title, as with Redis */

static char *area;      /* the first byte of argv[0] */
static size_t area_len; /* bytes through the last contiguous argv/environment string */

char **proctitle_init(int argc, char **argv) {
    char **copy = malloc(sizeof(char *) * ((size_t)argc + 1));
    if (!copy) return argv;
    for (int i = 0; i < argc; i++) {
        copy[i] = strdup(argv[i]);
        if (!copy[i]) return argv; /* out of memory at start: no titles, nothing moved */
    }
    copy[argc] = NULL;
    if (argc == 0 || !argv[0]) return copy;

    char *end = argv[0] + strlen(argv[0]) + 1;
    for (int i = 1; i < argc; i++)
        if (argv[i] == end) end = argv[i] + strlen(argv[i]) + 1;
    size_t nenv = 0;
    while (environ && environ[nenv]) nenv++;
    char **env = malloc(sizeof(char *) * (nenv + 1));
    if (!env) return copy;
    int env_contiguous = 1;
    for (size_t i = 0; i < nenv; i++) {
        if (env_contiguous && environ[i] == end) end = environ[i] + strlen(environ[i]) + 1;
        else env_contiguous = 0;
        env[i] = strdup(environ[i]);
        if (!env[i]) return copy; /* the area keeps the environment: titles stay off */
    }
    env[nenv] = NULL;
    environ = env;
    area = argv[0];
    area_len = (size_t)(end - argv[0]);
    return copy;
}

void proctitle_set(const char *title) {
    if (!area || area_len < 2) return;
    size_t n = strlen(title);
    if (n > PROCTITLE_MAX) n = PROCTITLE_MAX;
    if (n > area_len - 1) n = area_len - 1;
    memcpy(area, title, n);
    memset(area + n, 0, area_len - n);
}
