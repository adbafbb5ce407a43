/* main.c - vesper-cli: command line options, usage text and the choice between
 * interactive mode, one-shot commands and the special modes (modes.c).
 *
 * Options follow redis-cli's names and meanings so scripts and fingers carry
 * over; parsing stops at the first argument that is not an option, which starts
 * the command. The password may come from -a/--pass, -u URI, $VESPERCLI_AUTH (or
 * $REDISCLI_AUTH) or --askpass. */
#include "cli.h"
#include "lineedit.h"
#include "base/alloc.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PIPE_TIMEOUT 30

CliConfig config;
Conn *context;
volatile sig_atomic_t cli_cancel;

static void usage(int err) {
    FILE *out = err ? stderr : stdout;
    fprintf(out,
"vesper-cli %s\n"
"\n"
"Usage: vesper-cli [OPTIONS] [cmd [arg [arg ...]]]\n"
"  -h <hostname>      Server hostname (default: 127.0.0.1).\n"
"  -p <port>          Server port (default: 6379).\n"
"  -s <socket>        Server socket (overrides hostname and port).\n"
"  -a <password>      Password to use when connecting to the server.\n"
"                     You can also use the VESPERCLI_AUTH (or REDISCLI_AUTH)\n"
"                     environment variable to pass this password more safely\n"
"                     (if both are used, this argument takes precedence).\n"
"  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.\n"
"  --pass <password>  Alias of -a for consistency with the new --user option.\n"
"  --askpass          Force user to input password with mask from STDIN.\n"
"                     If this argument is used, '-a' and VESPERCLI_AUTH\n"
"                     environment variable will be ignored.\n"
"  -u <uri>           Server URI: redis://[[user:]password@]host[:port][/db].\n"
"  -r <repeat>        Execute specified command N times.\n"
"  -i <interval>      When -r is used, waits <interval> seconds per command.\n"
"                     It is possible to specify sub-second times like -i 0.1.\n"
"                     This interval is also used in --scan and --stat per cycle.\n"
"                     and in --bigkeys, --memkeys, and --hotkeys per 100 cycles.\n"
"  -n <db>            Database number.\n"
"  -2                 Start session in RESP2 protocol mode.\n"
"  -3                 Start session in RESP3 protocol mode.\n"
"  -x                 Read last argument from STDIN (see example below).\n"
"  -X                 Read <tag> argument from STDIN (see example below).\n"
"  -d <delimiter>     Delimiter between response bulks for raw formatting (default: \\n).\n"
"  -D <delimiter>     Delimiter between responses for raw formatting (default: \\n).\n"
"  -c                 Enable cluster mode (follow -ASK and -MOVED redirections).\n"
"  -e                 Return exit error code when command execution fails.\n"
"  --raw              Use raw formatting for replies (default when STDOUT is\n"
"                     not a tty).\n"
"  --no-raw           Force formatted output even when STDOUT is not a tty.\n"
"  --quoted-input     Force input to be handled as quoted strings.\n"
"  --csv              Output in CSV format.\n"
"  --json             Output in JSON format (default RESP3, use -2 if you want to use with RESP2).\n"
"  --quoted-json      Same as --json, but produce ASCII-safe quoted strings, not Unicode.\n"
"  --show-pushes <yn> Whether to print RESP3 PUSH messages.  Enabled by default when\n"
"                     STDOUT is a tty but can be overridden with --show-pushes no.\n"
"  --stat             Print rolling stats about server: mem, clients, ...\n"
"  --latency          Enter a special mode continuously sampling latency.\n"
"                     If you use this mode in an interactive session it runs\n"
"                     forever displaying real-time stats. Otherwise if --raw or\n"
"                     --csv is specified, or if you redirect the output to a non\n"
"                     TTY, it samples the latency for 1 second (you can use\n"
"                     -i to change the interval), then produces a single output\n"
"                     and exits.\n"
"  --latency-history  Like --latency but tracking latency changes over time.\n"
"                     Default time interval is 15 sec. Change it using -i.\n"
"  --latency-dist     Shows latency as a spectrum, requires xterm 256 colors.\n"
"                     Default time interval is 1 sec. Change it using -i.\n"
"  --replica          Simulate a replica showing commands received from the master.\n"
"  --rdb <filename>   Transfer an RDB dump from remote server to local file.\n"
"                     Use filename of \"-\" to write to stdout.\n"
" --functions-rdb <filename> Like --rdb but only get the functions (not the keys)\n"
"                     when getting the RDB dump file.\n"
"  --pipe             Transfer raw protocol from stdin to server.\n"
"  --pipe-timeout <n> In --pipe mode, abort with error if after sending all data.\n"
"                     no reply is received within <n> seconds.\n"
"                     Default timeout: %d. Use 0 to wait forever.\n"
"  --bigkeys          Sample keys looking for keys with many elements (complexity).\n"
"  --memkeys          Sample keys looking for keys consuming a lot of memory.\n"
"  --memkeys-samples <n> Sample keys looking for keys consuming a lot of memory.\n"
"                     And define number of key elements to sample\n"
"  --hotkeys          Sample keys looking for hot keys.\n"
"                     only works when maxmemory-policy is *lfu.\n"
"  --scan             List all keys using the SCAN command.\n"
"  --pattern <pat>    Keys pattern when using the --scan, --bigkeys or --hotkeys\n"
"                     options (default: *).\n"
"  --quoted-pattern <pat> Same as --pattern, but the specified string can be\n"
"                         quoted, in order to pass an otherwise non binary-safe string.\n"
"  --count <count>    Count option when using the --scan, --bigkeys or --hotkeys (default: 10).\n"
"  --eval <file>      Send an EVAL command using the Lua script at <file>.\n"
"  --cluster <command> [args...] [opts...]\n"
"                     Cluster Manager command and arguments (not available yet).\n"
"  --verbose          Verbose mode.\n"
"  --no-auth-warning  Don't show warning message when using password on command\n"
"                     line interface.\n"
"  --help             Output this help and exit.\n"
"  --version          Output version and exit.\n"
"\n"
"Examples:\n"
"  cat /etc/passwd | vesper-cli -x set mypasswd\n"
"  vesper-cli -D \"\" --raw dump key > key.dump && vesper-cli -X dump_tag restore key2 0 dump_tag replace < key.dump\n"
"  vesper-cli -r 100 lpush mylist x\n"
"  vesper-cli -r 100 -i 1 info | grep used_memory_human:\n"
"  vesper-cli --quoted-input set '\"null-\\x00-separated\"' value\n"
"  vesper-cli --eval myscript.lua key1 key2 , arg1 arg2 arg3\n"
"  vesper-cli --scan --pattern '*:12345*'\n"
"\n"
"  (Note: when using --eval the comma separates KEYS[] from ARGV[] items)\n"
"\n"
"When no command is given, vesper-cli starts in interactive mode.\n"
"Type \"help\" in interactive mode for information on available commands\n"
"and settings.\n"
"\n",
        CLI_VERSION, DEFAULT_PIPE_TIMEOUT);
    exit(err);
}

/* Unquotes one "C string" argument (--quoted-pattern, --quoted-input). */
static Sds unquote_arg(const char *s) {
    int n;
    Sds *v = sds_splitargs(s, &n);
    Sds res = NULL;
    if (v && n == 1) {
        res = v[0];
        v[0] = sds_empty();
    }
    if (v) sds_freesplit(v, n);
    return res;
}

static int hexval(int c) {
    c = tolower(c);
    return isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

static Sds percent_decode(const char *p, size_t len) {
    Sds out = sds_empty();
    for (size_t i = 0; i < len; i++) {
        if (p[i] != '%') {
            out = sds_catlen(out, p + i, 1);
            continue;
        }
        if (len - i < 3) {
            fprintf(stderr, "Incomplete URI encoding\n");
            exit(1);
        }
        int h = hexval((unsigned char)p[i + 1]), l = hexval((unsigned char)p[i + 2]);
        if (h < 0 || l < 0) {
            fprintf(stderr, "Illegal character in URI encoding\n");
            exit(1);
        }
        char c = (char)(h * 16 + l);
        out = sds_catlen(out, &c, 1);
        i += 2;
    }
    return out;
}

/* redis://[[user:]password@]host[:port][/db] (also vesper://) */
static void parse_uri(const char *uri) {
    const char *cur = uri, *end = uri + strlen(uri);
    if (!strncasecmp(cur, "rediss://", 9)) {
        fprintf(stderr, "rediss:// is only supported when vesper-cli is compiled with OpenSSL\n");
        exit(1);
    } else if (!strncasecmp(cur, "redis://", 8)) {
        cur += 8;
    } else if (!strncasecmp(cur, "vesper://", 9)) {
        cur += 9;
    } else {
        fprintf(stderr, "Invalid URI scheme\n");
        exit(1);
    }
    if (cur == end) return;
    const char *at = strchr(cur, '@');
    if (at) {
        const char *colon = strchr(cur, ':');
        if (colon && colon < at) {
            config.user = percent_decode(cur, (size_t)(colon - cur));
            cur = colon + 1;
        }
        config.auth = percent_decode(cur, (size_t)(at - cur));
        cur = at + 1;
    }
    if (cur == end) return;
    const char *path = strchr(cur, '/');
    if (*cur != '/') {
        const char *hostend = path ? path : end;
        const char *port = strchr(cur, ':');
        if (port && port < hostend) {
            config.hostport = atoi(port + 1);
            hostend = port;
        }
        sds_free(config.hostip);
        config.hostip = sds_newlen(cur, (size_t)(hostend - cur));
    }
    cur = path ? path + 1 : end;
    if (cur == end) return;
    config.input_dbnum = atoi(cur);
}

static int parse_flag(const char *a) {
    static const struct { const char *name; int *field; int value; } flags[] = {
        {"-x", &config.stdin_lastarg, 1}, {"--no-auth-warning", &config.no_auth_warning, 1},
        {"--askpass", &config.askpass, 1}, {"--raw", &config.output, OUT_RAW},
        {"--no-raw", &config.output, OUT_STANDARD}, {"--quoted-input", &config.quoted_input, 1},
        {"--csv", &config.output, OUT_CSV}, {"--latency", &config.latency_mode, 1},
        {"--latency-dist", &config.latency_dist_mode, 1}, {"--slave", &config.slave_mode, 1},
        {"--replica", &config.slave_mode, 1}, {"--stat", &config.stat_mode, 1},
        {"--scan", &config.scan_mode, 1}, {"--pipe", &config.pipe_mode, 1},
        {"--bigkeys", &config.bigkeys, 1}, {"--hotkeys", &config.hotkeys, 1},
        {"-c", &config.cluster_mode, 1}, {"-e", &config.set_errcode, 1},
        {"--verbose", &config.verbose, 1}, {"-2", &config.resp2, 1}, {"-3", &config.resp3, 1},
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (!strcmp(a, flags[i].name)) {
            *flags[i].field = flags[i].value;
            return 1;
        }
    }
    if (!strcmp(a, "--memkeys")) {
        config.memkeys = 1;
        config.memkeys_samples = 0;
    } else if (!strcmp(a, "--latency-history")) {
        config.latency_mode = 1;
        config.latency_history = 1;
    } else if (!strcmp(a, "--json") || !strcmp(a, "--quoted-json")) {
        if (config.resp3 == 0) config.resp3 = 2;
        config.output = !strcmp(a, "--json") ? OUT_JSON : OUT_QUOTED_JSON;
    } else if (!strcmp(a, "--help")) {
        usage(0);
    } else if (!strcmp(a, "-v") || !strcmp(a, "--version")) {
        printf("vesper-cli %s\n", CLI_VERSION);
        exit(0);
    } else {
        return 0;
    }
    return 1;
}

static void set_sds(Sds *field, const char *v) {
    if (*field) sds_free(*field);
    *field = sds_new(v);
}

/* Options that take a value; returns 1 if a was one of them (and consumed v). */
static int parse_valued(const char *a, const char *v) {
    if (!strcmp(a, "-h")) set_sds(&config.hostip, v);
    else if (!strcmp(a, "-p")) config.hostport = atoi(v);
    else if (!strcmp(a, "-s")) config.hostsocket = (char *)v;
    else if (!strcmp(a, "-r")) config.repeat = strtoll(v, NULL, 10);
    else if (!strcmp(a, "-i")) config.interval_us = (long long)(atof(v) * 1000000);
    else if (!strcmp(a, "-n")) config.input_dbnum = atoi(v);
    else if (!strcmp(a, "-a") || !strcmp(a, "--pass")) set_sds(&config.auth, v);
    else if (!strcmp(a, "--user")) set_sds(&config.user, v);
    else if (!strcmp(a, "-u")) parse_uri(v);
    else if (!strcmp(a, "-X")) { config.stdin_tag_arg = 1; config.stdin_tag_name = (char *)v; }
    else if (!strcmp(a, "--pattern")) set_sds(&config.pattern, v);
    else if (!strcmp(a, "--count")) config.scan_count = atol(v);
    else if (!strcmp(a, "--rdb")) { config.rdb_mode = 1; config.rdb_filename = (char *)v; }
    else if (!strcmp(a, "--functions-rdb")) { config.functions_rdb_mode = 1; config.rdb_filename = (char *)v; }
    else if (!strcmp(a, "--pipe-timeout")) config.pipe_timeout = atoi(v);
    else if (!strcmp(a, "--memkeys-samples")) { config.memkeys = 1; config.memkeys_samples = (unsigned)atoi(v); }
    else if (!strcmp(a, "--eval")) config.eval = (char *)v;
    else if (!strcmp(a, "-d")) set_sds(&config.mb_delim, v);
    else if (!strcmp(a, "-D")) set_sds(&config.cmd_delim, v);
    else if (!strcmp(a, "--quoted-pattern")) {
        if (config.pattern) sds_free(config.pattern);
        config.pattern = unquote_arg(v);
        if (!config.pattern) {
            fprintf(stderr, "Invalid quoted string specified for --quoted-pattern.\n");
            exit(1);
        }
    } else if (!strcmp(a, "--show-pushes")) {
        if (!strncasecmp(v, "n", 1)) config.push_output = 0;
        else if (!strncasecmp(v, "y", 1)) config.push_output = 1;
        else fprintf(stderr, "Unknown --show-pushes value '%s' (valid: '[y]es', '[n]o')\n", v);
    } else if (!strcmp(a, "--cluster")) {
        fprintf(stderr, "Cluster Manager commands are not available in this version of vesper-cli.\n");
        exit(1);
    } else {
        return 0;
    }
    return 1;
}

static void check_options(void) {
    if (config.functions_rdb_mode && config.rdb_mode) {
        fprintf(stderr, "Option --functions-rdb and --rdb are mutually exclusive.\n");
        exit(1);
    }
    if (config.hostsocket && config.cluster_mode) {
        fprintf(stderr, "Options -c and -s are mutually exclusive.\n");
        exit(1);
    }
    if (config.resp2 && config.resp3 == 1) {
        fprintf(stderr, "Options -2 and -3 are mutually exclusive.\n");
        exit(1);
    }
    if (!config.no_auth_warning && config.auth != NULL)
        fputs("Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n",
              stderr);
    if (config.stdin_lastarg && config.stdin_tag_arg) {
        fprintf(stderr, "Options -x and -X are mutually exclusive.\n");
        exit(1);
    }
}

static int parse_options(int argc, char **argv) {
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int lastarg = i == argc - 1;
        if (!strcmp(a, "-h") && lastarg) usage(0);
        if (!lastarg && parse_valued(a, argv[i + 1])) {
            i++;
            continue;
        }
        if (parse_flag(a)) continue;
        if (a[0] == '-') {
            fprintf(stderr, "Unrecognized option or bad number of args for: '%s'\n", a);
            exit(1);
        }
        break; /* the command starts here */
    }
    check_options();
    return i;
}

static void parse_env(void) {
    const char *auth = getenv("VESPERCLI_AUTH");
    if (!auth) auth = getenv("REDISCLI_AUTH");
    if (auth && !config.auth) config.auth = sds_new(auth);
}

static void sigint_handler(int sig) {
    (void)sig;
    if ((config.monitor_mode || config.pubsub_mode) && context && context->fd >= 0) {
        shutdown(context->fd, SHUT_RDWR);
        config.blocking_aborted = 1;
    } else {
        _exit(1);
    }
}

static Sds ask_password(const char *msg) {
    le_set_mask_mode(1);
    char *line = le_readline(msg);
    le_set_mask_mode(0);
    Sds s = sds_new(line ? line : "");
    le_free(line);
    return s;
}

static void defaults(void) {
    config.hostip = sds_new("127.0.0.1");
    config.hostport = 6379;
    config.repeat = 1;
    config.pipe_timeout = DEFAULT_PIPE_TIMEOUT;
    config.last_reply_type = -1;
    config.hints = 1;
    int tty = isatty(STDOUT_FILENO) || getenv("FAKETTY") != NULL;
    config.output = tty ? OUT_STANDARD : OUT_RAW;
    config.push_output = tty;
    config.mb_delim = sds_new("\n");
    config.cmd_delim = sds_new("\n");
}

static void free_args(Sds *args, int argc) {
    for (int j = 0; j < argc; j++) sds_free(args[j]);
    vfree(args);
}

static int run_noninteractive(int argc, char **argv) {
    Sds *args = vmalloc(sizeof(Sds) * (size_t)(argc + 1));
    for (int j = 0; j < argc; j++) {
        args[j] = config.quoted_input ? unquote_arg(argv[j]) : sds_new(argv[j]);
        if (!args[j]) {
            printf("Invalid quoted string\n");
            free_args(args, j);
            return 1;
        }
    }
    if (config.stdin_lastarg) {
        args[argc++] = cli_read_stdin_arg();
    } else if (config.stdin_tag_arg) {
        int found = 0;
        for (int j = 0; j < argc && !found; j++) {
            if (strcmp(config.stdin_tag_name, args[j]) != 0) continue;
            sds_free(args[j]);
            args[j] = cli_read_stdin_arg();
            found = 1;
        }
        if (!found) {
            fprintf(stderr, "Using -X option but stdin tag not match.\n");
            free_args(args, argc);
            return 1;
        }
    }
    int rc = cli_issue_command(argc, args, config.repeat);
    free_args(args, argc);
    return rc == 0 ? 0 : 1;
}

/* Connects for a special mode, exiting on failure. */
static void mode_connect(void) {
    if (cli_connect(0) != 0) exit(1);
}

static void run_modes(void) {
    if (config.latency_mode) { mode_connect(); mode_latency(); }
    if (config.latency_dist_mode) { mode_connect(); mode_latency_dist(); }
    if (config.slave_mode) {
        mode_connect();
        mode_slave();
        exit(1);
    }
    if (config.rdb_mode || config.functions_rdb_mode) { mode_connect(); mode_rdb(); }
    if (config.pipe_mode) { mode_connect(); mode_pipe(); }
    if (config.bigkeys) { mode_connect(); mode_bigkeys(0); }
    if (config.memkeys) { mode_connect(); mode_bigkeys(1); }
    if (config.hotkeys) { mode_connect(); mode_hotkeys(); }
    if (config.stat_mode) {
        mode_connect();
        if (config.interval_us == 0) config.interval_us = 1000000;
        mode_stat();
    }
    if (config.scan_mode) { mode_connect(); mode_scan(); }
}

int main(int argc, char **argv) {
    defaults();
    int first = parse_options(argc, argv);
    argc -= first;
    argv += first;
    parse_env();
    if (config.askpass) {
        if (config.auth) sds_free(config.auth);
        config.auth = ask_password("Please input password: ");
    }
    cli_refresh_prompt();
    run_modes();
    if (argc == 0 && !config.eval) {
        signal(SIGPIPE, SIG_IGN);
        signal(SIGINT, sigint_handler);
        cli_connect(0);
        repl_run();
    }
    if (config.eval) {
        if (cli_connect(0) != 0) exit(1);
        return mode_eval(argc, argv);
    }
    cli_connect(CC_QUIET);
    return run_noninteractive(argc, argv);
}
