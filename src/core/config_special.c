/* config_special.c - the built-in directives whose value is not one bool, number, enum
 * or string: requirepass, dir, save, client-output-buffer-limit, oom-score-adj-values,
 * notify-keyspace-events, bind, replicaof and latency-tracking-info-percentiles. Each
 * has a parser, a CONFIG GET rendering and a CONFIG REWRITE writer, declared in a
 * table like any subsystem's (config.c registers it right after config_defs.c's).
 *
 * The values live in server.cfg (each special is given server.cfg as its variable, so
 * the registry passes the Config being loaded or set); replicaof keeps its own state
 * until replication lands. Directives marked CONFIG_BINARY see NUL bytes in their
 * arguments and refuse them with their own Redis error text; requirepass keeps them
 * (AUTH compares bytes).
 *
 * Invariants: a failed set leaves the value as it was; numbers are parsed with the
 * whole argument (no trailing bytes) and refused beyond their field's range instead
 * of wrapping around. Costs: linear in the arguments. */
#include "config_priv.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/sds.h"
#include "oom_score.h"
#include "../base/util.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* strtoll's syntax (sign, leading blanks) over the whole argument, without overflow. */
static int parse_whole_ll(const Sds a, long long *v) {
    char *end;
    errno = 0;
    *v = strtoll(a, &end, 10);
    return errno != ERANGE && end == a + sds_len(a);
}

/* A lone empty argument (a config file's `save ""`) means none. */
static int no_args(Sds *argv, int argc) { return argc == 0 || (argc == 1 && sds_len(argv[0]) == 0); }

/* ---------------------------------------------------------------------------
 * requirepass: binary safe, AUTH compares bytes, NULs included
 * ------------------------------------------------------------------------- */

static void requirepass_store(Config *cfg, const char *p, size_t len) {
    vfree(cfg->requirepass);
    cfg->requirepass = NULL;
    cfg->requirepass_len = 0;
    if (len == 0) return;
    cfg->requirepass = vmalloc(len + 1);
    memcpy(cfg->requirepass, p, len);
    cfg->requirepass[len] = '\0';
    cfg->requirepass_len = len;
}

static int requirepass_set(void *var, Sds *argv, int argc, const char **err) {
    if (argc != 1) {
        *err = "wrong number of arguments";
        return CONFIG_SET_ERR;
    }
    requirepass_store(var, argv[0], sds_len(argv[0]));
    return CONFIG_SET_CHANGED;
}

static Sds requirepass_get(const void *var) {
    const Config *cfg = var;
    return cfg->requirepass ? sds_newlen(cfg->requirepass, cfg->requirepass_len) : sds_empty();
}

static void requirepass_rewrite(const void *var, const char *name, ConfigRewriter *rw) {
    const Config *cfg = var;
    if (!cfg->requirepass) {
        config_rewrite_drop(rw, name);
        return;
    }
    Sds line = sds_catprintf(sds_empty(), "%s ", name);
    line = sds_catrepr(line, cfg->requirepass, cfg->requirepass_len);
    config_rewrite_line(rw, name, line, 1);
}

/* ---------------------------------------------------------------------------
 * dir: the working directory, changed at once
 * ------------------------------------------------------------------------- */

static void cwd_refresh(Config *cfg) {
    char buf[PATH_MAX];
    config_set_cstr(&cfg->dir, getcwd(buf, sizeof(buf)) ? buf : "");
}

static int dir_set(void *var, Sds *argv, int argc, const char **err) {
    if (argc != 1) {
        *err = "wrong number of arguments";
        return CONFIG_SET_ERR;
    }
    if (chdir(argv[0]) == -1) {
        *err = strerror(errno);
        return CONFIG_SET_ERR;
    }
    cwd_refresh(var);
    return CONFIG_SET_CHANGED;
}

static Sds dir_get(const void *var) {
    (void)var;
    char buf[PATH_MAX];
    return sds_new(getcwd(buf, sizeof(buf)) ? buf : "");
}

static void dir_rewrite(const void *var, const char *name, ConfigRewriter *rw) {
    (void)var;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd))) {
        config_rewrite_drop(rw, name);
        return;
    }
    config_rewrite_string(rw, name, cwd, strlen(cwd), NULL);
}

/* ---------------------------------------------------------------------------
 * save: in a config file the first "save" line replaces the defaults and later ones
 * add to it; CONFIG SET replaces the whole list. Seconds go up to LLONG_MAX and
 * changes up to INT_MAX (Redis wraps larger counts around; Vesper refuses them).
 * ------------------------------------------------------------------------- */

static int save_defaults_dropped;  /* a file "save" line already replaced the defaults */

static void save_refresh_text(Config *cfg) {
    Sds s = sds_empty();
    for (int i = 0; i < cfg->saveparams_len; i++)
        s = sds_catprintf(s, "%s%lld %d", i ? " " : "", cfg->saveparams[i].seconds, cfg->saveparams[i].changes);
    config_set_cstr(&cfg->save_params, s);
    sds_free(s);
}

static void save_append(Config *cfg, long long seconds, int changes) {
    cfg->saveparams = vrealloc(cfg->saveparams, sizeof(SaveParam) * (size_t)(cfg->saveparams_len + 1));
    cfg->saveparams[cfg->saveparams_len].seconds = seconds;
    cfg->saveparams[cfg->saveparams_len].changes = changes;
    cfg->saveparams_len++;
}

static void save_clear(Config *cfg) {
    vfree(cfg->saveparams);
    cfg->saveparams = NULL;
    cfg->saveparams_len = 0;
}

static int save_set(void *var, Sds *argv, int argc, const char **err) {
    Config *cfg = var;
    int empty = no_args(argv, argc);
    if (empty) argc = 0;
    long long *vals = vmalloc(sizeof(long long) * (size_t)(argc + 1));
    int ok = (argc & 1) == 0;
    for (int j = 0; ok && j < argc; j++)
        ok = parse_whole_ll(argv[j], &vals[j]) && ((j & 1) == 0 ? vals[j] >= 1 : vals[j] >= 0 && vals[j] <= INT_MAX);
    if (!ok) {
        vfree(vals);
        *err = "Invalid save parameters";
        return CONFIG_SET_ERR;
    }
    /* an empty list clears what earlier lines (the file's, before --save "") set */
    if (!config_loading() || !save_defaults_dropped || empty) save_clear(cfg);
    if (config_loading()) save_defaults_dropped = 1;
    for (int j = 0; j < argc; j += 2) save_append(cfg, vals[j], (int)vals[j + 1]);
    vfree(vals);
    save_refresh_text(cfg);
    return CONFIG_SET_CHANGED;
}

static Sds save_get(const void *var) {
    const Config *cfg = var;
    return sds_new(cfg->save_params ? cfg->save_params : "");
}

static void save_rewrite(const void *var, const char *name, ConfigRewriter *rw) {
    const Config *cfg = var;
    if (server.sentinel_mode) {
        config_rewrite_drop(rw, name);
        return;
    }
    if (!cfg->saveparams_len) config_rewrite_line(rw, name, sds_new("save \"\""), 1);
    for (int j = 0; j < cfg->saveparams_len; j++)
        config_rewrite_line(rw, name, sds_catprintf(sds_empty(), "save %lld %d", cfg->saveparams[j].seconds,
                                                    cfg->saveparams[j].changes), 1);
    config_rewrite_drop(rw, name);
}

/* ---------------------------------------------------------------------------
 * client-output-buffer-limit <class> <hard> <soft> <soft seconds> ...
 * ------------------------------------------------------------------------- */

static const OutputBufferLimit obuf_defaults[CLIENT_TYPE_COUNT] = {
    {0, 0, 0}, {256ULL * 1024 * 1024, 64ULL * 1024 * 1024, 60}, {32ULL * 1024 * 1024, 8ULL * 1024 * 1024, 60}};

/* -1 for an unknown class; "master" is a class but has no limits. */
static int obuf_class(const Sds name) {
    if (!config_is_cstr(name)) return -1;
    if (!strcasecmp(name, "normal")) return CLIENT_TYPE_NORMAL;
    if (!strcasecmp(name, "slave") || !strcasecmp(name, "replica")) return CLIENT_TYPE_REPLICA;
    if (!strcasecmp(name, "pubsub")) return CLIENT_TYPE_PUBSUB;
    return -1;
}

/* Seconds as Redis reads them (strtoll: "+5" and "" pass), but within 0..INT_MAX:
 * Redis truncates to int, so 4294967296 silently became 0 there. */
static int obuf_parse_limit(Sds *a, OutputBufferLimit *out) {
    long long secs;
    if (!config_parse_mem(a[0], sds_len(a[0]), &out->hard) || !config_parse_mem(a[1], sds_len(a[1]), &out->soft) ||
        !parse_whole_ll(a[2], &secs) || secs < 0 || secs > INT_MAX)
        return 0;
    out->soft_seconds = secs;
    return 1;
}

static int obuf_set(void *var, Sds *argv, int argc, const char **err) {
    Config *cfg = var;
    OutputBufferLimit vals[CLIENT_TYPE_COUNT];
    int seen[CLIENT_TYPE_COUNT] = {0};
    if (argc % 4) {
        *err = "Wrong number of arguments in buffer limit configuration.";
        return CONFIG_SET_ERR;
    }
    for (int j = 0; j < argc; j += 4) {
        int cls = obuf_class(argv[j]);
        if (cls == -1) {
            *err = "Invalid client class specified in buffer limit configuration.";
            return CONFIG_SET_ERR;
        }
        if (!obuf_parse_limit(argv + j + 1, &vals[cls])) {
            *err = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            return CONFIG_SET_ERR;
        }
        seen[cls] = 1;
    }
    for (int i = 0; i < CLIENT_TYPE_COUNT; i++)
        if (seen[i]) cfg->obuf_limits[i] = vals[i];
    return CONFIG_SET_CHANGED;
}

static Sds obuf_get(const void *var) {
    static const char *names[CLIENT_TYPE_COUNT] = {"normal", "slave", "pubsub"};
    const Config *cfg = var;
    Sds s = sds_empty();
    for (int i = 0; i < CLIENT_TYPE_COUNT; i++)
        s = sds_catprintf(s, "%s%s %llu %llu %lld", i ? " " : "", names[i], cfg->obuf_limits[i].hard,
                          cfg->obuf_limits[i].soft, cfg->obuf_limits[i].soft_seconds);
    return s;
}

static void obuf_rewrite(const void *var, const char *name, ConfigRewriter *rw) {
    static const char *names[CLIENT_TYPE_COUNT] = {"normal", "replica", "pubsub"};
    const Config *cfg = var;
    for (int j = 0; j < CLIENT_TYPE_COUNT; j++) {
        const OutputBufferLimit *l = &cfg->obuf_limits[j], *d = &obuf_defaults[j];
        int force = l->hard != d->hard || l->soft != d->soft || l->soft_seconds != d->soft_seconds;
        Sds hard = config_rewrite_memory(l->hard), soft = config_rewrite_memory(l->soft);
        config_rewrite_line(rw, name, sds_catprintf(sds_empty(), "%s %s %s %s %lld", name, names[j], hard, soft,
                                                    l->soft_seconds), force);
        sds_free(hard);
        sds_free(soft);
    }
}

/* ---------------------------------------------------------------------------
 * oom-score-adj-values <master> <replica> <bg child>
 * ------------------------------------------------------------------------- */

static const int oom_defaults[CONFIG_OOM_COUNT] = {0, 200, 800};

static int oom_values_set(void *var, Sds *argv, int argc, const char **err) {
    Config *cfg = var;
    int vals[CONFIG_OOM_COUNT], change = 0;
    if (argc != CONFIG_OOM_COUNT) {
        *err = "wrong number of arguments";
        return CONFIG_SET_ERR;
    }
    for (int i = 0; i < CONFIG_OOM_COUNT; i++) {
        long long v;
        if (!parse_whole_ll(argv[i], &v) || v < -2000 || v > 2000) {
            *err = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
            return CONFIG_SET_ERR;
        }
        vals[i] = (int)v;
    }
    if (vals[CONFIG_OOM_REPLICA] < vals[CONFIG_OOM_MASTER] || vals[CONFIG_OOM_BGCHILD] < vals[CONFIG_OOM_REPLICA])
        server_log(LL_WARNING, "The oom-score-adj-values configuration may not work for non-privileged "
                   "processes! Please consult the documentation.");
    for (int i = 0; i < CONFIG_OOM_COUNT; i++) {
        if (cfg->oom_score_adj_values[i] != vals[i]) change = 1;
        cfg->oom_score_adj_values[i] = vals[i];
    }
    return change ? CONFIG_SET_CHANGED : CONFIG_SET_SAME;
}

static Sds oom_values_get(const void *var) {
    const int *v = ((const Config *)var)->oom_score_adj_values;
    return sds_catprintf(sds_empty(), "%d %d %d", v[0], v[1], v[2]);
}

static void oom_values_rewrite(const void *var, const char *name, ConfigRewriter *rw) {
    const Config *cfg = var;
    int force = memcmp(cfg->oom_score_adj_values, oom_defaults, sizeof(oom_defaults)) != 0;
    Sds v = oom_values_get(cfg);
    config_rewrite_line(rw, name, sds_catprintf(sds_empty(), "%s %s", name, v), force);
    sds_free(v);
}

/* ---------------------------------------------------------------------------
 * notify-keyspace-events: letters to flags and back
 * ------------------------------------------------------------------------- */

static const struct { char c; int flag; } notify_letters[] = {
    {'A', NOTIFY_ALL}, {'g', NOTIFY_GENERIC}, {'$', NOTIFY_STRING}, {'l', NOTIFY_LIST}, {'s', NOTIFY_SET},
    {'h', NOTIFY_HASH}, {'z', NOTIFY_ZSET}, {'x', NOTIFY_EXPIRED}, {'e', NOTIFY_EVICTED},
    {'K', NOTIFY_KEYSPACE}, {'E', NOTIFY_KEYEVENT}, {'t', NOTIFY_STREAM}, {'m', NOTIFY_KEY_MISS},
    {'d', NOTIFY_MODULE}, {'n', NOTIFY_NEW}};
#define NOTIFY_LETTERS ((int)(sizeof(notify_letters) / sizeof(notify_letters[0])))

/* -1 on a byte that is no class letter (a NUL included). */
static int notify_parse(const Sds s) {
    int flags = 0;
    for (size_t i = 0; i < sds_len(s); i++) {
        int k = 0;
        while (k < NOTIFY_LETTERS && notify_letters[k].c != s[i]) k++;
        if (k == NOTIFY_LETTERS) return -1;
        flags |= notify_letters[k].flag;
    }
    return flags;
}

/* The classes in Redis's order ("A" for all of them), then K, E and m. */
static Sds notify_render(int flags) {
    Sds s = sds_empty();
    if ((flags & NOTIFY_ALL) == NOTIFY_ALL) {
        s = sds_cat(s, "A");
    } else {
        for (int k = 1; k < NOTIFY_LETTERS; k++) {
            int f = notify_letters[k].flag;
            if ((flags & f) && f != NOTIFY_KEYSPACE && f != NOTIFY_KEYEVENT && f != NOTIFY_KEY_MISS)
                s = sds_catlen(s, &notify_letters[k].c, 1);
        }
    }
    if (flags & NOTIFY_KEYSPACE) s = sds_cat(s, "K");
    if (flags & NOTIFY_KEYEVENT) s = sds_cat(s, "E");
    if (flags & NOTIFY_KEY_MISS) s = sds_cat(s, "m");
    return s;
}

static void notify_store(Config *cfg, int flags) {
    Sds s = notify_render(flags);
    cfg->notify_keyspace_events = flags;
    config_set_cstr(&cfg->notify_keyspace_events_str, s);
    sds_free(s);
}

static int notify_set(void *var, Sds *argv, int argc, const char **err) {
    if (argc != 1) {
        *err = "wrong number of arguments";
        return CONFIG_SET_ERR;
    }
    int flags = notify_parse(argv[0]);
    if (flags == -1) {
        *err = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        return CONFIG_SET_ERR;
    }
    notify_store(var, flags);
    return CONFIG_SET_CHANGED;
}

static Sds notify_get(const void *var) { return notify_render(((const Config *)var)->notify_keyspace_events); }

static void notify_rewrite(const void *var, const char *name, ConfigRewriter *rw) {
    const Config *cfg = var;
    Sds flags = notify_render(cfg->notify_keyspace_events);
    Sds line = sds_catprintf(sds_empty(), "%s ", name);
    line = sds_catrepr(line, flags, sds_len(flags));
    sds_free(flags);
    config_rewrite_line(rw, name, line, cfg->notify_keyspace_events != 0);
}

/* ---------------------------------------------------------------------------
 * bind
 * ------------------------------------------------------------------------- */

static void bind_clear(Config *cfg) {
    for (int i = 0; i < cfg->bind_count; i++) {
        vfree(cfg->bind[i]);
        cfg->bind[i] = NULL;
    }
    cfg->bind_count = 0;
}

static int bind_set(void *var, Sds *argv, int argc, const char **err) {
    Config *cfg = var;
    if (argc > CONFIG_MAX_BIND) {
        *err = "Too many bind addresses specified.";
        return CONFIG_SET_ERR;
    }
    if (no_args(argv, argc)) argc = 0;
    bind_clear(cfg);
    for (int i = 0; i < argc; i++) cfg->bind[i] = vstrdup(argv[i]);
    cfg->bind_count = argc;
    return CONFIG_SET_CHANGED;
}

static Sds bind_get(const void *var) {
    const Config *cfg = var;
    Sds s = sds_empty();
    for (int i = 0; i < cfg->bind_count; i++) s = sds_catprintf(s, "%s%s", i ? " " : "", cfg->bind[i]);
    return s;
}

static void bind_rewrite(const void *var, const char *name, ConfigRewriter *rw) {
    const Config *cfg = var;
    if (cfg->bind_count == 2 && !strcmp(cfg->bind[0], "*") && !strcmp(cfg->bind[1], "-::*")) {
        config_rewrite_drop(rw, name);
        return;
    }
    Sds addrs = cfg->bind_count ? bind_get(cfg) : sds_new("\"\"");
    config_rewrite_line(rw, name, sds_catprintf(sds_empty(), "%s %s", name, addrs), 1);
    sds_free(addrs);
}

/* ---------------------------------------------------------------------------
 * replicaof: accepted, replication is not implemented; the value is kept here
 * ------------------------------------------------------------------------- */

typedef struct ReplicaOf {
    char *host;                    /* NULL: not a replica */
    int port;
} ReplicaOf;

static ReplicaOf replicaof_state;

const char *config_core_replicaof_host(void) { return replicaof_state.host; }

static int replicaof_set(void *var, Sds *argv, int argc, const char **err) {
    ReplicaOf *r = var;
    if (argc != 2) {
        *err = "wrong number of arguments";
        return CONFIG_SET_ERR;
    }
    if (!strcasecmp(argv[0], "no") && !strcasecmp(argv[1], "one")) {
        config_set_cstr(&r->host, NULL);
        return CONFIG_SET_CHANGED;
    }
    char *end;
    errno = 0;
    long port = strtol(argv[1], &end, 10);
    if (errno || port < 0 || port > 65535 || *end) {
        *err = "Invalid master port";
        return CONFIG_SET_ERR;
    }
    r->port = (int)port;
    config_set_cstr(&r->host, argv[0]);
    return CONFIG_SET_CHANGED;
}

static Sds replicaof_get(const void *var) {
    const ReplicaOf *r = var;
    if (!r->host) return sds_empty();
    return sds_catprintf(sds_empty(), "%s %d", r->host, r->port);
}

static int cluster_enabled(const Config *cfg) {
    ConfigEntry *cluster = config_lookup("cluster-enabled", NULL);
    return cluster && config_num_read(cfg, cluster);
}

static void replicaof_rewrite(const void *var, const char *name, ConfigRewriter *rw) {
    const ReplicaOf *r = var;
    if (!r->host || cluster_enabled(&server.cfg)) {
        config_rewrite_drop(rw, name);
        return;
    }
    config_rewrite_line(rw, name, sds_catprintf(sds_empty(), "%s %s %d", name, r->host, r->port), 1);
}

/* ---------------------------------------------------------------------------
 * latency-tracking-info-percentiles
 * ------------------------------------------------------------------------- */

#define PERCENTILES_MAX ((int)(sizeof(((Config *)0)->latency_tracking_info_percentiles) / sizeof(double)))

static int percentiles_set(void *var, Sds *argv, int argc, const char **err) {
    Config *cfg = var;
    double vals[PERCENTILES_MAX];
    if (no_args(argv, argc)) argc = 0;
    if (argc > PERCENTILES_MAX) {
        *err = "Invalid latency-tracking-info-percentiles parameters";
        return CONFIG_SET_ERR;
    }
    for (int j = 0; j < argc; j++) {
        if (!string2d(argv[j], sds_len(argv[j]), &vals[j])) {
            *err = "Invalid latency-tracking-info-percentiles parameters";
            return CONFIG_SET_ERR;
        }
        if (vals[j] > 100.0 || vals[j] < 0.0) {
            *err = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            return CONFIG_SET_ERR;
        }
    }
    memcpy(cfg->latency_tracking_info_percentiles, vals, sizeof(double) * (size_t)argc);
    cfg->latency_tracking_info_percentiles_len = argc;
    return CONFIG_SET_CHANGED;
}

/* "%f" without trailing zeros (and without the dot when nothing is left after it). */
static Sds percentile_cat(Sds s, double p) {
    char buf[128];
    int len = snprintf(buf, sizeof(buf), "%f", p);
    if (strchr(buf, '.')) {
        while (len > 0 && buf[len - 1] == '0') len--;
        if (len > 0 && buf[len - 1] == '.') len--;
    }
    return sds_catlen(s, buf, (size_t)len);
}

static Sds percentiles_get(const void *var) {
    const Config *cfg = var;
    Sds s = sds_empty();
    for (int j = 0; j < cfg->latency_tracking_info_percentiles_len; j++) {
        if (j) s = sds_cat(s, " ");
        s = percentile_cat(s, cfg->latency_tracking_info_percentiles[j]);
    }
    return s;
}

static void percentiles_rewrite(const void *var, const char *name, ConfigRewriter *rw) {
    const Config *cfg = var;
    Sds line = sds_new(name);
    if (!cfg->latency_tracking_info_percentiles_len) line = sds_cat(line, " \"\"");
    for (int j = 0; j < cfg->latency_tracking_info_percentiles_len; j++) {
        line = sds_cat(line, " ");
        line = percentile_cat(line, cfg->latency_tracking_info_percentiles[j]);
    }
    config_rewrite_line(rw, name, line, 1);
}

/* ---------------------------------------------------------------------------
 * The table, defaults and the end-of-load checks
 * ------------------------------------------------------------------------- */

#define S server.cfg
#define MULTI CONFIG_MULTI_ARG
#define BIN CONFIG_BINARY

ConfigDef config_special_table[] = {
    CONFIG_SPECIAL("requirepass", NULL, CONFIG_SENSITIVE | BIN, S, requirepass_set, requirepass_get,
                   .rewrite = requirepass_rewrite),
    CONFIG_SPECIAL("dir", NULL, CONFIG_PROTECTED | CONFIG_DENY_LOADING, S, dir_set, dir_get, .rewrite = dir_rewrite),
    CONFIG_SPECIAL("save", NULL, MULTI | BIN, S, save_set, save_get, .rewrite = save_rewrite),
    CONFIG_SPECIAL("client-output-buffer-limit", NULL, MULTI | BIN, S, obuf_set, obuf_get, .rewrite = obuf_rewrite),
    CONFIG_SPECIAL("oom-score-adj-values", NULL, MULTI | BIN, S, oom_values_set, oom_values_get,
                   .rewrite = oom_values_rewrite, .apply = oom_score_apply_hook),
    CONFIG_SPECIAL("notify-keyspace-events", NULL, BIN, S, notify_set, notify_get, .rewrite = notify_rewrite),
    CONFIG_SPECIAL("bind", NULL, MULTI, S, bind_set, bind_get, .rewrite = bind_rewrite),
    CONFIG_SPECIAL("replicaof", "slaveof", CONFIG_IMMUTABLE | MULTI | CONFIG_NOIMPL, replicaof_state, replicaof_set,
                   replicaof_get, .rewrite = replicaof_rewrite),
    CONFIG_SPECIAL("latency-tracking-info-percentiles", NULL, MULTI | BIN, S, percentiles_set, percentiles_get,
                   .rewrite = percentiles_rewrite),
    {0}};

void config_core_defaults(Config *cfg) {
    static const char *default_bind[] = {"*", "-::*"};
    static const SaveParam default_save[] = {{3600, 1}, {300, 100}, {60, 10000}};
    static const double default_percentiles[] = {50.0, 99.0, 99.9};
    for (int i = 0; i < 2; i++) cfg->bind[i] = vstrdup(default_bind[i]);
    cfg->bind_count = 2;
    for (int i = 0; i < 3; i++) save_append(cfg, default_save[i].seconds, default_save[i].changes);
    save_refresh_text(cfg);
    save_defaults_dropped = 0;
    memcpy(cfg->obuf_limits, obuf_defaults, sizeof(obuf_defaults));
    memcpy(cfg->oom_score_adj_values, oom_defaults, sizeof(oom_defaults));
    notify_store(cfg, 0);
    memcpy(cfg->latency_tracking_info_percentiles, default_percentiles, sizeof(default_percentiles));
    cfg->latency_tracking_info_percentiles_len = 3;
    cwd_refresh(cfg);
    config_set_cstr(&replicaof_state.host, NULL);
    replicaof_state.port = 0;
}

void config_core_free(Config *cfg) {
    bind_clear(cfg);
    save_clear(cfg);
    config_set_cstr(&cfg->save_params, NULL);
    config_set_cstr(&cfg->notify_keyspace_events_str, NULL);
    config_set_cstr(&cfg->dir, NULL);
    config_set_cstr(&cfg->configfile, NULL);
    requirepass_store(cfg, NULL, 0);
}

const char *config_core_check(Config *cfg) {
    static char msg[300];
    if (cfg->logfile && cfg->logfile[0]) {
        FILE *fp = fopen(cfg->logfile, "a");
        if (!fp) {
            snprintf(msg, sizeof(msg), "Can't open the log file: %s", strerror(errno));
            return msg;
        }
        fclose(fp);
    }
    if (cluster_enabled(cfg) && replicaof_state.host) return "replicaof directive not allowed in cluster mode";
    return NULL;
}
