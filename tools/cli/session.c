/* session.c - vesper-cli's connection to the server and the command cycle.
 *
 * One global Conn (`context`, NULL when not connected). cli_connect opens it and
 * replays the session set-up (AUTH, SELECT of the wanted db, HELLO 3). A command
 * goes out through cli_issue_command, which reconnects when the link dropped,
 * follows -MOVED/-ASK redirects in cluster mode (-c) and repeats it -r times;
 * every reply is printed by cli_read_reply in the current output mode. MONITOR and
 * (P|S)SUBSCRIBE switch to streaming until Ctrl-C, which shuts the socket down from
 * the signal handler so the blocked read returns. Side effects on the session that
 * the prompt shows (SELECT, MULTI/EXEC/DISCARD, RESET) are tracked here. */
#include "cli.h"
#include "base/alloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char prompt_buf[160];

void cli_refresh_prompt(void) {
    Sds p = sds_empty();
    if (config.hostsocket && !(config.cluster_mode && config.cluster_reissue)) {
        p = sds_catprintf(p, "vesper %s", config.hostsocket);
    } else if (strchr(config.hostip, ':')) {
        p = sds_catprintf(p, "[%s]:%d", config.hostip, config.hostport);
    } else {
        p = sds_catprintf(p, "%s:%d", config.hostip, config.hostport);
    }
    if (config.dbnum != 0) p = sds_catprintf(p, "[%d]", config.dbnum);
    if (config.in_multi) p = sds_cat(p, "(TX)");
    p = sds_cat(p, "> ");
    snprintf(prompt_buf, sizeof(prompt_buf), "%s", p);
    sds_free(p);
}

const char *cli_prompt(void) { return context ? prompt_buf : "not connected> "; }

void cli_print_context_error(void) {
    if (context == NULL) return;
    fprintf(stderr, "Error: %s\n", context->err);
}

void cli_disconnect(void) {
    conn_close(context);
    context = NULL;
}

RespValue *cli_call(int argc, const char **argv, const size_t *lens) {
    if (!context) return NULL;
    RespValue *v = conn_call(context, argc, argv, lens);
    /* RESP3 attributes and out-of-band pushes are not the answer we wait for */
    while (v && (v->type == RESP_ATTR || (v->type == RESP_PUSH && !config.pubsub_mode))) {
        resp_value_free(v);
        if (conn_read_reply(context, &v) < 0) v = NULL;
    }
    return v;
}

/* Runs one set-up command; prints "<what> failed: <error>" on an error reply. */
static int session_setup_call(int argc, const char **argv, const char *what) {
    RespValue *r = cli_call(argc, argv, NULL);
    if (!r) {
        fprintf(stderr, "\nI/O error\n");
        return -1;
    }
    int rc = 0;
    if (r->type == RESP_ERROR) {
        fprintf(stderr, "%s failed: %s\n", what, r->str);
        rc = -1;
    }
    resp_value_free(r);
    return rc;
}

static int session_auth(void) {
    if (!config.auth) return 0;
    const char *argv[3] = {"AUTH", config.user ? config.user : config.auth, config.auth};
    if (config.user) {
        RespValue *r = cli_call(3, argv, NULL);
        if (!r) { fprintf(stderr, "\nI/O error\n"); return -1; }
        int rc = r->type == RESP_ERROR ? -1 : 0;
        if (rc) fprintf(stderr, "AUTH failed: %s\n", r->str);
        resp_value_free(r);
        return rc;
    }
    argv[1] = config.auth;
    return session_setup_call(2, argv, "AUTH");
}

static int session_select(void) {
    if (config.input_dbnum == config.dbnum) return 0;
    char db[32], what[48];
    snprintf(db, sizeof(db), "%d", config.input_dbnum);
    snprintf(what, sizeof(what), "SELECT %d", config.input_dbnum);
    const char *argv[2] = {"SELECT", db};
    if (session_setup_call(2, argv, what) < 0) return -1;
    config.dbnum = config.input_dbnum;
    cli_refresh_prompt();
    return 0;
}

static int session_switch_proto(void) {
    if (!config.resp3 || config.resp2) return 0;
    const char *argv[2] = {"HELLO", "3"};
    RespValue *r = cli_call(2, argv, NULL);
    if (!r) {
        fprintf(stderr, "\nI/O error\n");
        return -1;
    }
    int rc = 0;
    if (r->type == RESP_ERROR) {
        fprintf(stderr, "HELLO 3 failed: %s\n", r->str);
        if (config.resp3 == 1) rc = -1;
    }
    resp_value_free(r);
    return rc;
}

int cli_connect(int flags) {
    if (context && !(flags & CC_FORCE)) return 0;
    if (context) {
        cli_disconnect();
        config.dbnum = 0;
        config.in_multi = 0;
        cli_refresh_prompt();
    }
    char err[256];
    int use_tcp = config.hostsocket == NULL || (config.cluster_mode && config.cluster_reissue);
    if (use_tcp) context = conn_connect_tcp(config.hostip, config.hostport, 0, err, sizeof(err));
    else context = conn_connect_unix(config.hostsocket, 0, err, sizeof(err));
    if (!context) {
        if (!(flags & CC_QUIET)) {
            if (use_tcp)
                fprintf(stderr, "Could not connect to Redis at %s:%d: %s\n", config.hostip, config.hostport, err);
            else
                fprintf(stderr, "Could not connect to Redis at %s: %s\n", config.hostsocket, err);
        }
        return -1;
    }
    if (config.verbose) fprintf(stderr, "Connected to %s\n", use_tcp ? config.hostip : config.hostsocket);
    if (session_auth() < 0 || session_select() < 0 || session_switch_proto() < 0) return -1;
    return 0;
}

RespValue *cli_reconnecting_call(int argc, const char **argv) {
    int tries = 0;
    for (;;) {
        while (!context) {
            printf("\r\x1b[0K");
            printf("Reconnecting... %d\r", ++tries);
            fflush(stdout);
            if (cli_connect(CC_FORCE | CC_QUIET) < 0) {
                cli_disconnect();
                usleep(1000000);
            }
        }
        RespValue *r = cli_call(argc, argv, NULL);
        if (r) {
            if (tries > 0) printf("\r\x1b[0K");
            return r;
        }
        cli_disconnect();
    }
}

Sds cli_read_stdin_arg(void) {
    char buf[4096];
    Sds arg = sds_empty();
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("Reading from standard input");
            exit(1);
        }
        arg = sds_catlen(arg, buf, (size_t)n);
    }
    return arg;
}

/* Prints an out-of-band RESP3 push (client tracking invalidations and such). */
static void session_print_push(const RespValue *r) {
    Sds out;
    if (config.output == OUT_STANDARD && cli_is_invalidate(r)) out = cli_format_invalidate(r);
    else out = cli_format_reply(r, config.output, 0);
    fwrite(out, 1, sds_len(out), stdout);
    sds_free(out);
}

/* Next reply for the command in flight, skipping attributes and printing
 * (or dropping) pushes that are not part of a pub/sub stream. */
static int session_next_reply(RespValue **out) {
    for (;;) {
        RespValue *v;
        if (conn_read_reply(context, &v) < 0) return -1;
        if (v->type == RESP_ATTR) {
            resp_value_free(v);
            continue;
        }
        if (v->type == RESP_PUSH && !config.pubsub_mode) {
            if (config.push_output) session_print_push(v);
            resp_value_free(v);
            continue;
        }
        *out = v;
        return 0;
    }
}

/* "MOVED 3999 127.0.0.1:6381" / "ASK ...": point the session at the new node. */
static void session_redirect(const RespValue *r) {
    const char *s = strchr(r->str, ' ');
    const char *p = s ? strchr(s + 1, ' ') : NULL;
    if (!p) return;
    int slot = atoi(s + 1);
    const char *colon = strrchr(p + 1, ':');
    if (!colon) return;
    sds_free(config.hostip);
    config.hostip = sds_newlen(p + 1, (size_t)(colon - (p + 1)));
    config.hostport = atoi(colon + 1);
    if (config.interactive)
        printf("-> Redirected to slot [%d] located at %s:%d\n", slot, config.hostip, config.hostport);
    config.cluster_reissue = 1;
    if (!strncmp(r->str, "ASK ", 4)) config.cluster_send_asking = 1;
    cli_refresh_prompt();
}

int cli_read_reply(int output_raw) {
    RespValue *r;
    if (session_next_reply(&r) < 0) {
        if (config.blocking_aborted) {
            config.blocking_aborted = 0;
            config.monitor_mode = 0;
            config.pubsub_mode = 0;
            return cli_connect(CC_FORCE);
        }
        if (config.shutdown) {
            cli_disconnect();
            return 0;
        }
        if (config.interactive) return -1;
        cli_print_context_error();
        exit(1);
    }
    config.last_reply_type = r->type;
    int output = 1;
    if (config.cluster_mode && r->type == RESP_ERROR &&
        (!strncmp(r->str, "MOVED ", 6) || !strncmp(r->str, "ASK ", 4))) {
        output = 0;
        session_redirect(r);
    } else if (!config.interactive && config.set_errcode && r->type == RESP_ERROR) {
        fprintf(stderr, "%s\n", r->str);
        exit(1);
    }
    if (output) {
        Sds out = cli_format_reply(r, config.output, output_raw);
        fwrite(out, 1, sds_len(out), stdout);
        fflush(stdout);
        sds_free(out);
    }
    resp_value_free(r);
    return 0;
}

/* Commands whose replies are text meant to be read as is, even on a terminal. */
static int session_output_raw(int argc, Sds *argv) {
    const char *c = argv[0];
    const char *a = argc >= 2 ? argv[1] : "";
    if (!strcasecmp(c, "info") || !strcasecmp(c, "lolwut")) return 1;
    if (argc >= 2 && !strcasecmp(c, "debug") &&
        (!strcasecmp(a, "htstats") || !strcasecmp(a, "htstats-key") || !strcasecmp(a, "client-eviction")))
        return 1;
    if (argc >= 2 && !strcasecmp(c, "memory") && (!strcasecmp(a, "malloc-stats") || !strcasecmp(a, "doctor")))
        return 1;
    if (argc == 2 && !strcasecmp(c, "cluster") && (!strcasecmp(a, "nodes") || !strcasecmp(a, "info"))) return 1;
    if (argc >= 2 && !strcasecmp(c, "client") && (!strcasecmp(a, "list") || !strcasecmp(a, "info"))) return 1;
    if (argc == 3 && !strcasecmp(c, "latency") && !strcasecmp(a, "graph")) return 1;
    if (argc == 2 && !strcasecmp(c, "latency") && !strcasecmp(a, "doctor")) return 1;
    if (argc >= 2 && !strcasecmp(c, "proxy") && !strcasecmp(a, "info")) return 1;
    return 0;
}

/* Keeps the prompt's view of the session in step after a successful reply. */
static void session_track_state(int argc, Sds *argv) {
    const char *c = argv[0];
    int err = config.last_reply_type == RESP_ERROR;
    if (!strcasecmp(c, "select") && argc == 2 && !err) {
        config.input_dbnum = config.dbnum = atoi(argv[1]);
        cli_refresh_prompt();
    } else if (!strcasecmp(c, "auth") && (argc == 2 || argc == 3)) {
        session_select();
    } else if (!strcasecmp(c, "multi") && argc == 1 && !err) {
        config.in_multi = 1;
        config.pre_multi_dbnum = config.dbnum;
        cli_refresh_prompt();
    } else if (!strcasecmp(c, "exec") && argc == 1 && config.in_multi) {
        config.in_multi = 0;
        if (err || config.last_reply_type == RESP_NIL)
            config.input_dbnum = config.dbnum = config.pre_multi_dbnum;
        cli_refresh_prompt();
    } else if (!strcasecmp(c, "discard") && argc == 1 && !err) {
        config.in_multi = 0;
        config.input_dbnum = config.dbnum = config.pre_multi_dbnum;
        cli_refresh_prompt();
    } else if (!strcasecmp(c, "reset") && argc == 1 && !err) {
        config.in_multi = 0;
        config.dbnum = 0;
        config.input_dbnum = 0;
        config.resp3 = 0;
        cli_refresh_prompt();
    }
}

/* Streams MONITOR output until an error or Ctrl-C. */
static int session_monitor_loop(int output_raw) {
    do {
        if (cli_read_reply(output_raw) != 0) {
            cli_print_context_error();
            exit(1);
        }
        fflush(stdout);
        if (config.last_reply_type == RESP_ERROR) config.monitor_mode = 0;
    } while (config.monitor_mode);
    return 0;
}

static void session_pubsub_loop(int output_raw) {
    if (config.output != OUT_RAW) printf("Reading messages... (press Ctrl-C to quit)\n");
    fflush(stdout);
    while (config.pubsub_mode) {
        if (cli_read_reply(output_raw) != 0) {
            cli_print_context_error();
            exit(1);
        }
        fflush(stdout);
        if (config.last_reply_type == RESP_ERROR) config.pubsub_mode = 0;
    }
}

static int session_send(int argc, Sds *argv, long repeat) {
    const char *cmd = argv[0];
    if (!context) return -1;
    int output_raw = session_output_raw(argc, argv);
    if (!strcasecmp(cmd, "shutdown")) config.shutdown = 1;
    if (!strcasecmp(cmd, "monitor")) config.monitor_mode = 1;
    if (!strcasecmp(cmd, "subscribe") || !strcasecmp(cmd, "psubscribe") || !strcasecmp(cmd, "ssubscribe"))
        config.pubsub_mode = 1;
    if (!strcasecmp(cmd, "sync") || !strcasecmp(cmd, "psync")) config.slave_mode = 1;

    size_t *lens = vmalloc(sizeof(size_t) * (size_t)argc);
    for (int j = 0; j < argc; j++) lens[j] = sds_len(argv[j]);
    while (repeat < 0 || repeat-- > 0) {
        if (config.slave_mode) {
            printf("Entering replica output mode...  (press Ctrl-C to quit)\n");
            fflush(stdout);
            mode_slave();
            config.slave_mode = 0;
            vfree(lens);
            return -1;
        }
        conn_append_argv(context, argc, (const char **)argv, lens);
        if (config.monitor_mode) {
            session_monitor_loop(output_raw);
            vfree(lens);
            return 0;
        }
        if (config.pubsub_mode) {
            session_pubsub_loop(output_raw);
            continue;
        }
        if (cli_read_reply(output_raw) != 0) {
            vfree(lens);
            return -1;
        }
        session_track_state(argc, argv);
        if (config.cluster_reissue) break;
        if (!context) break; /* SHUTDOWN closed it */
        if (config.interval_us) usleep((useconds_t)config.interval_us);
        fflush(stdout);
    }
    vfree(lens);
    return 0;
}

static int session_send_asking(void) {
    config.cluster_send_asking = 0;
    if (!context) return -1;
    const char *argv[1] = {"ASKING"};
    return session_setup_call(1, argv, "ASKING");
}

int cli_issue_command(int argc, Sds *argv, long repeat) {
    if (!strcasecmp(argv[0], "help") || !strcasecmp(argv[0], "?")) {
        help_output(argc - 1, argv + 1);
        return 0;
    }
    for (;;) {
        if (config.cluster_reissue || !context || context->fd < 0 || context->eof) {
            if (cli_connect(CC_FORCE) != 0) {
                cli_print_context_error();
                if (context) cli_disconnect();
                config.cluster_reissue = 0;
                return -1;
            }
        }
        config.cluster_reissue = 0;
        if (config.cluster_send_asking && session_send_asking() != 0) {
            cli_print_context_error();
            return -1;
        }
        if (session_send(argc, argv, repeat) != 0) {
            cli_print_context_error();
            cli_disconnect();
            return -1;
        }
        if (config.cluster_mode && config.cluster_reissue) continue;
        return 0;
    }
}
