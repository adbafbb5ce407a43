/* test_propagate.c - the propagated stream (core/propagate.c) for every write
 * command, as Redis 7.0 emits it to the AOF and replicas: relative expiry becomes
 * absolute (SET ... PXAT, PEXPIREAT), GETSET/INCRBYFLOAT/GETEX/GETDEL are
 * rewritten, commands that change nothing propagate nothing, SELECT precedes a
 * command whose database differs from the last, transactions and command+lazy
 * expiry are wrapped in MULTI/EXEC, active expiry sends bare DELs.
 *
 * Cases are data: steps of (request, expected reply, expected propagation). The
 * coverage test walks the command table and fails for a write command (or write
 * subcommand) that no step runs, so a new write command must bring its case. */
#include "harness.h"
#include <ctype.h>

typedef struct Step {
    const char *line;      /* a request, or "@expire <key>" / "@cycle" (see run_step) */
    const char *reply;     /* expected reply bytes; NULL: not checked */
    const char *prop;      /* expected lines; "{+N}" is server.mstime + N; NULL: not checked */
} Step;

typedef struct Case {
    const char *name;
    Step steps[24];        /* ends at line == NULL */
} Case;

#define OK "+OK\r\n"
#define NIL "$-1\r\n"
#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

/* Every expectation starts from a fresh sink: the first command is preceded by
 * "SELECT <db>". */
static const Case cases[] = {
    {"set", {
        {"SET k v", OK, "SELECT 0\nSET k v\n"},
        {"set k v2", OK, "set k v2\n"},
        {"SET k v EX 100", OK, "SET k v PXAT {+100000}\n"},
        {"SET k v PX 100000", OK, "SET k v PXAT {+100000}\n"},
        {"SET k v EXAT 4102444800", OK, "SET k v PXAT 4102444800000\n"},
        {"SET k v PXAT 4102444800000", OK, "SET k v PXAT 4102444800000\n"},
        {"SET k v KEEPTTL", OK, "SET k v KEEPTTL\n"},
        {"SET k v2 GET", "$1\r\nv\r\n", "SET k v2\n"},
        {"SET k v3 GET get", "$2\r\nv2\r\n", "SET k v3\n"},
        {"SET k v4 GET EX 100", "$2\r\nv3\r\n", "SET k v4 PXAT {+100000}\n"},
        {"SET k v NX", NIL, ""},
        {"SET nokey v XX", NIL, ""},
        {"SET nokey v XX GET", NIL, ""},
        {"SET k v EX 0", "-ERR invalid expire time in 'set' command\r\n", ""},
        {NULL, NULL, NULL}}},
    {"setnx", {
        {"SETNX k v", ":1\r\n", "SELECT 0\nSETNX k v\n"},
        {"SETNX k w", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"setex/psetex", {
        {"SETEX k 100 v", OK, "SELECT 0\nSET k v PXAT {+100000}\n"},
        {"PSETEX k 2500 v", OK, "SET k v PXAT {+2500}\n"},
        {"SETEX k -1 v", "-ERR invalid expire time in 'setex' command\r\n", ""},
        {NULL, NULL, NULL}}},
    {"restore", {
        /* DUMP of "hello" (type 0, length 5, bytes, RDB version 10, CRC-64) */
        {"RESTORE k 0 \"\\x00\\x05hello\\x0a\\x00cr\\xdfve4 \\x0a\"", OK,
         "SELECT 0\nRESTORE k 0 \\x00\\x05hello\\x0a\\x00cr\\xdfve4 \\x0a\n"},
        {"RESTORE k 0 \"\\x00\\x05hello\\x0a\\x00cr\\xdfve4 \\x0a\"", "-BUSYKEY Target key name already exists.\r\n", ""},
        {"RESTORE k 5000 \"\\x00\\x05hello\\x0a\\x00cr\\xdfve4 \\x0a\" REPLACE", OK,
         "RESTORE k {+5000} \\x00\\x05hello\\x0a\\x00cr\\xdfve4 \\x0a REPLACE ABSTTL\n"},
        {"RESTORE k 1 \"\\x00\\x05hello\\x0a\\x00cr\\xdfve4 \\x0a\" REPLACE ABSTTL", OK, "DEL k\n"},
        {"RESTORE k 0 bad", "-ERR DUMP payload version or checksum are wrong\r\n", ""},
        {NULL, NULL, NULL}}},
    {"migrate", {
        /* a successful move (DEL of the moved keys) needs a second server: see
         * tests/integration/test_migrate.py; here, what propagates nothing */
        {"SET k v", OK, "SELECT 0\nSET k v\n"},
        {"MIGRATE 127.0.0.1 1 nokey 0 100", "+NOKEY\r\n", ""},
        {"MIGRATE 127.0.0.1 1 k 0 100", "-IOERR error or timeout writing to target instance\r\n", ""},
        {"MIGRATE 127.0.0.1 -1 k 0 100", "-IOERR error or timeout connecting to the client\r\n", ""},
        {"MIGRATE 127.0.0.1 1 k 0 100 KEYS k", "-ERR When using MIGRATE KEYS option, the key argument must be set "
                                              "to the empty string\r\n", ""},
        {NULL, NULL, NULL}}},
    {"getset", {
        {"GETSET k v", NIL, "SELECT 0\nSET k v\n"},
        {"GETSET k w", "$1\r\nv\r\n", "SET k w\n"},
        {NULL, NULL, NULL}}},
    {"mset/msetnx", {
        {"MSET a 1 b 2", OK, "SELECT 0\nMSET a 1 b 2\n"},
        {"MSETNX c 1 d 2", ":1\r\n", "MSETNX c 1 d 2\n"},
        {"MSETNX c 1 e 2", ":0\r\n", ""},
        {"MSET a", "-ERR wrong number of arguments for 'mset' command\r\n", ""},
        {NULL, NULL, NULL}}},
    {"append/setrange", {
        {"APPEND k ab", ":2\r\n", "SELECT 0\nAPPEND k ab\n"},
        {"APPEND k c", ":3\r\n", "APPEND k c\n"},
        {"SETRANGE k 1 xy", ":3\r\n", "SETRANGE k 1 xy\n"},
        {"SETRANGE k 1 \"\"", ":3\r\n", ""},
        {"SETRANGE nokey 5 \"\"", ":0\r\n", ""},
        {"SETRANGE r 2 z", ":3\r\n", "SETRANGE r 2 z\n"},
        {NULL, NULL, NULL}}},
    {"incr family", {
        {"INCR n", ":1\r\n", "SELECT 0\nINCR n\n"},
        {"DECR n", ":0\r\n", "DECR n\n"},
        {"INCRBY n 10", ":10\r\n", "INCRBY n 10\n"},
        {"DECRBY n 3", ":7\r\n", "DECRBY n 3\n"},
        {"SET s x", OK, "SET s x\n"},
        {"INCR s", "-ERR value is not an integer or out of range\r\n", ""},
        {"INCRBY n notanumber", "-ERR value is not an integer or out of range\r\n", ""},
        {NULL, NULL, NULL}}},
    {"incrbyfloat", {
        {"SET f 10 EX 100", OK, "SELECT 0\nSET f 10 PXAT {+100000}\n"},
        {"INCRBYFLOAT f 1.5", "$4\r\n11.5\r\n", "SET f 11.5 KEEPTTL\n"},
        {"INCRBYFLOAT g 3e2", "$3\r\n300\r\n", "SET g 300 KEEPTTL\n"},
        {"INCRBYFLOAT f x", "-ERR value is not a valid float\r\n", ""},
        {NULL, NULL, NULL}}},
    {"getex", {
        {"SET k v", OK, "SELECT 0\nSET k v\n"},
        {"GETEX k", "$1\r\nv\r\n", ""},
        {"GETEX k EX 200", "$1\r\nv\r\n", "PEXPIREAT k {+200000}\n"},
        {"GETEX k PX 200000", "$1\r\nv\r\n", "PEXPIREAT k {+200000}\n"},
        {"GETEX k EXAT 4102444800", "$1\r\nv\r\n", "PEXPIREAT k 4102444800000\n"},
        {"GETEX k PXAT 4102444800000", "$1\r\nv\r\n", "PEXPIREAT k 4102444800000\n"},
        {"GETEX k PERSIST", "$1\r\nv\r\n", "PERSIST k\n"},
        {"GETEX k PERSIST", "$1\r\nv\r\n", ""},
        {"GETEX k PXAT 1000", "$1\r\nv\r\n", "DEL k\n"},
        {"GETEX k EX 100", NIL, ""},
        {NULL, NULL, NULL}}},
    {"getdel", {
        {"SET k v", OK, "SELECT 0\nSET k v\n"},
        {"GETDEL k", "$1\r\nv\r\n", "DEL k\n"},
        {"GETDEL k", NIL, ""},
        {NULL, NULL, NULL}}},
    {"setbit", {
        {"SETBIT b 7 1", ":0\r\n", "SELECT 0\nSETBIT b 7 1\n"},
        {"SETBIT b 7 1", ":1\r\n", ""},
        {"SETBIT b 7 0", ":1\r\n", "SETBIT b 7 0\n"},
        {"SETBIT b 100 0", ":0\r\n", "SETBIT b 100 0\n"},
        {"SETBIT b 3 0", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"bitfield", {
        {"BITFIELD bf SET u8 0 255", "*1\r\n:0\r\n", "SELECT 0\nBITFIELD bf SET u8 0 255\n"},
        {"BITFIELD bf GET u8 0", "*1\r\n:255\r\n", ""},
        {"BITFIELD bf SET u8 0 255", "*1\r\n:255\r\n", ""},
        {"BITFIELD bf OVERFLOW FAIL INCRBY u8 0 10", "*1\r\n$-1\r\n", ""},
        {"BITFIELD bf INCRBY u8 0 1", "*1\r\n:0\r\n", "BITFIELD bf INCRBY u8 0 1\n"},
        {NULL, NULL, NULL}}},
    {"bitop", {
        {"SET a abc", OK, "SELECT 0\nSET a abc\n"},
        {"BITOP OR dest a nokey", ":3\r\n", "BITOP OR dest a nokey\n"},
        {"BITOP AND none x y", ":0\r\n", ""},
        {"BITOP AND dest x y", ":0\r\n", "BITOP AND dest x y\n"},
        {NULL, NULL, NULL}}},
    {"pfadd/pfcount/pfmerge/pfdebug", {
        {"PFADD h a b", ":1\r\n", "SELECT 0\nPFADD h a b\n"},
        {"PFADD h a", ":0\r\n", ""},
        {"PFCOUNT h", ":2\r\n", "PFCOUNT h\n"},
        {"PFCOUNT h", ":2\r\n", ""},
        {"PFCOUNT h h2", ":2\r\n", ""},
        {"PFMERGE m h", OK, "PFMERGE m h\n"},
        {"PFMERGE m h", OK, "PFMERGE m h\n"},
        {"PFDEBUG ENCODING m", "+sparse\r\n", ""},
        {"PFDEBUG TODENSE m", ":1\r\n", "PFDEBUG TODENSE m\n"},
        {"PFDEBUG TODENSE m", ":0\r\n", ""},
        {"PFADD nn", ":1\r\n", "PFADD nn\n"},
        {NULL, NULL, NULL}}},
    {"hset/hmset/hsetnx", {
        {"HSET h a 1 b 2", ":2\r\n", "SELECT 0\nHSET h a 1 b 2\n"},
        {"HSET h a 1", ":0\r\n", "HSET h a 1\n"},
        {"HMSET h c 3", OK, "HMSET h c 3\n"},
        {"HSETNX h a 5", ":0\r\n", ""},
        {"HSETNX h d 4", ":1\r\n", "HSETNX h d 4\n"},
        {"HSET h a", "-ERR wrong number of arguments for 'hset' command\r\n", ""},
        {"SET s x", OK, "SET s x\n"},
        {"HSET s a 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
        {NULL, NULL, NULL}}},
    {"hdel", {
        {"HSET h a 1 b 2 c 3", ":3\r\n", "SELECT 0\nHSET h a 1 b 2 c 3\n"},
        {"HDEL h a zz", ":1\r\n", "HDEL h a zz\n"},
        {"HDEL h zz", ":0\r\n", ""},
        {"HDEL nokey a", ":0\r\n", ""},
        {"HDEL h b c d", ":2\r\n", "HDEL h b c d\n"},
        {"EXISTS h", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"hincrby/hincrbyfloat", {
        {"HINCRBY h n 5", ":5\r\n", "SELECT 0\nHINCRBY h n 5\n"},
        {"HINCRBY h n x", "-ERR value is not an integer or out of range\r\n", ""},
        {"HINCRBYFLOAT h f 1.5", "$3\r\n1.5\r\n", "HSET h f 1.5\n"},
        {"HINCRBYFLOAT h f 3e2", "$5\r\n301.5\r\n", "HSET h f 301.5\n"},
        {"HINCRBYFLOAT h n 1", "$1\r\n6\r\n", "HSET h n 6\n"},
        {"HINCRBY h f 1", "-ERR hash value is not an integer\r\n", ""},
        {"HINCRBYFLOAT h f inf", "-ERR value is NaN or Infinity\r\n", ""},
        {"HSET h s abc", ":1\r\n", "HSET h s abc\n"},
        {"HINCRBYFLOAT h s 1", "-ERR hash value is not a float\r\n", ""},
        {NULL, NULL, NULL}}},
    {"sadd/srem", {
        {"SADD s a b", ":2\r\n", "SELECT 0\nSADD s a b\n"},
        {"SADD s a", ":0\r\n", ""},
        {"SREM s a x", ":1\r\n", "SREM s a x\n"},
        {"SREM s x", ":0\r\n", ""},
        {"SREM nokey x", ":0\r\n", ""},
        {"SREM s b", ":1\r\n", "SREM s b\n"},
        {"SET str v", OK, "SET str v\n"},
        {"SADD str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
        {NULL, NULL, NULL}}},
    {"smove", {
        {"SADD a 1 2", ":2\r\n", "SELECT 0\nSADD a 1 2\n"},
        {"SADD b 2", ":1\r\n", "SADD b 2\n"},
        {"SMOVE a b 1", ":1\r\n", "SMOVE a b 1\n"},
        {"SMOVE a b 2", ":1\r\n", "SMOVE a b 2\n"},
        {"SMOVE a b 2", ":0\r\n", ""},
        {"SMOVE b b 1", ":1\r\n", ""},
        {"SMOVE b c 9", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"spop: SREM, SREMs, or DEL for the whole set", {
        {"SADD s x", ":1\r\n", "SELECT 0\nSADD s x\n"},
        {"SPOP s", "$1\r\nx\r\n", "SREM s x\n"},
        {"SPOP s", NIL, ""},
        {"SADD s 1 2 3 4 5 6 7 8 9", ":9\r\n", "SADD s 1 2 3 4 5 6 7 8 9\n"},
        {"SPOP s 0", "*0\r\n", ""},
        {"SPOP s 1", NULL, "SREM s ?\n"},
        {"SPOP s 2", NULL, "MULTI\nSREM s ?\nSREM s ?\nEXEC\n"},
        {"SPOP s 5", NULL, "MULTI\nSREM s ?\nSREM s ?\nSREM s ?\nSREM s ?\nSREM s ?\nEXEC\n"},
        {"SPOP s 10", NULL, "DEL s\n"},
        {"SPOP s 10", "*0\r\n", ""},
        {"SPOP s x", "-ERR value is out of range, must be positive\r\n", ""},
        {NULL, NULL, NULL}}},
    {"sinterstore/sunionstore/sdiffstore", {
        {"SADD a 1 2 3", ":3\r\n", "SELECT 0\nSADD a 1 2 3\n"},
        {"SADD b 2 3 4", ":3\r\n", "SADD b 2 3 4\n"},
        {"SINTERSTORE d a b", ":2\r\n", "SINTERSTORE d a b\n"},
        {"SUNIONSTORE d a b", ":4\r\n", "SUNIONSTORE d a b\n"},
        {"SDIFFSTORE d a b", ":1\r\n", "SDIFFSTORE d a b\n"},
        {"SINTERSTORE d a nokey", ":0\r\n", "SINTERSTORE d a nokey\n"},
        {"SINTERSTORE d a nokey", ":0\r\n", ""},
        {"SDIFFSTORE d a a", ":0\r\n", ""},
        {"SUNIONSTORE d nokey", ":0\r\n", ""},
        {"SINTER a b", "*2\r\n$1\r\n2\r\n$1\r\n3\r\n", ""},
        {NULL, NULL, NULL}}},
    {"del/unlink", {
        {"MSET a 1 b 2 c 3", OK, "SELECT 0\nMSET a 1 b 2 c 3\n"},
        {"DEL a nokey", ":1\r\n", "DEL a nokey\n"},
        {"DEL a nokey", ":0\r\n", ""},
        {"UNLINK b c d", ":2\r\n", "UNLINK b c d\n"},
        {"UNLINK b", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"expire family", {
        {"SET k v", OK, "SELECT 0\nSET k v\n"},
        {"EXPIRE k 100", ":1\r\n", "PEXPIREAT k {+100000}\n"},
        {"PEXPIRE k 100000", ":1\r\n", "PEXPIREAT k {+100000}\n"},
        {"EXPIREAT k 4102444800", ":1\r\n", "PEXPIREAT k 4102444800000\n"},
        {"PEXPIREAT k 4102444900000", ":1\r\n", "PEXPIREAT k 4102444900000\n"},
        {"EXPIRE k 100 NX", ":0\r\n", ""},
        {"EXPIRE k 1 GT", ":0\r\n", ""},
        {"EXPIRE nokey 100", ":0\r\n", ""},
        {"EXPIRE k notanumber", "-ERR value is not an integer or out of range\r\n", ""},
        {"EXPIREAT k 1000", ":1\r\n", "DEL k\n"},
        {"SET k v", OK, "SET k v\n"},
        {"PEXPIRE k -1", ":1\r\n", "DEL k\n"},
        {"SET k v", OK, "SET k v\n"},
        {"PEXPIREAT k 0", ":1\r\n", "DEL k\n"},
        {NULL, NULL, NULL}}},
    {"persist", {
        {"SET k v EX 100", OK, "SELECT 0\nSET k v PXAT {+100000}\n"},
        {"PERSIST k", ":1\r\n", "PERSIST k\n"},
        {"PERSIST k", ":0\r\n", ""},
        {"PERSIST nokey", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"rename/renamenx", {
        {"MSET a 1 b 2", OK, "SELECT 0\nMSET a 1 b 2\n"},
        {"RENAME a c", OK, "RENAME a c\n"},
        {"RENAME c c", OK, ""},
        {"RENAME nokey x", "-ERR no such key\r\n", ""},
        {"RENAMENX c b", ":0\r\n", ""},
        {"RENAMENX c d", ":1\r\n", "RENAMENX c d\n"},
        {NULL, NULL, NULL}}},
    {"move", {
        {"SET k v", OK, "SELECT 0\nSET k v\n"},
        {"MOVE k 1", ":1\r\n", "MOVE k 1\n"},
        {"MOVE k 1", ":0\r\n", ""},
        {"SET k v", OK, "SET k v\n"},
        {"MOVE k 1", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"copy", {
        {"SET a 1", OK, "SELECT 0\nSET a 1\n"},
        {"COPY a b", ":1\r\n", "COPY a b\n"},
        {"COPY a b", ":0\r\n", ""},
        {"COPY a b REPLACE", ":1\r\n", "COPY a b REPLACE\n"},
        {"COPY a b DB 2", ":1\r\n", "COPY a b DB 2\n"},
        {"COPY nokey b", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"swapdb", {
        {"SWAPDB 0 1", OK, "SELECT 0\nSWAPDB 0 1\n"},
        {"SWAPDB 2 2", OK, "SWAPDB 2 2\n"},
        {"SWAPDB 0 99", "-ERR DB index is out of range\r\n", ""},
        {NULL, NULL, NULL}}},
    {"flushdb/flushall", {
        {"FLUSHDB", OK, "SELECT 0\nFLUSHDB\n"},
        {"FLUSHALL", OK, "FLUSHALL\n"},
        {"SET k v", OK, "SET k v\n"},
        {"FLUSHALL ASYNC", OK, "FLUSHALL ASYNC\n"},
        {"FLUSHDB SYNC", OK, "FLUSHDB SYNC\n"},
        {"FLUSHDB bad", "-ERR syntax error\r\n", ""},
        {NULL, NULL, NULL}}},
    {"function load/delete/restore", {
        {"FUNCTION LOAD \"#!lua name=l\\nredis.register_function('f', function() return 1 end)\"", "$1\r\nl\r\n",
         "SELECT 0\nFUNCTION LOAD #!lua name=l\\x0aredis.register_function('f', function() return 1 end)\n"},
        {"FUNCTION LOAD \"#!lua name=l\\nredis.register_function('f', function() return 1 end)\"",
         "-ERR Library 'l' already exists\r\n", ""},
        {"FUNCTION DELETE l", OK, "FUNCTION DELETE l\n"},
        {"FUNCTION DELETE l", "-ERR Library not found\r\n", ""},
        /* Redis 7.0.15's FUNCTION DUMP of the library above */
        {"FUNCTION RESTORE \"\\xf5@B#!lua name=l\\nredis.register_function(\\\"f\\\", function() return 1 end)\\n\\x00\\xf4{\\x83\\xdep\\xdd\\x05\\xb6\"",
         OK, "FUNCTION RESTORE \\xf5@B#!lua name=l\\x0aredis.register_function(\"f\", function() return 1 end)\\x0a\\x00\\xf4{\\x83\\xdep\\xdd\\x05\\xb6\n"},
        {"FUNCTION RESTORE bad", "-ERR DUMP payload version or checksum are wrong\r\n", ""},
        {NULL, NULL, NULL}}},
    {"function flush", {
        {"FUNCTION FLUSH", OK, "SELECT 0\nFUNCTION FLUSH\n"},
        {"FUNCTION FLUSH ASYNC", OK, "FUNCTION FLUSH ASYNC\n"},
        {"FUNCTION FLUSH x", "-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n", ""},
        {NULL, NULL, NULL}}},
    {"select", {
        {"SELECT 3", OK, ""},
        {"SET x 1", OK, "SELECT 3\nSET x 1\n"},
        {"SET y 1", OK, "SET y 1\n"},
        {"SELECT 3", OK, ""},
        {"SET z 1", OK, "SET z 1\n"},
        {"SELECT 0", OK, ""},
        {"GET z", NIL, ""},
        {"SET z 1", OK, "SELECT 0\nSET z 1\n"},
        {NULL, NULL, NULL}}},
    {"multi/exec wraps several writes", {
        {"SELECT 5", OK, ""},
        {"MULTI", OK, ""},
        {"SET a 1", "+QUEUED\r\n", ""},
        {"GET a", "+QUEUED\r\n", ""},
        {"INCR n", "+QUEUED\r\n", ""},
        {"DEL nokey", "+QUEUED\r\n", ""},
        {"EXEC", "*4\r\n+OK\r\n$1\r\n1\r\n:1\r\n:0\r\n", "SELECT 5\nMULTI\nSET a 1\nINCR n\nEXEC\n"},
        {NULL, NULL, NULL}}},
    {"multi/exec across databases", {
        {"MULTI", OK, ""},
        {"SET a 1", "+QUEUED\r\n", ""},
        {"SELECT 1", "+QUEUED\r\n", ""},
        {"SET b 1", "+QUEUED\r\n", ""},
        {"GET b", "+QUEUED\r\n", ""},
        {"SELECT 2", "+QUEUED\r\n", ""},
        {"SET c 1", "+QUEUED\r\n", ""},
        {"EXEC", "*6\r\n+OK\r\n+OK\r\n+OK\r\n$1\r\n1\r\n+OK\r\n+OK\r\n",
         "SELECT 0\nMULTI\nSET a 1\nSELECT 1\nSET b 1\nSELECT 2\nSET c 1\nEXEC\n"},
        {"SET d 1", OK, "SET d 1\n"},
        {NULL, NULL, NULL}}},
    {"multi/exec propagates rewrites and skips failed commands", {
        {"SET s str", OK, "SELECT 0\nSET s str\n"},
        {"MULTI", OK, ""},
        {"SETEX k 100 v", "+QUEUED\r\n", ""},
        {"INCR s", "+QUEUED\r\n", ""},
        {"INCRBYFLOAT f 1.5", "+QUEUED\r\n", ""},
        {"EXPIRE s 0", "+QUEUED\r\n", ""},
        {"FLUSHALL", "+QUEUED\r\n", ""},
        {"EXEC", "*5\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$3\r\n1.5\r\n:1\r\n+OK\r\n",
         "MULTI\nSET k v PXAT {+100000}\nSET f 1.5 KEEPTTL\nDEL s\nFLUSHALL\nEXEC\n"},
        {NULL, NULL, NULL}}},
    {"a transaction failed by WATCH propagates nothing", {
        {"WATCH x", OK, ""},
        {"SET x 1", OK, "SELECT 0\nSET x 1\n"},
        {"MULTI", OK, ""},
        {"SET y 1", "+QUEUED\r\n", ""},
        {"DEL x", "+QUEUED\r\n", ""},
        {"EXEC", "*-1\r\n", ""},
        {"MULTI", OK, ""},
        {"SET y 1", "+QUEUED\r\n", ""},
        {"NOSUCH", "-ERR unknown command 'NOSUCH', with args beginning with: \r\n", ""},
        {"EXEC", "-EXECABORT Transaction discarded because of previous errors.\r\n", ""},
        {"EXISTS y", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"multi/exec with one write is not wrapped", {
        {"MULTI", OK, ""},
        {"SET foo bar", "+QUEUED\r\n", ""},
        {"GET foo", "+QUEUED\r\n", ""},
        {"EXEC", "*2\r\n+OK\r\n$3\r\nbar\r\n", "SELECT 0\nSET foo bar\n"},
        {"SET foo2 bar", OK, "SET foo2 bar\n"},
        {NULL, NULL, NULL}}},
    {"multi/exec with reads or no-op writes propagates nothing", {
        {"SET foo v", OK, "SELECT 0\nSET foo v\n"},
        {"MULTI", OK, ""},
        {"GET foo", "+QUEUED\r\n", ""},
        {"DEL nokey", "+QUEUED\r\n", ""},
        {"SETNX foo x", "+QUEUED\r\n", ""},
        {"EXEC", "*3\r\n$1\r\nv\r\n:0\r\n:0\r\n", ""},
        {"MULTI", OK, ""},
        {"EXEC", "*0\r\n", ""},
        {"MULTI", OK, ""},
        {"SET foo x", "+QUEUED\r\n", ""},
        {"DISCARD", OK, ""},
        {"INCR n", ":1\r\n", "INCR n\n"},
        {NULL, NULL, NULL}}},
    {"lazy expiry on a read: DEL alone", {
        {"SET k v", OK, "SELECT 0\nSET k v\n"},
        {"@expire k", NULL, ""},
        {"GET k", NIL, "DEL k\n"},
        {"GET k", NIL, ""},
        {NULL, NULL, NULL}}},
    {"lazy expiry on a write: wrapped with the write", {
        {"SET k 5", OK, "SELECT 0\nSET k 5\n"},
        {"@expire k", NULL, ""},
        {"INCR k", ":1\r\n", "MULTI\nDEL k\nINCR k\nEXEC\n"},
        {"@expire k", NULL, ""},
        {"EXISTS k", ":0\r\n", "DEL k\n"},
        {NULL, NULL, NULL}}},
    {"lazy expiry of a lazyfree-lazy-expire key: UNLINK", {
        {"@config lazyfree-lazy-expire yes", NULL, NULL},
        {"SET k v", OK, "SELECT 0\nSET k v\n"},
        {"@expire k", NULL, ""},
        {"GET k", NIL, "UNLINK k\n"},
        {"SET k v", OK, "SET k v\n"},
        {"EXPIRE k -1", ":1\r\n", "UNLINK k\n"},
        {"@config lazyfree-lazy-expire no", NULL, NULL},
        {NULL, NULL, NULL}}},
    {"lazy expiry in a transaction", {
        {"MSET a 1 b 2", OK, "SELECT 0\nMSET a 1 b 2\n"},
        {"@expire a", NULL, ""},
        {"MULTI", OK, ""},
        {"GET a", "+QUEUED\r\n", ""},
        {"SET b 3", "+QUEUED\r\n", ""},
        {"EXEC", "*2\r\n$-1\r\n+OK\r\n", "MULTI\nDEL a\nSET b 3\nEXEC\n"},
        {NULL, NULL, NULL}}},
    {"randomkey and scan: lazy expiry not wrapped", {
        {"SET foo1 v", OK, "SELECT 0\nSET foo1 v\n"},
        {"SET foo2 v", OK, "SET foo2 v\n"},
        {"@expire foo1", NULL, ""},
        {"@expire foo2", NULL, ""},
        {"SCAN 0", "*2\r\n$1\r\n0\r\n*0\r\n", "DEL foo?\nDEL foo?\n"},
        {"SET foo1 v", OK, "SET foo1 v\n"},
        {"SET foo2 v", OK, "SET foo2 v\n"},
        {"@expire foo1", NULL, ""},
        {"@expire foo2", NULL, ""},
        {"RANDOMKEY", NIL, "DEL foo?\nDEL foo?\n"},
        /* inside a transaction the command is not the top-level call: wrapped */
        {"SET foo1 v", OK, "SET foo1 v\n"},
        {"SET foo2 v", OK, "SET foo2 v\n"},
        {"@expire foo1", NULL, ""},
        {"@expire foo2", NULL, ""},
        {"MULTI", OK, ""},
        {"SET x 1", "+QUEUED\r\n", ""},
        {"SCAN 0", "+QUEUED\r\n", ""},
        {"EXEC", "*2\r\n+OK\r\n*2\r\n$1\r\n0\r\n*1\r\n$1\r\nx\r\n", "MULTI\nSET x 1\nDEL foo?\nDEL foo?\nEXEC\n"},
        {NULL, NULL, NULL}}},
    {"active expiry: DEL without MULTI", {
        {"DEBUG SET-ACTIVE-EXPIRE 0", OK, ""},
        {"MSET a 1 b 2 c 3", OK, "SELECT 0\nMSET a 1 b 2 c 3\n"},
        {"@expire a", NULL, ""},
        {"@expire b", NULL, ""},
        {"@cycle", NULL, ""},
        {"DEBUG SET-ACTIVE-EXPIRE 1", OK, ""},
        {"@cycle", NULL, "DEL ?\nDEL ?\n"},
        {"DBSIZE", ":1\r\n", ""},
        {"@config lazyfree-lazy-expire yes", NULL, NULL},
        {"SELECT 4", OK, ""},
        {"SET d 1", OK, "SELECT 4\nSET d 1\n"},
        {"@expire d", NULL, ""},
        {"@cycle", NULL, "UNLINK d\n"},
        {"@config lazyfree-lazy-expire no", NULL, NULL},
        {NULL, NULL, NULL}}},
    {"zadd/zincrby", {
        {"ZADD z 1 a 2 b", ":2\r\n", "SELECT 0\nZADD z 1 a 2 b\n"},
        {"ZADD z 1 a", ":0\r\n", ""},
        {"ZADD z NX 5 a", ":0\r\n", ""},
        {"ZADD z XX CH 5 a 9 nosuch", ":1\r\n", "ZADD z XX CH 5 a 9 nosuch\n"},
        {"ZADD z GT 1 a", ":0\r\n", ""},
        {"ZADD z nan x", "-ERR value is not a valid float\r\n", ""},
        {"ZADD z INCR 1 a", "$1\r\n6\r\n", "ZADD z INCR 1 a\n"},
        {"ZINCRBY z 1.5 a", "$3\r\n7.5\r\n", "ZINCRBY z 1.5 a\n"},
        {"ZINCRBY z 0 a", "$3\r\n7.5\r\n", ""},
        {"ZADD z +inf a", ":0\r\n", "ZADD z +inf a\n"},
        {"ZINCRBY z -inf a", "-ERR resulting score is not a number (NaN)\r\n", ""},
        {NULL, NULL, NULL}}},
    {"zrem and range deletes", {
        {"ZADD z 1 a 2 b 3 c 4 d 5 e", ":5\r\n", "SELECT 0\nZADD z 1 a 2 b 3 c 4 d 5 e\n"},
        {"ZREM z a nosuch", ":1\r\n", "ZREM z a nosuch\n"},
        {"ZREM z nosuch", ":0\r\n", ""},
        {"ZREMRANGEBYRANK z 0 0", ":1\r\n", "ZREMRANGEBYRANK z 0 0\n"},
        {"ZREMRANGEBYRANK z 5 9", ":0\r\n", ""},
        {"ZREMRANGEBYSCORE z 3 3", ":1\r\n", "ZREMRANGEBYSCORE z 3 3\n"},
        {"ZREMRANGEBYSCORE z 100 200", ":0\r\n", ""},
        {"ZREMRANGEBYLEX z [d [d", ":1\r\n", "ZREMRANGEBYLEX z [d [d\n"},
        {"ZREMRANGEBYLEX z [x [y", ":0\r\n", ""},
        {"ZREM z e", ":1\r\n", "ZREM z e\n"},
        {"EXISTS z", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"zpopmin/zpopmax/zmpop", {
        {"ZADD z 1 a 2 b 3 c 4 d 5 e", ":5\r\n", "SELECT 0\nZADD z 1 a 2 b 3 c 4 d 5 e\n"},
        {"ZPOPMIN z", "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "ZPOPMIN z\n"},
        {"ZPOPMAX z 1", "*2\r\n$1\r\ne\r\n$1\r\n5\r\n", "ZPOPMAX z 1\n"},
        {"ZPOPMIN z 0", "*0\r\n", ""},
        {"ZPOPMIN nokey", "*0\r\n", ""},
        {"ZMPOP 2 nokey z MIN", "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "ZPOPMIN z 1\n"},
        {"ZMPOP 1 z MAX COUNT 10", "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n",
         "ZPOPMAX z 2\n"},
        {"ZMPOP 1 z MAX", "*-1\r\n", ""},
        {NULL, NULL, NULL}}},
    {"bzpopmin/bzpopmax/bzmpop served at once", {
        {"ZADD z 1 a 2 b 3 c 4 d", ":4\r\n", "SELECT 0\nZADD z 1 a 2 b 3 c 4 d\n"},
        {"BZPOPMIN nokey z 0", "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n", "ZPOPMIN z\n"},
        {"BZPOPMAX z 0", "*3\r\n$1\r\nz\r\n$1\r\nd\r\n$1\r\n4\r\n", "ZPOPMAX z\n"},
        {"BZMPOP 0 1 z MIN COUNT 5", "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n",
         "ZPOPMIN z 2\n"},
        {"MULTI", OK, ""},
        {"BZPOPMIN z 0", "+QUEUED\r\n", ""},
        {"BZMPOP 0 1 z MAX", "+QUEUED\r\n", ""},
        {"EXEC", "*2\r\n*-1\r\n*-1\r\n", ""},
        {NULL, NULL, NULL}}},
    {"zset stores", {
        {"ZADD a 1 x 2 y", ":2\r\n", "SELECT 0\nZADD a 1 x 2 y\n"},
        {"ZADD b 3 y 4 z", ":2\r\n", "ZADD b 3 y 4 z\n"},
        {"ZUNIONSTORE d 2 a b WEIGHTS 1 2", ":3\r\n", "ZUNIONSTORE d 2 a b WEIGHTS 1 2\n"},
        {"ZINTERSTORE d 2 a b", ":1\r\n", "ZINTERSTORE d 2 a b\n"},
        {"ZDIFFSTORE d 2 a b", ":1\r\n", "ZDIFFSTORE d 2 a b\n"},
        {"ZRANGESTORE d a 0 0", ":1\r\n", "ZRANGESTORE d a 0 0\n"},
        {"ZINTERSTORE d 2 a nokey", ":0\r\n", "ZINTERSTORE d 2 a nokey\n"},
        {"ZINTERSTORE d 2 a nokey", ":0\r\n", ""},
        {"ZRANGESTORE d nokey 0 -1", ":0\r\n", ""},
        {"ZUNIONSTORE d 0 a", "-ERR at least 1 input key is needed for 'zunionstore' command\r\n", ""},
        {NULL, NULL, NULL}}},
    {"geo", {
        /* GEOADD propagates the ZADD it runs; the STORE searches propagate as is */
        {"GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", ":2\r\n",
         "SELECT 0\nzadd g 3479099956230698 Palermo 3479447370796909 Catania\n"},
        {"GEOADD g NX CH 13.361389 38.115556 Palermo", ":0\r\n", ""},
        {"GEOADD g XX CH 15 37 Catania", ":1\r\n", "zadd g XX CH 3476504601741708 Catania\n"},
        {"GEOADD g 200 0 x", "-ERR invalid longitude,latitude pair 200.000000,0.000000\r\n", ""},
        {"GEORADIUS g 15 37 200 km STORE d", ":2\r\n", "GEORADIUS g 15 37 200 km STORE d\n"},
        {"GEORADIUSBYMEMBER g Palermo 10 km STOREDIST d", ":1\r\n", "GEORADIUSBYMEMBER g Palermo 10 km STOREDIST d\n"},
        {"GEOSEARCHSTORE d g FROMLONLAT 0 0 BYRADIUS 1 km", ":0\r\n", "GEOSEARCHSTORE d g FROMLONLAT 0 0 BYRADIUS 1 km\n"},
        {"GEOSEARCHSTORE d g FROMLONLAT 0 0 BYRADIUS 1 km", ":0\r\n", ""},
        {"GEORADIUS g 15 37 200 km", NULL, ""},
        {NULL, NULL, NULL}}},
    {"lpush/rpush/lpushx/rpushx", {
        {"LPUSHX l a", ":0\r\n", ""},
        {"RPUSHX l a", ":0\r\n", ""},
        {"LPUSH l a b", ":2\r\n", "SELECT 0\nLPUSH l a b\n"},
        {"RPUSH l c", ":3\r\n", "RPUSH l c\n"},
        {"LPUSHX l z y", ":5\r\n", "LPUSHX l z y\n"},
        {"RPUSHX l d", ":6\r\n", "RPUSHX l d\n"},
        {"SET s x", OK, "SET s x\n"},
        {"LPUSH s a", WRONGTYPE, ""},
        {NULL, NULL, NULL}}},
    {"lpop/rpop", {
        {"RPUSH l a b c d e", ":5\r\n", "SELECT 0\nRPUSH l a b c d e\n"},
        {"LPOP l", "$1\r\na\r\n", "LPOP l\n"},
        {"RPOP l 2", "*2\r\n$1\r\ne\r\n$1\r\nd\r\n", "RPOP l 2\n"},
        {"LPOP l 0", "*0\r\n", ""},
        {"LPOP nokey", NIL, ""},
        {"RPOP nokey 3", "*-1\r\n", ""},
        {"LPOP l -1", "-ERR value is out of range, must be positive\r\n", ""},
        {"LPOP l 10", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "LPOP l 10\n"},
        {"EXISTS l", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"lmpop: LPOP/RPOP key count", {
        {"RPUSH a 1 2 3", ":3\r\n", "SELECT 0\nRPUSH a 1 2 3\n"},
        {"LMPOP 2 nokey a LEFT COUNT 2", "*2\r\n$1\r\na\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "LPOP a 2\n"},
        {"LMPOP 1 a right COUNT 10", "*2\r\n$1\r\na\r\n*1\r\n$1\r\n3\r\n", "RPOP a 1\n"},
        {"LMPOP 1 a LEFT", "*-1\r\n", ""},
        {"LMPOP 0 a LEFT", "-ERR numkeys should be greater than 0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"blpop/brpop/blmpop served at once: LPOP/RPOP", {
        {"RPUSH l a b c d", ":4\r\n", "SELECT 0\nRPUSH l a b c d\n"},
        {"BLPOP nokey l 0", "*2\r\n$1\r\nl\r\n$1\r\na\r\n", "LPOP l\n"},
        {"BRPOP l 1.5", "*2\r\n$1\r\nl\r\n$1\r\nd\r\n", "RPOP l\n"},
        {"BLMPOP 0 1 l LEFT COUNT 5", "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "LPOP l 2\n"},
        {"MULTI", OK, ""},
        {"BLPOP l 0", "+QUEUED\r\n", ""},
        {"BLMPOP 0 1 l RIGHT", "+QUEUED\r\n", ""},
        {"BLMOVE l d LEFT LEFT 0", "+QUEUED\r\n", ""},
        {"EXEC", "*3\r\n*-1\r\n*-1\r\n$-1\r\n", ""},
        {"BLPOP l -1", "-ERR timeout is negative\r\n", ""},
        {NULL, NULL, NULL}}},
    {"lmove/rpoplpush/blmove/brpoplpush", {
        {"RPUSH s a b c d", ":4\r\n", "SELECT 0\nRPUSH s a b c d\n"},
        {"LMOVE s d left RIGHT", "$1\r\na\r\n", "LMOVE s d left RIGHT\n"},
        {"RPOPLPUSH s d", "$1\r\nd\r\n", "RPOPLPUSH s d\n"},
        {"BLMOVE s d RIGHT left 0", "$1\r\nc\r\n", "LMOVE s d RIGHT left\n"},
        {"BRPOPLPUSH s d 0", "$1\r\nb\r\n", "RPOPLPUSH s d\n"},
        {"LMOVE s d LEFT LEFT", NIL, ""},
        {"RPOPLPUSH d d", "$1\r\na\r\n", "RPOPLPUSH d d\n"},
        {NULL, NULL, NULL}}},
    {"lset/linsert/lrem/ltrim", {
        {"RPUSH l a b c b", ":4\r\n", "SELECT 0\nRPUSH l a b c b\n"},
        {"LSET l 0 x", OK, "LSET l 0 x\n"},
        {"LSET l 10 x", "-ERR index out of range\r\n", ""},
        {"LSET nokey 0 x", "-ERR no such key\r\n", ""},
        {"LINSERT l BEFORE b y", ":5\r\n", "LINSERT l BEFORE b y\n"},
        {"LINSERT l AFTER nope y", ":-1\r\n", ""},
        {"LINSERT nokey AFTER b y", ":0\r\n", ""},
        {"LREM l 0 b", ":2\r\n", "LREM l 0 b\n"},
        {"LREM l 1 nope", ":0\r\n", ""},
        {"LTRIM l 0 -1", OK, ""},
        {"LTRIM l 1 -1", OK, "LTRIM l 1 -1\n"},
        {"LTRIM nokey 1 -1", OK, ""},
        {"LTRIM l 5 1", OK, "LTRIM l 5 1\n"},
        {"EXISTS l", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
    {"sort: STORE propagates as is, only when it changed something", {
        {"RPUSH l 3 1 2", ":3\r\n", "SELECT 0\nRPUSH l 3 1 2\n"},
        {"SORT l", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", ""},
        {"SORT_RO l DESC", "*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n", ""},
        {"SORT l DESC STORE d", ":3\r\n", "SORT l DESC STORE d\n"},
        {"SORT l BY w_* GET # GET w_* STORE d", ":6\r\n", "SORT l BY w_* GET # GET w_* STORE d\n"},
        {"SORT l LIMIT 5 1 STORE d", ":0\r\n", "SORT l LIMIT 5 1 STORE d\n"},   /* deletes d */
        {"SORT l LIMIT 5 1 STORE d", ":0\r\n", ""},
        {"SORT nokey STORE l", ":0\r\n", "SORT nokey STORE l\n"},
        {"SADD s b a", ":2\r\n", "SADD s b a\n"},
        {"SORT s BY nosort STORE d", ":2\r\n", "SORT s BY nosort STORE d\n"},
        {"LRANGE d 0 -1", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", ""},
        {"SORT s STORE d", "-ERR One or more scores can't be converted into double\r\n", ""},
        {"SORT s LIMIT x 1 STORE d", "-ERR value is not an integer or out of range\r\n", ""},
        {"SET str x", OK, "SET str x\n"},
        {"SORT str STORE d", WRONGTYPE, ""},
        /* a BY target found expired: its DEL, wrapped with the SORT when that stores */
        {"SET w_a 1", OK, "SET w_a 1\n"},
        {"@expire w_a", NULL, ""},
        {"SORT s BY w_*", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "DEL w_a\n"},
        {"SET w_a 1", OK, "SET w_a 1\n"},
        {"@expire w_a", NULL, ""},
        {"SORT s BY w_* STORE d", ":2\r\n", "MULTI\nDEL w_a\nSORT s BY w_* STORE d\nEXEC\n"},
        {NULL, NULL, NULL}}},
    {"bf.*: verbatim, only when the filter changed", {
        {"BF.RESERVE b 0.01 10", OK, "SELECT 0\nBF.RESERVE b 0.01 10\n"},
        {"BF.RESERVE b 0.01 10", "-ERR item exists\r\n", ""},
        {"BF.ADD b x", ":1\r\n", "BF.ADD b x\n"},
        {"BF.ADD b x", ":0\r\n", ""},
        {"BF.MADD b x y", "*2\r\n:0\r\n:1\r\n", "BF.MADD b x y\n"},
        {"BF.MADD b x y", "*2\r\n:0\r\n:0\r\n", ""},
        {"BF.INSERT n NOCREATE ITEMS x", "-ERR not found\r\n", ""},
        {"BF.INSERT n CAPACITY 5 ITEMS x", "*1\r\n:1\r\n", "BF.INSERT n CAPACITY 5 ITEMS x\n"},
        {"BF.LOADCHUNK b 2 z", OK, "BF.LOADCHUNK b 2 z\n"},
        {"BF.LOADCHUNK c 1 bad", "-ERR received bad data\r\n", ""},
        {"BF.EXISTS b x", ":1\r\n", ""},
        {"SET str v", OK, "SET str v\n"},
        {"BF.ADD str a", WRONGTYPE, ""},
        {NULL, NULL, NULL}}},
    {"reads and failed writes propagate nothing", {
        {"SET k v", OK, "SELECT 0\nSET k v\n"},
        {"GET k", "$1\r\nv\r\n", ""},
        {"EXISTS k nokey", ":1\r\n", ""},
        {"TTL k", ":-1\r\n", ""},
        {"INCR k", "-ERR value is not an integer or out of range\r\n", ""},
        {"SETBIT k -1 1", "-ERR bit offset is not an integer or out of range\r\n", ""},
        {"APPEND", "-ERR wrong number of arguments for 'append' command\r\n", ""},
        {"NOSUCHCMD k", "-ERR unknown command 'NOSUCHCMD', with args beginning with: 'k' \r\n", ""},
        {"PING", "+PONG\r\n", ""},
        {NULL, NULL, NULL}}},
    {"xadd/xtrim/xdel/xsetid", {
        {"XADD s 1-1 a 1", "$3\r\n1-1\r\n", "SELECT 0\nXADD s 1-1 a 1\n"},
        {"XADD s 1-1 a 1", "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n", ""},
        {"XADD s 1-* a 2", "$3\r\n1-2\r\n", "XADD s 1-2 a 2\n"},
        {"XADD s MAXLEN 2 5-1 a 4", "$3\r\n5-1\r\n", "XADD s MAXLEN 2 5-1 a 4\n"},
        {"XADD s * a 3", NULL, "XADD s *-* a 3\n"},
        {"XADD s MAXLEN ~ 1 * a 5", NULL, "XADD s MAXLEN = 4 *-* a 5\n"},
        {"XADD nokey NOMKSTREAM * a 1", NIL, ""},
        {"XTRIM s MAXLEN 1", ":3\r\n", "XTRIM s MAXLEN 1\n"},
        {"XTRIM s MAXLEN 5", ":0\r\n", ""},
        {"XADD s 99999999999999-1 a 1", NULL, "XADD s 99999999999999-1 a 1\n"},
        {"XTRIM s MINID ~ 99999999999999-1", ":0\r\n", ""},
        {"XDEL s 99999999999999-1 9-9", ":1\r\n", "XDEL s 99999999999999-1 9-9\n"},
        {"XDEL s 9-9", ":0\r\n", ""},
        {"XSETID s 99999999999999-5", OK, "XSETID s 99999999999999-5\n"},
        {"XTRIM s MAXLEN ~ 0", ":1\r\n", "XTRIM s MAXLEN = 0\n"},
        {"XSETID s 1-0 ENTRIESADDED -1", "-ERR entries_added must be positive\r\n", ""},
        {NULL, NULL, NULL}}},
    {"xgroup/xreadgroup/xack/xclaim/xautoclaim", {
        {"XADD s 1-1 a 1", NULL, "SELECT 0\nXADD s 1-1 a 1\n"},
        {"XADD s 2-1 b 2", NULL, "XADD s 2-1 b 2\n"},
        {"XGROUP CREATE s g 0", OK, "XGROUP CREATE s g 0\n"},
        {"XGROUP CREATE s g 0", "-BUSYGROUP Consumer Group name already exists\r\n", ""},
        {"XGROUP CREATE n g $ MKSTREAM", OK, "XGROUP CREATE n g $ MKSTREAM\n"},
        {"XGROUP CREATECONSUMER s g carol", ":1\r\n", "XGROUP CREATECONSUMER s g carol\n"},
        {"XGROUP CREATECONSUMER s g carol", ":0\r\n", ""},
        {"XREADGROUP GROUP g alice COUNT 1 STREAMS s >", NULL,
         "XCLAIM s g alice 0 1-1 TIME * RETRYCOUNT 1 FORCE JUSTID LASTID 1-1\n"},
        {"XREADGROUP GROUP g bob NOACK STREAMS s >", NULL,
         "MULTI\nXGROUP CREATECONSUMER s g bob\nXGROUP SETID s g 2-1 ENTRIESREAD 2\nEXEC\n"},
        {"XREADGROUP GROUP g alice STREAMS s 0", NULL, ""},
        {"XACK s g 1-1 9-9", ":1\r\n", "XACK s g 1-1 9-9\n"},
        {"XACK s g 1-1", ":0\r\n", ""},
        {"XGROUP SETID s g 0", OK, "XGROUP SETID s g 0\n"},
        {"XREADGROUP GROUP g alice STREAMS s >", NULL,
         "MULTI\nXCLAIM s g alice 0 1-1 TIME * RETRYCOUNT 1 FORCE JUSTID LASTID 1-1\n"
         "XCLAIM s g alice 0 2-1 TIME * RETRYCOUNT 1 FORCE JUSTID LASTID 2-1\nEXEC\n"},
        {"XCLAIM s g carol 0 1-1 JUSTID", "*1\r\n$3\r\n1-1\r\n",
         "XCLAIM s g carol 0 1-1 TIME * RETRYCOUNT 1 FORCE JUSTID LASTID 2-1\n"},
        {"XCLAIM s g carol 0 7-7 LASTID 9-9", "*0\r\n", "XGROUP SETID s g 9-9 ENTRIESREAD 2\n"},
        {"XDEL s 2-1", ":1\r\n", "XDEL s 2-1\n"},
        {"XAUTOCLAIM s g dave 0 0-0 JUSTID", "*3\r\n$3\r\n0-0\r\n*1\r\n$3\r\n1-1\r\n*1\r\n$3\r\n2-1\r\n",
         "MULTI\nXCLAIM s g dave 0 1-1 TIME * RETRYCOUNT 1 FORCE JUSTID LASTID 9-9\n"
         "XCLAIM s g alice 0 2-1 TIME * RETRYCOUNT 1 FORCE JUSTID LASTID 9-9\nEXEC\n"},
        {"XGROUP DELCONSUMER s g dave", ":1\r\n", "XGROUP DELCONSUMER s g dave\n"},
        {"XGROUP DELCONSUMER s g nobody", ":0\r\n", ""},
        {"XGROUP DESTROY s g", ":1\r\n", "XGROUP DESTROY s g\n"},
        {"XGROUP DESTROY s g", ":0\r\n", ""},
        {NULL, NULL, NULL}}},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* ---------------- running a case ---------------- */

/* expected with "{+N}" replaced by server.mstime + N */
static Sds expand(const char *expected) {
    Sds out = sds_empty();
    for (const char *p = expected; *p;) {
        if (p[0] == '{' && p[1] == '+') {
            char *end;
            long long n = strtoll(p + 2, &end, 10);
            assert_true(*end == '}');
            out = sds_catprintf(out, "%lld", server.mstime + n);
            p = end + 1;
        } else {
            out = sds_catlen(out, p, 1);
            p++;
        }
    }
    return out;
}

/* The propagated lines, sorted: active expiry and SCAN visit keys in hash order. */
static int cmp_lines(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int lines_match(const char *pattern, const char *got) {
    int np, ng;
    Sds *pl = sds_splitlen(pattern, strlen(pattern), "\n", 1, &np);
    Sds *gl = sds_splitlen(got, strlen(got), "\n", 1, &ng);
    int ok = np == ng;
    if (ok) {
        qsort(gl, (size_t)ng, sizeof(Sds), cmp_lines);
        /* the SELECT, if any, stays first: sort the rest of the pattern too */
        qsort(pl, (size_t)np, sizeof(Sds), cmp_lines);
        for (int i = 0; ok && i < np; i++) ok = glob_match(pl[i], sds_len(pl[i]), gl[i], sds_len(gl[i]), 0);
    }
    sds_freesplit(pl, np);
    sds_freesplit(gl, ng);
    return ok;
}

static void check_prop(const Case *cs, const Step *st) {
    Sds want = expand(st->prop);
    int ok;
    if (strpbrk(want, "?*")) ok = lines_match(want, h_prop_lines);
    else ok = sds_len(want) == sds_len(h_prop_lines) && memcmp(want, h_prop_lines, sds_len(want)) == 0;
    if (!ok) {
        Sds g = h_repr(h_prop_lines, sds_len(h_prop_lines)), w = h_repr(want, sds_len(want));
        print_error("case \"%s\", step \"%s\":\n  propagated: %s\n  expected:   %s\n", cs->name, st->line, g, w);
        sds_free(g);
        sds_free(w);
        sds_free(want);
        fail();
    }
    sds_free(want);
    h_prop_clear();
}

static void run_step(const Case *cs, Client *c, const Step *st) {
    if (!strncmp(st->line, "@expire ", 8)) {
        h_make_expired(c->db->id, st->line + 8);
    } else if (!strcmp(st->line, "@cycle")) {
        server_update_time();
        db_active_expire_cycle(0);
    } else if (!strncmp(st->line, "@config ", 8)) {
        char name[64], value[64];
        assert_int_equal(sscanf(st->line + 8, "%63s %63s", name, value), 2);
        h_config(name, value);
    } else {
        Sds got = h_run(c, st->line);
        if (st->reply && (sds_len(got) != strlen(st->reply) || memcmp(got, st->reply, sds_len(got)))) {
            Sds g = h_repr(got, sds_len(got));
            print_error("case \"%s\", step \"%s\":\n  reply: %s\n  want:  %s\n", cs->name, st->line, g, st->reply);
            sds_free(g);
            sds_free(got);
            fail();
        }
        sds_free(got);
    }
    if (st->prop) check_prop(cs, st);
    else h_prop_clear();
}

static void run_case(const Case *cs) {
    h_reset(NULL);
    Client *c = h_fake();
    h_prop_start();
    for (const Step *st = cs->steps; st->line; st++) run_step(cs, c, st);
    h_free(c);
}

static void test_cases(void **state) {
    (void)state;
    for (size_t i = 0; i < NCASES; i++) run_case(&cases[i]);
}

/* ---------------- coverage ---------------- */

/* The command a step's line runs, or NULL for directives. */
static Command *step_command(const char *line) {
    if (line[0] == '@') return NULL;
    int argc;
    Sds *args = sds_splitargs(line, &argc);
    Obj *argv[2] = {obj_string(args[0], sds_len(args[0])), argc > 1 ? obj_string(args[1], sds_len(args[1])) : NULL};
    Command *cmd = command_lookup(argv, argc > 1 ? 2 : 1);
    obj_decr(argv[0]);
    if (argv[1]) obj_decr(argv[1]);
    sds_freesplit(args, argc);
    return cmd;
}

static int covered(const Command *cmd) {
    for (size_t i = 0; i < NCASES; i++)
        for (const Step *st = cases[i].steps; st->line; st++)
            if (step_command(st->line) == cmd) return 1;
    return 0;
}

static void check_covered(const Command *cmd, int *missing) {
    if (!(cmd->flags & CMD_WRITE) || covered(cmd)) return;
    print_error("write command '%s' has no propagation case in test_propagate.c\n", cmd->fullname);
    (*missing)++;
}

static void test_every_write_command_has_a_case(void **state) {
    (void)state;
    long cursor = 0;
    int missing = 0, writes = 0;
    Command *cmd;
    while ((cmd = command_table_next(&cursor))) {
        writes += (cmd->flags & CMD_WRITE) != 0;
        check_covered(cmd, &missing);
        if (!cmd->subcommands) continue;
        for (Command *s = cmd->subcommands; s->name; s++) {
            writes += (s->flags & CMD_WRITE) != 0;
            check_covered(s, &missing);
        }
    }
    assert_true(writes >= 30);
    assert_int_equal(missing, 0);
}

/* ---------------- blocked list pops served later ---------------- */

/* A waiter served by a later push propagates its pop right after the push, as
 * Redis 7.0 does: BLPOP/BRPOP as LPOP/RPOP, BLMPOP as LPOP/RPOP key count, BLMOVE
 * as LMOVE with lower-case ends, BRPOPLPUSH as RPOPLPUSH; a push inside MULTI
 * serves after EXEC. */
static void test_blocked_list_pops(void **state) {
    (void)state;
    Client *w1 = h_conn(), *w2 = h_conn(), *p = h_conn();
    h_prop_start();
    h_send(w1, "BLPOP l 0");
    h_send(w2, "BLMPOP 0 2 x l RIGHT COUNT 2");
    assert_true((w1->flags & CLIENT_BLOCKED) && (w2->flags & CLIENT_BLOCKED));
    h_expect(p, "RPUSH l a b c d", ":4\r\n");
    h_expect_out(w1, "*2\r\n$1\r\nl\r\n$1\r\na\r\n");
    h_expect_out(w2, "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nd\r\n$1\r\nc\r\n");
    h_prop_expect("SELECT 0\nRPUSH l a b c d\nLPOP l\nRPOP l 2\n");
    h_expect(p, "DEL l", ":1\r\n");
    h_prop_clear();

    h_send(w1, "BLMOVE src dst LEFT RIGHT 0");
    h_send(w2, "BRPOPLPUSH dst other 0");
    h_expect(p, "MULTI", "+OK\r\n");
    h_expect(p, "RPUSH src v", "+QUEUED\r\n");
    h_expect(p, "SET k 1", "+QUEUED\r\n");
    h_expect(p, "EXEC", "*2\r\n:1\r\n+OK\r\n");
    h_expect_out(w1, "$1\r\nv\r\n");
    h_expect_out(w2, "$1\r\nv\r\n");
    h_prop_expect("MULTI\nRPUSH src v\nSET k 1\nEXEC\nLMOVE src dst left right\nRPOPLPUSH dst other\n");
    h_expect(p, "LRANGE other 0 -1", "*1\r\n$1\r\nv\r\n");
    h_expect(p, "EXISTS src dst", ":0\r\n");
}

/* ---------------- the stream itself ---------------- */

/* Each sink sees the commands as RESP arrays, with its own SELECT bookkeeping. */
static Sds other_resp;
static void other_feed(PropSink *s, Obj **argv, int argc) {
    (void)s;
    other_resp = sds_catprintf(other_resp, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        char buf[LONG_STR_SIZE];
        size_t len;
        const char *p = obj_strbuf(argv[i], buf, &len);
        other_resp = sds_catprintf(other_resp, "$%zu\r\n", len);
        other_resp = sds_catlen(other_resp, p, len);
        other_resp = sds_cat(other_resp, "\r\n");
    }
}

static void test_sinks_and_resp(void **state) {
    (void)state;
    PropSink other = {"other", other_feed, NULL, -1};
    other_resp = sds_empty();
    Client *c = h_fake();
    h_prop_start();
    h_expect(c, "SELECT 2", OK);
    h_expect(c, "SET k v", OK);
    propagate_add_sink(&other); /* joins later: gets its own SELECT */
    long long emitted = propagate_emitted();
    h_expect(c, "SET k w EX 10", OK);
    assert_int_equal(propagate_emitted() - emitted, 1);
    Sds want = sds_catprintf(sds_empty(), "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
                                          "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nw\r\n$4\r\nPXAT\r\n$13\r\n%lld\r\n",
                             server.mstime + 10000);
    h_assert_bytes("test sink RESP", h_prop_resp, sds_len(h_prop_resp), want, sds_len(want));
    sds_free(want);
    want = sds_catprintf(sds_empty(), "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nw\r\n"
                                      "$4\r\nPXAT\r\n$13\r\n%lld\r\n",
                         server.mstime + 10000);
    h_assert_bytes("second sink RESP", other_resp, sds_len(other_resp), want, sds_len(want));
    sds_free(want);
    /* after a reset the sink is told the database again */
    propagate_sink_reset_db(&h_sink);
    h_prop_clear();
    h_expect(c, "DEL k", ":1\r\n");
    h_prop_expect("SELECT 2\nDEL k\n");
    propagate_remove_sink(&other);
    sds_free(other_resp);
    /* without sinks nothing is recorded, and a later sink starts with SELECT */
    h_prop_stop();
    emitted = propagate_emitted();
    h_expect(c, "SET k v", OK);
    assert_int_equal(propagate_emitted(), emitted);
    assert_false(propagate_has_sinks());
    h_prop_start();
    h_expect(c, "SET k v", OK);
    h_prop_expect("SELECT 2\nSET k v\n");
}

/* PUBLISH and SPUBLISH change nothing yet go to replicas, never to the AOF; in a
 * transaction they are wrapped with the rest, as Redis does. */
static void test_publish_goes_to_replicas_only(void **state) {
    (void)state;
    PropSink aof = {.name = "aof-like", .feed = other_feed, .seldb = -1, .aof = 1};
    other_resp = sds_empty();
    Client *c = h_fake();
    h_prop_start();
    propagate_add_sink(&aof);
    h_expect(c, "PUBLISH ch hello", ":0\r\n");
    h_expect(c, "SPUBLISH sch hi", ":0\r\n");
    h_prop_expect("SELECT 0\nPUBLISH ch hello\nSPUBLISH sch hi\n");
    assert_int_equal(sds_len(other_resp), 0);
    h_expect(c, "MULTI", OK);
    h_expect(c, "PUBLISH ch a", "+QUEUED\r\n");
    h_expect(c, "SET k v", "+QUEUED\r\n");
    h_expect(c, "EXEC", "*2\r\n:0\r\n+OK\r\n");
    h_prop_expect("MULTI\nPUBLISH ch a\nSET k v\nEXEC\n");
    const char *want = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$5\r\nMULTI\r\n"
                       "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n$4\r\nEXEC\r\n";
    h_assert_bytes("AOF-like sink", other_resp, sds_len(other_resp), want, strlen(want));
    propagate_remove_sink(&aof);
    /* with only the AOF listening, PUBLISH leaves nothing pending */
    h_prop_stop();
    propagate_add_sink(&aof);
    long long emitted = propagate_emitted();
    h_expect(c, "PUBLISH ch b", ":0\r\n");
    assert_int_equal(propagate_emitted(), emitted);
    propagate_remove_sink(&aof);
    sds_free(other_resp);
}

int main(void) {
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_cases, h_reset),
        cmocka_unit_test_teardown(test_every_write_command_has_a_case, h_reset),
        cmocka_unit_test_teardown(test_sinks_and_resp, h_reset),
        cmocka_unit_test_teardown(test_blocked_list_pops, h_reset),
        cmocka_unit_test_teardown(test_publish_goes_to_replicas_only, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
