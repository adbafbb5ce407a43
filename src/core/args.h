/* args.h - argument helpers for command procs: parse an argument as a number or
 * match it as a keyword. The parsing helpers reply with the error (Redis's text,
 * or errmsg when given) and return 0 when the argument is not acceptable. */
#ifndef VESPER_ARGS_H
#define VESPER_ARGS_H
#include "client.h"

int arg_ll(Client *c, const Obj *o, long long *v, const char *errmsg);   /* errmsg NULL: default */
int arg_ll_range(Client *c, const Obj *o, long long min, long long max, long long *v, const char *errmsg);
int arg_long(Client *c, const Obj *o, long *v, const char *errmsg);
int arg_positive_ll(Client *c, const Obj *o, long long *v, const char *errmsg);
int arg_ld(Client *c, const Obj *o, long double *v, const char *errmsg);
int arg_double(Client *c, const Obj *o, double *v, const char *errmsg);
/* Case-insensitive comparison of an argument with a keyword. */
int arg_is(const Obj *o, const char *word);
/* A timeout argument in seconds (fractions allowed) as an absolute unix time in ms
 * (0 when it is 0, rounds up to 0 or ends past LLONG_MAX: for ever), as BLPOP and
 * friends take it; replies "timeout is not a float or out of range" / "timeout is
 * negative" (also when the milliseconds do not fit 64 bits) as Redis 7.0 does. */
int arg_timeout(Client *c, const Obj *o, long long *abs_ms);
static inline const char *arg_str(const Client *c, int i) { return (const char *)c->argv[i]->ptr; }
static inline size_t arg_len(const Client *c, int i) { return sds_len(c->argv[i]->ptr); }

#endif
