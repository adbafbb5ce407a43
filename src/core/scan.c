/* scan.c - the parts of the SCAN family every variant shares (see scan.h).
 * Costs: O(arguments); matching is the glob matcher's cost per element. */
#include "scan.h"
#include "reply.h"
#include "args.h"
#include "../base/util.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int scan_parse_cursor(Client *c, const Obj *arg, unsigned long *cursor) {
    const char *s = arg->ptr;
    char *end;
    errno = 0;
    *cursor = strtoul(s, &end, 10);
    if (isspace((unsigned char)s[0]) || end[0] != '\0' || errno == ERANGE) {
        reply_error(c, "invalid cursor");
        return 0;
    }
    return 1;
}

int scan_parse_args(Client *c, int first, int allow_type, ScanArgs *a) {
    a->count = 10;
    a->pat = NULL;
    a->plen = 0;
    a->use_pat = 0;
    a->type = NULL;
    for (int i = first; i < c->argc; i += 2) {
        int more = c->argc - i >= 2;
        if (more && arg_is(c->argv[i], "count")) {
            if (!arg_long(c, c->argv[i + 1], &a->count, NULL)) return 0;
            if (a->count < 1) {
                reply_error_syntax(c);
                return 0;
            }
        } else if (more && arg_is(c->argv[i], "match")) {
            a->pat = arg_str(c, i + 1);
            a->plen = arg_len(c, i + 1);
            a->use_pat = !(a->plen == 1 && a->pat[0] == '*');
        } else if (more && allow_type && arg_is(c->argv[i], "type")) {
            a->type = arg_str(c, i + 1);
        } else {
            reply_error_syntax(c);
            return 0;
        }
    }
    return 1;
}

int scan_match(const ScanArgs *a, const char *p, size_t len) {
    return !a->use_pat || glob_match(a->pat, a->plen, p, len, 0);
}

void scan_reply_cursor(Client *c, unsigned long cursor) {
    char buf[LONG_STR_SIZE];
    int len = ull2string(buf, sizeof(buf), cursor);
    reply_array_len(c, 2);
    reply_bulk(c, buf, (size_t)len);
}
