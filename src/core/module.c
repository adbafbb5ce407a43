/* module.c - the subsystem registry: walks the list of modules (module.h) at
 * start-up to register their types, commands and directives, and calls their hooks
 * at the server's fixed points.
 * Invariants: modules are registered once, before the config file is read; the
 * order of hooks is the order of the list. Costs: each hook point is O(modules). */
#include "module.h"
#include "command.h"
#include "config.h"
#include "objtype.h"
#include "../base/panic.h"
#include <strings.h>

#define MAX_MODULES 64

static const Module *mods[MAX_MODULES];
static int nmods;

static void register_one(const Module *m) {
    if (nmods == MAX_MODULES) panic("too many modules (%d)", MAX_MODULES);
    if (m->info_section && modules_info_provider(m->info_section))
        panic("INFO section '%s' provided twice (module %s)", m->info_section, m->name);
    mods[nmods++] = m;
    if (m->type) objtype_register(m->type);
    if (m->commands) commands_register_table(m->commands);
    if (m->configs) config_register_table(m->configs);
    for (const DispatchCheckDef *d = m->checks; d && d->fn; d++) command_set_check(d->slot, d->fn);
}

void modules_register(const Module *const *extra) {
    if (nmods) panic("modules registered twice");
    commands_init();
    for (int i = 0; server_modules[i]; i++) register_one(server_modules[i]);
    for (int i = 0; extra && extra[i]; i++) register_one(extra[i]);
    commands_finalize();
}

void modules_init(void) {
    for (int i = 0; i < nmods; i++)
        if (mods[i]->init) mods[i]->init();
}

void modules_cron(void) {
    for (int i = 0; i < nmods; i++)
        if (mods[i]->cron) mods[i]->cron();
}

void modules_before_sleep(void) {
    for (int i = 0; i < nmods; i++)
        if (mods[i]->before_sleep) mods[i]->before_sleep();
}

void modules_client_reset(Client *c) {
    for (int i = 0; i < nmods; i++)
        if (mods[i]->client_reset) mods[i]->client_reset(c);
}

void modules_reset_stats(void) {
    for (int i = 0; i < nmods; i++)
        if (mods[i]->reset_stats) mods[i]->reset_stats();
}

int modules_output_barrier(void) {
    for (int i = 0; i < nmods; i++)
        if (mods[i]->output_barrier && mods[i]->output_barrier()) return 1;
    return 0;
}

void modules_flushall(void) {
    for (int i = 0; i < nmods; i++)
        if (mods[i]->flushall) mods[i]->flushall();
}

int modules_shutdown(int flags) {
    int res = 0;
    for (int i = 0; i < nmods; i++)
        if (mods[i]->shutdown && mods[i]->shutdown(flags) == -1) res = -1;
    return res;
}

const Module *modules_info_provider(const char *name) {
    for (int i = 0; i < nmods; i++)
        if (mods[i]->info_section && mods[i]->info && !strcasecmp(mods[i]->info_section, name)) return mods[i];
    return NULL;
}

const Module *modules_next_info(int *cursor) {
    while (*cursor < nmods) {
        const Module *m = mods[(*cursor)++];
        if (m->info_section && m->info) return m;
    }
    return NULL;
}

const InfoGauge *modules_find_gauge(const char *name) {
    for (int i = 0; i < nmods; i++) {
        if (!mods[i]->gauges) continue;
        for (const InfoGauge *g = mods[i]->gauges; g->name; g++)
            if (!strcasecmp(g->name, name)) return g;
    }
    return NULL;
}

long long modules_gauge(const char *name) {
    for (int i = 0; i < nmods; i++) {
        if (!mods[i]->gauges) continue;
        for (const InfoGauge *g = mods[i]->gauges; g->name; g++)
            if (!strcasecmp(g->name, name)) return g->get();
    }
    return 0;
}

void (*modules_debug_handler(const char *name))(Client *c) {
    for (int i = 0; i < nmods; i++) {
        if (!mods[i]->debug) continue;
        for (const DebugExt *d = mods[i]->debug; d->name; d++)
            if (!strcasecmp(d->name, name)) return d->fn;
    }
    return NULL;
}

const Module *modules_at(int i) { return i >= 0 && i < nmods ? mods[i] : NULL; }
