/* child.c - the fork child (see child.h).
 *
 * The child closes the listening sockets and runs its body, which calls
 * child_report_progress() as it goes: about once a second the child measures its
 * copy-on-write (Private_Dirty of /proc/self/smaps_rollup) and sends a progress
 * record (keys done, CoW bytes) through a pipe; at the end it logs Redis's "Fork
 * CoW" line, sends a final record and _exits. The parent reads the records from the
 * cron (INFO current_cow_size, current_save_keys_processed, current_fork_perc),
 * records fork time and count (latest_fork_usec, total_forks) and stops table
 * resizing while the child lives, so fewer pages are copied.
 * Invariants: at most one child; the done function runs exactly once per child.
 * Costs: a fork (page tables) and the pages written meanwhile. */
#include "child.h"
#include "../base/util.h"
#include "../core/db.h"
#include "../core/oom_score.h"
#include "../core/server.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the child sends: progress records, then one final record. */
typedef struct ChildRecord {
    int final;
    long long keys;                  /* keys processed so far */
    long long cow;                   /* copy-on-write bytes now */
} ChildRecord;

static struct {
    pid_t pid;
    int type;
    int pipe_fd;
    long long start_ms;
    ChildDoneFn *done;
    ChildProgress progress;          /* parent side: the latest record */
    long long final_cow;
    /* child side */
    int report_fd;
    long long calls, last_report_ms, cow_peak, cow_sum, cow_samples;
} ch = {.pipe_fd = -1, .report_fd = -1};

int child_type(void) { return ch.pid ? ch.type : CHILD_NONE; }
pid_t child_pid(void) { return ch.pid; }
long long child_start_ms(void) { return ch.start_ms; }

static void tables_resize(int allowed) { db_allow_resize(allowed); }

/* Private_Dirty of the process, in bytes: what copy-on-write cost the child. */
static long long private_dirty(void) {
    FILE *fp = fopen("/proc/self/smaps_rollup", "r");
    if (!fp) return 0;
    char line[256];
    long long total = 0;
    while (fgets(line, sizeof(line), fp)) {
        long long kb;
        if (sscanf(line, "Private_Dirty: %lld kB", &kb) == 1) total += kb * 1024;
    }
    fclose(fp);
    return total;
}

static void send_record(int final, long long keys, long long cow) {
    ChildRecord rec = {final, keys, cow};
    /* a full pipe drops a progress record (the parent reads them every cron tick) */
    if (write(ch.report_fd, &rec, sizeof(rec)) < 0) {}
}

static void note_cow(long long cow) {
    if (cow > ch.cow_peak) ch.cow_peak = cow;
    ch.cow_sum += cow;
    ch.cow_samples++;
}

void child_report_progress(long long keys) {
    if (ch.report_fd == -1 || (++ch.calls & 1023)) return;
    long long now = mstime();
    if (now - ch.last_report_ms < 1000) return;
    ch.last_report_ms = now;
    long long cow = private_dirty();
    note_cow(cow);
    send_record(0, keys, cow);
}

static void run_child(int type, int (*body)(void), int report_fd) {
    server.in_child = 1;
    oom_score_apply(CONFIG_OOM_BGCHILD);
    ch.report_fd = report_fd;
    ch.last_report_ms = mstime();
    server_close_listeners_in_child();
    server_set_proc_title(type == CHILD_RDB ? "redis-rdb-bgsave" : "redis-aof-rewrite"); /* Redis's names, for ps */
    int rc = body();
    long long cow = private_dirty();
    note_cow(cow);
    if (rc == 0)
        server_log(LL_NOTICE, "Fork CoW for %s: current %lld MB, peak %lld MB, average %lld MB",
                   type == CHILD_RDB ? "RDB" : "AOF rewrite", cow >> 20, ch.cow_peak >> 20,
                   (ch.cow_sum / ch.cow_samples) >> 20);
    send_record(1, -1, cow);
    _exit(rc == 0 ? 0 : 1);
}

pid_t child_start(int type, int (*body)(void), ChildDoneFn *done) {
    if (ch.pid) {
        errno = EBUSY;
        return -1;
    }
    int fds[2];
    if (pipe(fds) == -1) return -1;
    long long start = ustime();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        run_child(type, body, fds[1]);
    }
    close(fds[1]);
    if (pid != -1) fcntl(fds[0], F_SETFL, O_NONBLOCK);
    if (pid == -1) {
        int e = errno;
        close(fds[0]);
        errno = e;
        return -1;
    }
    server.stat.latest_fork_usec = ustime() - start;
    server.stat.total_forks++;
    ch.pid = pid;
    ch.type = type;
    ch.pipe_fd = fds[0];
    ch.start_ms = mstime();
    ch.done = done;
    ch.final_cow = 0;
    memset(&ch.progress, 0, sizeof(ch.progress));
    for (int j = 0; j < db_count(); j++) ch.progress.keys_total += (long long)db_size(db_get(j));
    tables_resize(0);
    return pid;
}

/* Takes in whatever records the child sent. */
static void read_records(void) {
    ChildRecord rec;
    while (read(ch.pipe_fd, &rec, sizeof(rec)) == (ssize_t)sizeof(rec)) {
        if (rec.final) {
            ch.final_cow = rec.cow;
            continue;
        }
        ch.progress.keys_processed = rec.keys;
        ch.progress.cow = rec.cow;
        if (rec.cow > ch.progress.cow_peak) ch.progress.cow_peak = rec.cow;
        ch.progress.updated_ms = mstime();
    }
}

const ChildProgress *child_progress(void) {
    if (!ch.pid) return NULL;
    read_records();
    return &ch.progress;
}

static void finish(int status_ok, int bysignal) {
    read_records();
    long long cow = ch.final_cow;
    close(ch.pipe_fd);
    ChildDoneFn *done = ch.done;
    pid_t pid = ch.pid;
    ch.pid = 0;
    ch.type = CHILD_NONE;
    ch.pipe_fd = -1;
    ch.done = NULL;
    tables_resize(1);
    if (done) done(pid, status_ok, bysignal, cow);
}

void child_reap(void) {
    if (!ch.pid) return;
    int status;
    if (waitpid(ch.pid, &status, WNOHANG) != ch.pid) return;
    if (WIFSIGNALED(status)) finish(0, WTERMSIG(status));
    else finish(WEXITSTATUS(status) == 0, 0);
}

void child_kill(void) {
    if (!ch.pid) return;
    kill(ch.pid, SIGUSR1);
    int status;
    while (waitpid(ch.pid, &status, 0) == -1 && errno == EINTR) {}
    finish(0, SIGUSR1);
}
