/* scan.h - what SCAN, SSCAN, HSCAN and ZSCAN share: the cursor and the MATCH /
 * COUNT / TYPE options, parsed with Redis's error texts, and the reply's header. */
#ifndef VESPER_SCAN_H
#define VESPER_SCAN_H
#include <stddef.h>
#include "client.h"

typedef struct ScanArgs {
    long count;            /* COUNT, default 10 */
    const char *pat;       /* MATCH pattern (borrowed from argv), or NULL */
    size_t plen;
    int use_pat;           /* 0 when there is no pattern or it is "*" */
    const char *type;      /* TYPE (SCAN only), or NULL */
} ScanArgs;

/* The cursor argument: an unsigned decimal as strtoul reads it, without leading
 * space; replies "invalid cursor" and returns 0 otherwise. */
int scan_parse_cursor(Client *c, const Obj *arg, unsigned long *cursor);
/* The options from argv[first] on (allow_type: SCAN's TYPE); replies with the
 * syntax error and returns 0 on a bad or incomplete option. */
int scan_parse_args(Client *c, int first, int allow_type, ScanArgs *a);
/* Whether an element passes MATCH. */
int scan_match(const ScanArgs *a, const char *p, size_t len);
/* Replies the outer two-element array and the cursor; the caller then replies
 * the array of n elements (or its deferred length). */
void scan_reply_cursor(Client *c, unsigned long cursor);

#endif
