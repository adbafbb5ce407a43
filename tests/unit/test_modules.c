/* test_modules.c - the subsystem descriptors (core/module.c, src/app/modules.c):
 * every built-in module's commands are in the command table (and nothing else
 * is), its type is registered, its info section, gauges and DEBUG subcommands are
 * reachable; and two test modules with every hook set prove the server calls each
 * hook from its real path, in list order: init (modules_init), cron
 * (server_cron_tick), before_sleep (server_before_sleep), client_reset (RESET, a
 * freed client, a client the server closes), reset_stats (CONFIG RESETSTAT),
 * flushall (FLUSHALL), output_barrier (modules_output_barrier, asked by write handlers), info
 * sections (INFO, a new section and one replacing a built-in placeholder), gauges
 * (read by the built-in INFO sections), DEBUG subcommands, and a data type's
 * descriptor (freeing, COPY, DEBUG DIGEST-VALUE, MEMORY USAGE). */
#include "harness.h"

extern const Module *const server_modules[];

/* ---------------- the test modules ---------------- */

typedef struct Hits {
    int init, cron, before_sleep, client_reset, reset_stats, info, debug, flushall, barrier;
    int type_free, type_dup, type_digest, type_mem;
    uint64_t last_reset_id;
    char order[64];          /* "a" and "b" per init/cron call, in call order */
} Hits;

static Hits hits;

static void note(const char *who) { strncat(hits.order, who, sizeof(hits.order) - strlen(hits.order) - 1); }

static void a_init(void) { hits.init++; note("a"); }
static void b_init(void) { note("b"); }
static void a_cron(void) { hits.cron++; note("a"); }
static void b_cron(void) { note("b"); }
static void a_before_sleep(void) { hits.before_sleep++; }
static void a_client_reset(Client *c) {
    hits.client_reset++;
    hits.last_reset_id = c->id;
}
static void a_reset_stats(void) { hits.reset_stats++; }
static void a_flushall(void) { hits.flushall++; }
static int a_output_barrier(void) { return hits.barrier; }
static Sds a_info(Sds s) {
    hits.info++;
    return sds_catprintf(s, "testmod_inits:%d\r\ntestmod_answer:42\r\n", hits.init);
}
static Sds b_info(Sds s) { return sds_cat(s, "cluster_enabled:0\r\ntestmod_cluster:1\r\n"); }

static long long gauge_channels(void) { return 5; }
static long long gauge_tracking(void) { return 7; }
static long long gauge_blocked(void) { return 99; }

/* DEBUG TESTMOD-ECHO arg...: the arguments back. */
static void a_debug_echo(Client *c) {
    hits.debug++;
    reply_array_len(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) reply_bulk_obj(c, c->argv[i]);
}

/* A data type: the value is one allocated long long, under type id 15 (free: the
 * built-in types use 0-6, bloom OBJ_MODULE). Its descriptor's name must be what
 * obj_type_name() says for the type id (objtype_register checks). */
#define TEST_OBJ_TYPE 15
static void t_free(Obj *o) {
    hits.type_free++;
    vfree(o->ptr);
}
static Obj *t_dup(const Obj *o) {
    hits.type_dup++;
    long long *v = vmalloc(sizeof(long long));
    *v = *(long long *)o->ptr;
    return obj_new(TEST_OBJ_TYPE, v);
}
static void t_digest(const Obj *o, uint8_t d[20]) {
    hits.type_digest++;
    debug_digest_add(d, o->ptr, sizeof(long long));
}
static size_t t_mem(const Obj *o, long long samples) {
    (void)o;
    (void)samples;
    hits.type_mem++;
    return 1000;
}

static const ObjType test_type = {.type = TEST_OBJ_TYPE, .name = "none", .free_value = t_free, .dup = t_dup,
                                  .digest = t_digest, .mem_usage = t_mem};

static void tm_ping(Client *c) { reply_status(c, "testmod-pong"); }

static Command a_commands[] = {
    {.name = "testmod.ping", .proc = tm_ping, .arity = 1, .flags = CMD_FAST, .group = "server",
     .summary = "test", .since = "0.0.0", .complexity = "O(1)"},
    {0}};

static const InfoGauge a_gauges[] = {
    {"testmod_gauge", gauge_channels}, /* a gauge no built-in module provides */
    {"pubsub_channels", gauge_channels}, /* the pub/sub module provides it first */
    {"tracking_clients", gauge_tracking},
    {"blocked_clients", gauge_blocked}, /* the blocking module provides it first */
    {NULL, NULL}};

static const DebugExt a_debug[] = {{"testmod-echo", a_debug_echo}, {NULL, NULL}};

static const Module testmod_a = {
    .name = "testmod-a",
    .commands = a_commands,
    .type = &test_type,
    .init = a_init,
    .cron = a_cron,
    .before_sleep = a_before_sleep,
    .client_reset = a_client_reset,
    .reset_stats = a_reset_stats,
    .flushall = a_flushall,
    .output_barrier = a_output_barrier,
    .info_section = "testmod",
    .info = a_info,
    .gauges = a_gauges,
    .debug = a_debug,
};

static const Module testmod_b = {
    .name = "testmod-b",
    .init = b_init,
    .cron = b_cron,
    .info_section = "cluster", /* replaces the built-in placeholder */
    .info = b_info,
};

static const Module *const extra_modules[] = {&testmod_a, &testmod_b, NULL};

static Sds info(Client *c, const char *line) {
    Sds r = h_run(c, line);
    assert_true(r[0] == '$');
    return r;
}

static void assert_contains(const char *hay, const char *needle) {
    if (strstr(hay, needle)) return;
    Sds h = h_repr(hay, strlen(hay)), n = h_repr(needle, strlen(needle));
    print_error("%s\n  does not contain %s\n", h, n);
    sds_free(h);
    sds_free(n);
    fail();
}

/* ---------------- every module ---------------- */

static int n_builtin(void) {
    int n = 0;
    while (server_modules[n]) n++;
    return n;
}

static void test_registry_lists_every_module(void **state) {
    (void)state;
    int n = n_builtin();
    assert_true(n >= 9);
    for (int i = 0; i < n; i++) {
        assert_ptr_equal(modules_at(i), server_modules[i]);
        assert_non_null(server_modules[i]->name);
        for (int j = 0; j < i; j++) assert_string_not_equal(server_modules[i]->name, server_modules[j]->name);
    }
    assert_ptr_equal(modules_at(n), &testmod_a);
    assert_ptr_equal(modules_at(n + 1), &testmod_b);
    assert_null(modules_at(n + 2));
    assert_null(modules_at(-1));
}

static const Module *owner_of(const Command *cmd) {
    for (int i = 0; modules_at(i); i++) {
        const Module *m = modules_at(i);
        for (const Command *c = m->commands; c && c->name; c++)
            if (c == cmd) return m;
    }
    return NULL;
}

static void test_commands_are_in_the_table(void **state) {
    (void)state;
    long declared = 0;
    for (int i = 0; modules_at(i); i++) {
        const Module *m = modules_at(i);
        for (Command *c = m->commands; c && c->name; c++) {
            declared++;
            assert_ptr_equal(command_lookup_name(c->name, strlen(c->name)), c);
            assert_string_equal(c->fullname, c->name);
            assert_null(c->parent);
            for (Command *s = c->subcommands; s && s->name; s++) {
                assert_ptr_equal(command_find_subcommand(c, s->name, strlen(s->name)), s);
                assert_ptr_equal(s->parent, c);
                assert_ptr_equal(command_lookup_by_fullname(s->fullname), s);
            }
        }
    }
    /* and the table holds nothing that no module declares */
    long cursor = 0, listed = 0;
    Command *cmd;
    while ((cmd = command_table_next(&cursor))) {
        listed++;
        if (!owner_of(cmd)) fail_msg("command %s belongs to no module", cmd->name);
    }
    assert_int_equal(listed, declared);
    /* the test module's command runs through dispatch */
    Client *c = h_fake();
    h_expect(c, "TESTMOD.PING", "+testmod-pong\r\n");
}

static void test_types_are_registered(void **state) {
    (void)state;
    int providers[16] = {0};
    for (int i = 0; modules_at(i); i++) {
        const ObjType *t = modules_at(i)->type;
        if (!t) continue;
        assert_ptr_equal(objtype_get(t->type), t);
        assert_string_equal(t->name, obj_type_name(t->type) );
        providers[t->type]++;
    }
    for (int t = 0; t < 16; t++) {
        assert_true(providers[t] <= 1);
        if (!providers[t]) assert_null(objtype_get(t));
    }
    assert_non_null(objtype_get(OBJ_STRING)); /* the strings module's */
    assert_null(objtype_get(99));
}

static void test_info_gauges_and_debug_of_every_module(void **state) {
    (void)state;
    Client *c = h_fake();
    for (int i = 0; modules_at(i); i++) {
        const Module *m = modules_at(i);
        if (m->info_section && m->info) {
            assert_ptr_equal(modules_info_provider(m->info_section), m);
            char line[80];
            snprintf(line, sizeof(line), "INFO %s", m->info_section);
            Sds text = info(c, line);
            Sds body = m->info(sds_empty());
            assert_contains(text, body);
            sds_free(body);
            sds_free(text);
        }
        for (const InfoGauge *g = m->gauges; g && g->name; g++) {
            /* the first module providing a name is the one read */
            const Module *first = NULL;
            for (int j = 0; modules_at(j) && !first; j++)
                for (const InfoGauge *h = modules_at(j)->gauges; h && h->name; h++)
                    if (!strcmp(h->name, g->name)) first = modules_at(j);
            if (first == m) assert_int_equal(modules_gauge(g->name), g->get());
        }
        for (const DebugExt *d = m->debug; d && d->name; d++) assert_ptr_equal(modules_debug_handler(d->name), d->fn);
    }
    assert_int_equal(modules_gauge("no-such-gauge"), 0);
    assert_null(modules_debug_handler("no-such-subcommand"));
    assert_null(modules_info_provider("no-such-section"));
}

/* ---------------- the test module's hooks, from the real paths ---------------- */

static void test_init_runs_once_in_order(void **state) {
    (void)state;
    assert_int_equal(hits.init, 1);
    assert_string_equal(hits.order, "ab");
}

static void test_cron_and_before_sleep(void **state) {
    (void)state;
    hits.order[0] = '\0';
    int cron = hits.cron, sleep = hits.before_sleep;
    server_cron_tick();
    server_cron_tick();
    assert_int_equal(hits.cron - cron, 2);
    assert_string_equal(hits.order, "abab");
    server_before_sleep();
    assert_int_equal(hits.before_sleep - sleep, 1);
    assert_int_equal(hits.cron - cron, 2);
}

static void test_client_reset(void **state) {
    (void)state;
    Client *c = h_fake();
    int n = hits.client_reset;
    h_expect(c, "RESET", "+RESET\r\n");
    assert_int_equal(hits.client_reset - n, 1);
    assert_int_equal(hits.last_reset_id, c->id);
    uint64_t id = c->id;
    h_free(c);
    assert_int_equal(hits.client_reset - n, 2);
    assert_int_equal(hits.last_reset_id, id);
    /* a client the server closes (CLIENT KILL) is reset when it is freed */
    Client *victim = h_conn(), *killer = h_fake();
    char line[64];
    snprintf(line, sizeof(line), "CLIENT KILL ID %llu", (unsigned long long)victim->id);
    id = victim->id;
    h_expect(killer, line, ":1\r\n");
    assert_int_equal(hits.client_reset - n, 2); /* not before the event loop turn ends */
    h_untrack(victim);
    server_before_sleep();
    assert_int_equal(hits.client_reset - n, 3);
    assert_int_equal(hits.last_reset_id, id);
}

static void test_reset_stats(void **state) {
    (void)state;
    Client *c = h_fake();
    int n = hits.reset_stats;
    h_expect(c, "CONFIG RESETSTAT", "+OK\r\n");
    assert_int_equal(hits.reset_stats - n, 1);
}

static void test_flushall_and_barrier(void **state) {
    (void)state;
    Client *c = h_fake();
    int n = hits.flushall;
    h_expect(c, "FLUSHDB", "+OK\r\n");
    assert_int_equal(hits.flushall - n, 0); /* FLUSHALL only */
    h_expect(c, "FLUSHALL", "+OK\r\n");
    assert_int_equal(hits.flushall - n, 1);
    hits.barrier = 0;
    assert_int_equal(modules_output_barrier(), 0);
    hits.barrier = 1;
    assert_int_equal(modules_output_barrier(), 1);
    hits.barrier = 0;
}

static void test_info_sections(void **state) {
    (void)state;
    Client *c = h_fake();
    /* a section of its own: INFO <name>, INFO all/everything, not the default */
    Sds text = info(c, "INFO testmod");
    assert_contains(text, "\r\n# Testmod\r\ntestmod_inits:1\r\ntestmod_answer:42\r\n");
    sds_free(text);
    text = info(c, "INFO TESTMOD");
    assert_contains(text, "# Testmod\r\n");
    sds_free(text);
    text = info(c, "INFO everything");
    assert_contains(text, "# Testmod\r\ntestmod_inits:1\r\n");
    assert_contains(text, "# Keyspace\r\n");
    sds_free(text);
    text = info(c, "INFO all");
    assert_contains(text, "# Testmod\r\n");
    sds_free(text);
    text = info(c, "INFO");
    assert_true(strstr(text, "# Testmod") == NULL);
    assert_contains(text, "# Server\r\n");
    sds_free(text);
    /* a built-in section's body comes from the module that provides it */
    text = info(c, "INFO cluster");
    assert_contains(text, "# Cluster\r\ncluster_enabled:0\r\ntestmod_cluster:1\r\n");
    sds_free(text);
    text = info(c, "INFO");
    assert_contains(text, "# Cluster\r\ncluster_enabled:0\r\ntestmod_cluster:1\r\n");
    sds_free(text);
}

static void test_gauges_through_info(void **state) {
    (void)state;
    Client *c = h_fake();
    Sds text = info(c, "INFO clients");
    Sds v = h_info_field(text, "tracking_clients");
    assert_non_null(v);
    assert_string_equal(v, "0"); /* the tracking module provides it first */
    sds_free(v);
    /* blocked_clients is the blocking module's (listed first), not the test's 99 */
    v = h_info_field(text, "blocked_clients");
    assert_string_equal(v, "0");
    sds_free(v);
    sds_free(text);
    text = info(c, "INFO stats");
    v = h_info_field(text, "pubsub_channels");
    assert_string_equal(v, "0");
    sds_free(v);
    sds_free(text);
    assert_int_equal(modules_gauge("blocked_clients"), 0);
    /* every INFO template field has a built-in provider now, so the test's own gauge
     * is read by name (case-insensitively) */
    assert_int_equal(modules_gauge("TESTMOD_GAUGE"), 5);
}

static void test_debug_subcommand(void **state) {
    (void)state;
    Client *c = h_fake();
    int n = hits.debug;
    h_expect(c, "DEBUG testmod-echo a bc", "*2\r\n$1\r\na\r\n$2\r\nbc\r\n");
    h_expect(c, "DEBUG TESTMOD-ECHO", "*0\r\n");
    assert_int_equal(hits.debug - n, 2);
    /* DEBUG's own gate comes first */
    server.cfg.enable_debug_cmd = 0;
    h_expect_match(c, "DEBUG testmod-echo a", "-ERR DEBUG command not allowed.*");
    server.cfg.enable_debug_cmd = 1;
    assert_int_equal(hits.debug - n, 2);
    h_expect(c, "DEBUG no-such-thing", "-ERR unknown subcommand or wrong number of arguments for 'no-such-thing'. Try DEBUG HELP.\r\n");
}

static void test_type_descriptor_is_used(void **state) {
    (void)state;
    Client *c = h_fake();
    Db *db = db_get(0);
    long long *v = vmalloc(sizeof(long long));
    *v = 1234;
    db_add(db, "m", 1, obj_new(TEST_OBJ_TYPE, v));
    Hits before = hits;
    /* COPY goes through dup, and the copy owns its own value */
    h_expect(c, "COPY m m2", ":1\r\n");
    assert_int_equal(hits.type_dup - before.type_dup, 1);
    Obj *copy = db_find(db, "m2", 2);
    assert_non_null(copy);
    assert_true(copy->ptr != v);
    assert_int_equal(*(long long *)copy->ptr, 1234);
    /* DEBUG DIGEST-VALUE through digest: equal values, equal digests */
    Sds d = h_run(c, "DEBUG DIGEST-VALUE m m2 nokey");
    assert_int_equal(hits.type_digest - before.type_digest, 2);
    /* *3, then three 40-hex digests: m and m2 equal, a missing key all zeros */
    const char *p1 = d + 4, *p2 = p1 + 43, *p3 = p2 + 43;
    assert_int_equal(sds_len(d), 4 + 3 * 43);
    assert_memory_equal(p1, p2, 41);
    assert_memory_not_equal(p1, p3, 41);
    assert_memory_equal(p3, "+0000000000000000000000000000000000000000", 41);
    sds_free(d);
    /* MEMORY USAGE through mem_usage */
    Sds mem = h_run(c, "MEMORY USAGE m");
    assert_true(hits.type_mem - before.type_mem >= 1);
    assert_true(atoll(mem + 1) >= 1000);
    sds_free(mem);
    /* freeing: DEL, an overwrite, FLUSHALL */
    h_expect(c, "DEL m", ":1\r\n");
    assert_int_equal(hits.type_free - before.type_free, 1);
    h_expect(c, "SET m2 string", "+OK\r\n");
    assert_int_equal(hits.type_free - before.type_free, 2);
    v = vmalloc(sizeof(long long));
    *v = 5;
    db_add(db, "m3", 2, obj_new(TEST_OBJ_TYPE, v));
    h_expect(c, "FLUSHALL", "+OK\r\n");
    assert_int_equal(hits.type_free - before.type_free, 3);
}

int main(void) {
    h_server_init(extra_modules);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_init_runs_once_in_order, h_reset),
        cmocka_unit_test_teardown(test_registry_lists_every_module, h_reset),
        cmocka_unit_test_teardown(test_commands_are_in_the_table, h_reset),
        cmocka_unit_test_teardown(test_types_are_registered, h_reset),
        cmocka_unit_test_teardown(test_info_gauges_and_debug_of_every_module, h_reset),
        cmocka_unit_test_teardown(test_cron_and_before_sleep, h_reset),
        cmocka_unit_test_teardown(test_client_reset, h_reset),
        cmocka_unit_test_teardown(test_reset_stats, h_reset),
        cmocka_unit_test_teardown(test_flushall_and_barrier, h_reset),
        cmocka_unit_test_teardown(test_info_sections, h_reset),
        cmocka_unit_test_teardown(test_gauges_through_info, h_reset),
        cmocka_unit_test_teardown(test_debug_subcommand, h_reset),
        cmocka_unit_test_teardown(test_type_descriptor_is_used, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
