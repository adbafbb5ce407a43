/* args.c - argument helpers for command procs: numbers, keywords and timeouts
 * parsed from argument objects, replying with Redis's error text when the argument
 * is not acceptable. Costs: O(length of the argument). */
#include "args.h"
#include "reply.h"
#include "server.h"
#include <limits.h>
#include <math.h>
#include <string.h>
#include <strings.h>

int arg_is(const Obj *o, const char *word) {
    if (o->encoding == ENC_INT) return 0;
    size_t n = strlen(word);
    return sds_len(o->ptr) == n && strncasecmp(o->ptr, word, n) == 0;
}

int arg_ll(Client *c, const Obj *o, long long *v, const char *errmsg) {
    if (obj_get_ll(o, v)) return 1;
    reply_error(c, errmsg ? errmsg : "value is not an integer or out of range");
    return 0;
}

int arg_ll_range(Client *c, const Obj *o, long long min, long long max, long long *v, const char *errmsg) {
    long long x;
    if (!obj_get_ll(o, &x)) {
        reply_error(c, errmsg ? errmsg : "value is not an integer or out of range");
        return 0;
    }
    if (x < min || x > max) {
        if (errmsg) reply_error(c, errmsg);
        else reply_errorf(c, "value is out of range, must be between %lld and %lld", min, max);
        return 0;
    }
    *v = x;
    return 1;
}

int arg_long(Client *c, const Obj *o, long *v, const char *errmsg) {
    long long x;
    if (!arg_ll(c, o, &x, errmsg)) return 0;
    *v = (long)x;
    return 1;
}

int arg_positive_ll(Client *c, const Obj *o, long long *v, const char *errmsg) {
    long long x;
    if (!obj_get_ll(o, &x)) {
        reply_error(c, errmsg ? errmsg : "value is not an integer or out of range");
        return 0;
    }
    if (x < 0) {
        reply_error(c, errmsg ? errmsg : "value is out of range, must be positive");
        return 0;
    }
    *v = x;
    return 1;
}

int arg_ld(Client *c, const Obj *o, long double *v, const char *errmsg) {
    if (obj_get_ld(o, v)) return 1;
    reply_error(c, errmsg ? errmsg : "value is not a valid float");
    return 0;
}

int arg_double(Client *c, const Obj *o, double *v, const char *errmsg) {
    if (obj_get_double(o, v)) return 1;
    reply_error(c, errmsg ? errmsg : "value is not a valid float");
    return 0;
}

int arg_timeout(Client *c, const Obj *o, long long *abs_ms) {
    long double secs;
    if (!arg_ld(c, o, &secs, "timeout is not a float or out of range")) return 0;
    /* Redis 7.0 on x86-64: ceil(seconds * 1000) converted to a 64-bit integer,
     * where a value that does not fit becomes LLONG_MIN, so "timeout is negative"
     * (1e16, inf); -0.0001 rounds to 0 and waits for ever, and so does a deadline
     * past the end of time (Redis's sum overflows into a negative, untimed wait) */
    long double ms = ceill(secs * 1000.0L);
    long long t = (ms >= 0x1p63L || ms < -0x1p63L) ? LLONG_MIN : (long long)ms;
    if (t < 0) {
        reply_error(c, "timeout is negative");
        return 0;
    }
    long long now = server.mstime;
    *abs_ms = t == 0 || t > LLONG_MAX - now ? 0 : t + now;
    return 1;
}
