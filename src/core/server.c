/* server.c - the server's life cycle: start-up (listeners, databases, commands),
 * the cron timer, the before-sleep hook, logging and shutdown.
 *
 * The cron runs hz times a second: it refreshes the clocks, expires keys in the
 * background, rehashes the keyspace a millisecond at a time, closes idle clients
 * and acts on a pending shutdown. beforeSleep flushes replies and runs the fast
 * expiry cycle, so a busy server never waits a cron period to answer. */
#include "server.h"
#include "client.h"
#include "command.h"
#include "db.h"
#include "obj.h"
#include "servercmds.h"
#include "bio.h"
#include "crash.h"
#include "blocking.h"
#include "module.h"
#include "../base/panic.h"
#include "../net/conn.h"
#include "../base/alloc.h"
#include "defrag.h"
#include "oom_score.h"
#include "../base/proctitle.h"
#include "../base/util.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

Server server;

/* ---------------- logging ---------------- */

void server_log_raw(int level, const char *msg) {
    static const char marks[] = ".-*#";
    if (level < server.cfg.verbosity) return;
    int to_stdout = !server.cfg.logfile || server.cfg.logfile[0] == '\0';
    FILE *fp = to_stdout ? stdout : fopen(server.cfg.logfile, "a");
    if (!fp) return;
    char timebuf[64];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    int off = (int)strftime(timebuf, sizeof(timebuf), "%d %b %Y %H:%M:%S.", &tm);
    snprintf(timebuf + off, sizeof(timebuf) - (size_t)off, "%03d", (int)tv.tv_usec / 1000);
    char role = server.in_child ? 'C' : 'M';
    fprintf(fp, "%d:%c %s %c %s\n", (int)getpid(), role, timebuf, marks[level > 3 ? 3 : level], msg);
    fflush(fp);
    if (!to_stdout) fclose(fp);
    if (server.cfg.syslog_enabled) {
        static const int prio[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING};
        syslog(prio[level > 3 ? 3 : level], "%s", msg);
    }
}

void server_log(int level, const char *fmt, ...) {
    if (level < server.cfg.verbosity) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    server_log_raw(level, msg);
}

void server_update_time(void) {
    server.ustime = ustime();
    server.mstime = server.ustime / 1000;
    server.unixtime = (time_t)(server.mstime / 1000);
    obj_lru_clock = (uint32_t)((server.mstime / LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX);
}

/* ---------------- listeners ---------------- */

static void accept_tcp_handler(EvLoop *el, int fd, void *data, int mask) {
    (void)el; (void)data; (void)mask;
    net_accept(fd, 0);
}

static void accept_unix_handler(EvLoop *el, int fd, void *data, int mask) {
    (void)el; (void)data; (void)mask;
    net_accept(fd, 1);
}

/* Binds one address; an address prefixed with '-' is optional (failure is not fatal). */
static int listen_on(const char *addr, int port) {
    int optional = addr[0] == '-';
    if (optional) addr++;
    char err[128];
    int fd = conn_listen_tcp(addr, port, server.cfg.tcp_backlog, err, sizeof(err));
    if (fd == -1) {
        if (optional && (errno == 0 || errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) return 0;
        server_log(LL_WARNING, "Warning: Could not create server TCP listening socket %s:%d: %s", addr, port, err);
        return -1;
    }
    if (server.nlisten >= MAX_LISTENERS) { close(fd); return -1; }
    server.listen_fds[server.nlisten++] = fd;
    return 0;
}

/* Opens the TCP listeners the configuration asks for into server.listen_fds. */
static int listen_tcp(void) {
    if (server.cfg.port == 0) return 0;
    const char *defaults[] = {"*", "-::*"};
    int n = server.cfg.bind_count;
    for (int i = 0; i < (n ? n : 2); i++) {
        const char *a = n ? server.cfg.bind[i] : defaults[i];
        if (listen_on(a, server.cfg.port) == -1) return -1;
    }
    return 0;
}

static int register_tcp(void) {
    for (int i = 0; i < server.nlisten; i++)
        if (ev_add_file(server.el, server.listen_fds[i], EV_READABLE, accept_tcp_handler, NULL) == -1) return -1;
    return 0;
}

static void close_fds(const int *fds, int n) {
    for (int i = 0; i < n; i++) {
        ev_del_file(server.el, fds[i], EV_READABLE);
        close(fds[i]);
    }
}

/* What the TCP listeners were opened for, so a CONFIG SET that changes nothing
 * (or a rollback to the current values) does not reopen them. */
static int bound_port;
static Sds bound_addrs;

static Sds bind_signature(void) {
    Sds s = sds_empty();
    for (int i = 0; i < server.cfg.bind_count; i++) s = sds_catprintf(s, "%s ", server.cfg.bind[i]);
    return s;
}

static void remember_bound(void) {
    bound_port = server.cfg.port;
    sds_free(bound_addrs);
    bound_addrs = bind_signature();
}

/* CONFIG SET port/bind. A new port is opened before the old listeners close, so
 * a port in use leaves the server where it was. New bind addresses may overlap
 * the old ones (0.0.0.0 vs 127.0.0.1 on the same port), so those close first;
 * on failure the config module restores the old values and calls the hook
 * again, which reopens them. The process title is set again once the new
 * listeners are open (Redis's changeBindAddr/changeListenPort do so). */
static int rebind(const char **err, const char *msg, int close_first) {
    Sds sig = bind_signature();
    int same = bound_port == server.cfg.port && bound_addrs && sds_cmp(sig, bound_addrs) == 0;
    sds_free(sig);
    if (same) return 1;
    int old[MAX_LISTENERS], nold = server.nlisten;
    memcpy(old, server.listen_fds, sizeof(old));
    if (close_first) {
        close_fds(old, nold);
        nold = 0;
        bound_port = -1;
    }
    server.nlisten = 0;
    if (listen_tcp() == -1 || register_tcp() == -1) {
        close_fds(server.listen_fds, server.nlisten);
        memcpy(server.listen_fds, old, sizeof(old));
        server.nlisten = nold;
        *err = msg;
        return 0;
    }
    close_fds(old, nold);
    remember_bound();
    if (server.cfg.set_proc_title) server_set_proc_title(NULL); /* {listen-addr} and {port} follow, as in Redis */
    return 1;
}

static int port_hook(const char **err) { return rebind(err, "Unable to listen on this port. Check server logs.", 0); }
static int bind_hook(const char **err) { return rebind(err, "Failed to bind to specified addresses.", 1); }

static int listen_all(void) {
    if (listen_tcp() == -1) {
        server_log(LL_WARNING, "Failed listening on port %d (TCP), aborting.", server.cfg.port);
        return -1;
    }
    remember_bound();
    if (server.cfg.unixsocket && server.cfg.unixsocket[0]) {
        char err[128];
        int fd = conn_listen_unix(server.cfg.unixsocket, server.cfg.unixsocketperm, server.cfg.tcp_backlog, err, sizeof(err));
        if (fd == -1) {
            server_log(LL_WARNING, "Failed opening Unix socket: %s", err);
            return -1;
        }
        server.unix_fd = fd;
    }
    if (server.nlisten == 0 && server.unix_fd == -1) {
        server_log(LL_WARNING, "Configured to not listen anywhere, exiting.");
        return -1;
    }
    if (register_tcp() == -1) return -1;
    if (server.unix_fd != -1 && ev_add_file(server.el, server.unix_fd, EV_READABLE, accept_unix_handler, NULL) == -1) return -1;
    config_register_apply("port", port_hook);
    config_register_apply("bind", bind_hook);
    return 0;
}

/* ---------------- shutdown ---------------- */

void server_close_listeners_in_child(void) {
    for (int i = 0; i < server.nlisten; i++) close(server.listen_fds[i]);
    if (server.unix_fd != -1) close(server.unix_fd);
}

void server_process_events_while_loading(void) {
    static long long last_ms;
    long long now = mstime();
    if (!server.el || now - last_ms < 2) return; /* at most every 2 ms */
    last_ms = now;
    server_update_time();
    ev_process(server.el, 1);
    defrag_while_blocked();
    net_handle_pending_writes();
    net_free_closed_clients(); /* clients that left while the dataset loads go now */
}

static void close_listeners(void) {
    for (int i = 0; i < server.nlisten; i++) close(server.listen_fds[i]);
    server.nlisten = 0;
    if (server.unix_fd != -1) {
        close(server.unix_fd);
        unlink(server.cfg.unixsocket);
        server.unix_fd = -1;
    }
}

int server_prepare_shutdown(int flags) {
    server_log(LL_WARNING, "User requested shutdown...");
    if (modules_shutdown(flags) == -1 && !(flags & SHUTDOWN_FORCE)) {
        server_log(LL_WARNING, "Errors trying to shut down the server. Check the logs for more information.");
        return -1;
    }
    close_listeners();
    if (server.cfg.pidfile && server.cfg.pidfile[0] && (server.cfg.daemonize || server.cfg.pidfile)) unlink(server.cfg.pidfile);
    server_log(LL_WARNING, "Redis is now ready to exit, bye bye...");
    return 0;
}

void server_exit(int code) {
#if defined(__SANITIZE_ADDRESS__)
    /* values still queued for lazy freeing (UNLINK, FLUSHALL ASYNC just before
     * SHUTDOWN) would be reported as leaks at exit: sanitizer builds let the
     * background thread finish; release builds exit at once, as Redis does */
    bio_drain();
#endif
    exit(code);
}

static void sig_shutdown_handler(int sig) {
    if (server.shutdown_asap && sig == SIGINT) {
        /* second Ctrl-C: exit now */
        _exit(1);
    }
    server.shutdown_asap = 1;
    server.shutdown_flags = sig;
}

static void setup_signals(void) {
    struct sigaction act = {0};
    sigemptyset(&act.sa_mask);
    act.sa_handler = sig_shutdown_handler;
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* a file over RLIMIT_FSIZE (or a filesystem limit) is a write error (EFBIG) the
     * persistence code reports, not a reason to die */
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    /* SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT: the crash report; SIGALRM: the watchdog */
    crash_setup();
}

/* ---------------- cron and hooks ---------------- */

static long long server_cron(EvLoop *el, long long id, void *data) {
    (void)el; (void)id; (void)data;
    server_cron_tick();
    return 1000 / (server.hz ? server.hz : 10);
}

void server_cron_tick(void) {
    server_update_time();
    crash_cron();
    server.cronloops++;
    if (server.cfg.dynamic_hz) {
        int hz = server.cfg.hz;
        while (clients_count() / (size_t)(hz ? hz : 1) > 200 && hz < 500) hz *= 2;
        server.hz = hz;
    } else {
        server.hz = server.cfg.hz;
    }
    if (server.shutdown_asap) {
        if (server.shutdown_flags == SIGINT) server_log(LL_WARNING, "Received SIGINT scheduling shutdown...");
        else server_log(LL_WARNING, "Received SIGTERM scheduling shutdown...");
        if (server_prepare_shutdown(SHUTDOWN_NOFLAGS) == 0) server_exit(0);
        server_log(LL_WARNING, "SIGTERM received but errors trying to shut down the server, check the logs for more information");
        server.shutdown_asap = 0;
    }
    size_t used = vmalloc_used();
    if ((long long)used > server.stat_peak_memory) server.stat_peak_memory = (long long)used;
    /* while a busy script serves other clients, the dataset stays as it is */
    if (server.in_script) return;
    modules_cron();
    net_clients_cron();
    db_active_expire_cycle(0);
    if (server.cfg.activerehashing) db_rehash_cron(1000);
    if (server.cronloops % 10 == 0) db_resize_cron();
}

/* Before waiting: serve clients whose keys became ready or whose wait ended, expire
 * keys (fast cycle), let the modules run (AOF flush later), write the replies, and
 * only then free the clients that are closing (nothing above may free one); a
 * defragmentation slice, if one is due, runs after all of it. */
static void before_sleep(EvLoop *el) {
    (void)el;
    server_before_sleep();
}

void server_before_sleep(void) {
    if (server.in_script) { /* a busy script serves events: only replies go out */
        net_handle_pending_writes();
        net_free_closed_clients();
        return;
    }
    block_before_sleep();
    db_active_expire_cycle(1);
    block_handle_ready();
    modules_before_sleep();
    net_handle_pending_writes();
    net_free_closed_clients();
    defrag_before_sleep(); /* last: no reply waits behind a defrag slice */
}

static void after_sleep(EvLoop *el) {
    (void)el;
    server_update_time();
}

/* ---------------- stats and settings used by other modules ---------------- */

void server_reset_stats(void) {
    long long dirty = server.stat.dirty;
    memset(&server.stat, 0, sizeof(server.stat));
    server.stat.dirty = dirty;
    memset(&db_stats, 0, sizeof(db_stats));
    server.stat_peak_memory = (long long)vmalloc_used();
    commands_reset_stats();
    modules_reset_stats();
}

int server_set_maxclients(int n) {
    struct rlimit rl;
    rlim_t need = (rlim_t)n + 32;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
        rl.rlim_cur = need <= rl.rlim_max ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) n = (int)rl.rlim_cur - 32;
    }
    if (server.el && ev_resize(server.el, n + 128) == -1) return -1;
    server.cfg.maxclients = n;
    return 0;
}

/* ---------------- start-up ---------------- */

static void create_pidfile(void) {
    if (!server.cfg.pidfile || !server.cfg.pidfile[0]) return;
    FILE *fp = fopen(server.cfg.pidfile, "w");
    if (!fp) {
        server_log(LL_WARNING, "Failed to write PID file: %s", strerror(errno));
        return;
    }
    fprintf(fp, "%d\n", (int)getpid());
    fclose(fp);
}

static void daemonize(void) {
    if (fork() != 0) exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd != -1) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
}

int server_main(int argc, char **argv, const char *configfile, const char *options);

/* One {variable} of proc-title-template, appended to s; NULL (s freed) for an
 * unknown name. */
static Sds proc_title_var(Sds s, const char *name, size_t n, const char *title) {
#define VAR(lit) (n == sizeof(lit) - 1 && !memcmp(name, lit, n))
    if (VAR("title")) return sds_cat(s, title);
    if (VAR("listen-addr"))
        return server.cfg.port ? sds_catprintf(s, "%s:%d", server.cfg.bind_count ? server.cfg.bind[0] : "*", server.cfg.port)
                               : sds_catprintf(s, "unixsocket:%s", server.cfg.unixsocket ? server.cfg.unixsocket : "");
    if (VAR("server-mode")) return s; /* standalone: Redis prints [cluster] / [sentinel] otherwise */
    if (VAR("port")) return sds_catprintf(s, "%d", server.cfg.port);
    if (VAR("tls-port")) return sds_cat(s, "0");
    if (VAR("unixsocket")) return sds_cat(s, server.cfg.unixsocket ? server.cfg.unixsocket : "");
    if (VAR("config-file")) return sds_cat(s, server.cfg.configfile ? server.cfg.configfile : "-");
    sds_free(s);
    return NULL;
#undef VAR
}

Sds server_expand_proc_title(const char *tmpl, const char *title) {
    Sds s = sds_empty();
    for (const char *p = tmpl; *p;) {
        if (*p != '{') {
            s = sds_catlen(s, p++, 1);
            continue;
        }
        if (p[1] == '{') { /* "{{" is a literal brace */
            s = sds_catlen(s, "{", 1);
            p += 2;
            continue;
        }
        const char *end = p[1] ? strchr(p + 1, '}') : NULL;
        if (!end) { /* an unclosed brace */
            sds_free(s);
            return NULL;
        }
        if (!(s = proc_title_var(s, p + 1, (size_t)(end - p - 1), title))) return NULL; /* freed s */
        p = end + 1;
    }
    size_t b = 0, e = sds_len(s);
    while (b < e && s[b] == ' ') b++;
    while (e > b && s[e - 1] == ' ') e--;
    if (b) memmove(s, s + b, e - b);
    sds_setlen(s, e - b);
    return s;
}

void server_set_proc_title(const char *title) {
    if (!server.cfg.proc_title_template) return;
    if (!title) title = server.exec_argv && server.exec_argc > 0 ? server.exec_argv[0] : "vesper-server";
    Sds s = server_expand_proc_title(server.cfg.proc_title_template, title);
    if (!s) return; /* refused when set: not reached */
    proctitle_set(s);
    sds_free(s);
}

int server_main(int argc, char **argv, const char *configfile, const char *options) {
    server.exec_argc = argc;
    server.exec_argv = argv;
    server.unix_fd = -1;
    server.active_expire_enabled = 1;
    server.next_client_id = 1;
    server_update_time();
    server.start_ms = server.mstime;
    server.lastsave = server.unixtime;
    uint8_t seed[16];
    int rfd = open("/dev/urandom", O_RDONLY);
    if (rfd == -1 || read(rfd, seed, sizeof(seed)) != (ssize_t)sizeof(seed)) {
        long long t = ustime() ^ getpid();
        memcpy(seed, &t, 8);
        memcpy(seed + 8, &t, 8);
    }
    if (rfd != -1) close(rfd);
    hash_set_seed(seed);
    uint64_t rs;
    memcpy(&rs, seed, 8);
    rand_seed(rs ^ (uint64_t)ustime());
    rand_hex(server.runid, 40);
    server.runid[40] = '\0';

    panic_set_hook(crash_panic_hook);
    modules_register(NULL);
    config_init_defaults(&server.cfg);
    config_load(&server.cfg, configfile, options);
    if (server.cfg.daemonize) daemonize();
    server.pid = getpid();
    if (server.cfg.syslog_enabled) openlog(server.cfg.syslog_ident ? server.cfg.syslog_ident : "redis", LOG_PID | LOG_NDELAY, LOG_LOCAL0);

    server_log(LL_WARNING, "oO0OoO0OoO0Oo Vesper is starting oO0OoO0OoO0Oo");
    server_log(LL_WARNING, "Vesper version=%s (Redis %s compatible), bits=%d, modified=0, pid=%d, just started",
               VESPER_OWN_VERSION, VESPER_VERSION, (int)(sizeof(long) * 8), (int)server.pid);
    if (configfile) server_log(LL_WARNING, "Configuration loaded");
    else server_log(LL_WARNING, "Warning: no config file specified, using the default config. In order to specify a config file use %s /path/to/vesper.conf", argv[0]);
    config_report_unsupported();

    if (server_set_maxclients(server.cfg.maxclients) == -1) {
        server_log(LL_WARNING, "Failed to set maxclients");
    }
    server.el = ev_create(server.cfg.maxclients + 128);
    if (!server.el) {
        server_log(LL_WARNING, "Failed creating the event loop. Error message: '%s'", strerror(errno));
        return 1;
    }
    server.hz = server.cfg.hz;
    db_init_all(server.cfg.databases);
    cpulist_apply(server.cfg.server_cpulist); /* before the background thread starts */
    bio_init();
    vmalloc_background_thread(server.cfg.jemalloc_bg_thread); /* as Redis: on by default */
    setup_signals();
    /* listen first, as Redis: clients connecting while the dataset loads get -LOADING */
    if (listen_all() == -1) return 1;
    if (server.cfg.daemonize || (server.cfg.pidfile && server.cfg.pidfile[0])) create_pidfile();
    /* as Redis: the PID line and "Server initialized" come before the dataset loads
     * (a damaged file's error is then the last line of the log) */
    server_log(LL_NOTICE, "Running mode=standalone, port=%d.", server.cfg.port);
    server_log(LL_NOTICE, "Vesper %s, 64 bit, standalone mode, port %d, PID: %d", VESPER_OWN_VERSION, server.cfg.port, (int)server.pid);
    server_log(LL_WARNING, "Server initialized");
    oom_score_apply(-1);
    if (server.cfg.set_proc_title) server_set_proc_title(NULL);
    modules_init(); /* loads the dataset; the cron starts after */
    ev_add_timer(server.el, 1, server_cron, NULL);
    ev_set_before_sleep(server.el, before_sleep);
    ev_set_after_sleep(server.el, after_sleep);
    server_log(LL_NOTICE, "Ready to accept connections");
    ev_main(server.el);
    return 0;
}
