/* config_load.c - reading the configuration: the config file (with includes, or from
 * stdin), the "--name value" command-line arguments, the FATAL CONFIG FILE ERROR
 * report, and the start-up warnings about directives Vesper accepts but does not act
 * upon (unimplemented ones, and persistence ones set to a value that needs files).
 *
 * A config text is split into lines and each line into arguments with Redis's quoting
 * rules ("..." with \n \xHH escapes, '...'), binary safe: a NUL byte, raw or written
 * as "\x00", stays in its argument and the directive refuses it (config_entry_set), so
 * nothing after a NUL is silently dropped.
 *
 * Invariants: a bad line stops the process with Redis's report (line number, the line,
 * the reason) and exit code 1; directives are applied in file order, the command-line
 * options after the file, and stdin after the file when both are given.
 * Costs: linear in the text times one directive lookup per line. */
#include "config_priv.h"
#include "command.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/sds.h"
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int loading_text;           /* inside config_load */
static Sds stdin_text;             /* stdin read by config_args_to_options, after the file */

/* Config-file-only directives Redis silently skips (deprecated, exactly one argument). */
static const char *deprecated_directives[] = {"list-max-ziplist-entries", "list-max-ziplist-value",
                                              "lua-replicate-commands", NULL};

int config_loading(void) { return loading_text; }

/* ---------------------------------------------------------------------------
 * Start-up warnings
 * ------------------------------------------------------------------------- */

static Sds *unsupported;           /* names of unimplemented directives met */
static int nunsupported;

static void note_unsupported(const char *name) {
    for (int i = 0; i < nunsupported; i++)
        if (!strcasecmp(unsupported[i], name)) return;
    unsupported = vrealloc(unsupported, sizeof(Sds) * (size_t)(nunsupported + 1));
    unsupported[nunsupported++] = sds_new(name);
}

static void clear_list(Sds **list, int *n) {
    for (int i = 0; i < *n; i++) sds_free((*list)[i]);
    vfree(*list);
    *list = NULL;
    *n = 0;
}

void config_report_unsupported(void) {
    for (int i = 0; i < nunsupported; i++)
        server_log(LL_WARNING, "Directive '%s' is not implemented yet by Vesper; ignoring", unsupported[i]);
    clear_list(&unsupported, &nunsupported);
}


/* ---------------------------------------------------------------------------
 * Reading files
 * ------------------------------------------------------------------------- */

static void load_fail(int linenum, const Sds line, const char *err) __attribute__((noreturn));
static void load_fail(int linenum, const Sds line, const char *err) {
    fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n", VESPER_VERSION);
    if (line) {
        fprintf(stderr, "Reading the configuration file, at line %d\n", linenum);
        fprintf(stderr, ">>> '");
        fwrite(line, 1, sds_len(line), stderr);
        fprintf(stderr, "'\n");
    }
    fprintf(stderr, "%s\n", err);
    exit(1);
}

Sds config_read_stream(FILE *fp, Sds into) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) into = sds_catlen(into, buf, n);
    return into;
}

static Sds read_one_file(const char *path, Sds into) {
    FILE *fp = fopen(path, "r");
    if (!fp) {
        server_log(LL_WARNING, "Fatal error, can't open config file '%s': %s", path, strerror(errno));
        exit(1);
    }
    into = config_read_stream(fp, into);
    fclose(fp);
    return into;
}

/* A path with wildcards includes every match (none is fine); otherwise the file
 * must exist. */
static Sds read_config_files(const char *path, Sds into) {
    if (!strpbrk(path, "*?[")) return read_one_file(path, into);
    glob_t g;
    if (glob(path, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) into = read_one_file(g.gl_pathv[i], into);
        globfree(&g);
    }
    return into;
}

/* ---------------------------------------------------------------------------
 * Splitting a line into arguments (binary safe)
 * ------------------------------------------------------------------------- */

typedef struct Cursor {
    const char *p, *end;
} Cursor;

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static char unescape(char c) {
    switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
    }
}

/* A closing quote must end the argument. */
static int quote_closes(const Cursor *c) { return c->p == c->end || isspace((unsigned char)*c->p); }

/* After an opening '"': the body with escapes, up to the closing quote. */
static int read_dquoted(Cursor *c, Sds *tok) {
    while (c->p < c->end) {
        const char *p = c->p;
        char ch = p[0];
        if (ch == '\\' && c->end - p >= 4 && p[1] == 'x' && hex_digit(p[2]) >= 0 && hex_digit(p[3]) >= 0) {
            ch = (char)(hex_digit(p[2]) * 16 + hex_digit(p[3]));
            c->p += 4;
        } else if (ch == '\\' && c->end - p >= 2) {
            ch = unescape(p[1]);
            c->p += 2;
        } else if (ch == '"') {
            c->p++;
            return quote_closes(c);
        } else {
            c->p++;
        }
        *tok = sds_catlen(*tok, &ch, 1);
    }
    return 0;
}

/* After an opening '\'': the body (only \' is an escape), up to the closing quote. */
static int read_squoted(Cursor *c, Sds *tok) {
    while (c->p < c->end) {
        const char *p = c->p;
        if (p[0] == '\\' && c->end - p >= 2 && p[1] == '\'') {
            *tok = sds_catlen(*tok, "'", 1);
            c->p += 2;
        } else if (p[0] == '\'') {
            c->p++;
            return quote_closes(c);
        } else {
            *tok = sds_catlen(*tok, p, 1);
            c->p++;
        }
    }
    return 0;
}

/* One argument; 0 on unbalanced quotes. */
static int read_token(Cursor *c, Sds *tok) {
    while (c->p < c->end) {
        char ch = *c->p++;
        if (ch == '"') return read_dquoted(c, tok);
        if (ch == '\'') return read_squoted(c, tok);
        if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') return 1;
        *tok = sds_catlen(*tok, &ch, 1);
    }
    return 1;
}

/* The arguments of a line, or NULL on unbalanced quotes. */
static Sds *split_line(const char *line, size_t len, int *argc) {
    Cursor c = {line, line + len};
    Sds *argv = NULL;
    int n = 0;
    for (;;) {
        while (c.p < c.end && isspace((unsigned char)*c.p)) c.p++;
        if (c.p == c.end) break;
        Sds tok = sds_empty();
        if (!read_token(&c, &tok)) {
            sds_free(tok);
            sds_freesplit(argv, n);
            *argc = 0;
            return NULL;
        }
        argv = vrealloc(argv, sizeof(Sds) * (size_t)(n + 1));
        argv[n++] = tok;
    }
    *argc = n;
    return argv ? argv : vmalloc(sizeof(Sds));
}

/* ---------------------------------------------------------------------------
 * Applying lines
 * ------------------------------------------------------------------------- */

static void load_text(Config *cfg, const char *text, size_t len);

static const char *load_entry(Config *cfg, ConfigEntry *e, Sds *argv, int argc) {
    const char *err = "wrong number of arguments";
    unsigned flags = e->def->flags;
    int res;
    if (!(flags & CONFIG_MULTI_ARG) && argc != 2) return err;
    if ((flags & CONFIG_MULTI_ARG) && argc == 2 && sds_len(argv[1])) {
        /* "--save '900 1 300 10'": one argument holding several */
        int n;
        Sds *sub = split_line(argv[1], sds_len(argv[1]), &n);
        if (!sub) return "Unbalanced quotes in configuration line";
        res = config_entry_set(cfg, e, sub, n, &err);
        sds_freesplit(sub, n);
    } else {
        res = config_entry_set(cfg, e, argv + 1, argc - 1, &err);
    }
    if (!res) return err;
    if (flags & CONFIG_NOIMPL) note_unsupported(argv[0]);
    return NULL;
}

static const char *load_include(Config *cfg, const Sds path) {
    if (!config_is_cstr(path)) return "argument must not contain NUL bytes";
    Sds text = read_config_files(path, sds_empty());
    load_text(cfg, text, sds_len(text));
    sds_free(text);
    return NULL;
}

/* Directives of the config file that are not in the table. */
static const char *load_file_only(const char *name, int argc) {
    for (int i = 0; deprecated_directives[i]; i++)
        if (!strcmp(name, deprecated_directives[i]) && argc == 2) return NULL;
    if ((!strcmp(name, "rename-command") && argc == 3) || (!strcmp(name, "user") && argc >= 2) ||
        (!strcmp(name, "loadmodule") && argc >= 2)) {
        note_unsupported(name);
        return NULL;
    }
    if (strchr(name, '.')) {
        if (argc < 2) return "Module config specified without value";
        note_unsupported(name);
        return NULL;
    }
    if (!strcmp(name, "sentinel")) {
        if (argc == 1) return NULL;
        if (!server.sentinel_mode) return "sentinel directive while not in sentinel mode";
        note_unsupported(name);
        return NULL;
    }
    return "Bad directive or wrong number of arguments";
}

/* Returns NULL when the line was accepted, else the error to report. */
static const char *load_directive(Config *cfg, Sds *argv, int argc) {
    const char *name = argv[0];
    if (!config_is_cstr(argv[0])) return "Bad directive or wrong number of arguments";
    ConfigEntry *e = config_lookup(name, NULL);
    if (e) return load_entry(cfg, e, argv, argc);
    if (!strcmp(name, "include") && argc == 2) return load_include(cfg, argv[1]);
    if (!strcmp(name, "rename-command") && argc == 3 && cfg == &server.cfg)
        return command_rename(argv[1], argv[2]);
    return load_file_only(name, argc);
}

static void load_line(Config *cfg, const Sds raw, int linenum) {
    const char *p = raw;
    size_t len = sds_len(raw);
    while (len && p[0] && strchr(" \t\r\n", p[0])) p++, len--;
    while (len && p[len - 1] && strchr(" \t\r\n", p[len - 1])) len--;
    if (len == 0 || p[0] == '#') return;
    Sds line = sds_newlen(p, len);
    int argc;
    Sds *argv = split_line(line, len, &argc);
    if (!argv) load_fail(linenum, line, "Unbalanced quotes in configuration line");
    if (argc > 0) {
        sds_tolower(argv[0]);
        const char *err = load_directive(cfg, argv, argc);
        if (err) load_fail(linenum, line, err);
    }
    sds_freesplit(argv, argc);
    sds_free(line);
}

/* Checks Redis makes once a text is read (an included file is one too). */
static void load_text(Config *cfg, const char *text, size_t len) {
    int nlines = 0;
    Sds *lines = len ? sds_splitlen(text, len, "\n", 1, &nlines) : NULL;
    for (int i = 0; i < nlines; i++) load_line(cfg, lines[i], i + 1);
    sds_freesplit(lines, nlines);
    const char *err = config_core_check(cfg);
    if (err) load_fail(0, NULL, err);
}

/* An absolute form of path (relative to the current directory, with leading
 * "./" and "../" folded into it), as Redis keeps the config file name. */
static char *absolute_path(const char *path) {
    if (path[0] == '/') return vstrdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd))) return vstrdup(path);
    Sds abs = sds_new(cwd);
    const char *rel = path;
    for (;;) {
        if (!strncmp(rel, "./", 2)) {
            rel += 2;
        } else if (!strncmp(rel, "../", 3)) {
            rel += 3;
            char *slash = strrchr(abs, '/');
            if (slash && slash != abs) sds_setlen(abs, (size_t)(slash - abs));
            else sds_setlen(abs, 1);
        } else {
            break;
        }
    }
    if (abs[sds_len(abs) - 1] != '/') abs = sds_cat(abs, "/");
    abs = sds_cat(abs, rel);
    char *res = vstrdup(abs);
    sds_free(abs);
    return res;
}

void config_load(Config *cfg, const char *path, const char *options) {
    if (cfg->defaults_magic != CONFIG_MAGIC) config_init_defaults(cfg);
    Sds text = sds_empty();
    if (path && !strcmp(path, "-")) {
        server_log(LL_WARNING, "Reading config from stdin");
        text = config_read_stream(stdin, text);
    } else if (path) {
        char *abs = absolute_path(path);
        vfree(cfg->configfile);
        cfg->configfile = abs;
        text = read_config_files(abs, text);
    }
    if (stdin_text) {
        text = sds_catsds(text, stdin_text);
        sds_free(stdin_text);
        stdin_text = NULL;
    }
    if (options) {
        text = sds_cat(text, "\n");
        text = sds_cat(text, options);
    }
    loading_text = 1;
    load_text(cfg, text, sds_len(text));
    loading_text = 0;
    sds_free(text);
}

/* ---------------------------------------------------------------------------
 * Command line
 * ------------------------------------------------------------------------- */

Sds config_args_to_options(int argc, char **argv, const char **configfile_out) {
    Sds options = sds_empty();
    const char *file = NULL;
    int from_stdin = 0, j = 1, have_value = 1;
    if (argc >= 2 && argv[1][0] != '-') {
        file = argv[1];
        j = 2;
    }
    for (; j < argc; j++) {
        const char *a = argv[j];
        int last = j == argc - 1;
        if (a[0] == '-' && a[1] == '\0' && (j == 1 || last)) {
            from_stdin = 1;
        } else if (have_value && a[0] == '-' && a[1] == '-') {
            /* "--name": starts a directive; "--name value" in one argument is complete */
            if (sds_len(options)) options = sds_cat(options, "\n");
            options = sds_cat(options, a + 2);
            options = sds_cat(options, " ");
            int n;
            Sds *parts = sds_splitargs(a, &n);
            have_value = n != 1;
            if (n == 1) {
                int next_is_name = !last && argv[j + 1][0] == '-' && argv[j + 1][1] == '-';
                if (!strcasecmp(a, "--save") && (next_is_name || last)) {
                    options = sds_cat(options, "\"\"");  /* an empty save list */
                    have_value = 1;
                } else if (!strcasecmp(a, "--sentinel") && next_is_name) {
                    have_value = 1;
                }
            }
            sds_freesplit(parts, n);
        } else {
            options = sds_catrepr(options, a, strlen(a));
            options = sds_cat(options, " ");
            have_value = 1;
        }
    }
    if (file && from_stdin) {
        server_log(LL_WARNING, "Reading config from stdin");
        if (stdin_text) sds_free(stdin_text);
        stdin_text = config_read_stream(stdin, sds_empty());
    }
    *configfile_out = file ? file : from_stdin ? "-" : NULL;
    return options;
}
