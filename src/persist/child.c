/* child.c - the fork child (see child.h).
 *
 * The child closes the listening sockets, runs its body, measures its
 * copy-on-write (Private_Dirty of /proc/self/smaps_rollup), logs Redis's "Fork CoW"
 * line, writes the figure to a pipe and _exits. The parent records fork time and
 * count (INFO latest_fork_usec, total_forks) and stops table resizing while the
 * child lives, so fewer pages are copied.
 * Invariants: at most one child; the done function runs exactly once per child.
 * Costs: a fork (page tables) and the pages written meanwhile. */
#include "child.h"
#include "../base/util.h"
#include "../core/db.h"
#include "../core/server.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct {
    pid_t pid;
    int type;
    int pipe_fd;
    long long start_ms;
    ChildDoneFn *done;
} ch = {0, CHILD_NONE, -1, 0, NULL};

int child_type(void) { return ch.pid ? ch.type : CHILD_NONE; }
pid_t child_pid(void) { return ch.pid; }
long long child_start_ms(void) { return ch.start_ms; }

static void tables_resize(int allowed) {
    for (int j = 0; j < db_count(); j++) db_get(j)->keys->resize_allowed = allowed;
}

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

static void run_child(int type, int (*body)(void), int report_fd) {
    server.in_child = 1;
    server_close_listeners_in_child();
    int rc = body();
    long long cow = private_dirty();
    if (rc == 0)
        server_log(LL_NOTICE, "Fork CoW for %s: current %lld MB, peak %lld MB, average %lld MB",
                   type == CHILD_RDB ? "RDB" : "AOF rewrite", cow >> 20, cow >> 20, cow >> 20);
    if (write(report_fd, &cow, sizeof(cow)) < 0) { /* the parent then reports 0 */ }
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
    tables_resize(0);
    return pid;
}

static void finish(int status_ok, int bysignal) {
    long long cow = 0;
    if (read(ch.pipe_fd, &cow, sizeof(cow)) != (ssize_t)sizeof(cow)) cow = 0;
    close(ch.pipe_fd);
    ChildDoneFn *done = ch.done;
    ch.pid = 0;
    ch.type = CHILD_NONE;
    ch.pipe_fd = -1;
    ch.done = NULL;
    tables_resize(1);
    if (done) done(status_ok, bysignal, cow);
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
