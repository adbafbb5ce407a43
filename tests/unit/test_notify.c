/* test_notify.c - the keyspace events every command emits: names, classes and order,
 * checked against what Redis 7.0.15 emits for the same commands.
 *
 * Each case runs its command lines on one client from an empty keyspace with
 * notify-keyspace-events "EAnm" (every class, the "new" and "keymiss" ones too,
 * keyevent form only) and compares the events with the list Redis 7.0.15 sent
 * over pub/sub for the same lines (recorded with psubscribe __key*__:*, active
 * expiry off; "SLEEP" waits 30 ms so that short TTLs run out). Every case runs
 * before the test reports, so one run shows every difference. Separate tests
 * cover RESTORE, blocked clients served by a push, active expiry, the classes
 * filter, and MONITOR's line format. */
#include "harness.h"
#include "core/monitor.h"
#include <time.h>

typedef struct EventCase {
    const char *name;
    const char *lines[24];
    const char *want;      /* keyevent lines "__keyevent@<db>__:<event> <key>\n" */
} EventCase;

static const EventCase cases[] = {
    {"set",
     {"SET k v", "SET k v2", "SET k v3 NX", "SET k v4 XX", "SET n v NX", "SET k v5 GET", "SET k v EX 100", "SET k v KEEPTTL", "SET k v PX 100 GET", "GET k", NULL},
     "__keyevent@0__:new k\n__keyevent@0__:set k\n__keyevent@0__:set k\n__keyevent@0__:set k\n__keyevent@0__:new n\n__keyevent@0__:set n\n__keyevent@0__:set k\n__keyevent@0__:set k\n__keyevent@0__:expire k\n__keyevent@0__:set k\n__keyevent@0__:set k\n__keyevent@0__:expire k\n"},
    {"set_pxat_past",
     {"SET k v", "SET k v PXAT 1", "SET j v EXAT 1", "GET k", "EXISTS j", NULL},
     "__keyevent@0__:new k\n__keyevent@0__:set k\n__keyevent@0__:set k\n__keyevent@0__:expire k\n__keyevent@0__:new j\n__keyevent@0__:set j\n__keyevent@0__:expire j\n__keyevent@0__:expired k\n__keyevent@0__:keymiss k\n__keyevent@0__:expired j\n__keyevent@0__:keymiss j\n"},
    {"setnx_setex",
     {"SETNX k v", "SETNX k w", "SETEX k 100 v", "PSETEX p 100 v", "GETSET k z", "GETSET new z", NULL},
     "__keyevent@0__:new k\n__keyevent@0__:set k\n__keyevent@0__:set k\n__keyevent@0__:expire k\n__keyevent@0__:new p\n__keyevent@0__:set p\n__keyevent@0__:expire p\n__keyevent@0__:set k\n__keyevent@0__:keymiss new\n__keyevent@0__:new new\n__keyevent@0__:set new\n"},
    {"mset",
     {"MSET a 1 b 2", "MSETNX c 3 d 4", "MSETNX c 3 e 5", NULL},
     "__keyevent@0__:new a\n__keyevent@0__:set a\n__keyevent@0__:new b\n__keyevent@0__:set b\n__keyevent@0__:new c\n__keyevent@0__:set c\n__keyevent@0__:new d\n__keyevent@0__:set d\n"},
    {"append_setrange",
     {"APPEND k abc", "APPEND k def", "SETRANGE k 1 zz", "SETRANGE r 2 x", "SETRANGE k 0 ''", "SETRANGE z 0 ''", NULL},
     "__keyevent@0__:new k\n__keyevent@0__:append k\n__keyevent@0__:append k\n__keyevent@0__:setrange k\n__keyevent@0__:new r\n__keyevent@0__:setrange r\n"},
    {"incr",
     {"INCR i", "INCRBY i 5", "DECR i", "DECRBY i 2", "INCRBYFLOAT f 1.5", "INCRBYFLOAT f 2", "SET s abc", "INCR s", NULL},
     "__keyevent@0__:new i\n__keyevent@0__:incrby i\n__keyevent@0__:incrby i\n__keyevent@0__:incrby i\n__keyevent@0__:incrby i\n__keyevent@0__:new f\n__keyevent@0__:incrbyfloat f\n__keyevent@0__:incrbyfloat f\n__keyevent@0__:new s\n__keyevent@0__:set s\n"},
    {"getdel_getex",
     {"SET k v", "GETDEL k", "GETDEL k", "SET k v", "GETEX k", "GETEX k EX 100", "GETEX k PERSIST", "GETEX k PX 100", "GETEX k PERSIST", "GETEX nokey EX 10", "GETEX k EXAT 1", NULL},
     "__keyevent@0__:new k\n__keyevent@0__:set k\n__keyevent@0__:del k\n__keyevent@0__:keymiss k\n__keyevent@0__:new k\n__keyevent@0__:set k\n__keyevent@0__:expire k\n__keyevent@0__:persist k\n__keyevent@0__:expire k\n__keyevent@0__:persist k\n__keyevent@0__:keymiss nokey\n__keyevent@0__:del k\n"},
    {"get_miss",
     {"GET nokey", "SET k v", "GET k", "STRLEN nokey", "GETRANGE nokey 0 1", "MGET nokey k", "EXISTS nokey", "TYPE nokey", "TTL nokey", NULL},
     "__keyevent@0__:keymiss nokey\n__keyevent@0__:new k\n__keyevent@0__:set k\n__keyevent@0__:keymiss nokey\n__keyevent@0__:keymiss nokey\n__keyevent@0__:keymiss nokey\n__keyevent@0__:keymiss nokey\n__keyevent@0__:keymiss nokey\n__keyevent@0__:keymiss nokey\n"},
    {"setbit",
     {"SETBIT b 3 1", "SETBIT b 3 1", "SETBIT b 100 0", "BITFIELD bf SET u8 0 255", "BITFIELD bf GET u8 0", "BITFIELD bf INCRBY u8 0 1", "BITFIELD_RO bf GET u8 0", "BITFIELD nf GET u8 0", NULL},
     "__keyevent@0__:new b\n__keyevent@0__:setbit b\n__keyevent@0__:setbit b\n__keyevent@0__:new bf\n__keyevent@0__:setbit bf\n__keyevent@0__:setbit bf\n__keyevent@0__:keymiss nf\n"},
    {"bitop",
     {"SET a abc", "SET b xyz", "BITOP AND d a b", "BITOP OR d nokey1 nokey2", "BITOP NOT e a", NULL},
     "__keyevent@0__:new a\n__keyevent@0__:set a\n__keyevent@0__:new b\n__keyevent@0__:set b\n__keyevent@0__:new d\n__keyevent@0__:set d\n__keyevent@0__:keymiss nokey1\n__keyevent@0__:keymiss nokey2\n__keyevent@0__:del d\n__keyevent@0__:new e\n__keyevent@0__:set e\n"},
    {"del",
     {"SET a 1", "SET b 2", "DEL a b c", "SET a 1", "UNLINK a c", NULL},
     "__keyevent@0__:new a\n__keyevent@0__:set a\n__keyevent@0__:new b\n__keyevent@0__:set b\n__keyevent@0__:del a\n__keyevent@0__:del b\n__keyevent@0__:new a\n__keyevent@0__:set a\n__keyevent@0__:del a\n"},
    {"expire",
     {"SET k v", "EXPIRE k 100", "PEXPIRE k 100000", "EXPIREAT k 9999999999", "PEXPIREAT k 9999999999000", "EXPIRE k 100 NX", "EXPIRE k 200 XX", "PERSIST k", "PERSIST k", "EXPIRE nokey 10", "EXPIRE k 0", "SET k v", "PEXPIREAT k 1", "SET k v", "EXPIRE k -1", NULL},
     "__keyevent@0__:new k\n__keyevent@0__:set k\n__keyevent@0__:expire k\n__keyevent@0__:expire k\n__keyevent@0__:expire k\n__keyevent@0__:expire k\n__keyevent@0__:expire k\n__keyevent@0__:persist k\n__keyevent@0__:del k\n__keyevent@0__:new k\n__keyevent@0__:set k\n__keyevent@0__:del k\n__keyevent@0__:new k\n__keyevent@0__:set k\n__keyevent@0__:del k\n"},
    {"rename",
     {"SET a 1", "RENAME a b", "SET c 2", "RENAME b c", "RENAMENX c d", "SET e 1", "RENAMENX d e", "RENAME d d", NULL},
     "__keyevent@0__:new a\n__keyevent@0__:set a\n__keyevent@0__:new b\n__keyevent@0__:rename_from a\n__keyevent@0__:rename_to b\n__keyevent@0__:new c\n__keyevent@0__:set c\n__keyevent@0__:new c\n__keyevent@0__:rename_from b\n__keyevent@0__:rename_to c\n__keyevent@0__:new d\n__keyevent@0__:rename_from c\n__keyevent@0__:rename_to d\n__keyevent@0__:new e\n__keyevent@0__:set e\n"},
    {"move_copy",
     {"SET a 1", "MOVE a 1", "SET b 1", "COPY b c", "COPY b c", "COPY b c REPLACE", "COPY b x DB 2", "SET z 1", "MOVE z 1", NULL},
     "__keyevent@0__:new a\n__keyevent@0__:set a\n__keyevent@1__:new a\n__keyevent@0__:move_from a\n__keyevent@1__:move_to a\n__keyevent@0__:new b\n__keyevent@0__:set b\n__keyevent@0__:new c\n__keyevent@0__:copy_to c\n__keyevent@0__:new c\n__keyevent@0__:copy_to c\n__keyevent@2__:new x\n__keyevent@2__:copy_to x\n__keyevent@0__:new z\n__keyevent@0__:set z\n__keyevent@1__:new z\n__keyevent@0__:move_from z\n__keyevent@1__:move_to z\n"},
    {"lists",
     {"LPUSH l a b", "RPUSH l c", "LPUSHX l d", "RPUSHX l e", "LPUSHX nol x", "LPOP l", "RPOP l", "LPOP l 2", "LINSERT l BEFORE c z", "LINSERT l AFTER nope z", "LSET l 0 q", "LREM l 0 q", "LREM l 0 nope", "RPUSH l a b c d", "LTRIM l 1 2", "LTRIM l 0 -1", "LTRIM l 5 10", "LPOP nol", "RPOP nol 2", NULL},
     "__keyevent@0__:new l\n__keyevent@0__:lpush l\n__keyevent@0__:rpush l\n__keyevent@0__:lpush l\n__keyevent@0__:rpush l\n__keyevent@0__:lpop l\n__keyevent@0__:rpop l\n__keyevent@0__:lpop l\n__keyevent@0__:linsert l\n__keyevent@0__:lset l\n__keyevent@0__:lrem l\n__keyevent@0__:rpush l\n__keyevent@0__:ltrim l\n__keyevent@0__:ltrim l\n__keyevent@0__:ltrim l\n__keyevent@0__:del l\n"},
    {"list_empty",
     {"RPUSH l a", "LPOP l", "RPUSH l a", "RPOP l", "RPUSH l a b", "LREM l 0 a", "LREM l 0 b", "RPUSH l a", "LPOP l 5", NULL},
     "__keyevent@0__:new l\n__keyevent@0__:rpush l\n__keyevent@0__:lpop l\n__keyevent@0__:del l\n__keyevent@0__:new l\n__keyevent@0__:rpush l\n__keyevent@0__:rpop l\n__keyevent@0__:del l\n__keyevent@0__:new l\n__keyevent@0__:rpush l\n__keyevent@0__:lrem l\n__keyevent@0__:lrem l\n__keyevent@0__:del l\n__keyevent@0__:new l\n__keyevent@0__:rpush l\n__keyevent@0__:lpop l\n__keyevent@0__:del l\n"},
    {"lmove",
     {"RPUSH s a b c", "LMOVE s d LEFT RIGHT", "RPOPLPUSH s d", "LMOVE s s LEFT RIGHT", "LMOVE s d RIGHT LEFT", "LMOVE nos d LEFT LEFT", "RPOPLPUSH d d", NULL},
     "__keyevent@0__:new s\n__keyevent@0__:rpush s\n__keyevent@0__:new d\n__keyevent@0__:rpush d\n__keyevent@0__:lpop s\n__keyevent@0__:lpush d\n__keyevent@0__:rpop s\n__keyevent@0__:rpush s\n__keyevent@0__:lpop s\n__keyevent@0__:lpush d\n__keyevent@0__:rpop s\n__keyevent@0__:del s\n__keyevent@0__:lpush d\n__keyevent@0__:rpop d\n"},
    {"lmpop",
     {"RPUSH l a b c", "LMPOP 1 l LEFT", "LMPOP 2 nol l RIGHT COUNT 5", "LMPOP 1 l LEFT", NULL},
     "__keyevent@0__:new l\n__keyevent@0__:rpush l\n__keyevent@0__:lpop l\n__keyevent@0__:rpop l\n__keyevent@0__:del l\n"},
    {"blocking_nowait",
     {"RPUSH l a b", "BLPOP l 0", "BRPOP l 0", "RPUSH l x", "BLMOVE l d LEFT RIGHT 0", "RPUSH l y", "BRPOPLPUSH l d 0", "RPUSH l z", "BLMPOP 0 1 l LEFT COUNT 3", NULL},
     "__keyevent@0__:new l\n__keyevent@0__:rpush l\n__keyevent@0__:lpop l\n__keyevent@0__:rpop l\n__keyevent@0__:del l\n__keyevent@0__:new l\n__keyevent@0__:rpush l\n__keyevent@0__:new d\n__keyevent@0__:rpush d\n__keyevent@0__:lpop l\n__keyevent@0__:del l\n__keyevent@0__:new l\n__keyevent@0__:rpush l\n__keyevent@0__:lpush d\n__keyevent@0__:rpop l\n__keyevent@0__:del l\n__keyevent@0__:new l\n__keyevent@0__:rpush l\n__keyevent@0__:lpop l\n__keyevent@0__:del l\n"},
    {"hashes",
     {"HSET h a 1 b 2", "HSET h a 3", "HSETNX h a 4", "HSETNX h c 5", "HMSET h d 6", "HDEL h a nope", "HDEL h nope", "HINCRBY h n 2", "HINCRBYFLOAT h f 1.5", "HDEL h b c d n f", "HGET h a", "HGET noh a", "HGETALL noh", "HLEN noh", NULL},
     "__keyevent@0__:new h\n__keyevent@0__:hset h\n__keyevent@0__:hset h\n__keyevent@0__:hset h\n__keyevent@0__:hset h\n__keyevent@0__:hdel h\n__keyevent@0__:hincrby h\n__keyevent@0__:hincrbyfloat h\n__keyevent@0__:hdel h\n__keyevent@0__:del h\n__keyevent@0__:keymiss h\n__keyevent@0__:keymiss noh\n__keyevent@0__:keymiss noh\n__keyevent@0__:keymiss noh\n"},
    {"sets",
     {"SADD s a b", "SADD s a", "SREM s a nope", "SREM s nope", "SADD s c d e", "SPOP s", "SPOP s 1", "SPOP s 10", "SADD s a b c", "SRANDMEMBER s", "SMOVE s t a", "SMOVE s t nope", "SMOVE s t b", "SMOVE s t c", "SISMEMBER nos a", NULL},
     "__keyevent@0__:new s\n__keyevent@0__:sadd s\n__keyevent@0__:srem s\n__keyevent@0__:sadd s\n__keyevent@0__:spop s\n__keyevent@0__:spop s\n__keyevent@0__:spop s\n__keyevent@0__:del s\n__keyevent@0__:new s\n__keyevent@0__:sadd s\n__keyevent@0__:srem s\n__keyevent@0__:new t\n__keyevent@0__:sadd t\n__keyevent@0__:srem s\n__keyevent@0__:sadd t\n__keyevent@0__:srem s\n__keyevent@0__:del s\n__keyevent@0__:sadd t\n__keyevent@0__:keymiss nos\n"},
    {"spop_count",
     {"SADD s a b c d e", "SPOP s 0", "SPOP s 2", "SPOP s 3", "SPOP nos 2", NULL},
     "__keyevent@0__:new s\n__keyevent@0__:sadd s\n__keyevent@0__:spop s\n__keyevent@0__:spop s\n__keyevent@0__:del s\n"},
    {"setstore",
     {"SADD a 1 2 3", "SADD b 2 3 4", "SINTERSTORE d a b", "SUNIONSTORE d a b", "SDIFFSTORE d a b", "SINTERSTORE d a nob", "SUNIONSTORE e nob noc", "SET d x", "SDIFFSTORE d nob a", NULL},
     "__keyevent@0__:new a\n__keyevent@0__:sadd a\n__keyevent@0__:new b\n__keyevent@0__:sadd b\n__keyevent@0__:new d\n__keyevent@0__:sinterstore d\n__keyevent@0__:sunionstore d\n__keyevent@0__:sdiffstore d\n__keyevent@0__:keymiss nob\n__keyevent@0__:del d\n__keyevent@0__:keymiss nob\n__keyevent@0__:keymiss noc\n__keyevent@0__:new d\n__keyevent@0__:set d\n__keyevent@0__:keymiss nob\n__keyevent@0__:del d\n"},
    {"zsets",
     {"ZADD z 1 a 2 b", "ZADD z 1 a", "ZADD z 5 a", "ZADD z INCR 1 a", "ZINCRBY z 2 b", "ZADD z NX 3 a", "ZADD z XX 3 c", "ZREM z a nope", "ZREM z nope", "ZADD z 1 x 2 y 3 w", "ZREMRANGEBYSCORE z 100 200", "ZREMRANGEBYSCORE z 1 1", "ZREMRANGEBYRANK z 0 0", "ZADD z 0 m 0 n", "ZREMRANGEBYLEX z [m [n", "ZREMRANGEBYRANK z 0 -1", "ZSCORE noz a", NULL},
     "__keyevent@0__:new z\n__keyevent@0__:zadd z\n__keyevent@0__:zadd z\n__keyevent@0__:zincr z\n__keyevent@0__:zincr z\n__keyevent@0__:zrem z\n__keyevent@0__:zadd z\n__keyevent@0__:zremrangebyscore z\n__keyevent@0__:zremrangebyrank z\n__keyevent@0__:zadd z\n__keyevent@0__:zremrangebyrank z\n__keyevent@0__:del z\n__keyevent@0__:keymiss noz\n"},
    {"zpop",
     {"ZADD z 1 a 2 b 3 c 4 d", "ZPOPMIN z", "ZPOPMAX z", "ZPOPMIN z 0", "ZPOPMIN z 5", "ZPOPMIN noz", "ZADD z 1 a 2 b 3 c", "ZMPOP 1 z MIN", "ZMPOP 2 noz z MAX COUNT 10", "ZADD z 1 a", "BZPOPMIN z 0", "ZADD z 1 a 2 b", "BZPOPMAX z 0", "BZMPOP 0 1 z MIN COUNT 2", NULL},
     "__keyevent@0__:new z\n__keyevent@0__:zadd z\n__keyevent@0__:zpopmin z\n__keyevent@0__:zpopmax z\n__keyevent@0__:zpopmin z\n__keyevent@0__:del z\n__keyevent@0__:new z\n__keyevent@0__:zadd z\n__keyevent@0__:zpopmin z\n__keyevent@0__:zpopmax z\n__keyevent@0__:del z\n__keyevent@0__:new z\n__keyevent@0__:zadd z\n__keyevent@0__:zpopmin z\n__keyevent@0__:del z\n__keyevent@0__:new z\n__keyevent@0__:zadd z\n__keyevent@0__:zpopmax z\n__keyevent@0__:zpopmin z\n__keyevent@0__:del z\n"},
    {"zstore",
     {"ZADD a 1 x 2 y", "ZADD b 3 y 4 z", "ZUNIONSTORE d 2 a b", "ZINTERSTORE d 2 a b", "ZDIFFSTORE d 2 a b", "ZINTERSTORE d 2 a noz", "ZUNIONSTORE e 1 noz", "ZRANGESTORE r a 0 -1", "ZRANGESTORE r a 5 10", "ZRANGESTORE q a 5 10", "ZDIFFSTORE a 1 a", NULL},
     "__keyevent@0__:new a\n__keyevent@0__:zadd a\n__keyevent@0__:new b\n__keyevent@0__:zadd b\n__keyevent@0__:new d\n__keyevent@0__:zunionstore d\n__keyevent@0__:zinterstore d\n__keyevent@0__:zdiffstore d\n__keyevent@0__:keymiss noz\n__keyevent@0__:del d\n__keyevent@0__:keymiss noz\n__keyevent@0__:new r\n__keyevent@0__:zrangestore r\n__keyevent@0__:del r\n__keyevent@0__:zdiffstore a\n"},
    {"sort",
     {"RPUSH l 3 1 2", "SORT l STORE d", "SORT nol STORE d", "SORT l STORE e", "SADD s b a", "SORT s ALPHA STORE d", "SORT nol STORE x", NULL},
     "__keyevent@0__:new l\n__keyevent@0__:rpush l\n__keyevent@0__:new d\n__keyevent@0__:sortstore d\n__keyevent@0__:keymiss nol\n__keyevent@0__:del d\n__keyevent@0__:new e\n__keyevent@0__:sortstore e\n__keyevent@0__:new s\n__keyevent@0__:sadd s\n__keyevent@0__:new d\n__keyevent@0__:sortstore d\n__keyevent@0__:keymiss nol\n"},
    {"lazy_expired",
     {"SET k v PX 5", "SLEEP", "GET k", "RPUSH l a", "PEXPIRE l 5", "SLEEP", "LPUSH l b", "SET j v PX 5", "SLEEP", "EXISTS j", NULL},
     "__keyevent@0__:new k\n__keyevent@0__:set k\n__keyevent@0__:expire k\n__keyevent@0__:expired k\n__keyevent@0__:keymiss k\n__keyevent@0__:new l\n__keyevent@0__:rpush l\n__keyevent@0__:expire l\n__keyevent@0__:expired l\n__keyevent@0__:new l\n__keyevent@0__:lpush l\n__keyevent@0__:new j\n__keyevent@0__:set j\n__keyevent@0__:expire j\n__keyevent@0__:expired j\n__keyevent@0__:keymiss j\n"},
    {"flush_swap",
     {"SET a 1", "FLUSHDB", "SET b 1", "SWAPDB 0 1", "FLUSHALL", NULL},
     "__keyevent@0__:new a\n__keyevent@0__:set a\n__keyevent@0__:new b\n__keyevent@0__:set b\n"},
};

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void run_case(Client *c, const EventCase *tc) {
    for (int i = 0; tc->lines[i]; i++) {
        if (!strcmp(tc->lines[i], "SLEEP")) {
            sleep_ms(30);
            continue;
        }
        sds_free(h_run(c, tc->lines[i]));
    }
}

static void test_events_match_redis(void **state) {
    (void)state;
    Client *c = h_fake();
    h_config("save", ""); /* FLUSHALL would write dump.rdb */
    int failed = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        h_notify_stop();
        sds_free(h_run(c, "FLUSHALL"));
        sds_free(h_run(c, "SELECT 0"));
        h_notify_start("EAnm");
        run_case(c, &cases[i]);
        if (strcmp(h_events, cases[i].want)) {
            print_error("case %s\n--- got:\n%s--- want (Redis 7.0.15):\n%s\n", cases[i].name, h_events,
                        cases[i].want);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* Runs RESTORE with a binary payload. */
static Sds restore(Client *c, const char *key, const char *ttl, const Sds payload, const char *opt1,
                   const char *opt2) {
    Sds args[6];
    int argc = 0;
    args[argc++] = sds_new("RESTORE");
    args[argc++] = sds_new(key);
    args[argc++] = sds_new(ttl);
    args[argc++] = sds_dup(payload);
    if (opt1) args[argc++] = sds_new(opt1);
    if (opt2) args[argc++] = sds_new(opt2);
    h_set_argv(c, argc, args);
    for (int i = 0; i < argc; i++) sds_free(args[i]);
    c->flags |= CLIENT_PROTECTED;
    command_process(c);
    c->flags &= ~CLIENT_PROTECTED;
    net_command_done(c);
    return h_out(c);
}

static void test_restore_events(void **state) {
    (void)state;
    Client *c = h_fake();
    h_notify_start("EAnm");
    sds_free(h_run(c, "SET a 1"));
    Sds dump = h_run(c, "DUMP a");
    /* "$<len>\r\n<payload>\r\n" */
    char *nl = strstr(dump, "\r\n");
    assert_non_null(nl);
    Sds payload = sds_newlen(nl + 2, (size_t)atol(dump + 1));
    sds_free(dump);
    sds_free(restore(c, "b", "0", payload, NULL, NULL));
    sds_free(restore(c, "b", "0", payload, NULL, NULL));          /* BUSYKEY: nothing */
    sds_free(restore(c, "b", "0", payload, "REPLACE", NULL));
    sds_free(restore(c, "b", "1", payload, "REPLACE", "ABSTTL")); /* already expired: deleted */
    sds_free(payload);
    h_notify_expect("__keyevent@0__:new a\n__keyevent@0__:set a\n__keyevent@0__:new b\n__keyevent@0__:restore b\n"
                    "__keyevent@0__:new b\n__keyevent@0__:restore b\n__keyevent@0__:del b\n");
}

/* A client blocked on an empty key is served by the push that fills it: the push's
 * event, then the pop's (and "del" when the pop empties the key); for BLMOVE the
 * destination's push comes before the source's pop. Recorded from Redis 7.0.15. */
static void test_blocked_pop_events(void **state) {
    (void)state;
    Client *b = h_conn(), *c = h_fake();
    h_notify_start("EAnm");
    h_send(b, "BLPOP l 0");
    assert_true(b->flags & CLIENT_BLOCKED);
    sds_free(h_run(c, "RPUSH l a"));
    h_notify_expect("__keyevent@0__:new l\n__keyevent@0__:rpush l\n__keyevent@0__:lpop l\n__keyevent@0__:del l\n");
    sds_free(h_out(b));
    h_send(b, "BLMOVE src dst RIGHT LEFT 0");
    sds_free(h_run(c, "RPUSH src x y"));
    /* the destination's push first, then the source's pop */
    h_notify_expect("__keyevent@0__:new src\n__keyevent@0__:rpush src\n__keyevent@0__:new dst\n"
                    "__keyevent@0__:lpush dst\n__keyevent@0__:rpop src\n");
    sds_free(h_out(b));
    h_send(b, "BZPOPMIN z 0");
    sds_free(h_run(c, "ZADD z 1 m"));
    h_notify_expect("__keyevent@0__:new z\n__keyevent@0__:zadd z\n__keyevent@0__:zpopmin z\n__keyevent@0__:del z\n");
    sds_free(h_out(b));
    h_send(b, "BLMPOP 0 1 l2 LEFT COUNT 5");
    sds_free(h_run(c, "RPUSH l2 a b"));
    h_notify_expect("__keyevent@0__:new l2\n__keyevent@0__:rpush l2\n__keyevent@0__:lpop l2\n__keyevent@0__:del l2\n");
    sds_free(h_out(b));
    h_send(b, "BZMPOP 0 1 z2 MAX");
    sds_free(h_run(c, "ZADD z2 1 m 2 n"));
    h_notify_expect("__keyevent@0__:new z2\n__keyevent@0__:zadd z2\n__keyevent@0__:zpopmax z2\n");
    sds_free(h_out(b));
}

/* The active cycle notifies "expired" for each key it removes. */
static void test_active_expiry_event(void **state) {
    (void)state;
    Client *c = h_fake();
    sds_free(h_run(c, "SET k v"));
    h_make_expired(0, "k");
    h_notify_start("EAnm");
    db_active_expire_cycle(0);
    h_notify_expect("__keyevent@0__:expired k\n");
    assert_null(db_find(db_get(0), "k", 1));
}

/* Eviction (the maxmemory policy's victim) notifies "evicted" and propagates DEL. */
static void test_evicted_event(void **state) {
    (void)state;
    Client *c = h_fake();
    sds_free(h_run(c, "SET k v"));
    h_notify_start("EAnm");
    h_prop_start();
    long long before = db_stats.evicted_keys;
    assert_int_equal(db_evict_key(db_get(0), "k", 1, NULL), 1);
    assert_int_equal(db_evict_key(db_get(0), "k", 1, NULL), 0);
    h_notify_expect("__keyevent@0__:evicted k\n");
    h_prop_expect("SELECT 0\nDEL k\n");
    assert_int_equal(db_stats.evicted_keys - before, 1);
    assert_null(db_find(db_get(0), "k", 1));
}

/* The class letters: "new" only with n, "keymiss" only with m, neither in A. */
static void test_new_and_keymiss_classes(void **state) {
    (void)state;
    Client *c = h_fake();
    h_notify_start("KA");
    sds_free(h_run(c, "SET k v"));
    sds_free(h_run(c, "GET missing"));
    h_notify_expect("__keyspace@0__:k set\n");
    h_notify_start("Kn");
    sds_free(h_run(c, "SET k2 v"));
    sds_free(h_run(c, "SET k2 v"));
    h_notify_expect("__keyspace@0__:k2 new\n");
    h_notify_start("Em");
    sds_free(h_run(c, "GET missing"));
    sds_free(h_run(c, "LPUSH l x"));  /* a write's lookup is not a miss */
    h_notify_expect("__keyevent@0__:keymiss missing\n");
}

/* MONITOR's line: time, database, origin, quoted arguments, secrets redacted. */
static void test_monitor_line_format(void **state) {
    (void)state;
    Client *c = h_conn();
    h_send(c, "SELECT 2");
    Sds args[3] = {sds_new("set"), sds_new("k"), sds_newlen("a\"\\\n\r\t\a\b\x01\xff", 10)};
    h_set_argv(c, 3, args);
    for (int i = 0; i < 3; i++) sds_free(args[i]);
    Command *set = command_lookup_name("set", 3);
    char *path = server.cfg.unixsocket;
    server.cfg.unixsocket = "/tmp/v.sock";
    Sds line = monitor_format(c, set, 1700000000, 42);
    h_assert_bytes("monitor line", line, sds_len(line),
                   "+1700000000.000042 [2 unix:/tmp/v.sock] \"set\" \"k\" \"a\\\"\\\\\\n\\r\\t\\a\\b\\x01\\xff\"\r\n",
                   strlen("+1700000000.000042 [2 unix:/tmp/v.sock] \"set\" \"k\" \"a\\\"\\\\\\n\\r\\t\\a\\b\\x01\\xff\"\r\n"));
    sds_free(line);
    server.cfg.unixsocket = path;
    c->flags |= CLIENT_SCRIPT;
    line = monitor_format(c, set, 5, 0);
    assert_string_equal(line, "+5.000000 [2 lua] \"set\" \"k\" \"a\\\"\\\\\\n\\r\\t\\a\\b\\x01\\xff\"\r\n");
    sds_free(line);
    c->flags &= ~(CLIENT_SCRIPT | CLIENT_UNIX_SOCKET);
    client_reset_args(c);
    Sds auth[3] = {sds_new("auth"), sds_new("user"), sds_new("secret")};
    h_set_argv(c, 3, auth);
    for (int i = 0; i < 3; i++) sds_free(auth[i]);
    line = monitor_format(c, command_lookup_name("auth", 4), 5, 0);
    assert_string_equal(line, "+5.000000 [2 /tmp/vesper-test.sock:0] \"auth\" \"(redacted)\" \"(redacted)\"\r\n");
    sds_free(line);
    client_reset_args(c);
    c->flags |= CLIENT_UNIX_SOCKET;
    h_send(c, "SELECT 0");
}

/* A monitor gets the commands other clients ran, once each, not rejected ones. */
static void test_monitor_feed(void **state) {
    (void)state;
    Client *m = h_conn(), *c = h_fake();
    h_expect(m, "MONITOR", "+OK\r\n");
    assert_int_equal(monitor_count, 1);
    sds_free(h_run(c, "SET k v"));
    sds_free(h_run(c, "NOSUCH"));
    sds_free(h_run(c, "CONFIG GET maxmemory"));
    sds_free(h_run(c, "MULTI"));
    sds_free(h_run(c, "INCR n"));
    sds_free(h_run(c, "EXEC"));
    Sds out = h_out(m);
    const char *want[] = {"\"SET\" \"k\" \"v\"\r\n", "\"MULTI\"\r\n", "\"INCR\" \"n\"\r\n", "\"EXEC\"\r\n"};
    const char *p = out;
    for (size_t i = 0; i < 4; i++) {
        const char *e = strstr(p, "\r\n");
        assert_non_null(e);
        const char *q = strstr(p, "] ");
        assert_non_null(q);
        if (strncmp(q + 2, want[i], strlen(want[i]))) fail_msg("line %zu: %s", i, p);
        p = e + 2;
    }
    assert_string_equal(p, "");
    sds_free(out);
    h_free(m);
    assert_int_equal(monitor_count, 0);
    sds_free(h_run(c, "SET k v")); /* nobody left to feed */
}

int main(void) {
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_events_match_redis, h_reset),
        cmocka_unit_test_teardown(test_restore_events, h_reset),
        cmocka_unit_test_teardown(test_blocked_pop_events, h_reset),
        cmocka_unit_test_teardown(test_active_expiry_event, h_reset),
        cmocka_unit_test_teardown(test_evicted_event, h_reset),
        cmocka_unit_test_teardown(test_new_and_keymiss_classes, h_reset),
        cmocka_unit_test_teardown(test_monitor_line_format, h_reset),
        cmocka_unit_test_teardown(test_monitor_feed, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
