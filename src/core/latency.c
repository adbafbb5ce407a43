/* latency.c - the latency monitor (LATENCY LATEST/HISTORY/RESET/GRAPH/DOCTOR)
 * and the per-command latency histograms (LATENCY HISTOGRAM, INFO latencystats).
 *
 * Monitor: each event ("command", "fast-command", "expire-cycle", ...) keeps the
 * last 160 one-per-second samples in a ring, plus its all-time maximum; samples
 * are recorded only at or above latency-monitor-threshold ms.
 * Histograms: one per command that ran, indexed by Command.id. Values are in
 * nanoseconds, clamped to [1, 1e9], counted in log-linear buckets with two
 * significant decimal digits (256 sub-buckets per power of two, as HdrHistogram
 * lays them out), so percentiles and the cumulative distribution report the
 * same bucket edges Redis does. Costs: O(1) to record; O(3072) per histogram to
 * report; 24 KB per command that ran. */
#include "servercmds_priv.h"
#include "command.h"
#include "server.h"
#include "../base/alloc.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---------------- histograms ---------------- */

#define HIST_SUB_BITS 8                        /* 256 sub-buckets: 2 significant digits */
#define HIST_HALF (1 << (HIST_SUB_BITS - 1))
#define HIST_BUCKETS 23                        /* enough for 1e9 */
#define HIST_COUNTS ((HIST_BUCKETS + 1) * HIST_HALF)
#define HIST_MIN 1LL
#define HIST_MAX 1000000000LL

typedef struct Histogram {
    long long total;
    long long counts[HIST_COUNTS];
} Histogram;

static Histogram **hists;      /* by Command.id */
static size_t nhists;

static int hist_bucket(long long v) {
    return 64 - __builtin_clzll((unsigned long long)v | ((1ULL << HIST_SUB_BITS) - 1)) - HIST_SUB_BITS;
}

static int hist_index(long long v) {
    int b = hist_bucket(v);
    long long sub = v >> b;
    return ((b + 1) << (HIST_SUB_BITS - 1)) + (int)(sub - HIST_HALF);
}

static long long hist_value_at(int idx) {
    int b = (idx >> (HIST_SUB_BITS - 1)) - 1;
    long long sub = (idx & (HIST_HALF - 1)) + HIST_HALF;
    if (b < 0) {
        sub -= HIST_HALF;
        b = 0;
    }
    return sub << b;
}

/* Largest value counted in the same bucket as v. */
static long long hist_highest_equivalent(long long v) {
    int b = hist_bucket(v);
    long long sub = v >> b;
    int size_bits = sub >= (1LL << HIST_SUB_BITS) ? b + 1 : b;
    return (sub << b) + (1LL << size_bits) - 1;
}

void latency_record_command(const void *cmdp, long long duration_us) {
    const Command *cmd = cmdp;
    if (cmd->id >= nhists) {
        size_t n = nhists ? nhists : 64;
        while (n <= cmd->id) n *= 2;
        hists = vrealloc(hists, sizeof(*hists) * n);
        memset(hists + nhists, 0, sizeof(*hists) * (n - nhists));
        nhists = n;
    }
    Histogram *h = hists[cmd->id];
    if (!h) h = hists[cmd->id] = vcalloc(sizeof(Histogram));
    long long v = duration_us * 1000;
    if (v < HIST_MIN) v = HIST_MIN;
    if (v > HIST_MAX) v = HIST_MAX;
    h->counts[hist_index(v)]++;
    h->total++;
}

static Histogram *hist_of(const Command *cmd) { return cmd->id < nhists ? hists[cmd->id] : NULL; }

void latency_reset_histograms(void) {
    for (size_t i = 0; i < nhists; i++) {
        vfree(hists[i]);
        hists[i] = NULL;
    }
}

static long long hist_value_at_percentile(const Histogram *h, double p) {
    long long want = (long long)((p < 100.0 ? p : 100.0) / 100 * (double)h->total + 0.5);
    if (want < 1) want = 1;
    long long seen = 0;
    for (int i = 0; i < HIST_COUNTS; i++) {
        seen += h->counts[i];
        if (seen >= want) {
            long long v = hist_value_at(i);
            return p == 0.0 ? v : hist_highest_equivalent(v);
        }
    }
    return 0;
}

/* Number of samples whose value is at most v's bucket's highest value. */
static long long hist_count_upto(const Histogram *h, long long v) {
    int last = hist_index(v);
    long long n = 0;
    for (int i = 0; i <= last && i < HIST_COUNTS; i++) n += h->counts[i];
    return n;
}

/* {calls, histogram_usec: {usec: cumulative count ...}} at powers of two from 1024 ns. */
static void reply_histogram(Client *c, const Histogram *h) {
    reply_map_len(c, 2);
    reply_bulk_cstr(c, "calls");
    reply_long(c, h->total);
    reply_bulk_cstr(c, "histogram_usec");
    void *len = reply_deferred_len(c);
    long n = 0;
    long long prev = 0;
    for (long long level = 1024; level <= HIST_MAX * 2; level *= 2) {
        long long cum = hist_count_upto(h, level);
        if (cum > prev) {
            reply_long(c, hist_highest_equivalent(level) / 1000);
            reply_long(c, cum);
            n++;
            prev = cum;
        }
        if (cum >= h->total) break;
    }
    reply_set_deferred_map_len(c, len, n);
}

static int reply_command_histogram(Client *c, const Command *cmd) {
    const Histogram *h = hist_of(cmd);
    if (!h) return 0;
    reply_bulk_cstr(c, cmd->fullname);
    reply_histogram(c, h);
    return 1;
}

static long reply_tree_histograms(Client *c, const Command *cmd) {
    long n = reply_command_histogram(c, cmd);
    if (cmd->subcommands)
        for (const Command *s = cmd->subcommands; s->name; s++) n += reply_command_histogram(c, s);
    return n;
}

void latency_histogram_cmd(Client *c) {
    void *len = reply_deferred_len(c);
    long n = 0;
    if (c->argc == 2) {
        long cursor = 0;
        Command *cmd;
        while ((cmd = command_table_next(&cursor))) n += reply_tree_histograms(c, cmd);
    } else {
        for (int i = 2; i < c->argc; i++) {
            Command *cmd = command_lookup_by_fullname(arg_str(c, i));
            if (cmd) n += reply_tree_histograms(c, cmd);
        }
    }
    reply_set_deferred_map_len(c, len, n);
}

/* "99.900000" -> "99.9", "50.000000" -> "50". */
static void trim_double(char *buf) {
    if (!strchr(buf, '.')) return;
    size_t n = strlen(buf);
    while (n && buf[n - 1] == '0') buf[--n] = '\0';
    if (n && buf[n - 1] == '.') buf[--n] = '\0';
}

static Sds info_safe_name(Sds info, const char *name) {
    for (const char *p = name; *p; p++) {
        char ch = *p;
        if (ch == '#' || ch == ':' || ch == '\n' || ch == '\r') ch = '_';
        info = sds_catlen(info, &ch, 1);
    }
    return info;
}

static Sds percentiles_line(Sds info, const Command *cmd, const Histogram *h) {
    info = sds_cat(info, "latency_percentiles_usec_");
    info = info_safe_name(info, cmd->fullname);
    info = sds_cat(info, ":");
    int n = server.cfg.latency_tracking_info_percentiles_len;
    for (int j = 0; j < n; j++) {
        char p[64];
        double pct = server.cfg.latency_tracking_info_percentiles[j];
        snprintf(p, sizeof(p), "%f", pct);
        trim_double(p);
        info = sds_catprintf(info, "p%s=%.3f", p, (double)hist_value_at_percentile(h, pct) / 1000.0);
        if (j != n - 1) info = sds_cat(info, ",");
    }
    return sds_cat(info, "\r\n");
}

Sds latency_info_percentiles(Sds info) {
    long cursor = 0;
    Command *cmd;
    while ((cmd = command_table_next(&cursor))) {
        const Histogram *h = hist_of(cmd);
        if (h) info = percentiles_line(info, cmd, h);
        if (!cmd->subcommands) continue;
        for (const Command *s = cmd->subcommands; s->name; s++)
            if ((h = hist_of(s))) info = percentiles_line(info, s, h);
    }
    return info;
}

/* ---------------- latency monitor events ---------------- */

#define LATENCY_TS_LEN 160
#define MAX_EVENTS 64

typedef struct LatencySample {
    int32_t time;
    uint32_t latency;
} LatencySample;

typedef struct LatencySeries {
    char name[64];
    int idx;
    uint32_t max;
    LatencySample samples[LATENCY_TS_LEN];
} LatencySeries;

static LatencySeries *events[MAX_EVENTS];
static int nevents;

static LatencySeries *event_find(const char *name) {
    for (int i = 0; i < nevents; i++)
        if (!strcmp(events[i]->name, name)) return events[i];
    return NULL;
}

static void latency_add_sample(const char *event, long long ms) {
    LatencySeries *ts = event_find(event);
    time_t now = time(NULL);
    if (!ts) {
        if (nevents == MAX_EVENTS) return;
        ts = vcalloc(sizeof(*ts));
        snprintf(ts->name, sizeof(ts->name), "%s", event);
        events[nevents++] = ts;
    }
    if (ms > ts->max) ts->max = (uint32_t)ms;
    int prev = (ts->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
    if (ts->samples[prev].time == (int32_t)now) {
        if (ms > ts->samples[prev].latency) ts->samples[prev].latency = (uint32_t)ms;
        return;
    }
    ts->samples[ts->idx].time = (int32_t)now;
    ts->samples[ts->idx].latency = (uint32_t)ms;
    ts->idx = (ts->idx + 1) % LATENCY_TS_LEN;
}

void latency_add_sample_if_needed(const char *event, long long ms) {
    if (server.cfg.latency_monitor_threshold && ms >= server.cfg.latency_monitor_threshold)
        latency_add_sample(event, ms);
}

/* Removes the event (NULL: all); returns how many were removed. */
static int latency_reset_event(const char *name) {
    int removed = 0;
    for (int i = 0; i < nevents;) {
        if (name && strcmp(events[i]->name, name) != 0) {
            i++;
            continue;
        }
        vfree(events[i]);
        memmove(events + i, events + i + 1, sizeof(events[0]) * (size_t)(nevents - i - 1));
        nevents--;
        removed++;
    }
    return removed;
}

void latency_latest_cmd(Client *c) {
    reply_array_len(c, nevents);
    for (int i = 0; i < nevents; i++) {
        LatencySeries *ts = events[i];
        int last = (ts->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
        reply_array_len(c, 4);
        reply_bulk_cstr(c, ts->name);
        reply_long(c, ts->samples[last].time);
        reply_long(c, ts->samples[last].latency);
        reply_long(c, ts->max);
    }
}

void latency_history_cmd(Client *c) {
    LatencySeries *ts = event_find(arg_str(c, 2));
    if (!ts) {
        reply_array_len(c, 0);
        return;
    }
    void *len = reply_deferred_len(c);
    long n = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        const LatencySample *s = &ts->samples[(ts->idx + j) % LATENCY_TS_LEN];
        if (s->time == 0) continue;
        reply_array_len(c, 2);
        reply_long(c, s->time);
        reply_long(c, s->latency);
        n++;
    }
    reply_set_deferred_array_len(c, len, n);
}

void latency_reset_cmd(Client *c) {
    if (c->argc == 2) {
        reply_long(c, latency_reset_event(NULL));
        return;
    }
    long long n = 0;
    for (int j = 2; j < c->argc; j++) n += latency_reset_event(arg_str(c, j));
    reply_long(c, n);
}

/* Average, mean absolute deviation and the span of time covered by the samples. */
typedef struct EventStats {
    int samples;
    unsigned long avg, mad;
    long long period;
} EventStats;

static EventStats event_stats(const LatencySeries *ts) {
    EventStats st = {0, 0, 0, 0};
    unsigned long long sum = 0;
    long long oldest = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        const LatencySample *s = &ts->samples[j];
        if (s->time == 0) continue;
        st.samples++;
        sum += s->latency;
        if (oldest == 0 || s->time < oldest) oldest = s->time;
    }
    if (!st.samples) return st;
    st.avg = (unsigned long)(sum / (unsigned long long)st.samples);
    st.period = (long long)time(NULL) - oldest;
    if (st.period == 0) st.period = 1;
    sum = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        const LatencySample *s = &ts->samples[j];
        if (s->time == 0) continue;
        long long d = (long long)st.avg - (long long)s->latency;
        sum += (unsigned long long)(d < 0 ? -d : d);
    }
    st.mad = (unsigned long)(sum / (unsigned long long)st.samples);
    return st;
}

void latency_doctor_cmd(Client *c) {
    Sds r = sds_empty();
    if (nevents == 0 && server.cfg.latency_monitor_threshold == 0) {
        r = sds_cat(r, "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. "
                       "You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. "
                       "If we weren't in a deep space mission I'd suggest to take a look at "
                       "https://redis.io/topics/latency-monitor.\n");
    } else if (nevents == 0) {
        r = sds_cat(r, "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the "
                       "slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think "
                       "things over.\n");
    } else {
        r = sds_cat(r, "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about "
                       "it, do you Dave?\n\n");
        for (int i = 0; i < nevents; i++) {
            EventStats st = event_stats(events[i]);
            r = sds_catprintf(r, "%d. %s: %d latency spikes (average %lums, mean deviation %lums, period %.2f sec). "
                                 "Worst all time event %lums.\n",
                              i + 1, events[i]->name, st.samples, st.avg, st.mad,
                              st.samples ? (double)st.period / st.samples : 0.0, (unsigned long)events[i]->max);
        }
        r = sds_cat(r, "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use "
                       "the Redis community to get some help, providing this report in your help request.\n");
    }
    reply_verbatim(c, r, sds_len(r), "txt");
    sds_free(r);
}

/* A compact bar chart of the samples, oldest first, with "how long ago" labels. */
static Sds latency_graph(Sds g, const LatencySeries *ts) {
    enum { ROWS = 4 };
    uint32_t vals[LATENCY_TS_LEN], min = 0, max = 0;
    char labels[LATENCY_TS_LEN][24];
    int n = 0;
    time_t now = time(NULL);
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        const LatencySample *s = &ts->samples[(ts->idx + j) % LATENCY_TS_LEN];
        if (s->time == 0) continue;
        if (n == 0 || s->latency < min) min = s->latency;
        if (n == 0 || s->latency > max) max = s->latency;
        long long ago = (long long)now - s->time;
        if (ago < 60) snprintf(labels[n], sizeof(labels[n]), "%llds", ago);
        else if (ago < 3600) snprintf(labels[n], sizeof(labels[n]), "%lldm", ago / 60);
        else if (ago < 86400) snprintf(labels[n], sizeof(labels[n]), "%lldh", ago / 3600);
        else snprintf(labels[n], sizeof(labels[n]), "%lldd", ago / 86400);
        vals[n++] = s->latency;
    }
    g = sds_catprintf(g, "%s - high %lu ms, low %lu ms (all time high %lu ms)\n", ts->name, (unsigned long)max,
                      (unsigned long)min, (unsigned long)ts->max);
    for (int j = 0; j < 80; j++) g = sds_cat(g, "-");
    g = sds_cat(g, "\n");
    double range = max > min ? (double)(max - min) : 1.0;
    for (int row = ROWS; row >= 1; row--) {
        for (int i = 0; i < n; i++) {
            int h = 1 + (int)((vals[i] - min) * (ROWS - 1) / range + 0.5);
            g = sds_cat(g, h >= row ? "#" : " ");
        }
        g = sds_cat(g, "\n");
    }
    for (int line = 0; line < 4; line++) {
        for (int i = 0; i < n; i++) g = sds_catlen(g, (int)strlen(labels[i]) > line ? &labels[i][line] : " ", 1);
        g = sds_cat(g, "\n");
    }
    return g;
}

void latency_graph_cmd(Client *c) {
    LatencySeries *ts = event_find(arg_str(c, 2));
    if (!ts) {
        reply_errorf(c, "No samples available for event '%s'", arg_str(c, 2));
        return;
    }
    Sds g = latency_graph(sds_empty(), ts);
    reply_verbatim(c, g, sds_len(g), "txt");
    sds_free(g);
}

void latency_help_cmd(Client *c) {
    static const char *help[] = {
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
        NULL};
    reply_help(c, help);
}
