/* server.h - server-wide state that several modules read: the event loop, the
 * configuration, cached time, listening sockets, and the counters INFO reports.
 * Each subsystem keeps its own state in its own module; only the shared core is here. */
#ifndef VESPER_SERVER_H
#define VESPER_SERVER_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include "../base/version.h"
#include "../net/evloop.h"
#include "config.h"

#define MAX_LISTENERS 16

typedef struct ServerStats {
    long long numcommands;
    long long numconnections;
    long long rejected_conn;
    long long net_input_bytes;
    long long net_output_bytes;
    long long unexpected_error_replies;
    long long total_error_replies;
    long long client_qbuf_limit_disconnections;
    long long client_outbuf_limit_disconnections;
    long long dirty;                /* changes since last save */
    long long total_reads_processed, total_writes_processed;
    long long latest_fork_usec, total_forks;
    long long io_reads, io_writes;
    long long reply_buffer_shrinks, reply_buffer_expands; /* the clients cron's resizes */
} ServerStats;

typedef struct Server {
    Config cfg;
    EvLoop *el;
    pid_t pid;
    char *executable;
    char **exec_argv;
    int exec_argc;
    char runid[41];
    long long start_ms;
    /* cached clocks, refreshed each event loop iteration and around commands */
    long long ustime;
    long long mstime;
    time_t unixtime;
    int hz;                         /* effective hz (dynamic-hz may raise it) */
    long long cronloops;
    /* listeners */
    int listen_fds[MAX_LISTENERS];
    int nlisten;
    int unix_fd;
    int port;                       /* actual port (after bind) */
    /* state */
    int shutdown_asap;
    int shutdown_flags;
    int loading;
    long long lastsave;
    int active_expire_enabled;      /* DEBUG SET-ACTIVE-EXPIRE */
    int script_disable_deny_script; /* DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call no-script commands */
    uint64_t next_client_id;
    ServerStats stat;
    int in_exec;
    int in_script;
    long long stat_peak_memory;
    int sentinel_mode;
    int in_child;                   /* this process is a fork child (BGSAVE, AOF rewrite) */
} Server;

extern Server server;

/* logging: Redis's format "pid:role dd Mon yyyy hh:mm:ss.mmm * message" */
void server_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void server_log_raw(int level, const char *msg);
void server_update_time(void);
/* In a fork child: closes the listening sockets (the parent keeps serving). */
void server_close_listeners_in_child(void);
/* While loading a dataset: serves the event loop once without waiting, so clients
 * get -LOADING instead of hanging. */
void server_process_events_while_loading(void);
/* One run of the server cron (hz times a second) and of the before-sleep work;
 * the event loop calls them, tests may too. */
void server_cron_tick(void);
void server_before_sleep(void);
/* Shuts the server down: flags from SHUTDOWN. Returns -1 if it refused (reply given). */
#define SHUTDOWN_NOFLAGS 0
#define SHUTDOWN_SAVE 1
#define SHUTDOWN_NOSAVE 2
#define SHUTDOWN_NOW 4
#define SHUTDOWN_FORCE 8
int server_prepare_shutdown(int flags);
void server_exit(int code) __attribute__((noreturn));
/* Provided by the server core for other modules. */
void server_reset_stats(void);
int server_set_maxclients(int n);
/* Provided by servercmds.c: error-prefix counters (INFO errorstats) and the slowlog. */
void server_count_error(const char *prefix, size_t len);
struct Client;
/* Ends one call of c's command for the statistics: adds duration_us (microseconds)
 * to its latency histogram (latency-tracking) and the latency monitor's
 * "command"/"fast-command" events, then logs it to the slowlog unless the command
 * has CMD_SKIP_SLOWLOG or is under slowlog-log-slower-than (as Redis's call()). */
void slowlog_push(struct Client *c, long long duration_us);
/* Sets the process title from proc-title-template, as Redis's redisSetProcTitle:
 * whatever set-proc-title says (Redis checks it only at start-up and when bind or
 * port change; CONFIG SET proc-title-template and fork children set the title
 * anyway, so callers that follow set-proc-title check it). {title} is title, or the executable as started when NULL (fork children
 * pass their role, e.g. "redis-rdb-bgsave"); {listen-addr} the first bind
 * address and port ("*:6379"), {server-mode} empty in standalone mode, {port},
 * {tls-port}, {unixsocket}, {config-file} ("-" without one); the result is
 * trimmed of spaces. */
void server_set_proc_title(const char *title);
/* Expands proc-title-template tmpl as Redis's sdstemplate does ("{{" is a literal
 * "{", a lone "}" is literal) with the variables above, trimmed of spaces.
 * Returns a new Sds the caller frees, or NULL when a brace is unclosed or a
 * variable unknown. Redis accepts a template whose expansion with an empty title
 * is not empty. */
Sds server_expand_proc_title(const char *tmpl, const char *title);

#endif
