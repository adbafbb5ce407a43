/* test_evict.c - unit tests for core/evict: the LFU counter (decay by elapsed
 * minutes with lfu-decay-time, wrap-around of the 16-bit minute clock, the log
 * factor), and the engine on the in-process server: volatile-ttl's choice, the
 * DEL / UNLINK it propagates, the "evicted" events, evicted_keys, the -OOM reply
 * when nothing can go, and the frequency sketch remembering reads of missing keys. */
#include "harness.h"
#include "core/evict.h"
#include "core/lazyfree.h"

static Obj *find(const char *key) { return db_find(db_get(0), key, strlen(key)); }

static uint32_t lfu_field(unsigned long minutes, unsigned counter) {
    return (uint32_t)(((minutes & 65535) << 8) | counter);
}

static void test_lfu_decay(void **state) {
    (void)state;
    Client *c = h_fake();
    evict_cfg.policy = MAXMEMORY_ALLKEYS_LFU;
    h_expect(c, "SET k v", "+OK\r\n");
    Obj *o = find("k");
    unsigned long now = (unsigned long)(server.unixtime / 60);
    o->lru = lfu_field(now - 3, 20);
    evict_cfg.lfu_decay_time = 1;
    assert_int_equal(evict_lfu_counter(o), 17);
    evict_cfg.lfu_decay_time = 3;
    assert_int_equal(evict_lfu_counter(o), 19);
    evict_cfg.lfu_decay_time = 0; /* never decays */
    assert_int_equal(evict_lfu_counter(o), 20);
    evict_cfg.lfu_decay_time = 1;
    o->lru = lfu_field(now - 100, 20); /* decays to 0, not below */
    assert_int_equal(evict_lfu_counter(o), 0);
    /* the minute clock wraps at 2^16: a stamp "after" now is from the last lap */
    unsigned long wrapped = (now + 65535 - 2) & 65535; /* 2 minutes... */
    o->lru = lfu_field(wrapped, 20);
    unsigned long then = wrapped, n = now & 65535;
    unsigned long elapsed = n >= then ? n - then : 65535 - then + n;
    assert_int_equal(evict_lfu_counter(o), elapsed >= 20 ? 0 : 20 - elapsed);
    /* OBJECT FREQ shows it */
    o->lru = lfu_field(now, 42);
    h_expect(c, "OBJECT FREQ k", ":42\r\n");
}

static void test_lfu_log_factor(void **state) {
    (void)state;
    Client *c = h_fake();
    evict_cfg.policy = MAXMEMORY_ALLKEYS_LFU;
    h_expect(c, "SET k v", "+OK\r\n");
    Obj *o = find("k");
    assert_int_equal(evict_lfu_counter(o), LFU_INIT_VAL);
    evict_cfg.lfu_log_factor = 0; /* every access counts */
    for (int i = 0; i < 50; i++) evict_touch(o);
    assert_int_equal(evict_lfu_counter(o), LFU_INIT_VAL + 50);
    for (int i = 0; i < 500; i++) evict_touch(o);
    assert_int_equal(evict_lfu_counter(o), 255); /* saturates */
    evict_cfg.lfu_log_factor = 10;
    o->lru = lfu_field((unsigned long)(server.unixtime / 60), LFU_INIT_VAL);
    for (int i = 0; i < 1000; i++) evict_touch(o);
    unsigned long v = evict_lfu_counter(o);
    assert_true(v > 8 && v < 30); /* about 16 after 1000 hits with factor 10 */
}

static void fill(Client *c, const char *prefix, int n, long ttl) {
    for (int i = 0; i < n; i++) {
        char line[128];
        if (ttl) snprintf(line, sizeof(line), "SET %s%d %0100d EX %ld", prefix, i, i, ttl + i);
        else snprintf(line, sizeof(line), "SET %s%d %0100d", prefix, i, i);
        h_expect(c, line, "+OK\r\n");
    }
}

static int count(const char *prefix, int n) {
    int k = 0;
    for (int i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof(key), "%s%d", prefix, i);
        k += find(key) != NULL;
    }
    return k;
}

static void test_volatile_ttl_propagates_and_notifies(void **state) {
    (void)state;
    Client *c = h_fake();
    evict_cfg.policy = MAXMEMORY_VOLATILE_TTL;
    evict_cfg.samples = 10;
    fill(c, "plain", 50, 0);
    fill(c, "vol", 50, 1000);
    long long evicted = db_stats.evicted_keys;
    h_notify_start("Ee");
    h_prop_start();
    server.cfg.maxmemory = vmalloc_used() - 3000;
    h_expect(c, "PING", "+PONG\r\n");
    int gone = (int)(db_stats.evicted_keys - evicted);
    assert_true(gone > 0);
    assert_int_equal(count("plain", 50), 50);
    assert_int_equal(count("vol", 50), 50 - gone);
    /* the nearest expire times went first */
    for (int i = 0; i < gone; i++) {
        char key[32];
        snprintf(key, sizeof(key), "vol%d", i);
        assert_null(find(key));
    }
    /* each one propagated as DEL and announced (in the order eviction took them) */
    assert_true(strncmp(h_prop_lines, "SELECT 0\n", 9) == 0);
    int lines = 0;
    for (const char *p = h_prop_lines; *p; p++) lines += *p == '\n';
    assert_int_equal(lines, gone + 1);
    for (int i = 0; i < gone; i++) {
        char want[64];
        snprintf(want, sizeof(want), "DEL vol%d\n", i);
        assert_non_null(strstr(h_prop_lines, want));
        snprintf(want, sizeof(want), "__keyevent@0__:evicted vol%d\n", i);
        assert_non_null(strstr(h_events, want));
    }
    h_prop_clear();
    h_notify_stop();
    h_prop_stop();
}

static void test_lazy_eviction_propagates_unlink(void **state) {
    (void)state;
    Client *c = h_fake();
    evict_cfg.policy = MAXMEMORY_ALLKEYS_RANDOM;
    lazyfree_cfg.eviction = 1;
    fill(c, "k", 20, 0);
    h_prop_start();
    server.cfg.maxmemory = vmalloc_used() - 500;
    h_expect(c, "PING", "+PONG\r\n");
    assert_true(strstr(h_prop_lines, "UNLINK k") != NULL);
    assert_null(strstr(h_prop_lines, "DEL k"));
    h_prop_stop();
    lazyfree_cfg.eviction = 0;
}

static void test_oom_when_nothing_can_go(void **state) {
    (void)state;
    Client *c = h_fake();
    evict_cfg.policy = MAXMEMORY_VOLATILE_LRU;
    fill(c, "plain", 20, 0);
    server.cfg.maxmemory = vmalloc_used() - 500;
    h_expect(c, "SET x y", "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    h_expect(c, "GET plain1", "$100\r\n0000000000000000000000000000000000000000000000000000000000000000000000000000"
                                  "000000000000000000000001\r\n");
    h_expect(c, "DEL plain1", ":1\r\n");
    assert_int_equal(count("plain", 20), 19);
    evict_cfg.policy = MAXMEMORY_NO_EVICTION;
    h_expect(c, "SET x y", "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    /* MULTI: queued deny-oom commands are refused, EXEC aborts */
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "SET x y", "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    h_expect(c, "EXEC", "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

static void test_sketch_remembers_missing_keys(void **state) {
    (void)state;
    Client *c = h_fake();
    evict_cfg.policy = MAXMEMORY_ALLKEYS_LFU;
    evict_cfg.samples = 5;
    server.cfg.maxmemory = 1ULL << 30;
    server_cron_tick(); /* creates the sketch */
    assert_true(evict_sketch_active);
    for (int r = 0; r < 8; r++)
        for (int i = 0; i < 40; i++) {
            char line[64];
            snprintf(line, sizeof(line), "GET wanted%d", i);
            h_expect(c, line, "$-1\r\n");
        }
    fill(c, "wanted", 40, 0);
    fill(c, "cold", 200, 0);
    server.cfg.maxmemory = vmalloc_used() - 20000;
    h_expect(c, "PING", "+PONG\r\n");
    assert_true(count("cold", 200) < 200 - 50);
    assert_true(count("wanted", 40) >= 38);
    server.cfg.maxmemory = 0;
    server_cron_tick(); /* drops it */
    assert_false(evict_sketch_active);
}

static int reset(void **state) {
    evict_cfg.policy = MAXMEMORY_NO_EVICTION;
    evict_cfg.samples = 5;
    evict_cfg.lfu_log_factor = 10;
    evict_cfg.lfu_decay_time = 1;
    server.cfg.maxmemory = 0;
    return h_reset(state);
}

int main(void) {
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_lfu_decay, reset),
        cmocka_unit_test_teardown(test_lfu_log_factor, reset),
        cmocka_unit_test_teardown(test_volatile_ttl_propagates_and_notifies, reset),
        cmocka_unit_test_teardown(test_lazy_eviction_propagates_unlink, reset),
        cmocka_unit_test_teardown(test_oom_when_nothing_can_go, reset),
        cmocka_unit_test_teardown(test_sketch_remembers_missing_keys, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
