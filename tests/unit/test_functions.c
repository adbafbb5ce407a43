/* test_functions.c - the function library registry (src/script/functions.c) with
 * a fake engine, independent of Lua: FUNCTION LOAD/DELETE/FLUSH/LIST/DUMP/RESTORE
 * and FCALL's errors, RDB records (FUNCTION2 and the pre-GA FUNCTION form), the
 * AOF rewrite's FUNCTION LOAD commands and propagation.
 *
 * The FAKE engine reads a library body as lines "<name> [flag...]": each
 * registers a function; a line "!<message>" fails the load with that message.
 * Calling a function replies its name. */
#include "harness.h"
#include "base/crc64.h"
#include "base/rio.h"
#include "persist/rdb.h"
#include "script/functions.h"

static int fake_create(FunctionLib *lib, const char *code, size_t len, long long timeout_ms, Sds *err) {
    (void)timeout_ms;
    int n = 0;
    Sds *lines = sds_splitlen(code, len, "\n", 1, &n);
    int ok = 1;
    for (int i = 0; ok && i < n; i++) {
        if (sds_len(lines[i]) == 0) continue;
        if (lines[i][0] == '!') {
            *err = sds_new(lines[i] + 1);
            ok = 0;
            break;
        }
        int w = 0;
        Sds *words = sds_splitargs(lines[i], &w);
        unsigned flags = 0;
        for (int j = 1; j < w; j++)
            for (const FunctionFlagName *f = function_flag_names; f->name; f++)
                if (!strcmp(words[j], f->name)) flags |= f->flag;
        ok = function_lib_add(lib, words[0], sds_len(words[0]), NULL, "desc", 4, flags, err);
        sds_freesplit(words, w);
    }
    sds_freesplit(lines, n);
    return ok;
}

static void fake_call(Client *c, FunctionInfo *fi, Obj **keys, int nkeys, Obj **args, int nargs, int ro) {
    (void)keys;
    (void)args;
    reply_array_len(c, 4);
    reply_bulk(c, fi->name, sds_len(fi->name));
    reply_long(c, nkeys);
    reply_long(c, nargs);
    reply_long(c, ro);
}

static const FunctionEngine fake_engine = {.name = "FAKE", .create = fake_create, .call = fake_call};

static int teardown(void **state) {
    functions_flush();
    return h_reset(state);
}

static void test_load_list_call(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "FUNCTION LOAD \"#!fake name=lib1\\nf1\\nf2 no-writes allow-oom\"", "$4\r\nlib1\r\n");
    h_expect(c, "FCALL F1 2 a b c", "*4\r\n$2\r\nf1\r\n:2\r\n:1\r\n:0\r\n");
    h_expect(c, "FCALL_RO f2 0", "*4\r\n$2\r\nf2\r\n:0\r\n:0\r\n:1\r\n");
    h_expect(c, "FUNCTION LIST LIBRARYNAME lib*",
             "*1\r\n*6\r\n$12\r\nlibrary_name\r\n$4\r\nlib1\r\n$6\r\nengine\r\n$4\r\nFAKE\r\n$9\r\nfunctions\r\n*2\r\n"
             "*6\r\n$4\r\nname\r\n$2\r\nf1\r\n$11\r\ndescription\r\n$4\r\ndesc\r\n$5\r\nflags\r\n*0\r\n"
             "*6\r\n$4\r\nname\r\n$2\r\nf2\r\n$11\r\ndescription\r\n$4\r\ndesc\r\n$5\r\nflags\r\n*2\r\n+no-writes\r\n+allow-oom\r\n");
    h_expect(c, "FUNCTION LIST LIBRARYNAME x*", "*0\r\n");
    h_expect_match(c, "FUNCTION LIST WITHCODE", "*library_code*#!fake name=lib1*");
    /* the LUA engine is registered too (when built) */
    h_expect_match(c, "FUNCTION STATS",
                   "*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*$4\r\nFAKE\r\n*4\r\n$15\r\nlibraries_count\r\n:1\r\n"
                   "$15\r\nfunctions_count\r\n:2\r\n*");
    assert_int_equal(functions_count(), 2);
    assert_int_equal(functions_lib_count(), 1);
}

static void test_load_errors(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "FUNCTION LOAD \"#!fake name=lib1\\nf1\"", "$4\r\nlib1\r\n");
    h_expect(c, "FUNCTION LOAD \"#!fake name=lib1\\nf9\"", "-ERR Library 'lib1' already exists\r\n");
    h_expect(c, "FUNCTION LOAD \"#!fake name=lib2\\nF1\"", "-ERR Function F1 already exists\r\n");
    h_expect(c, "FUNCTION LOAD \"#!fake name=lib2\\nf2\\nf2\"", "-ERR Function already exists in the library\r\n");
    h_expect(c, "FUNCTION LOAD \"#!fake name=lib2\\n\"", "-ERR No functions registered\r\n");
    h_expect(c, "FUNCTION LOAD \"#!fake name=lib2\\n!Error compiling function: boom\"",
             "-ERR Error compiling function: boom\r\n");
    h_expect(c, "FUNCTION LOAD \"no shebang\"", "-ERR Missing library metadata\r\n");
    h_expect(c, "FUNCTION LOAD \"#!fake name=x\"", "-ERR Invalid library metadata\r\n");
    h_expect(c, "FUNCTION LOAD \"#!fake\\nf\"", "-ERR Library name was not given\r\n");
    h_expect(c, "FUNCTION LOAD \"#!fake name=a name=b\\nf\"",
             "-ERR Invalid metadata value, name argument was given multiple times\r\n");
    h_expect(c, "FUNCTION LOAD \"#!fake name=a foo=bar\\nf\"", "-ERR Invalid metadata value given: foo=bar\r\n");
    h_expect(c, "FUNCTION LOAD \"#!fake name=a-b\\nf\"",
             "-ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one "
             "character long\r\n");
    h_expect(c, "FUNCTION LOAD \"#!lua2 name=ab\\nf\"", "-ERR Engine 'lua2' not found\r\n");
    h_expect(c, "FUNCTION LOAD foo \"#!fake name=ab\\nf\"", "-ERR Unknown option given: foo\r\n");
    /* a failed REPLACE keeps the old library */
    h_expect(c, "FUNCTION LOAD REPLACE \"#!fake name=lib1\\n!bad\"", "-ERR bad\r\n");
    h_expect(c, "FCALL f1 0", "*4\r\n$2\r\nf1\r\n:0\r\n:0\r\n:0\r\n");
    h_expect(c, "FUNCTION LOAD REPLACE \"#!fake name=lib1\\nf3\"", "$4\r\nlib1\r\n");
    h_expect(c, "FCALL f1 0", "-ERR Function not found\r\n");
    h_expect(c, "FCALL f3 x", "-ERR Bad number of keys provided\r\n");
    h_expect(c, "FCALL f3 2 a", "-ERR Number of keys can't be greater than number of args\r\n");
    h_expect(c, "FCALL f3 -1", "-ERR Number of keys can't be negative\r\n");
    h_expect(c, "FUNCTION DELETE nope", "-ERR Library not found\r\n");
    h_expect(c, "FUNCTION DELETE lib1", "+OK\r\n");
    h_expect(c, "FCALL f3 0", "-ERR Function not found\r\n");
    h_expect(c, "FUNCTION KILL", "-NOTBUSY No scripts in execution right now.\r\n");
    h_expect(c, "FUNCTION LIST foo", "-ERR Unknown argument foo\r\n");
    h_expect(c, "FUNCTION LIST LIBRARYNAME", "-ERR library name argument was not given\r\n");
    h_expect(c, "FUNCTION FLUSH foo", "-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n");
}

static Sds dump(Client *c) {
    h_send(c, "FUNCTION DUMP");
    Sds out = h_out(c);
    assert_true(out[0] == '$');
    char *body = strstr(out, "\r\n") + 2;
    Sds p = sds_newlen(body, sds_len(out) - (size_t)(body - out) - 2);
    sds_free(out);
    return p;
}

/* Runs FUNCTION RESTORE with payload p and the policy (NULL: none). */
static Sds restore(Client *c, const Sds p, const char *policy) {
    Sds args[4] = {sds_new("FUNCTION"), sds_new("RESTORE"), sds_dup(p), policy ? sds_new(policy) : NULL};
    h_set_argv(c, policy ? 4 : 3, args);
    command_process(c);
    net_command_done(c); /* frees the argv, as after any request */
    for (int i = 0; i < 4; i++) sds_free(args[i]);
    return h_out(c);
}

static void expect_restore(Client *c, const Sds p, const char *policy, const char *want) {
    Sds got = restore(c, p, policy);
    h_assert_bytes("FUNCTION RESTORE", got, sds_len(got), want, strlen(want));
    sds_free(got);
}

static void test_dump_restore(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "FUNCTION LOAD \"#!fake name=lib1\\nf1\"", "$4\r\nlib1\r\n");
    Sds p = dump(c);
    /* FUNCTION2 opcode, the code as an RDB string, version 10, CRC-64 */
    const char code[] = "#!fake name=lib1\nf1";
    assert_int_equal((unsigned char)p[0], RDB_OPCODE_FUNCTION2);
    assert_int_equal((unsigned char)p[1], sizeof(code) - 1);
    assert_memory_equal(p + 2, code, sizeof(code) - 1);
    size_t n = sds_len(p);
    assert_int_equal(n, 2 + sizeof(code) - 1 + 10);
    assert_int_equal((unsigned char)p[n - 10], 10);
    assert_int_equal((unsigned char)p[n - 9], 0);
    uint64_t crc = crc64(0, (const unsigned char *)p, n - 8), stored = 0;
    for (int i = 7; i >= 0; i--) stored = (stored << 8) | (unsigned char)p[n - 8 + i];
    assert_true(crc == stored);

    expect_restore(c, p, NULL, "-ERR Library lib1 already exists\r\n");
    expect_restore(c, p, "APPEND", "-ERR Library lib1 already exists\r\n");
    expect_restore(c, p, "REPLACE", "+OK\r\n");
    expect_restore(c, p, "FLUSH", "+OK\r\n");
    expect_restore(c, p, "bad", "-ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.\r\n");
    h_expect(c, "FUNCTION RESTORE x y z", "-ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.\r\n");
    /* another library with the same function name: a collision in every mode but FLUSH */
    h_expect(c, "FUNCTION FLUSH", "+OK\r\n");
    h_expect(c, "FUNCTION LOAD \"#!fake name=other\\nf1\\nf7\"", "$5\r\nother\r\n");
    expect_restore(c, p, "REPLACE", "-ERR Function f1 already exists\r\n");
    h_expect(c, "FCALL f7 0", "*4\r\n$2\r\nf7\r\n:0\r\n:0\r\n:0\r\n");
    expect_restore(c, p, "FLUSH", "+OK\r\n");
    h_expect(c, "FCALL f7 0", "-ERR Function not found\r\n");
    h_expect(c, "FCALL f1 0", "*4\r\n$2\r\nf1\r\n:0\r\n:0\r\n:0\r\n");
    /* damaged payloads change nothing */
    Sds bad = sds_dup(p);
    bad[3] ^= 1;
    expect_restore(c, bad, NULL, "-ERR DUMP payload version or checksum are wrong\r\n");
    sds_free(bad);
    h_expect(c, "FUNCTION RESTORE x", "-ERR DUMP payload version or checksum are wrong\r\n");
    assert_int_equal(functions_lib_count(), 1);
    sds_free(p);
}

/* A record as Redis 7.0's release candidates wrote it: name, engine, a
 * description and the body; loaded as "#!<engine> name=<name>\n<body>". */
static void test_restore_pre_ga_record(void **state) {
    (void)state;
    Client *c = h_fake();
    Rio r;
    rio_init_buffer(&r);
    assert_true(rdb_save_type(&r, RDB_OPCODE_FUNCTION) && rdb_save_string(&r, "old", 3) &&
                rdb_save_string(&r, "FAKE", 4) && rdb_save_len(&r, 1) && rdb_save_string(&r, "a description", 13) &&
                rdb_save_string(&r, "g1\ng2", 5));
    Sds p = rio_take_buffer(&r);
    rio_close(&r);
    unsigned char footer[10] = {10, 0};
    p = sds_catlen(p, footer, 2);
    uint64_t crc = crc64(0, (const unsigned char *)p, sds_len(p));
    for (int i = 0; i < 8; i++) footer[2 + i] = (unsigned char)(crc >> (8 * i));
    p = sds_catlen(p, footer + 2, 8);
    expect_restore(c, p, NULL, "+OK\r\n");
    h_expect(c, "FCALL g2 0", "*4\r\n$2\r\ng2\r\n:0\r\n:0\r\n:0\r\n");
    h_expect_match(c, "FUNCTION LIST WITHCODE", "*#!FAKE name=old\ng1\ng2*");
    /* a key's value is not a function */
    p[0] = 0;
    crc = crc64(0, (const unsigned char *)p, sds_len(p) - 8);
    for (int i = 0; i < 8; i++) p[sds_len(p) - 8 + i] = (char)(crc >> (8 * i));
    expect_restore(c, p, NULL, "-ERR given type is not a function\r\n");
    sds_free(p);
}

static void test_rdb_and_aof_rewrite(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "FUNCTION LOAD \"#!fake name=lib1\\nf1\"", "$4\r\nlib1\r\n");
    h_expect(c, "SET k v", "+OK\r\n");
    Rio r;
    rio_init_buffer(&r);
    RdbSaveInfo si = {.repl_stream_db = -1};
    assert_true(rdb_save(&r, &si));
    Sds file = rio_take_buffer(&r);
    rio_close(&r);
    /* the record sits before the keys */
    const char rec[] = "\xf5\x13#!fake name=lib1\nf1";
    char *at = memmem(file, sds_len(file), rec, sizeof(rec) - 1);
    assert_non_null(at);
    assert_true(at < (char *)memmem(file, sds_len(file), "\xfe\x00", 2));
    h_expect(c, "FLUSHALL", "+OK\r\n"); /* keeps the libraries, as Redis */
    assert_int_equal(functions_lib_count(), 1);
    functions_flush();
    RdbLoadInfo info;
    RdbErr err = {{0}};
    rio_init_mem(&r, file, sds_len(file));
    assert_true(rdb_load(&r, &info, &err));
    h_expect(c, "FCALL f1 0", "*4\r\n$2\r\nf1\r\n:0\r\n:0\r\n:0\r\n");
    h_expect(c, "GET k", "$1\r\nv\r\n");
    /* loading it again collides, unless merging */
    h_expect(c, "FLUSHALL", "+OK\r\n");
    rio_init_mem(&r, file, sds_len(file));
    assert_false(rdb_load(&r, &info, &err));
    assert_non_null(strstr(err.msg, "Library 'lib1' already exists"));
    h_expect(c, "FLUSHALL", "+OK\r\n");
    rdb_load_merge = 1;
    rio_init_mem(&r, file, sds_len(file));
    assert_true(rdb_load(&r, &info, &err));
    rdb_load_merge = 0;
    /* a functions-only snapshot */
    rio_init_buffer(&r);
    si.exclude_data = 1;
    assert_true(rdb_save(&r, &si));
    Sds only = rio_take_buffer(&r);
    rio_close(&r);
    assert_non_null(memmem(only, sds_len(only), rec, sizeof(rec) - 1));
    assert_null(memmem(only, sds_len(only), "\xfe\x00", 2));
    sds_free(only);
    sds_free(file);
    /* AOF rewrite: one FUNCTION LOAD per library */
    rio_init_buffer(&r);
    assert_true(rdb_function_hooks->rewrite(&r));
    Sds aof = rio_take_buffer(&r);
    rio_close(&r);
    const char want[] = "*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$19\r\n#!fake name=lib1\nf1\r\n";
    h_assert_bytes("rewrite", aof, sds_len(aof), want, sizeof(want) - 1);
    sds_free(aof);
}

static void test_propagation(void **state) {
    (void)state;
    Client *c = h_fake();
    h_prop_start();
    h_expect(c, "FUNCTION LOAD \"#!fake name=lib1\\nf1\"", "$4\r\nlib1\r\n");
    h_expect(c, "FUNCTION LOAD \"#!fake name=lib1\\nf1\"", "-ERR Library 'lib1' already exists\r\n");
    h_expect(c, "FUNCTION DELETE lib1", "+OK\r\n");
    h_expect(c, "FUNCTION FLUSH ASYNC", "+OK\r\n");
    h_expect(c, "FUNCTION LIST", "*0\r\n");
    h_prop_expect("SELECT 0\nFUNCTION LOAD #!fake name=lib1\\x0af1\nFUNCTION DELETE lib1\nFUNCTION FLUSH ASYNC\n");
    h_prop_stop();
}

int main(void) {
    unlink("dump.rdb"); /* FLUSHALL saves one; a stale one would load at start-up */
    functions_register_engine(&fake_engine);
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_load_list_call, teardown),
        cmocka_unit_test_teardown(test_load_errors, teardown),
        cmocka_unit_test_teardown(test_dump_restore, teardown),
        cmocka_unit_test_teardown(test_restore_pre_ga_record, teardown),
        cmocka_unit_test_teardown(test_rdb_and_aof_rewrite, teardown),
        cmocka_unit_test_teardown(test_propagation, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    unlink("dump.rdb");
    return failed;
}
