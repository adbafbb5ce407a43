/* test_cmdargs.c - unit tests for core/cmdargs: the argument grammar of Command.args
 * (tokens, groups, oneof/block folding, default names and key-spec indexes,
 * attributes, extra lines), its errors, and a parse of every command table entry. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "core/cmdargs.h"
#include "core/command.h"
#include "core/module.h"

static CmdDoc *parse_ok(const char *spec) {
    char err[128] = "";
    CmdDoc *d = cmdargs_parse(spec, err, sizeof(err));
    if (!d) fail_msg("parse of \"%s\" failed: %s", spec, err);
    return d;
}

static void assert_arg(const CmdArg *a, const char *name, int type, const char *token, int flags, int ksi) {
    assert_string_equal(a->name, name);
    assert_int_equal(a->type, type);
    if (token) assert_string_equal(a->token, token);
    else assert_null(a->token);
    assert_int_equal(a->flags, flags);
    assert_int_equal(a->key_spec_index, ksi);
}

static void test_set_spec(void **state) {
    (void)state;
    CmdDoc *d = parse_ok("key:key value:string [NX|XX]{condition @2.6.12} [GET]{@6.2.0} "
                         "[EX seconds:integer{@2.6.12}|PX milliseconds:integer|KEEPTTL{@6.0.0}]{expiration}\n"
                         "history 2.6.12 Added the `EX`, `PX`, `NX` and `XX` options.\n"
                         "tip nondeterministic_output\n"
                         "keynote 0 RW and ACCESS due to the optional `GET` argument");
    assert_int_equal(d->nargs, 5);
    assert_arg(&d->args[0], "key", CMDARG_KEY, NULL, 0, 0);
    assert_arg(&d->args[1], "value", CMDARG_STRING, NULL, 0, -1);
    assert_arg(&d->args[2], "condition", CMDARG_ONEOF, NULL, CMDARG_OPTIONAL, -1);
    assert_string_equal(d->args[2].since, "2.6.12");
    assert_int_equal(d->args[2].nsub, 2);
    assert_arg(&d->args[2].subargs[0], "nx", CMDARG_PURE_TOKEN, "NX", 0, -1);
    assert_arg(&d->args[3], "get", CMDARG_PURE_TOKEN, "GET", CMDARG_OPTIONAL, -1);
    assert_string_equal(d->args[3].since, "6.2.0");
    const CmdArg *exp = &d->args[4];
    assert_arg(exp, "expiration", CMDARG_ONEOF, NULL, CMDARG_OPTIONAL, -1);
    assert_int_equal(exp->nsub, 3);
    assert_arg(&exp->subargs[0], "seconds", CMDARG_INTEGER, "EX", 0, -1);
    assert_string_equal(exp->subargs[0].since, "2.6.12");
    assert_null(exp->subargs[1].since);
    assert_arg(&exp->subargs[2], "keepttl", CMDARG_PURE_TOKEN, "KEEPTTL", 0, -1);
    assert_int_equal(d->nhistory, 1);
    assert_string_equal(d->history[0].a, "2.6.12");
    assert_string_equal(d->history[0].b, "Added the `EX`, `PX`, `NX` and `XX` options.");
    assert_int_equal(d->ntips, 1);
    assert_string_equal(d->tips[0].a, "nondeterministic_output");
    assert_string_equal(cmdargs_keynote(d, 0), "RW and ACCESS due to the optional `GET` argument");
    assert_null(cmdargs_keynote(d, 1));
    cmdargs_free(d);
}

static void test_blocks_and_multiple(void **state) {
    (void)state;
    CmdDoc *d = parse_ok("key:key (field:string value:string)... [LIMIT offset:integer count:integer] "
                         "[GET pattern:pattern]...{#1 +} <parameter:string>... [<ID client-id:integer...>]{id}");
    assert_int_equal(d->nargs, 6);
    const CmdArg *fv = &d->args[1];
    assert_arg(fv, "field_value", CMDARG_BLOCK, NULL, CMDARG_MULTIPLE, -1);
    assert_int_equal(fv->nsub, 2);
    assert_arg(&fv->subargs[1], "value", CMDARG_STRING, NULL, 0, -1);
    const CmdArg *lim = &d->args[2];
    assert_arg(lim, "offset_count", CMDARG_BLOCK, "LIMIT", CMDARG_OPTIONAL, -1);
    assert_int_equal(lim->nsub, 2);
    assert_arg(&d->args[3], "pattern", CMDARG_PATTERN, "GET",
               CMDARG_OPTIONAL | CMDARG_MULTIPLE | CMDARG_MULTIPLE_TOKEN, 1);
    const CmdArg *par = &d->args[4];
    assert_arg(par, "parameter", CMDARG_BLOCK, NULL, CMDARG_MULTIPLE, -1);
    assert_int_equal(par->nsub, 1);
    const CmdArg *id = &d->args[5];
    assert_arg(id, "id", CMDARG_BLOCK, "ID", CMDARG_OPTIONAL, -1);
    assert_int_equal(id->nsub, 1);
    assert_arg(&id->subargs[0], "client-id", CMDARG_INTEGER, NULL, CMDARG_MULTIPLE, -1);
    cmdargs_free(d);
    d = parse_ok("((NO) ONE){no-one} (A B)");
    assert_arg(&d->args[0], "no-one", CMDARG_BLOCK, NULL, 0, -1);
    assert_int_equal(d->args[0].nsub, 2);
    assert_arg(&d->args[0].subargs[0], "no", CMDARG_PURE_TOKEN, "NO", 0, -1);
    assert_arg(&d->args[1], "a_b", CMDARG_BLOCK, NULL, 0, -1);
    cmdargs_free(d);
}

static void test_tokens_names_keys(void **state) {
    (void)state;
    CmdDoc *d = parse_ok("source:key destination:key ip:port:string ['='{equal}|'~'{approximately}]{operator} "
                         "TYPE (NORMAL|MASTER{@3.2.0}) ('*'{auto_id}|id:string) old:string{!2.8.12} dst:key{#5}");
    assert_int_equal(d->nargs, 9);
    assert_arg(&d->args[0], "source", CMDARG_KEY, NULL, 0, 0);
    assert_arg(&d->args[1], "destination", CMDARG_KEY, NULL, 0, 1);
    assert_arg(&d->args[2], "ip:port", CMDARG_STRING, NULL, 0, -1);
    assert_arg(&d->args[3].subargs[0], "equal", CMDARG_PURE_TOKEN, "=", 0, -1);
    assert_arg(&d->args[3].subargs[1], "approximately", CMDARG_PURE_TOKEN, "~", 0, -1);
    /* at top level a bare token stays its own argument */
    assert_arg(&d->args[4], "type", CMDARG_PURE_TOKEN, "TYPE", 0, -1);
    assert_arg(&d->args[5], "normal_master", CMDARG_ONEOF, NULL, 0, -1);
    assert_string_equal(d->args[5].subargs[1].since, "3.2.0");
    assert_arg(&d->args[6], "auto_id_id", CMDARG_ONEOF, NULL, 0, -1);
    assert_string_equal(d->args[6].subargs[0].token, "*");
    assert_string_equal(d->args[6].subargs[0].name, "auto_id");
    assert_string_equal(d->args[7].deprecated_since, "2.8.12");
    assert_arg(&d->args[8], "dst", CMDARG_KEY, NULL, 0, 5);
    cmdargs_free(d);
    d = parse_ok("[TYPE (NORMAL|PUBSUB)]{@5.0.0} (EX seconds:integer)");
    assert_arg(&d->args[0], "normal_pubsub", CMDARG_ONEOF, "TYPE", CMDARG_OPTIONAL, -1);
    assert_arg(&d->args[1], "seconds", CMDARG_INTEGER, "EX", 0, -1);
    cmdargs_free(d);
}

static void test_empty_and_extras_only(void **state) {
    (void)state;
    CmdDoc *d = parse_ok(NULL);
    assert_int_equal(d->nargs, 0);
    cmdargs_free(d);
    d = parse_ok("\ntip request_policy:all_shards\ntip response_policy:all_succeeded");
    assert_int_equal(d->nargs, 0);
    assert_int_equal(d->ntips, 2);
    assert_string_equal(d->tips[1].a, "response_policy:all_succeeded");
    cmdargs_free(d);
}

static void test_errors(void **state) {
    (void)state;
    const char *bad[] = {"[NX|XX", "(a:string", "a:nosuchtype", ":string", "[NX||XX]", "[]", "a:string ]",
                         "x|y", "<>", "<a:string", "'unterminated", "a:string{@1.0", "ok:string\nbogus line",
                         "[a:string)", "<a:string]", NULL};
    for (int i = 0; bad[i]; i++) {
        char err[128] = "";
        CmdDoc *d = cmdargs_parse(bad[i], err, sizeof(err));
        if (d) fail_msg("\"%s\" should not parse", bad[i]);
        assert_true(err[0] != '\0');
    }
}

/* Every Command.args string in the tables must parse. */
static void check_table_entry(const Command *c) {
    char err[128] = "";
    CmdDoc *d = cmdargs_parse(c->args, err, sizeof(err));
    if (!d) fail_msg("command '%s': bad args grammar: %s", c->fullname ? c->fullname : c->name, err);
    cmdargs_free(d);
}

static void test_all_command_tables_parse(void **state) {
    (void)state;
    modules_register(NULL);
    long cursor = 0, n = 0;
    Command *c;
    while ((c = command_table_next(&cursor))) {
        check_table_entry(c);
        if (c->subcommands)
            for (const Command *s = c->subcommands; s->name; s++) check_table_entry(s);
        n++;
    }
    assert_true(n > 10);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_spec),
        cmocka_unit_test(test_blocks_and_multiple),
        cmocka_unit_test(test_tokens_names_keys),
        cmocka_unit_test(test_empty_and_extras_only),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_all_command_tables_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
