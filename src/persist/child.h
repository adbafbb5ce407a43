/* child.h - the one fork child the server may run at a time (a BGSAVE or an AOF
 * rewrite): forking, the copy-on-write report, reaping it from the cron, and
 * killing it (shutdown, BGREWRITEAOF replacing a rewrite). */
#ifndef VESPER_CHILD_H
#define VESPER_CHILD_H
#include <sys/types.h>

enum { CHILD_NONE, CHILD_RDB, CHILD_AOF };

/* Runs in the parent when the child is reaped: ok when it exited with status 0;
 * bysignal its terminating signal (0 if none); cow its copy-on-write bytes. */
typedef void ChildDoneFn(int ok, int bysignal, long long cow);

/* Forks a child of type that runs body() and exits with its result (0: success).
 * Returns the pid, or -1 (errno set, logged) when a child already runs or fork
 * failed. While it runs the keyspace tables do not resize. */
pid_t child_start(int type, int (*body)(void), ChildDoneFn *done);
int child_type(void);                  /* CHILD_* */
pid_t child_pid(void);
long long child_start_ms(void);
/* Reaps a finished child (from the cron) and calls its done function. */
void child_reap(void);
/* Kills the running child and waits for it; its done function sees SIGUSR1. */
void child_kill(void);

#endif
