/* format.c - turns replies into text the way redis-cli prints them.
 *
 * Four renderings: the terminal form (numbered, indented, quoted: "1) "a\xe4"",
 * "(integer) 1", RESP3 "1# k => v" and "1~ m"), the raw form (bytes as they are,
 * one element per line), CSV and JSON. All functions are pure: they append to or
 * return a new Sds and never do I/O. Cost is linear in the size of the reply,
 * plus the nesting depth times the number of elements for the indentation. */
#include "cli.h"
#include <stdio.h>
#include <string.h>

static int fmt_is_multiline(const RespValue *r) {
    switch (r->type) {
    case RESP_ARRAY: case RESP_SET: case RESP_PUSH:
        if (r->elements == 0) return 0;
        if (r->elements > 1) return 1;
        return fmt_is_multiline(r->element[0]);
    case RESP_MAP:
        if (r->elements == 0) return 0;
        if (r->elements > 2) return 1;
        return fmt_is_multiline(r->element[1]);
    default:
        return 0;
    }
}

static const char *fmt_empty_name(RespType t) {
    switch (t) {
    case RESP_ARRAY: return "(empty array)\n";
    case RESP_MAP: return "(empty hash)\n";
    case RESP_SET: return "(empty set)\n";
    case RESP_PUSH: return "(empty push)\n";
    default: return "(empty aggregate type)\n";
    }
}

/* Elements of an aggregate: "1) a\n   2) b" with the index column as wide as
 * the largest index, nested elements indented past it. */
static Sds fmt_tty_aggregate(Sds out, const RespValue *r, const char *prefix) {
    size_t count = r->type == RESP_MAP ? r->elements / 2 : r->elements;
    unsigned idxlen = 0;
    size_t n = count;
    do { idxlen++; n /= 10; } while (n);
    Sds subprefix = sds_new(prefix);
    for (unsigned i = 0; i < idxlen + 2; i++) subprefix = sds_catlen(subprefix, " ", 1);
    char sep = r->type == RESP_SET ? '~' : r->type == RESP_MAP ? '#' : ')';
    for (size_t i = 0; i < r->elements; i++) {
        size_t human = (r->type == RESP_MAP ? i / 2 : i) + 1;
        out = sds_catprintf(out, "%s%*zu%c ", i == 0 ? "" : prefix, (int)idxlen, human, sep);
        Sds tmp = cli_format_tty(r->element[i], subprefix);
        out = sds_catsds(out, tmp);
        sds_free(tmp);
        if (r->type == RESP_MAP) {
            i++;
            sds_setlen(out, sds_len(out) - 1); /* drop the key's newline */
            out = sds_cat(out, " => ");
            if (fmt_is_multiline(r->element[i])) {
                out = sds_cat(out, "\n");
                out = sds_cat(out, subprefix);
            }
            tmp = cli_format_tty(r->element[i], subprefix);
            out = sds_catsds(out, tmp);
            sds_free(tmp);
        }
    }
    sds_free(subprefix);
    return out;
}

Sds cli_format_tty(const RespValue *r, const char *prefix) {
    Sds out = sds_empty();
    switch (r->type) {
    case RESP_ERROR:
        out = sds_cat(out, "(error) ");
        out = sds_catlen(out, r->str, r->len);
        return sds_cat(out, "\n");
    case RESP_STATUS:
        out = sds_catlen(out, r->str, r->len);
        return sds_cat(out, "\n");
    case RESP_INTEGER:
        return sds_catprintf(out, "(integer) %lld\n", r->integer);
    case RESP_DOUBLE:
        return sds_catprintf(out, "(double) %s\n", r->str);
    case RESP_BIGNUM:
        return sds_catprintf(out, "(big number) %s\n", r->str);
    case RESP_STRING:
        out = sds_catrepr(out, r->str, r->len);
        return sds_cat(out, "\n");
    case RESP_VERB:
        out = sds_catlen(out, r->str, r->len);
        return sds_cat(out, "\n");
    case RESP_NIL:
        return sds_cat(out, "(nil)\n");
    case RESP_BOOL:
        return sds_cat(out, r->integer ? "(true)\n" : "(false)\n");
    case RESP_ARRAY: case RESP_MAP: case RESP_SET: case RESP_PUSH: case RESP_ATTR:
        if (r->elements == 0) return sds_cat(out, fmt_empty_name(r->type));
        return fmt_tty_aggregate(out, r, prefix);
    }
    return out;
}

Sds cli_format_raw(const RespValue *r) {
    Sds out = sds_empty(), tmp;
    switch (r->type) {
    case RESP_NIL:
        break;
    case RESP_ERROR:
        out = sds_catlen(out, r->str, r->len);
        out = sds_cat(out, "\n");
        break;
    case RESP_STATUS: case RESP_STRING: case RESP_VERB: case RESP_DOUBLE: case RESP_BIGNUM:
        out = sds_catlen(out, r->str, r->len);
        break;
    case RESP_BOOL:
        out = sds_cat(out, r->integer ? "(true)" : "(false)");
        break;
    case RESP_INTEGER:
        out = sds_catprintf(out, "%lld", r->integer);
        break;
    case RESP_SET: case RESP_ARRAY: case RESP_PUSH:
        for (size_t i = 0; i < r->elements; i++) {
            if (i > 0) out = sds_catsds(out, config.mb_delim);
            tmp = cli_format_raw(r->element[i]);
            out = sds_catsds(out, tmp);
            sds_free(tmp);
        }
        break;
    case RESP_MAP: case RESP_ATTR:
        for (size_t i = 0; i + 1 < r->elements; i += 2) {
            if (i > 0) out = sds_catsds(out, config.mb_delim);
            tmp = cli_format_raw(r->element[i]);
            out = sds_catsds(out, tmp);
            sds_free(tmp);
            out = sds_cat(out, " ");
            tmp = cli_format_raw(r->element[i + 1]);
            out = sds_catsds(out, tmp);
            sds_free(tmp);
        }
        break;
    }
    return out;
}

Sds cli_format_csv(const RespValue *r) {
    Sds out = sds_empty();
    switch (r->type) {
    case RESP_ERROR:
        out = sds_cat(out, "ERROR,");
        return sds_catrepr(out, r->str, strlen(r->str));
    case RESP_STATUS: case RESP_STRING: case RESP_VERB:
        return sds_catrepr(out, r->str, r->len);
    case RESP_INTEGER:
        return sds_catprintf(out, "%lld", r->integer);
    case RESP_DOUBLE: case RESP_BIGNUM:
        return sds_catlen(out, r->str, r->len);
    case RESP_NIL:
        return sds_cat(out, "NULL");
    case RESP_BOOL:
        return sds_cat(out, r->integer ? "true" : "false");
    case RESP_ARRAY: case RESP_SET: case RESP_PUSH: case RESP_MAP: case RESP_ATTR:
        for (size_t i = 0; i < r->elements; i++) {
            Sds tmp = cli_format_csv(r->element[i]);
            out = sds_catsds(out, tmp);
            if (i != r->elements - 1) out = sds_cat(out, ",");
            sds_free(tmp);
        }
        return out;
    }
    return out;
}

/* JSON string as redis-cli 7.0 writes it: backslash, quote and the usual control
 * characters get their short escapes, other bytes up to 0x1f become \u00XX, and
 * every byte from 0x7f up passes through unchanged (so UTF-8 text stays readable,
 * and other bytes arrive as themselves: redis-cli's own test reads "\xf0e" back as
 * the two bytes F0 65). --quoted-json is the ASCII-only form. */
static Sds fmt_json_string(Sds s, const char *p, size_t len) {
    s = sds_catlen(s, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        const char *esc = c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : c == '\f' ? "\\f"
                        : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b" : NULL;
        if (esc) s = sds_catlen(s, esc, 2);
        else if (c <= 0x1f) s = sds_catprintf(s, "\\u%04x", c);
        else s = sds_catlen(s, p + i, 1);
    }
    return sds_catlen(s, "\"", 1);
}

/* --quoted-json: the redis-cli quoted form with every backslash doubled. */
static Sds fmt_quoted_json_string(Sds out, const char *p, size_t len) {
    Sds tmp = sds_catrepr(sds_empty(), p, len);
    for (size_t i = 0; i < sds_len(tmp); i++) {
        if (tmp[i] == '\\') out = sds_catlen(out, "\\\\", 2);
        else out = sds_catlen(out, tmp + i, 1);
    }
    sds_free(tmp);
    return out;
}

static Sds fmt_json_str(Sds out, const char *p, size_t len, int mode) {
    return mode == OUT_JSON ? fmt_json_string(out, p, len) : fmt_quoted_json_string(out, p, len);
}

static Sds fmt_json_map(Sds out, const RespValue *r, int mode) {
    out = sds_cat(out, "{");
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const RespValue *key = r->element[i];
        if (key->type == RESP_ERROR || key->type == RESP_STATUS || key->type == RESP_STRING ||
            key->type == RESP_VERB) {
            out = cli_format_json(out, key, mode);
        } else {
            /* JSON keys must be strings: quote the rendering of other types */
            Sds k = cli_format_json(sds_empty(), key, mode);
            if (k[0] == '"') out = sds_catsds(out, k);
            else out = fmt_json_str(out, k, sds_len(k), mode);
            sds_free(k);
        }
        out = sds_cat(out, ":");
        out = cli_format_json(out, r->element[i + 1], mode);
        if (i + 2 < r->elements) out = sds_cat(out, ",");
    }
    return sds_cat(out, "}");
}

Sds cli_format_json(Sds out, const RespValue *r, int mode) {
    switch (r->type) {
    case RESP_ERROR:
        out = sds_cat(out, "error:");
        return fmt_json_str(out, r->str, strlen(r->str), mode);
    case RESP_STATUS: case RESP_STRING: case RESP_VERB:
        return fmt_json_str(out, r->str, r->len, mode);
    case RESP_INTEGER:
        return sds_catprintf(out, "%lld", r->integer);
    case RESP_DOUBLE: case RESP_BIGNUM:
        return sds_catlen(out, r->str, r->len);
    case RESP_NIL:
        return sds_cat(out, "null");
    case RESP_BOOL:
        return sds_cat(out, r->integer ? "true" : "false");
    case RESP_ARRAY: case RESP_SET: case RESP_PUSH:
        out = sds_cat(out, "[");
        for (size_t i = 0; i < r->elements; i++) {
            out = cli_format_json(out, r->element[i], mode);
            if (i + 1 != r->elements) out = sds_cat(out, ",");
        }
        return sds_cat(out, "]");
    case RESP_MAP: case RESP_ATTR:
        return fmt_json_map(out, r, mode);
    }
    return out;
}

int cli_is_invalidate(const RespValue *r) {
    return r->type == RESP_PUSH && r->elements == 2 && r->element[0]->type == RESP_STRING &&
           !strncmp(r->element[0]->str, "invalidate", 10) && r->element[1]->type == RESP_ARRAY;
}

Sds cli_format_invalidate(const RespValue *r) {
    Sds out = sds_new("-> invalidate: ");
    const RespValue *keys = r->element[1];
    for (size_t i = 0; i < keys->elements; i++) {
        out = sds_cat(out, "'");
        if (keys->element[i]->str) out = sds_catlen(out, keys->element[i]->str, keys->element[i]->len);
        out = sds_cat(out, "'");
        if (i + 1 < keys->elements) out = sds_cat(out, ", ");
    }
    return sds_cat(out, "\n");
}

Sds cli_format_reply(const RespValue *r, int mode, int verbatim) {
    Sds out;
    if (verbatim) {
        out = cli_format_raw(r);
    } else if (mode == OUT_STANDARD) {
        out = cli_format_tty(r, "");
    } else if (mode == OUT_RAW) {
        out = cli_format_raw(r);
        out = sds_catsds(out, config.cmd_delim);
    } else if (mode == OUT_CSV) {
        out = cli_format_csv(r);
        out = sds_cat(out, "\n");
    } else {
        out = cli_format_json(sds_empty(), r, mode);
        out = sds_cat(out, "\n");
    }
    return out;
}
