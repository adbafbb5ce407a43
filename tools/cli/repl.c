/* repl.c - vesper-cli's interactive mode: read a line, split it into arguments,
 * handle the client-side commands (quit/exit, :set, connect, clear, help, an
 * optional leading repeat count "3 ping") and send the rest to the server.
 *
 * History lives in ~/.vespercli_history ($VESPERCLI_HISTFILE overrides; "/dev/null"
 * disables it) and is saved after every line, except lines that carry secrets
 * (AUTH, ACL SETUSER, CONFIG SET requirepass..., HELLO ... AUTH, MIGRATE ... AUTH).
 * Preferences (":set hints" / ":set nohints") are read from ~/.vesperclirc
 * ($VESPERCLI_RCFILE overrides). Both are only used when stdin is a terminal. */
#include "cli.h"
#include "lineedit.h"
#include "base/util.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define HISTFILE_ENV "VESPERCLI_HISTFILE"
#define HISTFILE_DEFAULT ".vespercli_history"
#define RCFILE_ENV "VESPERCLI_RCFILE"
#define RCFILE_DEFAULT ".vesperclirc"

Sds cli_dotfile_path(const char *envvar, const char *name) {
    const char *path = getenv(envvar);
    if (path && *path) {
        if (!strcmp(path, "/dev/null")) return NULL;
        return sds_new(path);
    }
    const char *home = getenv("HOME");
    if (!home || !*home) return NULL;
    return sds_catprintf(sds_empty(), "%s/%s", home, name);
}

void cli_set_preferences(Sds *argv, int argc, int interactive) {
    const char *where = interactive ? "" : ".vesperclirc: ";
    if (!strcasecmp(argv[0], ":set") && argc >= 2) {
        if (!strcasecmp(argv[1], "hints")) config.hints = 1;
        else if (!strcasecmp(argv[1], "nohints")) config.hints = 0;
        else printf("%sunknown vesper-cli preference '%s'\n", where, argv[1]);
    } else {
        printf("%sunknown vesper-cli internal command '%s'\n", where, argv[0]);
    }
}

static void repl_load_preferences(void) {
    Sds rcfile = cli_dotfile_path(RCFILE_ENV, RCFILE_DEFAULT);
    if (!rcfile) return;
    FILE *fp = fopen(rcfile, "r");
    sds_free(rcfile);
    if (!fp) return;
    char buf[1024];
    while (fgets(buf, sizeof(buf), fp)) {
        int argc;
        Sds *argv = sds_splitargs(buf, &argc);
        if (argv && argc > 0) cli_set_preferences(argv, argc, 0);
        if (argv) sds_freesplit(argv, argc);
    }
    fclose(fp);
}

/* Commands whose arguments hold passwords are kept out of the history. */
static int repl_is_sensitive(int argc, Sds *argv) {
    if (!strcasecmp(argv[0], "auth")) return 1;
    if (argc > 1 && !strcasecmp(argv[0], "acl") && !strcasecmp(argv[1], "setuser")) return 1;
    if (argc > 2 && !strcasecmp(argv[0], "config") && !strcasecmp(argv[1], "set") &&
        (!strcasecmp(argv[2], "masterauth") || !strcasecmp(argv[2], "masteruser") ||
         !strcasecmp(argv[2], "requirepass")))
        return 1;
    if (argc > 4 && !strcasecmp(argv[0], "hello")) {
        for (int j = 2; j < argc; j++) {
            int more = argc - 1 - j;
            if (!strcasecmp(argv[j], "auth") && more >= 2) return 1;
            if (!strcasecmp(argv[j], "setname") && more) j++;
            else return 0;
        }
    }
    if (argc > 7 && !strcasecmp(argv[0], "migrate")) {
        for (int j = 6; j < argc; j++) {
            int more = argc - 1 - j;
            if (!strcasecmp(argv[j], "auth") && more) return 1;
            if (!strcasecmp(argv[j], "auth2") && more >= 2) return 1;
            if (!strcasecmp(argv[j], "keys") && more) return 0;
        }
    }
    return 0;
}

static void repl_completion(const char *buf, LeCompletions *lc) { help_completion(buf, lc); }

static void repl_history_add(int enabled, Sds histfile, const char *line) {
    if (enabled) le_history_add(line);
    if (histfile) le_history_save(histfile);
}

/* Leading "N " repeats the command N times. Returns 1 with *repeat set, 0 when
 * the first word is not a count, -1 when it is an invalid count. */
static int repl_repeat_prefix(int argc, Sds *argv, long *repeat) {
    char *end = NULL;
    errno = 0;
    long n = strtol(argv[0], &end, 10);
    if (argc <= 1 || *end != '\0') return 0;
    if (errno == ERANGE || errno == EINVAL || n <= 0) return -1;
    *repeat = n;
    return 1;
}

static void repl_execute(int argc, Sds *argv, long repeat) {
    long long start = mstime();
    cli_issue_command(argc, argv, repeat);
    long long elapsed = mstime() - start;
    if (elapsed >= 500 && config.output == OUT_STANDARD) printf("(%.2fs)\n", (double)elapsed / 1000);
}

/* Handles one input line; returns 1 when the session should end. */
static int repl_line(char *line, int history, Sds histfile) {
    int argc;
    Sds *argv = sds_splitargs(line, &argc);
    if (!argv) {
        printf("Invalid argument(s)\n");
        fflush(stdout);
        repl_history_add(history, histfile, line);
        return 0;
    }
    if (argc == 0) {
        sds_freesplit(argv, argc);
        return 0;
    }
    long repeat = 1;
    int skip = repl_repeat_prefix(argc, argv, &repeat);
    if (skip < 0) {
        fputs("Invalid vesper-cli repeat command option value.\n", stdout);
        sds_freesplit(argv, argc);
        return 0;
    }
    if (!repl_is_sensitive(argc - skip, argv + skip)) repl_history_add(history, histfile, line);
    int done = 0;
    if (!strcasecmp(argv[0], "quit") || !strcasecmp(argv[0], "exit")) {
        done = 1;
    } else if (argv[0][0] == ':') {
        cli_set_preferences(argv, argc, 1);
    } else if (argc == 3 && !strcasecmp(argv[0], "connect")) {
        sds_free(config.hostip);
        config.hostip = sds_dup(argv[1]);
        config.hostport = atoi(argv[2]);
        config.hostsocket = NULL;
        cli_refresh_prompt();
        cli_connect(CC_FORCE);
        if (context) help_init();
    } else if (argc == 1 && !strcasecmp(argv[0], "clear")) {
        le_clear_screen();
    } else {
        repl_execute(argc - skip, argv + skip, repeat);
    }
    sds_freesplit(argv, argc);
    return done;
}

void repl_run(void) {
    Sds histfile = NULL;
    int history = 0;
    help_init();
    config.interactive = 1;
    le_set_completion_callback(repl_completion);
    le_set_hints_callback(help_hint);
    if (isatty(STDIN_FILENO)) {
        histfile = cli_dotfile_path(HISTFILE_ENV, HISTFILE_DEFAULT);
        history = 1;
        if (histfile) le_history_load(histfile);
        repl_load_preferences();
    }
    cli_refresh_prompt();
    char *line;
    while ((line = le_readline(cli_prompt())) != NULL) {
        int done = line[0] ? repl_line(line, history, histfile) : 0;
        le_free(line);
        if (done) break;
    }
    if (histfile) sds_free(histfile);
    exit(0);
}
