/* oom_score.h - oom-score-adj: the process's /proc/self/oom_score_adj follows
 * oom-score-adj-values for its class (master, replica, background child), as
 * Redis's setOOMScoreAdj does. */
#ifndef VESPER_OOM_SCORE_H
#define VESPER_OOM_SCORE_H

/* Writes the value for process_class (CONFIG_OOM_*; -1: this server's role) when
 * oom-score-adj is on: relative adds it to the score found when control began,
 * absolute sets it, clamped to -1000..1000; turning the directive off restores
 * the original score. Returns 0, or -1 when /proc could not be read or written
 * (logged). Not on Linux: -1 when control is asked for. */
int oom_score_apply(int process_class);
/* CONFIG SET's apply hook for both directives: Redis's error text on failure. */
int oom_score_apply_hook(const char **err);

#endif
