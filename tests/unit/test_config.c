/* test_config.c - unit tests of the configuration registry (src/core/config*.c):
 * defaults, config text and command-line parsing, validation errors (the FATAL
 * report, checked in a child process), CONFIG GET rendering, CONFIG SET's
 * all-or-nothing behaviour and CONFIG REWRITE; a subsystem's own table registered
 * with config_register_table() and used through every path; values with NUL bytes;
 * numbers at the edges of 64 bits (run under `make SANITIZE=1 unit` too); the
 * start-up warnings of unimplemented directives. Expected texts come from
 * redis-server 7.0.15 unless a test says Vesper deliberately differs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include "core/config.h"
#include "core/config_table.h"
#include "core/server.h"
#include "core/client.h"
#include "core/db.h"
#include "core/evict.h"
#include "core/module.h"
#include "base/alloc.h"
#include "base/sds.h"
#include "base/util.h"

/* ---- a subsystem's table, registered by main() before any test ---- */

typedef struct TestPair {
    long long a, b;
} TestPair;

static int t_flag, t_mode, t_imm;
static long long t_mem;
static char *t_name;
static TestPair t_pair;
static int t_apply_calls, t_apply_fail;

static int t_apply(const char **err) {
    t_apply_calls++;
    if (t_apply_fail) {
        *err = "test apply refused";
        return 0;
    }
    return 1;
}

static const ConfigEnum t_modes[] = {{"off", 0}, {"fast", 1}, {"safe", 2}, {NULL, 0}};

static int t_pair_set(void *var, Sds *argv, int argc, const char **err) {
    TestPair *p = var;
    long long a, b;
    if (argc != 2 || !string2ll(argv[0], sds_len(argv[0]), &a) || !string2ll(argv[1], sds_len(argv[1]), &b)) {
        *err = "test-pair needs two integers";
        return CONFIG_SET_ERR;
    }
    int same = p->a == a && p->b == b;
    p->a = a;
    p->b = b;
    return same ? CONFIG_SET_SAME : CONFIG_SET_CHANGED;
}

static Sds t_pair_get(const void *var) {
    const TestPair *p = var;
    return sds_catprintf(sds_empty(), "%lld %lld", p->a, p->b);
}

static ConfigDef test_table[] = {
    CONFIG_BOOL("test-flag", "test-flag-alias", 0, t_flag, 1, .apply = t_apply),
    CONFIG_NUM("test-mem", NULL, 0, CONFIG_MEMORY, t_mem, 0, LLONG_MAX, 1024, .apply = t_apply),
    CONFIG_ENUM("test-mode", NULL, 0, t_mode, t_modes, 2),
    CONFIG_STR("test-name", NULL, 0, t_name, "anon"),
    CONFIG_SPECIAL("test-pair", NULL, CONFIG_MULTI_ARG, t_pair, t_pair_set, t_pair_get, .defstr = "1 2",
                   .apply = t_apply),
    CONFIG_NUM("test-imm", NULL, CONFIG_IMMUTABLE, 0, t_imm, 0, 10, 3),
    {0}};
#define TEST_TABLE_NAMES 7  /* 6 names and 1 alias */

/* ---- helpers ---- */

static Config cfg;

static int setup(void **state) {
    (void)state;
    config_init_defaults(&cfg);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    config_free(&cfg);
    return 0;
}

static void assert_value(const Config *c, const char *name, const char *expected) {
    char *v = config_get_value(c, name);
    assert_non_null(v);
    assert_string_equal(v, expected);
    sds_free(v);
}

/* Runs config_load in a child; returns what it wrote to stderr and its exit code. */
static Sds load_in_child(const char *path, const char *options, int *code) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        dup2(fds[1], 1);
        Config c;
        config_init_defaults(&c);
        config_load(&c, path, options);
        _exit(0);
    }
    close(fds[1]);
    Sds out = sds_empty();
    char buf[1024];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0) out = sds_catlen(out, buf, (size_t)n);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

static void assert_load_error(const char *options, const char *line, int linenum, const char *err) {
    int code;
    Sds out = load_in_child(NULL, options, &code);
    char expected[1024];
    if (line)
        snprintf(expected, sizeof(expected),
                 "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
                 "Reading the configuration file, at line %d\n>>> '%s'\n%s\n", linenum, line, err);
    else
        snprintf(expected, sizeof(expected), "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n%s\n", err);
    assert_int_equal(code, 1);
    assert_string_equal(out, expected);
    sds_free(out);
}

static Sds args_options(int argc, char **argv, const char **file) {
    return config_args_to_options(argc, argv, file);
}

static char *write_temp(const char *text) {
    static char path[64];
    strcpy(path, "/tmp/vesper-test-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static Sds read_file(const char *path) {
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    Sds s = sds_empty();
    char buf[1024];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) s = sds_catlen(s, buf, n);
    fclose(fp);
    return s;
}

/* Runs a CONFIG command on a fake client against server.cfg; returns the reply bytes.
 * lens may be NULL (C strings) or give each argument's length (NUL bytes allowed). */
static Sds run_config_argv(int argc, const char **argv, const size_t *lens) {
    Client *c = client_create(NULL, 0);
    c->argv = vmalloc(sizeof(Obj *) * (size_t)argc);
    for (int i = 0; i < argc; i++) c->argv[i] = obj_string(argv[i], lens ? lens[i] : strlen(argv[i]));
    c->argc = argc;
    config_command(c);
    Sds out = sds_newlen(c->buf, c->bufpos);
    for (ReplyBlock *b = c->reply_head; b; b = b->next) out = sds_catlen(out, b->buf, b->used);
    client_free(c);
    return out;
}

static Sds run_config(int argc, ...) {
    const char *argv[16];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) argv[i] = va_arg(ap, const char *);
    va_end(ap);
    return run_config_argv(argc, argv, NULL);
}

/* CONFIG SET name value with a binary value (len bytes). */
static Sds config_set_bin(const char *name, const char *value, size_t len) {
    const char *argv[] = {"config", "set", name, value};
    size_t lens[] = {6, 3, strlen(name), len};
    return run_config_argv(4, argv, lens);
}

static void assert_reply(Sds got, const char *expected) {
    assert_string_equal(got, expected);
    sds_free(got);
}

/* ---- defaults and rendering ---- */

static void test_defaults(void **state) {
    (void)state;
    assert_int_equal(cfg.port, 6379);
    assert_int_equal(cfg.bind_count, 2);
    assert_string_equal(cfg.bind[0], "*");
    assert_string_equal(cfg.bind[1], "-::*");
    assert_int_equal(cfg.databases, 16);
    assert_int_equal(cfg.hz, 10);
    assert_int_equal(cfg.maxclients, 10000);
    assert_int_equal(cfg.tcp_backlog, 511);
    assert_int_equal(cfg.tcp_keepalive, 300);
    assert_int_equal(cfg.protected_mode, 1);
    assert_null(cfg.requirepass);
    assert_null(cfg.unixsocket);
    assert_null(cfg.pidfile);
    assert_string_equal(cfg.logfile, "");
    assert_value(&cfg, "dbfilename", "dump.rdb");
    assert_value(&cfg, "appendfilename", "appendonly.aof");
    assert_value(&cfg, "appenddirname", "appendonlydir");
    assert_string_equal(cfg.syslog_ident, "redis");
    assert_int_equal(cfg.verbosity, LL_NOTICE);
    assert_int_equal(evict_cfg.policy, MAXMEMORY_NO_EVICTION);
    assert_true(cfg.maxmemory == 0);
    assert_int_equal(evict_cfg.samples, 5);
    assert_true(cfg.proto_max_bulk_len == 512LL * 1024 * 1024);
    assert_true(cfg.client_max_querybuf_len == 1024LL * 1024 * 1024);
    assert_true(cfg.obuf_limits[CLIENT_TYPE_REPLICA].hard == 256ULL * 1024 * 1024);
    assert_true(cfg.obuf_limits[CLIENT_TYPE_PUBSUB].soft == 8ULL * 1024 * 1024);
    /* the types' own directives, through the registry (they live in their modules) */
    assert_value(&cfg, "list-max-listpack-size", "-2");
    assert_value(&cfg, "hash-max-listpack-entries", "512");
    assert_value(&cfg, "zset-max-listpack-value", "64");
    assert_true(cfg.slowlog_log_slower_than == 10000);
    assert_true(cfg.slowlog_max_len == 128);
    assert_int_equal(cfg.busy_reply_threshold, 5000);
    assert_int_equal(cfg.enable_debug_cmd, 0);
    assert_string_equal(cfg.save_params, "3600 1 300 100 60 10000");
    assert_int_equal(cfg.saveparams_len, 3);
    assert_true(cfg.saveparams[2].seconds == 60 && cfg.saveparams[2].changes == 10000);
    assert_string_equal(cfg.notify_keyspace_events_str, "");
    assert_int_equal(cfg.latency_tracking_info_percentiles_len, 3);
    assert_int_equal(cfg.oom_score_adj_values[2], 800);
}

static void test_get_rendering(void **state) {
    (void)state;
    assert_value(&cfg, "client-output-buffer-limit",
                 "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    assert_value(&cfg, "save", "3600 1 300 100 60 10000");
    assert_value(&cfg, "bind", "* -::*");
    assert_value(&cfg, "unixsocketperm", "0");
    assert_value(&cfg, "maxmemory", "0");
    assert_value(&cfg, "proto-max-bulk-len", "536870912");
    assert_value(&cfg, "daemonize", "no");
    assert_value(&cfg, "maxmemory-policy", "noeviction");
    assert_value(&cfg, "loglevel", "notice");
    assert_value(&cfg, "latency-tracking-info-percentiles", "50 99 99.9");
    assert_value(&cfg, "oom-score-adj-values", "0 200 800");
    assert_value(&cfg, "replicaof", "");
    assert_value(&cfg, "slaveof", "");
    assert_value(&cfg, "hash-max-ziplist-entries", "512");
    assert_value(&cfg, "LUA-TIME-LIMIT", "5000");
    assert_value(&cfg, "requirepass", "");
    assert_value(&cfg, "appendfsync", "everysec");
    assert_value(&cfg, "syslog-facility", "local0");
    assert_value(&cfg, "shutdown-on-sigint", "default");
    assert_value(&cfg, "proc-title-template", "{title} {listen-addr} {server-mode}");
    assert_value(&cfg, "rdb-key-save-delay", "0");
    assert_null(config_get_value(&cfg, "no-such-directive"));

    /* 192 names visible to CONFIG GET *, as redis-server 7.0.15, plus 5 hidden */
    int n = 0, aliases = 0, is_alias;
    for (const char *name; (name = config_name_at(n, &is_alias)); n++) aliases += is_alias;
    assert_int_equal(n, 197 + TEST_TABLE_NAMES);
    assert_int_equal(aliases, 19 + 1);
}

/* ---- loading ---- */

static void test_options_text(void **state) {
    (void)state;
    config_load(&cfg, NULL,
                "# comment\n\n  PORT 7000\nbind 127.0.0.1 -::1\nmaxmemory 1gb\nmaxmemory-policy allkeys-lru\n"
                "save \"\"\nloglevel warning\nrequirepass \"s3cret\"\nunixsocketperm 700\n"
                "client-output-buffer-limit pubsub 1mb 2mb 30\nnotify-keyspace-events KEA\n"
                "hash-max-ziplist-entries 100\nslaveof 10.0.0.1 6380\nlua-time-limit 100\n"
                "hz 1000\nenable-debug-command local\nlatency-tracking-info-percentiles \"\"\n");
    assert_int_equal(cfg.port, 7000);
    assert_int_equal(cfg.bind_count, 2);
    assert_string_equal(cfg.bind[1], "-::1");
    assert_true(cfg.maxmemory == 1024ULL * 1024 * 1024);
    assert_int_equal(evict_cfg.policy, MAXMEMORY_ALLKEYS_LRU);
    assert_int_equal(cfg.saveparams_len, 0);
    assert_string_equal(cfg.save_params, "");
    assert_int_equal(cfg.verbosity, LL_WARNING);
    assert_string_equal(cfg.requirepass, "s3cret");
    assert_int_equal(cfg.unixsocketperm, 0700);
    assert_value(&cfg, "unixsocketperm", "700");
    assert_true(cfg.obuf_limits[CLIENT_TYPE_PUBSUB].hard == 1024 * 1024);
    assert_true(cfg.obuf_limits[CLIENT_TYPE_PUBSUB].soft_seconds == 30);
    assert_int_equal(cfg.notify_keyspace_events, NOTIFY_ALL | NOTIFY_KEYSPACE | NOTIFY_KEYEVENT);
    assert_string_equal(cfg.notify_keyspace_events_str, "AKE");
    assert_value(&cfg, "hash-max-listpack-entries", "100");
    assert_value(&cfg, "replicaof", "10.0.0.1 6380");
    assert_int_equal(cfg.busy_reply_threshold, 100);
    assert_int_equal(cfg.hz, CONFIG_MAX_HZ);
    assert_int_equal(cfg.enable_debug_cmd, 2);
    assert_value(&cfg, "latency-tracking-info-percentiles", "");
    config_report_unsupported();
}

static void test_save_lines(void **state) {
    (void)state;
    /* in a config file the first save line replaces the defaults, the next ones add */
    config_load(&cfg, NULL, "save 900 1\nsave 300 10\n");
    assert_string_equal(cfg.save_params, "900 1 300 10");
    assert_int_equal(cfg.saveparams_len, 2);
    /* one argument holding several values is split, as for --save "60 1 30 2" */
    config_load(&cfg, NULL, "save \"60 1 30 2\"\n");
    assert_string_equal(cfg.save_params, "900 1 300 10 60 1 30 2");
    /* CONFIG SET replaces */
    char err[256];
    assert_null(config_set(&cfg, "save", "100 5", err, sizeof(err)));
    assert_string_equal(cfg.save_params, "100 5");
    assert_null(config_set(&cfg, "save", "", err, sizeof(err)));
    assert_int_equal(cfg.saveparams_len, 0);
    assert_string_equal(config_set(&cfg, "save", "0 1", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
}

static void test_bind_lists(void **state) {
    (void)state;
    char err[256];
    assert_null(config_set(&cfg, "bind", "127.0.0.1 -::1 10.0.0.1", err, sizeof(err)));
    assert_int_equal(cfg.bind_count, 3);
    assert_string_equal(cfg.bind[2], "10.0.0.1");
    assert_value(&cfg, "bind", "127.0.0.1 -::1 10.0.0.1");
    assert_null(config_set(&cfg, "bind", "", err, sizeof(err)));
    assert_int_equal(cfg.bind_count, 0);
    assert_value(&cfg, "bind", "");
    assert_string_equal(config_set(&cfg, "bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'bind') - Too many bind addresses specified.");
    assert_int_equal(cfg.bind_count, 0);
    config_load(&cfg, NULL, "bind 192.168.1.1 ::1");
    assert_int_equal(cfg.bind_count, 2);
    assert_string_equal(cfg.bind[0], "192.168.1.1");
    config_load(&cfg, NULL, "bind \"127.0.0.1 ::1\"");
    assert_int_equal(cfg.bind_count, 2);
    assert_string_equal(cfg.bind[1], "::1");
}

static void test_load_errors(void **state) {
    (void)state;
    assert_load_error("port \"abc\" ", "port \"abc\"", 2, "argument couldn't be parsed into an integer");
    assert_load_error("port 70000", "port 70000", 2, "argument must be between 0 and 65535 inclusive");
    assert_load_error("daemonize maybe", "daemonize maybe", 2, "argument must be 'yes' or 'no'");
    assert_load_error("loglevel foo", "loglevel foo", 2,
                      "argument(s) must be one of the following: debug, verbose, notice, warning");
    assert_load_error("foo bar", "foo bar", 2, "Bad directive or wrong number of arguments");
    assert_load_error("port ", "port", 2, "wrong number of arguments");
    assert_load_error("port 1 2", "port 1 2", 2, "wrong number of arguments");
    assert_load_error("save 10", "save 10", 2, "Invalid save parameters");
    assert_load_error("maxmemory 1x", "maxmemory 1x", 2, "argument must be a memory value");
    assert_load_error("unixsocketperm 999", "unixsocketperm 999", 2, "argument couldn't be parsed as an octal number");
    assert_load_error("unixsocketperm 1777", "unixsocketperm 1777", 2, "argument must be between 0 and 777 inclusive");
    assert_load_error("maxclients 0", "maxclients 0", 2, "argument must be between 1 and 4294967295 inclusive");
    assert_load_error("client-output-buffer-limit foo 1 2 3", "client-output-buffer-limit foo 1 2 3", 2,
                      "Invalid client class specified in buffer limit configuration.");
    assert_load_error("notify-keyspace-events Q", "notify-keyspace-events Q", 2,
                      "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    assert_load_error("maxmemory-clients 200%", "maxmemory-clients 200%", 2,
                      "percentage argument must be less or equal to 100");
    assert_load_error("dir /nonexistent/dir", "dir /nonexistent/dir", 2, "No such file or directory");
    assert_load_error("replicaof a b", "replicaof a b", 2, "Invalid master port");
    assert_load_error("dbfilename a/b", "dbfilename a/b", 2, "dbfilename can't be a path, just a filename");
    assert_load_error("a.b", "a.b", 2, "Module config specified without value");
    assert_load_error("sentinel monitor x", "sentinel monitor x", 2, "sentinel directive while not in sentinel mode");
    assert_load_error("port \"abc", "port \"abc", 2, "Unbalanced quotes in configuration line");
    assert_load_error("\n\nhz 10\nport -1", "port -1", 5, "argument must be between 0 and 65535 inclusive");
    assert_load_error("logfile /nonexistent/dir/log", NULL, 0, "Can't open the log file: No such file or directory");

    int code;
    Sds out = load_in_child("/nonexistent.conf", NULL, &code);
    assert_int_equal(code, 1);
    assert_non_null(strstr(out, "Fatal error, can't open config file '/nonexistent.conf': No such file or directory"));
    sds_free(out);
    /* deprecated directives and known-but-unimplemented ones are accepted */
    out = load_in_child(NULL, "list-max-ziplist-entries 5\nappendfsync always\nrename-command FOO BAR\n", &code);
    assert_int_equal(code, 0);
    sds_free(out);
}

static void test_include_and_file(void **state) {
    (void)state;
    char inc[64];
    strcpy(inc, write_temp("timeout 7\nmaxmemory 2mb\n"));
    Sds main_text = sds_catprintf(sds_empty(), "# main\nport 7001\ninclude %s\nmaxmemory 3mb\n", inc);
    char *path = write_temp(main_text);
    char mainpath[64];
    strcpy(mainpath, path);
    config_load(&cfg, mainpath, "port 7002");
    assert_int_equal(cfg.port, 7002);
    assert_int_equal(cfg.maxidletime, 7);
    assert_true(cfg.maxmemory == 3 * 1024 * 1024);
    assert_string_equal(cfg.configfile, mainpath);
    unlink(inc);
    unlink(mainpath);
    sds_free(main_text);
}

static void test_debian_conf(void **state) {
    (void)state;
    if (access("/etc/redis/redis.conf", R_OK) != 0) skip();
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    /* the packaged file as is, with the log file and dir moved out of the system paths */
    config_load(&cfg, "/etc/redis/redis.conf", "logfile \"\"\ndir /tmp");
    assert_int_equal(cfg.daemonize, 1);
    assert_string_equal(cfg.pidfile, "/run/redis/redis-server.pid");
    assert_int_equal(cfg.bind_count, 2);
    assert_string_equal(cfg.bind[0], "127.0.0.1");
    assert_int_equal(cfg.port, 6379);
    assert_string_equal(cfg.dir, "/tmp");
    assert_value(&cfg, "client-output-buffer-limit",
                 "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    config_report_unsupported();
    assert_int_equal(chdir(cwd), 0);
}

/* ---- command line ---- */

static void test_args_to_options(void **state) {
    (void)state;
    const char *file;
    char *a1[] = {"vesper-server", "--port", "7000", "--save", "--bind", "127.0.0.1", "::1"};
    Sds o = args_options(7, a1, &file);
    assert_null(file);
    assert_string_equal(o, "port \"7000\" \nsave \"\"\nbind \"127.0.0.1\" \"::1\" ");
    sds_free(o);

    char *a2[] = {"vesper-server", "/etc/x.conf", "--maxmemory 700mb", "--loglevel", "verbose", "--save"};
    o = args_options(6, a2, &file);
    assert_string_equal(file, "/etc/x.conf");
    assert_string_equal(o, "maxmemory 700mb \nloglevel \"verbose\" \nsave \"\"");
    sds_free(o);

    char *a3[] = {"vesper-server", "--port", "--loglevel", "verbose"};
    o = args_options(4, a3, &file);
    assert_string_equal(o, "port \"--loglevel\" \"verbose\" ");
    sds_free(o);

    char *a4[] = {"vesper-server", "-"};
    o = args_options(2, a4, &file);
    assert_string_equal(file, "-");
    assert_string_equal(o, "");
    sds_free(o);

    char *a5[] = {"vesper-server", "--save", "", "--proc-title-template", "--save"};
    o = args_options(5, a5, &file);
    assert_string_equal(o, "save \"\" \nproc-title-template \"--save\" ");
    sds_free(o);

    /* and the result loads */
    char *a6[] = {"vesper-server", "--port", "7005", "--save", "900", "1", "--maxmemory", "1mb"};
    o = args_options(8, a6, &file);
    config_load(&cfg, NULL, o);
    assert_int_equal(cfg.port, 7005);
    assert_string_equal(cfg.save_params, "900 1");
    assert_true(cfg.maxmemory == 1024 * 1024);
    sds_free(o);
}

/* ---- CONFIG SET ---- */

static void test_set_errors(void **state) {
    (void)state;
    char err[256];
    assert_string_equal(config_set(&cfg, "port", "abc", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer");
    assert_string_equal(config_set(&cfg, "daemonize", "yes", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config");
    assert_string_equal(config_set(&cfg, "nosuch", "1", err, sizeof(err)),
                        "Unknown option or number of arguments for CONFIG SET - 'nosuch'");
    assert_string_equal(config_set(&cfg, "Slave-Priority", "x", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer");
    assert_string_equal(config_set(&cfg, "maxmemory-policy", "bad", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be "
                        "one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, "
                        "allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
    assert_string_equal(config_set(&cfg, "hash-max-ziplist-entries", "-1", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - argument must be "
                        "between 0 and 9223372036854775807 inclusive");
    /* (activedefrag belongs to the defrag module now; its refusal without jemalloc is
     * checked by tests/integration/test_defrag.py) */
    assert_string_equal(config_set(&cfg, "shutdown-on-sigint", "save nosave", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE "
                        "and NOSAVE can't be used simultaneously");
    assert_string_equal(config_set(&cfg, "proc-title-template", "{title}", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is "
                        "invalid or contains unknown variables");
    /* good values and canonical renderings */
    assert_null(config_set(&cfg, "maxmemory", "100mb", err, sizeof(err)));
    assert_value(&cfg, "maxmemory", "104857600");
    assert_null(config_set(&cfg, "maxmemory-clients", "10%", err, sizeof(err)));
    assert_value(&cfg, "maxmemory-clients", "10%");
    assert_null(config_set(&cfg, "notify-keyspace-events", "gKx$lhz", err, sizeof(err)));
    assert_value(&cfg, "notify-keyspace-events", "g$lhzxK");
    assert_string_equal(cfg.notify_keyspace_events_str, "g$lhzxK");
    assert_null(config_set(&cfg, "shutdown-on-sigint", "now save", err, sizeof(err)));
    assert_value(&cfg, "shutdown-on-sigint", "save now");
    assert_null(config_set(&cfg, "oom-score-adj", "relative", err, sizeof(err)));
    assert_value(&cfg, "oom-score-adj", "yes");
    assert_null(config_set(&cfg, "client-output-buffer-limit", "NORMAL 1k 2kb 3", err, sizeof(err)));
    assert_value(&cfg, "client-output-buffer-limit",
                 "normal 1000 2048 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    assert_null(config_set(&cfg, "requirepass", "pw", err, sizeof(err)));
    assert_string_equal(cfg.requirepass, "pw");
    assert_null(config_set(&cfg, "requirepass", "", err, sizeof(err)));
    assert_null(cfg.requirepass);
    assert_null(config_set(&cfg, "hz", "0", err, sizeof(err)));
    assert_int_equal(cfg.hz, 1);
    assert_null(config_set(&cfg, "latency-tracking-info-percentiles", "50.5 99", err, sizeof(err)));
    assert_value(&cfg, "latency-tracking-info-percentiles", "50.5 99");
    assert_null(config_set(&cfg, "appendfsync", "always", err, sizeof(err)));
    assert_value(&cfg, "appendfsync", "always");
}

static int hook_calls;
static int failing_hook(const char **err) {
    hook_calls++;
    *err = "Unable to listen on this port. Check server logs.";
    return 0;
}
static int counting_hook(const char **err) {
    (void)err;
    hook_calls++;
    return 1;
}

static void test_config_command(void **state) {
    (void)state;
    config_free(&server.cfg);
    config_init_defaults(&server.cfg);
    db_init_all(16);
    assert_reply(run_config(3, "config", "get", "port"), "*2\r\n$4\r\nport\r\n$4\r\n6379\r\n");
    assert_reply(run_config(3, "config", "get", "Port"), "*2\r\n$4\r\nPort\r\n$4\r\n6379\r\n");
    assert_reply(run_config(4, "config", "get", "PORT", "port*"), "*2\r\n$4\r\nPORT\r\n$4\r\n6379\r\n");
    assert_reply(run_config(3, "config", "get", "*slaveof*"), "*2\r\n$7\r\nslaveof\r\n$0\r\n\r\n");
    assert_reply(run_config(3, "config", "get", "nosuch"), "*0\r\n");
    assert_reply(run_config(3, "config", "get", "rdb-key*"), "*0\r\n");
    assert_reply(run_config(3, "config", "get", "rdb-key-save-delay"), "*2\r\n$18\r\nrdb-key-save-delay\r\n$1\r\n0\r\n");
    /* several patterns, no duplicates, name and alias both */
    Sds r = run_config(5, "config", "get", "maxmemory", "maxmemory*", "*of");
    assert_non_null(strstr(r, "$7\r\nslaveof\r\n"));
    assert_non_null(strstr(r, "$9\r\nreplicaof\r\n"));
    assert_int_equal(strncmp(r, "*14\r\n", 5), 0);
    sds_free(r);

    assert_reply(run_config(5, "config", "set", "port", "1", "hz"), "-ERR syntax error\r\n");
    assert_reply(run_config(3, "config", "set", "port"), "-ERR wrong number of arguments for 'config|set' command\r\n");
    assert_reply(run_config(6, "config", "set", "maxmemory", "1", "maxmemory", "2"),
                 "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter\r\n");
    assert_reply(run_config(6, "config", "set", "slave-priority", "1", "replica-priority", "2"), "+OK\r\n");
    assert_reply(run_config(6, "config", "set", "foo", "1", "daemonize", "yes"),
                 "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n");
    assert_reply(run_config(6, "config", "set", "daemonize", "yes", "foo", "1"),
                 "-ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config\r\n");
    assert_reply(run_config(4, "config", "set", "dir", "/tmp"),
                 "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n");

    /* all or nothing: a set error rolls back the earlier pairs */
    assert_reply(run_config(4, "config", "set", "maxmemory", "10000002"), "+OK\r\n");
    assert_reply(run_config(8, "config", "set", "maxmemory", "10000001", "maxmemory-clients", "200%",
                            "client-query-buffer-limit", "invalid"),
                 "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument "
                 "must be less or equal to 100\r\n");
    assert_true(server.cfg.maxmemory == 10000002);

    /* an apply failure rolls back everything, and re-applies the old values */
    hook_calls = 0;
    assert_int_equal(config_register_apply("timeout", counting_hook), 1);
    assert_int_equal(config_register_apply("port", failing_hook), 1);
    assert_reply(run_config(8, "config", "set", "timeout", "30", "port", "7777", "save", "10 1"),
                 "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. "
                 "Check server logs.\r\n");
    assert_int_equal(server.cfg.port, 6379);
    assert_int_equal(server.cfg.maxidletime, 0);
    assert_string_equal(server.cfg.save_params, "3600 1 300 100 60 10000");
    assert_int_equal(hook_calls, 4);  /* timeout, port, then both again on restore */
    /* unchanged values do not run hooks */
    hook_calls = 0;
    assert_reply(run_config(4, "config", "set", "port", "6379"), "+OK\r\n");
    assert_int_equal(hook_calls, 0);
    config_register_apply("port", NULL);
    config_register_apply("timeout", NULL);

    assert_reply(run_config(2, "config", "rewrite"), "-ERR The server is running without a config file\r\n");
    assert_reply(run_config(3, "config", "nosuch", "x"), "-ERR unknown subcommand 'nosuch'. Try CONFIG HELP.\r\n");
    assert_reply(run_config(2, "config", "get"), "-ERR wrong number of arguments for 'config|get' command\r\n");
}

/* ---- CONFIG REWRITE ---- */

static void test_rewrite(void **state) {
    (void)state;
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    char *p = write_temp("# my comment\nport 7101\nsave 900 1\nsave 300 10\nmaxmemory 1mb\nslave-priority 50\n"
                         "\n\n\nhz 20\nbogus-directive 1\nrename-command FOO BAR\n");
    char path[64];
    strcpy(path, p);
    /* load it as the server would (bogus-directive would be fatal, so skip it) */
    config_load(&cfg, NULL, "port 7101\nsave 900 1\nsave 300 10\nmaxmemory 1mb\nslave-priority 50\nhz 20\ndir /tmp");
    char err[256];
    assert_null(config_set(&cfg, "maxmemory", "2mb", err, sizeof(err)));
    assert_null(config_set(&cfg, "save", "", err, sizeof(err)));
    assert_null(config_set(&cfg, "notify-keyspace-events", "KEA", err, sizeof(err)));
    assert_null(config_set(&cfg, "client-output-buffer-limit", "pubsub 1mb 2mb 30", err, sizeof(err)));
    assert_null(config_set(&cfg, "requirepass", "foo bar", err, sizeof(err)));
    assert_int_equal(config_rewrite(&cfg, path, 0), 0);
    Sds got = read_file(path);
    assert_string_equal(got,
                        "# my comment\nport 7101\nsave \"\"\n\nmaxmemory 2mb\nreplica-priority 50\n\nhz 20\n"
                        "# ??? bogus-directive 1\nrename-command FOO BAR\n\n"
                        "# Generated by CONFIG REWRITE\n"
                        "requirepass \"foo bar\"\n"
                        "dir \"/tmp\"\n"
                        "client-output-buffer-limit pubsub 1mb 2mb 30\n"
                        "notify-keyspace-events \"AKE\"\n"
                        "latency-tracking-info-percentiles 50 99 99.9\n");
    sds_free(got);
    /* the rewritten file loads back to the same values */
    Config again;
    config_init_defaults(&again);
    config_load(&again, path, NULL);
    const char *names[] = {"port", "save", "maxmemory", "replica-priority", "hz", "requirepass",
                           "notify-keyspace-events", "client-output-buffer-limit", NULL};
    for (int i = 0; names[i]; i++) {
        char *a = config_get_value(&cfg, names[i]), *b = config_get_value(&again, names[i]);
        assert_string_equal(a, b);
        sds_free(a);
        sds_free(b);
    }
    config_free(&again);
    config_report_unsupported();
    /* force-all writes every directive and the result loads */
    assert_int_equal(config_rewrite(&cfg, path, 1), 0);
    int code;
    Sds out = load_in_child(path, NULL, &code);
    assert_int_equal(code, 0);
    sds_free(out);
    unlink(path);
    assert_int_equal(chdir(cwd), 0);
}

/* ---- a subsystem's own table ---- */

static void test_table_defaults_and_load(void **state) {
    (void)state;
    /* config_init_defaults (in setup) wrote the table's defaults into its variables */
    assert_int_equal(t_flag, 1);
    assert_true(t_mem == 1024);
    assert_int_equal(t_mode, 2);
    assert_string_equal(t_name, "anon");
    assert_true(t_pair.a == 1 && t_pair.b == 2);
    assert_value(&cfg, "test-flag-alias", "yes");
    assert_value(&cfg, "test-mode", "safe");
    assert_value(&cfg, "test-pair", "1 2");
    /* the config file and --name value reach them like any directive */
    config_load(&cfg, NULL, "test-flag-alias no\nTEST-MEM 2gb\ntest-mode fast\ntest-name \"a b\"\n"
                            "test-pair 7 8\nport 7010");
    assert_int_equal(t_flag, 0);
    assert_true(t_mem == 2LL * 1024 * 1024 * 1024);
    assert_int_equal(t_mode, 1);
    assert_string_equal(t_name, "a b");
    assert_true(t_pair.a == 7 && t_pair.b == 8);
    assert_int_equal(cfg.port, 7010);
    char *a6[] = {"vesper-server", "--test-pair", "3", "4", "--test-mem", "1k"};
    const char *file;
    Sds o = config_args_to_options(6, a6, &file);
    config_load(&cfg, NULL, o);
    sds_free(o);
    assert_true(t_pair.a == 3 && t_pair.b == 4 && t_mem == 1000);
    assert_load_error("test-mode slow", "test-mode slow", 2,
                      "argument(s) must be one of the following: off, fast, safe");
    assert_load_error("test-mem -1", "test-mem -1", 2, "argument must be a memory value");
    assert_load_error("test-pair 1", "test-pair 1", 2, "test-pair needs two integers");
    assert_load_error("test-flag", "test-flag", 2, "wrong number of arguments");
}

static void test_table_config_set(void **state) {
    (void)state;
    config_free(&server.cfg);
    config_init_defaults(&server.cfg);
    char err[256];
    assert_null(config_set(&cfg, "test-mem", "8589934591gb", err, sizeof(err)));
    assert_true(t_mem == 9223372035781033984LL);
    assert_string_equal(config_set(&cfg, "test-mem", "8589934592gb", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'test-mem') - argument must be between 0 "
                        "and 9223372036854775807 inclusive");
    assert_string_equal(config_set(&cfg, "test-imm", "4", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'test-imm') - can't set immutable config");
    /* hooks run for changed values only, once each */
    t_apply_calls = 0;
    assert_reply(run_config(8, "config", "set", "test-flag", "no", "test-mem", "5mb", "test-pair", "5 6"), "+OK\r\n");
    assert_int_equal(t_apply_calls, 1);  /* one hook shared by three directives */
    t_apply_calls = 0;
    assert_reply(run_config(4, "config", "set", "test-pair", "5 6"), "+OK\r\n");
    assert_int_equal(t_apply_calls, 0);
    /* a bad value in a later pair rolls the test variables back, no hook runs */
    assert_reply(run_config(10, "config", "set", "test-flag", "yes", "test-name", "x", "maxmemory", "1mb",
                            "test-mode", "slow"),
                 "-ERR CONFIG SET failed (possibly related to argument 'test-mode') - argument(s) must be one of the "
                 "following: off, fast, safe\r\n");
    assert_int_equal(t_flag, 0);
    assert_string_equal(t_name, "anon");
    assert_true(server.cfg.maxmemory == 0);
    assert_int_equal(t_apply_calls, 0);
    /* a failing apply hook rolls everything back and runs the hooks again */
    t_apply_fail = 1;
    assert_reply(run_config(10, "config", "set", "test-flag-alias", "yes", "test-mem", "1gb", "test-pair", "9 9",
                            "timeout", "5"),
                 "-ERR CONFIG SET failed (possibly related to argument 'test-flag-alias') - test apply refused\r\n");
    t_apply_fail = 0;
    assert_int_equal(t_flag, 0);
    assert_true(t_mem == 5 * 1024 * 1024);
    assert_true(t_pair.a == 5 && t_pair.b == 6);
    assert_int_equal(server.cfg.maxidletime, 0);
    assert_int_equal(t_apply_calls, 2);  /* the failed apply, then the one after restoring */
    assert_reply(run_config(4, "config", "set", "test-pair", "1"),
                 "-ERR CONFIG SET failed (possibly related to argument 'test-pair') - test-pair needs two integers\r\n");
}

static void test_table_get_and_rewrite(void **state) {
    (void)state;
    config_free(&server.cfg);
    config_init_defaults(&server.cfg);
    assert_reply(run_config(3, "config", "get", "test-mo*"), "*2\r\n$9\r\ntest-mode\r\n$4\r\nsafe\r\n");
    Sds r = run_config(3, "config", "get", "test-*");
    assert_int_equal(strncmp(r, "*14\r\n", 5), 0);  /* 6 names and the alias, value each */
    assert_non_null(strstr(r, "$15\r\ntest-flag-alias\r\n$3\r\nyes\r\n"));
    sds_free(r);
    int found = 0, is_alias;
    for (int i = 0; config_name_at(i, &is_alias); i++) found += !strcmp(config_name_at(i, NULL), "test-pair");
    assert_int_equal(found, 1);

    char *p = write_temp("# mine\ntest-mem 4mb\ntest-mode safe\nport 7000\n");
    char path[64];
    strcpy(path, p);
    config_load(&cfg, path, NULL);
    char err[256];
    assert_null(config_set(&cfg, "test-mem", "2kb", err, sizeof(err)));
    assert_null(config_set(&cfg, "test-name", "x \"y\"", err, sizeof(err)));
    assert_null(config_set(&cfg, "test-pair", "-1 9223372036854775807", err, sizeof(err)));
    assert_int_equal(config_rewrite(&cfg, path, 0), 0);
    Sds got = read_file(path);
    const char *head = "# mine\ntest-mem 2kb\ntest-mode safe\nport 7000\n\n# Generated by CONFIG REWRITE\n";
    const char *tail = "test-name \"x \\\"y\\\"\"\ntest-pair \"-1\" \"9223372036854775807\"\n";
    assert_int_equal(strncmp(got, head, strlen(head)), 0);
    assert_string_equal(got + sds_len(got) - strlen(tail), tail);
    assert_null(strstr(got, "test-flag"));
    sds_free(got);
    /* loads back to the same values */
    config_free(&cfg);
    config_init_defaults(&cfg);
    assert_true(t_mem == 1024);
    config_load(&cfg, path, NULL);
    assert_true(t_mem == 2048 && t_pair.a == -1 && t_pair.b == LLONG_MAX);
    assert_string_equal(t_name, "x \"y\"");
    assert_int_equal(t_mode, 2);
    unlink(path);
}

/* Runs fn in a child with stdout and stderr captured; returns the output. */
static Sds in_child(void (*fn)(void), int *code, int *sig) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        fn();
        fflush(NULL);
        _exit(0);
    }
    close(fds[1]);
    Sds out = sds_empty();
    char buf[1024];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0) out = sds_catlen(out, buf, (size_t)n);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    *sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return out;
}

static int dummy_int;
static long long dummy_ll;
static ConfigDef dup_name_table[] = {CONFIG_BOOL("PORT", NULL, 0, dummy_int, 0), {0}};
static ConfigDef dup_alias_table[] = {CONFIG_BOOL("fresh-name", "Test-Flag-Alias", 0, dummy_int, 0), {0}};
static ConfigDef dup_inner_table[] = {
    CONFIG_BOOL("fresh-a", NULL, 0, dummy_int, 0), CONFIG_NUM("fresh-b", "fresh-a", 0, 0, dummy_ll, 0, 1, 0), {0}};
static ConfigDef misfit_table[] = {CONFIG_NUM("fresh-int", NULL, 0, 0, dummy_int, 0, LLONG_MAX, 0), {0}};
static ConfigDef late_table[] = {CONFIG_BOOL("fresh-late", NULL, 0, dummy_int, 0), {0}};
static void register_dup_name(void) { config_register_table(dup_name_table); }
static void register_dup_alias(void) { config_register_table(dup_alias_table); }
static void register_dup_inner(void) { config_register_table(dup_inner_table); }
static void register_misfit(void) { config_register_table(misfit_table); }
static void register_late(void) { config_register_table(late_table); }

static void assert_aborts(void (*fn)(void), const char *message) {
    int code, sig;
    Sds out = in_child(fn, &code, &sig);
    assert_int_equal(sig, SIGABRT);
    if (!strstr(out, message)) fail_msg("expected '%s' in '%s'", message, out);
    sds_free(out);
}

static void test_register_errors(void **state) {
    (void)state;
    assert_aborts(register_dup_name, "Config table error: directive 'PORT' registered twice (already known as 'port')");
    assert_aborts(register_dup_alias,
                  "directive 'Test-Flag-Alias' registered twice (already known as 'test-flag')");
    assert_aborts(register_dup_inner, "directive 'fresh-a' registered twice (already known as 'fresh-a')");
    assert_aborts(register_misfit, "'fresh-int': bounds do not fit its variable");
    assert_aborts(register_late, "table of 'fresh-late' registered after config_init_defaults");
    assert_null(config_get_value(&cfg, "fresh-late"));
}

/* ---- NUL bytes are refused like any bad value ---- */

#define SET_FAILED(name) "-ERR CONFIG SET failed (possibly related to argument '" name "') - "

static void assert_set_bin(const char *name, const char *value, size_t len, const char *expected) {
    Sds got = config_set_bin(name, value, len);
    if (strcmp(got, expected)) fail_msg("CONFIG SET %s: got '%s', expected '%s'", name, got, expected);
    sds_free(got);
}

static void test_nul_config_set(void **state) {
    (void)state;
    config_free(&server.cfg);
    config_init_defaults(&server.cfg);
    assert_set_bin("hz", "10\0x", 4, SET_FAILED("hz") "argument couldn't be parsed into an integer\r\n");
    assert_set_bin("client-output-buffer-limit", "normal 1 2 3\0 garbage", 22,
                   SET_FAILED("client-output-buffer-limit") "Wrong number of arguments in buffer limit configuration.\r\n");
    assert_set_bin("client-output-buffer-limit", "normal 1 2 3\0", 13,
                   SET_FAILED("client-output-buffer-limit")
                   "Error in hard, soft or soft_seconds setting in buffer limit configuration.\r\n");
    assert_set_bin("client-output-buffer-limit", "normal\0 1 2 3", 13,
                   SET_FAILED("client-output-buffer-limit")
                   "Invalid client class specified in buffer limit configuration.\r\n");
    assert_set_bin("activerehashing", "no\0x", 4, SET_FAILED("activerehashing") "argument must be 'yes' or 'no'\r\n");
    assert_set_bin("maxmemory-policy", "allkeys-lru\0", 12,
                   SET_FAILED("maxmemory-policy") "argument(s) must be one of the following: volatile-lru, "
                   "volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
                   "noeviction\r\n");
    assert_set_bin("maxmemory", "1mb\0x", 5, SET_FAILED("maxmemory") "argument must be a memory value\r\n");
    assert_set_bin("maxmemory", "1\0mb", 4, SET_FAILED("maxmemory") "argument must be a memory value\r\n");
    assert_set_bin("maxmemory-clients", "10%\0", 4,
                   SET_FAILED("maxmemory-clients") "argument must be a memory or percent value\r\n");
    assert_set_bin("ignore-warnings", "ab\0c", 4, SET_FAILED("ignore-warnings") "argument must not contain NUL bytes\r\n");
    assert_set_bin("bind", "127.0.0.1\0 ::1", 14, SET_FAILED("bind") "argument must not contain NUL bytes\r\n");
    assert_set_bin("save", "100 1\0", 6, SET_FAILED("save") "Invalid save parameters\r\n");
    assert_set_bin("notify-keyspace-events", "K\0E", 3,
                   SET_FAILED("notify-keyspace-events") "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n");
    assert_set_bin("oom-score-adj-values", "0 200 800\0", 10,
                   SET_FAILED("oom-score-adj-values") "Invalid oom-score-adj-values, elements must be between -2000 "
                   "and 2000.\r\n");
    assert_set_bin("latency-tracking-info-percentiles", "50\0 99", 6,
                   SET_FAILED("latency-tracking-info-percentiles") "Invalid latency-tracking-info-percentiles "
                   "parameters\r\n");
    assert_set_bin("shutdown-on-sigint", "save\0 now", 9,
                   SET_FAILED("shutdown-on-sigint") "argument(s) must be one of the following: default, save, nosave, "
                   "now, force\r\n");
    assert_set_bin("test-name", "a\0b", 3, SET_FAILED("test-name") "argument must not contain NUL bytes\r\n");
    assert_set_bin("test-mem", "1\0", 2, SET_FAILED("test-mem") "argument must be a memory value\r\n");
    /* nothing changed */
    assert_int_equal(server.cfg.hz, 10);
    assert_true(server.cfg.maxmemory == 0);
    assert_string_equal(server.cfg.save_params, "3600 1 300 100 60 10000");
    assert_int_equal(server.cfg.bind_count, 2);
    assert_string_equal(t_name, "anon");
    /* passwords keep their NUL bytes, as in Redis */
    assert_set_bin("requirepass", "ab\0cd", 5, "+OK\r\n");
    assert_true(server.cfg.requirepass_len == 5 && !memcmp(server.cfg.requirepass, "ab\0cd", 5));
    assert_set_bin("masterauth", "ab\0cd", 5, "+OK\r\n");
    assert_reply(run_config(3, "config", "get", "masterauth"), "*2\r\n$10\r\nmasterauth\r\n$5\r\nab\0cd\r\n");
    /* a name with a NUL byte is no directive */
    const char *get[] = {"config", "get", "hz\0x"};
    size_t getlens[] = {6, 3, 4};
    assert_reply(run_config_argv(3, get, getlens), "*0\r\n");
    const char *set[] = {"config", "set", "hz\0x", "10"};
    size_t setlens[] = {6, 3, 4, 2};
    assert_reply(run_config_argv(4, set, setlens), "-ERR Unknown option or number of arguments for CONFIG SET - 'hz'\r\n");
    assert_set_bin("requirepass", "", 0, "+OK\r\n");
}

/* Loads text (binary) from a file in a child; returns stderr and the exit code. */
static Sds load_file_in_child(const char *text, size_t len, int *code) {
    static char path[64];
    strcpy(path, "/tmp/vesper-test-nul-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    Sds out = load_in_child(path, NULL, code);
    unlink(path);
    return out;
}

static void assert_file_error(const char *text, size_t len, const char *line, size_t linelen, const char *err) {
    int code;
    Sds out = load_file_in_child(text, len, &code);
    Sds expected = sds_new("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 1\n>>> '");
    expected = sds_catlen(expected, line, linelen);
    expected = sds_catprintf(expected, "'\n%s\n", err);
    assert_int_equal(code, 1);
    assert_int_equal(sds_len(out), sds_len(expected));
    assert_memory_equal(out, expected, sds_len(out));
    sds_free(out);
    sds_free(expected);
}

static void test_nul_config_file(void **state) {
    (void)state;
    /* written as \x00 inside quotes */
    assert_load_error("hz \"10\\x00x\"", "hz \"10\\x00x\"", 2, "argument couldn't be parsed into an integer");
    assert_load_error("client-output-buffer-limit \"normal 1 2 3\\x00 garbage\"",
                      "client-output-buffer-limit \"normal 1 2 3\\x00 garbage\"", 2,
                      "Wrong number of arguments in buffer limit configuration.");
    assert_load_error("daemonize \"no\\x00\"", "daemonize \"no\\x00\"", 2, "argument must be 'yes' or 'no'");
    assert_load_error("loglevel \"debug\\x00\"", "loglevel \"debug\\x00\"", 2,
                      "argument(s) must be one of the following: debug, verbose, notice, warning");
    assert_load_error("maxmemory \"1gb\\x00\"", "maxmemory \"1gb\\x00\"", 2, "argument must be a memory value");
    assert_load_error("dbfilename \"a\\x00.rdb\"", "dbfilename \"a\\x00.rdb\"", 2, "argument must not contain NUL bytes");
    assert_load_error("save \"100 1\\x00\"", "save \"100 1\\x00\"", 2, "Invalid save parameters");
    assert_load_error("save 100 \"1\\x00\"", "save 100 \"1\\x00\"", 2, "Invalid save parameters");
    assert_load_error("\"po\\x00rt\" 10", "\"po\\x00rt\" 10", 2, "Bad directive or wrong number of arguments");
    /* raw NUL bytes in the file: the line is refused, not cut at the NUL */
    assert_file_error("hz 10\0x\n", 8, "hz 10\0x", 7, "argument couldn't be parsed into an integer");
    assert_file_error("hz 10\0\n", 7, "hz 10\0", 6, "argument couldn't be parsed into an integer");
    assert_file_error("bind 1.2.3.4\0 ::1\n", 18, "bind 1.2.3.4\0 ::1", 17, "argument must not contain NUL bytes");
    assert_file_error("notify-keyspace-events K\0E\n", 27, "notify-keyspace-events K\0E", 26,
                      "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    /* and a NUL does not hide what follows it */
    int code;
    Sds out = load_file_in_child("# a comment \0 with a NUL\nport 70000\n", 36, &code);
    assert_int_equal(code, 1);
    assert_non_null(strstr(out, "at line 2"));
    sds_free(out);
    /* passwords keep them */
    config_load(&cfg, NULL, "requirepass \"a\\x00b\"\nmasterauth \"c\\x00d\"");
    assert_true(cfg.requirepass_len == 3 && !memcmp(cfg.requirepass, "a\0b", 3));
    char *v = config_get_value(&cfg, "masterauth");
    assert_true(sds_len(v) == 3 && !memcmp(v, "c\0d", 3));
    sds_free(v);
}

/* ---- numbers ---- */

static void test_wide_numbers(void **state) {
    (void)state;
    char err[256];
    /* Redis 7.0 stores both in 64 bits, up to LONG_MAX */
    assert_null(config_set(&cfg, "busy-reply-threshold", "9223372036854775807", err, sizeof(err)));
    assert_true(cfg.busy_reply_threshold == LLONG_MAX);
    assert_value(&cfg, "lua-time-limit", "9223372036854775807");
    assert_string_equal(config_set(&cfg, "lua-time-limit", "9223372036854775808", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'lua-time-limit') - argument couldn't be "
                        "parsed into an integer");
    assert_null(config_set(&cfg, "hll-sparse-max-bytes", "8gb", err, sizeof(err)));
    assert_true(cfg.hll_sparse_max_bytes == 8LL << 30);
    assert_value(&cfg, "hll-sparse-max-bytes", "8589934592");
    assert_string_equal(config_set(&cfg, "hll-sparse-max-bytes", "9223372036854775808", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'hll-sparse-max-bytes') - argument must be "
                        "between 0 and 9223372036854775807 inclusive");
    config_load(&cfg, NULL, "lua-time-limit 3000000000\nhll-sparse-max-bytes 9223372036854775807");
    assert_true(cfg.busy_reply_threshold == 3000000000LL);
    assert_true(cfg.hll_sparse_max_bytes == LLONG_MAX);
}

static void assert_set_error(const char *name, const char *value, const char *reason) {
    char err[256], expected[512];
    snprintf(expected, sizeof(expected), "CONFIG SET failed (possibly related to argument '%s') - %s", name, reason);
    const char *got = config_set(&cfg, name, value, err, sizeof(err));
    if (!got || strcmp(got, expected)) fail_msg("%s %s: got '%s'", name, value, got ? got : "OK");
}

/* Values at the edges of 64 bits: refused with the directive's error, never wrapped
 * around (Redis 7.0 wraps memory units and save/client-output-buffer-limit counts). */
static void test_overflow_inputs(void **state) {
    (void)state;
    char err[256];
    assert_null(config_set(&cfg, "maxmemory", "18446744073709551615", err, sizeof(err)));
    assert_true(cfg.maxmemory == ULLONG_MAX);
    assert_null(config_set(&cfg, "maxmemory", "17179869183gb", err, sizeof(err)));
    assert_true(cfg.maxmemory == 17179869183ULL << 30);
    assert_set_error("maxmemory", "18446744073709551616", "argument must be a memory value");
    assert_set_error("maxmemory", "17179869184gb", "argument must be a memory value");
    assert_set_error("maxmemory", "99999999999999999999999999k", "argument must be a memory value");
    assert_true(cfg.maxmemory == 17179869183ULL << 30);
    assert_set_error("proto-max-bulk-len", "18446744073709551615",
                     "argument must be between 1048576 and 9223372036854775807 inclusive");
    assert_set_error("maxmemory-clients", "9223372036854775807%", "percentage argument must be less or equal to 100");
    assert_set_error("maxmemory-clients", "9223372036854775808%", "argument must be a memory or percent value");
    assert_set_error("maxmemory-clients", "-9223372036854775808%", "argument must be a memory or percent value");
    assert_set_error("slowlog-log-slower-than", "-9223372036854775808",
                     "argument must be between -1 and 9223372036854775807 inclusive");
    assert_set_error("hash-max-listpack-entries", "-9223372036854775808",
                     "argument must be between 0 and 9223372036854775807 inclusive");
    assert_set_error("maxclients", "-1", "argument must be between 1 and 4294967295 inclusive");
    assert_set_error("maxclients", "18446744073709551615", "argument couldn't be parsed into an integer");
    assert_set_error("list-max-listpack-size", "-9223372036854775808",
                     "argument must be between -2147483648 and 2147483647 inclusive");
    assert_set_error("hz", "9223372036854775807", "argument must be between 0 and 2147483647 inclusive");
    const char *obuf = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    assert_set_error("client-output-buffer-limit", "normal 99999999999gb 1 1", obuf);
    assert_set_error("client-output-buffer-limit", "normal 1 1 4294967296", obuf);
    assert_set_error("client-output-buffer-limit", "normal 1 1 -9223372036854775808", obuf);
    assert_set_error("client-output-buffer-limit", "normal 1 1 99999999999999999999", obuf);
    assert_null(config_set(&cfg, "client-output-buffer-limit", "normal 18446744073709551615 16gb 2147483647", err,
                           sizeof(err)));
    assert_value(&cfg, "client-output-buffer-limit", "normal 18446744073709551615 17179869184 2147483647 "
                 "slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    assert_set_error("save", "99999999999999999999 1", "Invalid save parameters");
    assert_set_error("save", "100 2147483648", "Invalid save parameters");
    assert_set_error("save", "100 -9223372036854775808", "Invalid save parameters");
    assert_null(config_set(&cfg, "save", "9223372036854775807 2147483647", err, sizeof(err)));
    assert_value(&cfg, "save", "9223372036854775807 2147483647");
    assert_set_error("oom-score-adj-values", "99999999999999999999 0 0",
                     "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
    assert_set_error("replicaof", "h 99999999999999999999", "can't set immutable config");
    assert_load_error("replicaof h 99999999999999999999", "replicaof h 99999999999999999999", 2, "Invalid master port");
    assert_load_error("unixsocketperm 7777777777777777777777777", "unixsocketperm 7777777777777777777777777", 2,
                      "argument couldn't be parsed as an octal number");
    assert_null(config_set(&cfg, "test-mem", "9223372036854775807", err, sizeof(err)));
    assert_value(&cfg, "test-mem", "9223372036854775807");
    /* and CONFIG REWRITE writes them back loadable (maxmemory was "-1" before) */
    char *p = write_temp("");
    char path[64];
    strcpy(path, p);
    assert_int_equal(config_rewrite(&cfg, path, 0), 0);
    Sds got = read_file(path);
    assert_non_null(strstr(got, "\nmaxmemory 17179869183gb\n"));
    assert_non_null(strstr(got, "\nsave 9223372036854775807 2147483647\n"));
    assert_non_null(strstr(got, "client-output-buffer-limit normal 18446744073709551615 16gb 2147483647\n"));
    sds_free(got);
    assert_null(config_set(&cfg, "maxmemory", "18446744073709551615", err, sizeof(err)));
    assert_int_equal(config_rewrite(&cfg, path, 0), 0);
    got = read_file(path);
    assert_non_null(strstr(got, "\nmaxmemory 18446744073709551615\n"));
    sds_free(got);
    Config again;
    config_init_defaults(&again);
    config_load(&again, path, NULL);
    assert_true(again.maxmemory == ULLONG_MAX);
    assert_true(t_mem == LLONG_MAX);
    config_free(&again);
    unlink(path);
}

/* ---- start-up warnings of unimplemented directives ---- */

static const char *report_options;
static void load_and_report(void) {
    Config c;
    config_init_defaults(&c);
    config_load(&c, NULL, report_options);
    config_report_unsupported();
}

static Sds report_for(const char *options) {
    int code, sig;
    config_report_unsupported();  /* what earlier tests left */
    report_options = options;
    Sds out = in_child(load_and_report, &code, &sig);
    assert_int_equal(code, 0);
    return out;
}

static void test_persist_warnings(void **state) {
    (void)state;
    /* RDB and AOF are implemented: none of their directives is warned about */
    Sds out = report_for("save \"\"\nappendonly yes\nappendfsync always\nrdbcompression no\n"
                         "auto-aof-rewrite-min-size 1mb\naof-use-rdb-preamble no\ndir /tmp");
    assert_null(strstr(out, "needs the append only file"));
    assert_null(strstr(out, "not implemented yet by Vesper"));
    sds_free(out);
    /* the unimplemented ones still get theirs */
    out = report_for("save \"\"\nrepl-diskless-sync yes");
    assert_non_null(strstr(out, "Directive 'repl-diskless-sync' is not implemented yet by Vesper; ignoring"));
    sds_free(out);
}

int main(void) {
    modules_register(NULL); /* every subsystem's directives, as the server has them */
    config_register_table(test_table);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_rendering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_options_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_include_and_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_debian_conf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_args_to_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_defaults_and_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_config_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_get_and_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nul_config_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nul_config_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wide_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overflow_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persist_warnings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
