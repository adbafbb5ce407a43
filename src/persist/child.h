/* child.h - the one fork child the server may run at a time (a BGSAVE or an AOF
 * rewrite): forking, the copy-on-write report, reaping it from the cron, and
 * killing it (shutdown, BGREWRITEAOF replacing a rewrite). */
#ifndef VESPER_CHILD_H
#define VESPER_CHILD_H
#include <sys/types.h>

enum { CHILD_NONE, CHILD_RDB, CHILD_AOF };

/* Runs in the parent when the child is reaped (child_type() is CHILD_NONE by
 * then): pid the child's; ok when it exited with status 0; bysignal its terminating
 * signal (0 if none); cow its copy-on-write bytes. */
typedef void ChildDoneFn(pid_t pid, int ok, int bysignal, long long cow);

/* Forks a child of type that runs body() and exits with its result (0: success).
 * Returns the pid, or -1 (errno set, logged) when a child already runs or fork
 * failed. While it runs the keyspace tables do not resize. */
pid_t child_start(int type, int (*body)(void), ChildDoneFn *done);
int child_type(void);                  /* CHILD_* */
pid_t child_pid(void);
long long child_start_ms(void);
/* Child side: called by a child's body as it processes keys (every key is fine:
 * about once a second it measures copy-on-write and tells the parent). */
void child_report_progress(long long keys_processed);
/* Parent side: the running child's latest progress, or NULL when none runs. */
typedef struct ChildProgress {
    long long keys_processed, keys_total; /* keys_total: the dataset's size at fork */
    long long cow, cow_peak;              /* bytes */
    long long updated_ms;                 /* when cow was measured, 0: not yet */
} ChildProgress;
const ChildProgress *child_progress(void);
/* Reaps a finished child (from the cron) and calls its done function. */
void child_reap(void);
/* Kills the running child and waits for it; its done function sees SIGUSR1. */
void child_kill(void);

#endif
