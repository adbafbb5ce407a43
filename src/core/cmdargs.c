/* cmdargs.c - parser for the Command.args grammar (see cmdargs.h) and the
 * COMMAND DOCS "arguments" reply built from it.
 *
 * The parser is recursive descent over the string; it builds a tree of CmdArg
 * nodes (children in arrays) and keeps, per parsed item, whether it was a bare
 * token, which decides how a sequence folds into one argument. Names of blocks
 * and oneofs default to their children's names joined by '_'; an explicit {name}
 * wins. Parsing is done on demand (COMMAND DOCS), costs O(length of the string)
 * and allocates the tree, which cmdargs_free releases. */
#include "cmdargs.h"
#include "../base/alloc.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYSPEC_UNSET (-2)

static const char *type_names[] = {"string", "integer", "double", "key", "pattern",
                                   "unix-time", "pure-token", "oneof", "block"};

const char *cmdargs_type_name(int type) {
    return type >= 0 && type <= CMDARG_BLOCK ? type_names[type] : "string";
}

/* ---------------- tree helpers ---------------- */

static void arg_clear(CmdArg *a) {
    vfree(a->name);
    vfree(a->token);
    vfree(a->since);
    vfree(a->deprecated_since);
    for (int i = 0; i < a->nsub; i++) arg_clear(&a->subargs[i]);
    vfree(a->subargs);
    memset(a, 0, sizeof(*a));
}

static char *dup_range(const char *p, size_t len) {
    char *s = vmalloc(len + 1);
    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

static char *lower_dup(const char *p, size_t len) {
    char *s = dup_range(p, len);
    for (size_t i = 0; i < len; i++) s[i] = (char)tolower((unsigned char)s[i]);
    return s;
}

/* Joins the children's names with '_' (default name of a block or oneof). */
static char *joined_names(const CmdArg *subs, int n) {
    size_t len = 0;
    for (int i = 0; i < n; i++) len += strlen(subs[i].name) + 1;
    char *s = vmalloc(len + 1), *p = s;
    for (int i = 0; i < n; i++) {
        if (i) *p++ = '_';
        size_t l = strlen(subs[i].name);
        memcpy(p, subs[i].name, l);
        p += l;
    }
    *p = '\0';
    return s;
}

/* ---------------- parser ---------------- */

typedef struct Item {
    CmdArg arg;
    int bare;                  /* a bare or quoted token without suffixes */
} Item;

typedef struct ItemVec {
    Item *v;
    int n, cap;
} ItemVec;

typedef struct Parser {
    const char *p, *end;
    char *err;
    size_t errlen;
    int failed;
} Parser;

static void vec_push(ItemVec *vec, Item it) {
    if (vec->n == vec->cap) {
        vec->cap = vec->cap ? vec->cap * 2 : 4;
        vec->v = vrealloc(vec->v, sizeof(Item) * (size_t)vec->cap);
    }
    vec->v[vec->n++] = it;
}

static void vec_clear(ItemVec *vec) {
    for (int i = 0; i < vec->n; i++) arg_clear(&vec->v[i].arg);
    vfree(vec->v);
    vec->v = NULL;
    vec->n = vec->cap = 0;
}

static void fail(Parser *ps, const char *what) {
    if (ps->failed) return;
    ps->failed = 1;
    if (ps->err && ps->errlen)
        snprintf(ps->err, ps->errlen, "%s at '%.20s'", what, ps->p < ps->end ? ps->p : "<end>");
}

static int at_end(const Parser *ps) { return ps->p >= ps->end; }
static int peek(const Parser *ps) { return at_end(ps) ? 0 : (unsigned char)*ps->p; }
static int at_ellipsis(const Parser *ps) { return ps->end - ps->p >= 3 && memcmp(ps->p, "...", 3) == 0; }

static void skip_spaces(Parser *ps) {
    while (!at_end(ps) && *ps->p == ' ') ps->p++;
}

static int word_char(const Parser *ps) {
    if (at_end(ps)) return 0;
    char ch = *ps->p;
    if (strchr(" |[](){}<>'\n", ch)) return 0;
    return !at_ellipsis(ps);
}

static int parse_type(const char *p, size_t len) {
    for (int t = 0; t <= CMDARG_PURE_TOKEN; t++)
        if (strlen(type_names[t]) == len && memcmp(type_names[t], p, len) == 0) return t;
    return -1;
}

static void arg_init(CmdArg *a) {
    memset(a, 0, sizeof(*a));
    a->key_spec_index = KEYSPEC_UNSET;
}

static Item make_token_item(const char *p, size_t len) {
    Item it;
    arg_init(&it.arg);
    it.arg.type = CMDARG_PURE_TOKEN;
    it.arg.name = lower_dup(p, len);
    it.arg.token = dup_range(p, len);
    it.bare = 1;
    return it;
}

static int parse_word(Parser *ps, Item *out) {
    const char *start = ps->p;
    while (word_char(ps)) ps->p++;
    size_t len = (size_t)(ps->p - start);
    if (len == 0) {
        fail(ps, "expected an argument");
        return 0;
    }
    const char *colon = NULL;
    for (const char *q = start; q < ps->p; q++)
        if (*q == ':') colon = q;
    if (!colon) {
        *out = make_token_item(start, len);
        return 1;
    }
    int type = parse_type(colon + 1, (size_t)(ps->p - colon - 1));
    if (type < 0 || colon == start) {
        ps->p = start;
        fail(ps, "bad name:type");
        return 0;
    }
    arg_init(&out->arg);
    out->arg.name = dup_range(start, (size_t)(colon - start));
    out->arg.type = type;
    out->bare = 0;
    return 1;
}

static int parse_quoted(Parser *ps, Item *out) {
    const char *start = ++ps->p;
    while (!at_end(ps) && *ps->p != '\'') ps->p++;
    if (at_end(ps)) {
        fail(ps, "unterminated quote");
        return 0;
    }
    *out = make_token_item(start, (size_t)(ps->p - start));
    ps->p++;
    return 1;
}

static int parse_attrs(Parser *ps, CmdArg *a) {
    ps->p++; /* '{' */
    for (;;) {
        skip_spaces(ps);
        if (peek(ps) == '}') {
            ps->p++;
            return 1;
        }
        const char *start = ps->p;
        while (!at_end(ps) && *ps->p != ' ' && *ps->p != '}' && *ps->p != '\n') ps->p++;
        size_t len = (size_t)(ps->p - start);
        if (len == 0) {
            fail(ps, "unterminated attributes");
            return 0;
        }
        if (*start == '@') {
            vfree(a->since);
            a->since = dup_range(start + 1, len - 1);
        } else if (*start == '!') {
            vfree(a->deprecated_since);
            a->deprecated_since = dup_range(start + 1, len - 1);
        } else if (*start == '#') {
            char *num = dup_range(start + 1, len - 1);
            a->key_spec_index = atoi(num);
            vfree(num);
        } else if (len == 1 && *start == '+') {
            a->flags |= CMDARG_MULTIPLE_TOKEN;
        } else {
            vfree(a->name);
            a->name = dup_range(start, len);
        }
    }
}

static int parse_alts(Parser *ps, char close, Item *out);
static int parse_block(Parser *ps, Item *out);

static int parse_item(Parser *ps, Item *out) {
    int c = peek(ps);
    int ok;
    if (c == '[' || c == '(') {
        ps->p++;
        ok = parse_alts(ps, c == '[' ? ']' : ')', out);
        if (ok && c == '[') out->arg.flags |= CMDARG_OPTIONAL;
    } else if (c == '<') {
        ps->p++;
        ok = parse_block(ps, out);
    } else if (c == '\'') {
        ok = parse_quoted(ps, out);
    } else {
        ok = parse_word(ps, out);
    }
    if (!ok) return 0;
    for (;;) {
        if (at_ellipsis(ps)) {
            ps->p += 3;
            out->arg.flags |= CMDARG_MULTIPLE;
            out->bare = 0;
        } else if (peek(ps) == '{') {
            if (!parse_attrs(ps, &out->arg)) {
                arg_clear(&out->arg);
                return 0;
            }
            out->bare = 0;
        } else {
            return 1;
        }
    }
}

/* A block of the items of seq; with_token: the first item is the block's token. */
static Item block_from(ItemVec *seq, int with_token) {
    Item res;
    arg_init(&res.arg);
    res.arg.type = CMDARG_BLOCK;
    if (with_token) {
        res.arg.token = seq->v[0].arg.token;
        seq->v[0].arg.token = NULL;
        arg_clear(&seq->v[0].arg);
    }
    res.arg.nsub = seq->n - with_token;
    res.arg.subargs = vmalloc(sizeof(CmdArg) * (size_t)res.arg.nsub);
    for (int i = with_token; i < seq->n; i++) res.arg.subargs[i - with_token] = seq->v[i].arg;
    res.arg.name = joined_names(res.arg.subargs, res.arg.nsub);
    res.bare = 0;
    return res;
}

/* Folds a sequence of items into one argument (rules in cmdargs.h). */
static Item fold_seq(ItemVec *seq) {
    Item res;
    if (seq->n == 1) {
        res = seq->v[0];
    } else if (seq->v[0].bare && seq->n == 2 && seq->v[1].arg.token == NULL) {
        res = seq->v[1];
        res.arg.token = seq->v[0].arg.token;
        seq->v[0].arg.token = NULL;
        arg_clear(&seq->v[0].arg);
    } else {
        res = block_from(seq, seq->v[0].bare && seq->n >= 3);
    }
    res.bare = 0;
    vfree(seq->v);
    seq->v = NULL;
    seq->n = seq->cap = 0;
    return res;
}

static int parse_alts(Parser *ps, char close, Item *out) {
    ItemVec alts = {0}, seq = {0};
    for (;;) {
        skip_spaces(ps);
        int c = peek(ps);
        if (c == close || c == '|') {
            if (seq.n == 0) {
                fail(ps, "empty alternative");
                break;
            }
            vec_push(&alts, fold_seq(&seq));
            ps->p++;
            if (c == close) {
                if (alts.n == 1) {
                    *out = alts.v[0];
                } else {
                    arg_init(&out->arg);
                    out->arg.type = CMDARG_ONEOF;
                    out->arg.nsub = alts.n;
                    out->arg.subargs = vmalloc(sizeof(CmdArg) * (size_t)alts.n);
                    for (int i = 0; i < alts.n; i++) out->arg.subargs[i] = alts.v[i].arg;
                    out->arg.name = joined_names(out->arg.subargs, alts.n);
                }
                out->bare = 0;
                vfree(alts.v);
                return 1;
            }
            continue;
        }
        if (c == 0 || c == '\n' || c == ']' || c == ')') {
            fail(ps, "unbalanced group");
            break;
        }
        Item it;
        if (!parse_item(ps, &it)) break;
        vec_push(&seq, it);
    }
    vec_clear(&seq);
    vec_clear(&alts);
    return 0;
}

/* "<" seq ">": a block of the items; a leading bare token (followed by at least one
 * item) becomes the block's token. */
static int parse_block(Parser *ps, Item *out) {
    ItemVec seq = {0};
    for (;;) {
        skip_spaces(ps);
        int c = peek(ps);
        if (c == '>') break;
        if (c == 0 || c == '\n' || c == '|' || c == ']' || c == ')') {
            fail(ps, "unbalanced block");
            vec_clear(&seq);
            return 0;
        }
        Item it;
        if (!parse_item(ps, &it)) {
            vec_clear(&seq);
            return 0;
        }
        vec_push(&seq, it);
    }
    ps->p++;
    if (seq.n == 0) {
        fail(ps, "empty block");
        return 0;
    }
    *out = block_from(&seq, seq.v[0].bare && seq.n >= 2);
    vfree(seq.v);
    return 1;
}

/* Gives key arguments without {#N} their default index; others get -1. */
static void assign_key_specs(CmdArg *args, int n, int *keys_seen) {
    for (int i = 0; i < n; i++) {
        CmdArg *a = &args[i];
        if (a->type == CMDARG_KEY) {
            if (a->key_spec_index == KEYSPEC_UNSET) a->key_spec_index = *keys_seen;
            (*keys_seen)++;
        } else if (a->key_spec_index == KEYSPEC_UNSET) {
            a->key_spec_index = -1;
        }
        assign_key_specs(a->subargs, a->nsub, keys_seen);
    }
}

static int parse_args_line(Parser *ps, CmdDoc *doc) {
    ItemVec top = {0};
    for (;;) {
        skip_spaces(ps);
        int c = peek(ps);
        if (c == 0 || c == '\n') break;
        Item it;
        if (c == '|' || c == ']' || c == ')' || !parse_item(ps, &it)) {
            fail(ps, "unexpected character");
            vec_clear(&top);
            return 0;
        }
        vec_push(&top, it);
    }
    doc->nargs = top.n;
    doc->args = top.n ? vmalloc(sizeof(CmdArg) * (size_t)top.n) : NULL;
    for (int i = 0; i < top.n; i++) doc->args[i] = top.v[i].arg;
    vfree(top.v);
    int keys = 0;
    assign_key_specs(doc->args, doc->nargs, &keys);
    return 1;
}

/* ---------------- extra lines ---------------- */

static void extra_push(CmdDocExtra **v, int *n, char *a, char *b) {
    *v = vrealloc(*v, sizeof(CmdDocExtra) * (size_t)(*n + 1));
    (*v)[*n].a = a;
    (*v)[*n].b = b;
    (*n)++;
}

/* Splits "WORD REST" at the first space. */
static int split_word(const char *p, size_t len, char **word, char **rest) {
    const char *sp = memchr(p, ' ', len);
    if (!sp) return 0;
    *word = dup_range(p, (size_t)(sp - p));
    *rest = dup_range(sp + 1, len - (size_t)(sp - p) - 1);
    return 1;
}

static int parse_extra(CmdDoc *doc, const char *line, size_t len) {
    char *a, *b;
    if (len > 4 && memcmp(line, "tip ", 4) == 0) {
        extra_push(&doc->tips, &doc->ntips, dup_range(line + 4, len - 4), NULL);
    } else if (len > 8 && memcmp(line, "history ", 8) == 0 && split_word(line + 8, len - 8, &a, &b)) {
        extra_push(&doc->history, &doc->nhistory, a, b);
    } else if (len > 8 && memcmp(line, "keynote ", 8) == 0 && split_word(line + 8, len - 8, &a, &b)) {
        extra_push(&doc->keynotes, &doc->nkeynotes, a, b);
    } else if (len != 0) {
        return 0;
    }
    return 1;
}

CmdDoc *cmdargs_parse(const char *spec, char *err, size_t errlen) {
    CmdDoc *doc = vcalloc(sizeof(*doc));
    if (!spec) return doc;
    const char *nl = strchr(spec, '\n');
    Parser ps = {spec, nl ? nl : spec + strlen(spec), err, errlen, 0};
    if (!parse_args_line(&ps, doc)) {
        cmdargs_free(doc);
        return NULL;
    }
    while (nl) {
        const char *line = nl + 1;
        nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (!parse_extra(doc, line, len)) {
            if (err && errlen) snprintf(err, errlen, "bad extra line '%.*s'", (int)(len > 30 ? 30 : len), line);
            cmdargs_free(doc);
            return NULL;
        }
    }
    return doc;
}

static void extras_free(CmdDocExtra *v, int n) {
    for (int i = 0; i < n; i++) {
        vfree(v[i].a);
        vfree(v[i].b);
    }
    vfree(v);
}

void cmdargs_free(CmdDoc *doc) {
    if (!doc) return;
    for (int i = 0; i < doc->nargs; i++) arg_clear(&doc->args[i]);
    vfree(doc->args);
    extras_free(doc->history, doc->nhistory);
    extras_free(doc->tips, doc->ntips);
    extras_free(doc->keynotes, doc->nkeynotes);
    vfree(doc);
}

const char *cmdargs_keynote(const CmdDoc *doc, int i) {
    for (int j = 0; doc && j < doc->nkeynotes; j++)
        if (atoi(doc->keynotes[j].a) == i) return doc->keynotes[j].b;
    return NULL;
}

/* ---------------- COMMAND DOCS reply ---------------- */

static void reply_arg_flags(Client *c, int flags) {
    static const struct { int flag; const char *name; } names[] = {
        {CMDARG_OPTIONAL, "optional"}, {CMDARG_MULTIPLE, "multiple"}, {CMDARG_MULTIPLE_TOKEN, "multiple_token"}};
    int n = 0;
    for (size_t i = 0; i < 3; i++) n += (flags & names[i].flag) != 0;
    reply_set_len(c, n);
    for (size_t i = 0; i < 3; i++)
        if (flags & names[i].flag) reply_status(c, names[i].name);
}

void cmdargs_reply(Client *c, const CmdArg *args, int nargs) {
    reply_array_len(c, nargs);
    for (int i = 0; i < nargs; i++) {
        const CmdArg *a = &args[i];
        int nested = a->type == CMDARG_ONEOF || a->type == CMDARG_BLOCK;
        long n = 2 + (a->key_spec_index >= 0) + (a->token != NULL) + (a->since != NULL) +
                 (a->deprecated_since != NULL) + (a->flags != 0) + nested;
        reply_map_len(c, n);
        reply_bulk_cstr(c, "name");
        reply_bulk_cstr(c, a->name);
        reply_bulk_cstr(c, "type");
        reply_bulk_cstr(c, cmdargs_type_name(a->type));
        if (a->key_spec_index >= 0) {
            reply_bulk_cstr(c, "key_spec_index");
            reply_long(c, a->key_spec_index);
        }
        if (a->token) {
            reply_bulk_cstr(c, "token");
            reply_bulk_cstr(c, a->token);
        }
        if (a->since) {
            reply_bulk_cstr(c, "since");
            reply_bulk_cstr(c, a->since);
        }
        if (a->deprecated_since) {
            reply_bulk_cstr(c, "deprecated_since");
            reply_bulk_cstr(c, a->deprecated_since);
        }
        if (a->flags) {
            reply_bulk_cstr(c, "flags");
            reply_arg_flags(c, a->flags);
        }
        if (nested) {
            reply_bulk_cstr(c, "arguments");
            cmdargs_reply(c, a->subargs, a->nsub);
        }
    }
}
