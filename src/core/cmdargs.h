/* cmdargs.h - the argument grammar of Command.args, parsed into the argument tree
 * that COMMAND DOCS replies with, plus the per-command documentation extras
 * (history, tips, key-spec notes) that ride along in the same string.
 *
 * GRAMMAR (one string per command; the first line lists the arguments):
 *
 *   spec   := args ('\n' extra)*
 *   args   := item (' ' item)*              empty: the command takes no arguments
 *   item   := unit suffix*
 *   unit   := NAME ':' TYPE                 a typed argument: "key:key", "count:integer".
 *                                           NAME may itself hold ':' (split at the last one):
 *                                           "ip:port:string". TYPE is one of string, integer,
 *                                           double, key, pattern, unix-time, pure-token.
 *           | WORD                          a bare word is a pure token; its name is the word in
 *                                           lower case: "NX" -> {name nx, token NX}
 *           | "'" CHARS "'"                 quoted pure token for odd tokens: '=' '~' '*' '$' '""'
 *           | '[' alts ']'                  optional group
 *           | '(' alts ')'                  required group
 *           | '<' seq '>'                   always a block, even of one child; a leading bare
 *                                           token is the block's token: "<ID client-id:integer...>"
 *   alts   := seq ('|' seq)*                two or more alternatives make a "oneof"
 *   seq    := item (' ' item)*
 *   suffix := '...'                         flag "multiple"
 *           | '{' attr (' ' attr)* '}'      attributes:
 *   attr   := '@' VERSION                     since          {@6.2.0}
 *           | '!' VERSION                     deprecated_since {!2.8.12}
 *           | '#' N                           key_spec_index {#1}
 *           | '+'                             flag "multiple_token"
 *           | NAME                            explicit name  {expiration}
 *
 * How a sequence becomes one argument:
 *   - one item: that item;
 *   - a bare (or quoted) token without suffixes, then one item that has no token:
 *     the token is given to that item: "EX seconds:integer", "TYPE (normal|master)";
 *   - a bare token, then two or more items: a "block" carrying the token, whose
 *     children are the items: "LIMIT offset:integer count:integer";
 *   - otherwise two or more items: a "block" of the items: "field:string value:string".
 *   Wrap a token in parentheses to keep it a separate pure-token child: "(A) b:string".
 *   Use <...> for a block of one child, or a token-carrying block of one child.
 * Default names: pure token -> lower-cased token; block -> children names joined by
 * '_'; oneof -> alternative names joined by '_'. Give {name} when the default differs.
 * Default key_spec_index of a "key" argument: the number of key arguments before it
 * (document order); other arguments have none unless {#N} is given.
 *
 * Examples (Redis 7.0's SET, exactly as COMMAND DOCS shows it):
 *   "key:key value:string [NX|XX]{condition @2.6.12} [GET]{@6.2.0}
 *    [EX seconds:integer{@2.6.12}|PX milliseconds:integer{@2.6.12}|
 *     EXAT unix-time-seconds:unix-time{@6.2.0}|PXAT unix-time-milliseconds:unix-time{@6.2.0}|
 *     KEEPTTL{@6.0.0}]{expiration}"              (written on one line)
 *   MSET: "(key:key value:string)..."          HSET: "key:key (field:string value:string)..."
 *   SORT's GET: "[GET pattern:pattern]...{#1 +}"
 *
 * Extra lines (after the first '\n', one per line, in the order to report them):
 *   history VERSION TEXT     a COMMAND DOCS "history" entry
 *   tip TEXT                 a COMMAND INFO tip ("nondeterministic_output", ...)
 *   keynote N TEXT           the "notes" of key spec N in COMMAND INFO
 *
 * The tables written in this grammar are the one source of the command table; the
 * integration test tests/integration/test_command_table.py compares COMMAND INFO and
 * COMMAND DOCS with Redis 7.0.15's for every command. */
#ifndef VESPER_CMDARGS_H
#define VESPER_CMDARGS_H
#include <stddef.h>
#include "reply.h"

enum {
    CMDARG_STRING, CMDARG_INTEGER, CMDARG_DOUBLE, CMDARG_KEY, CMDARG_PATTERN,
    CMDARG_UNIX_TIME, CMDARG_PURE_TOKEN, CMDARG_ONEOF, CMDARG_BLOCK
};

#define CMDARG_OPTIONAL (1 << 0)
#define CMDARG_MULTIPLE (1 << 1)
#define CMDARG_MULTIPLE_TOKEN (1 << 2)

typedef struct CmdArg {
    char *name;
    int type;                  /* CMDARG_* */
    int key_spec_index;        /* -1 when none */
    char *token;               /* NULL when none */
    char *since, *deprecated_since;
    int flags;                 /* CMDARG_OPTIONAL | ... */
    struct CmdArg *subargs;    /* oneof / block children */
    int nsub;
} CmdArg;

typedef struct CmdDocExtra {
    char *a, *b;               /* history: since, text; tip: text, NULL; keynote: index, text */
} CmdDocExtra;

typedef struct CmdDoc {
    CmdArg *args;
    int nargs;
    CmdDocExtra *history, *tips, *keynotes;
    int nhistory, ntips, nkeynotes;
} CmdDoc;

/* Parses a grammar string (NULL is an empty spec). Returns NULL on a syntax error
 * and, when err is given, a description of it. */
CmdDoc *cmdargs_parse(const char *spec, char *err, size_t errlen);
void cmdargs_free(CmdDoc *doc);
const char *cmdargs_type_name(int type);
/* Replies with the COMMAND DOCS "arguments" array for args. */
void cmdargs_reply(Client *c, const CmdArg *args, int nargs);
/* The key-spec note for index i, or NULL. */
const char *cmdargs_keynote(const CmdDoc *doc, int i);

#endif
