/* test_config.c - unit tests of the configuration table (src/core/config.c):
 * defaults, config text and command-line parsing, validation errors (the FATAL
 * report, checked in a child process), CONFIG GET rendering, CONFIG SET's
 * all-or-nothing behaviour and CONFIG REWRITE. Expected texts come from
 * redis-server 7.0.15. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "core/config.h"
#include "core/server.h"
#include "core/client.h"
#include "core/db.h"
#include "base/alloc.h"
#include "base/sds.h"

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

/* Runs a CONFIG command on a fake client against server.cfg; returns the reply bytes. */
static Sds run_config(int argc, ...) {
    Client *c = client_create(NULL, 0);
    va_list ap;
    va_start(ap, argc);
    c->argv = vmalloc(sizeof(Obj *) * (size_t)argc);
    for (int i = 0; i < argc; i++) {
        const char *a = va_arg(ap, const char *);
        c->argv[i] = obj_string(a, strlen(a));
    }
    va_end(ap);
    c->argc = argc;
    config_command(c);
    Sds out = sds_newlen(c->buf, c->bufpos);
    for (ReplyBlock *b = c->reply_head; b; b = b->next) out = sds_catlen(out, b->buf, b->used);
    client_free(c);
    return out;
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
    assert_string_equal(cfg.dbfilename, "dump.rdb");
    assert_string_equal(cfg.appendfilename, "appendonly.aof");
    assert_string_equal(cfg.appenddirname, "appendonlydir");
    assert_string_equal(cfg.syslog_ident, "redis");
    assert_int_equal(cfg.verbosity, LL_NOTICE);
    assert_int_equal(cfg.maxmemory_policy, MAXMEMORY_NO_EVICTION);
    assert_true(cfg.maxmemory == 0);
    assert_int_equal(cfg.maxmemory_samples, 5);
    assert_true(cfg.proto_max_bulk_len == 512LL * 1024 * 1024);
    assert_true(cfg.client_max_querybuf_len == 1024LL * 1024 * 1024);
    assert_true(cfg.obuf_limits[CLIENT_TYPE_REPLICA].hard == 256ULL * 1024 * 1024);
    assert_true(cfg.obuf_limits[CLIENT_TYPE_PUBSUB].soft == 8ULL * 1024 * 1024);
    assert_int_equal(cfg.list_max_listpack_size, -2);
    assert_true(cfg.hash_max_listpack_entries == 512);
    assert_true(cfg.zset_max_listpack_value == 64);
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
    assert_int_equal(n, 197);
    assert_int_equal(aliases, 19);
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
    assert_int_equal(cfg.maxmemory_policy, MAXMEMORY_ALLKEYS_LRU);
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
    assert_true(cfg.hash_max_listpack_entries == 100);
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
    assert_string_equal(config_set(&cfg, "activedefrag", "yes", err, sizeof(err)),
                        "CONFIG SET failed (possibly related to argument 'activedefrag') - Active defragmentation cannot "
                        "be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped "
                        "by default with the Redis source distribution");
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

int main(void) {
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
