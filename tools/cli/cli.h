/* cli.h - shared state and entry points of vesper-cli's modules:
 * main.c (options, usage, dispatch), session.c (connection, sending commands,
 * printing replies), format.c (reply formatting), repl.c (interactive loop),
 * cmdhelp.c (help table, completion, hints), modes.c (special modes). */
#ifndef VESPER_CLI_H
#define VESPER_CLI_H
#include <signal.h>
#include "base/sds.h"
#include "net/resp.h"
#include "../common/conn.h"

#define CLI_VERSION "0.1.0"

enum { OUT_STANDARD, OUT_RAW, OUT_CSV, OUT_JSON, OUT_QUOTED_JSON };

typedef struct CliConfig {
    Sds hostip;
    int hostport;
    char *hostsocket;
    Sds auth;              /* password (NULL: none) */
    Sds user;
    int input_dbnum;       /* db the user asked for */
    int dbnum;             /* db currently selected on the connection */
    long repeat;
    long long interval_us;
    int interactive;
    int shutdown;
    int monitor_mode, pubsub_mode, slave_mode;
    volatile sig_atomic_t blocking_aborted;
    int latency_mode, latency_history, latency_dist_mode;
    int cluster_mode, cluster_reissue, cluster_send_asking;
    int pipe_mode, pipe_timeout;
    int rdb_mode;
    int functions_rdb_mode;            /* --functions-rdb: the snapshot's function libraries only */
    char *rdb_filename;
    int stat_mode, scan_mode;
    Sds pattern;
    long scan_count;
    int bigkeys, memkeys, hotkeys;
    unsigned memkeys_samples;
    int stdin_lastarg, stdin_tag_arg;
    char *stdin_tag_name;
    int askpass, quoted_input;
    int output;
    int push_output;
    Sds mb_delim, cmd_delim;
    char *eval;
    int verbose;
    int set_errcode;
    int no_auth_warning;
    int resp2, resp3;      /* resp3: 1 explicit (-3), 2 implied (--json) */
    int in_multi, pre_multi_dbnum;
    int last_reply_type;   /* RespType of the last reply, -1 none */
    int hints;             /* preference: show hints */
} CliConfig;

extern CliConfig config;
extern Conn *context;                      /* NULL when not connected */
extern volatile sig_atomic_t cli_cancel;   /* set by SIGINT in long loops */

/* session.c */
#define CC_FORCE 1
#define CC_QUIET 2
int cli_connect(int flags);                /* 0 ok, -1 error */
void cli_disconnect(void);
int cli_issue_command(int argc, Sds *argv, long repeat); /* 0 ok, -1 error */
int cli_read_reply(int output_raw);        /* reads and prints one reply */
void cli_print_context_error(void);
/* Sends a command, reconnecting (and printing "Reconnecting...") while the link is down. */
RespValue *cli_reconnecting_call(int argc, const char **argv);
RespValue *cli_call(int argc, const char **argv, const size_t *lens); /* NULL on I/O error */
void cli_refresh_prompt(void);
const char *cli_prompt(void);
Sds cli_read_stdin_arg(void);

/* format.c */
Sds cli_format_reply(const RespValue *r, int mode, int verbatim);
Sds cli_format_tty(const RespValue *r, const char *prefix);
Sds cli_format_raw(const RespValue *r);
Sds cli_format_csv(const RespValue *r);
Sds cli_format_json(Sds out, const RespValue *r, int mode);
int cli_is_invalidate(const RespValue *r);
Sds cli_format_invalidate(const RespValue *r);

/* cmdhelp.c */
void help_init(void);                      /* fetches COMMAND DOCS (or the built-in table) */
void help_reset(void);
void help_output(int argc, Sds *argv);     /* the `help ...` command */
void help_completion(const char *buf, void *lc); /* LeCompletions * */
char *help_hint(const char *buf, int *color, int *bold);

/* repl.c */
void repl_run(void);
void cli_set_preferences(Sds *argv, int argc, int interactive);
Sds cli_dotfile_path(const char *envvar, const char *name);

/* modes.c */
void mode_latency(void);
void mode_latency_dist(void);
void mode_rdb(void);
void mode_pipe(void);
void mode_bigkeys(int memkeys);
void mode_hotkeys(void);
void mode_stat(void);
void mode_scan(void);
int mode_eval(int argc, char **argv);
void mode_slave(void);

#endif
