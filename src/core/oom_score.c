/* oom_score.c - oom-score-adj (see oom_score.h). The score found before Vesper
 * first took control is remembered so that relative values add to it and turning
 * the directive off puts it back. Costs: a /proc read once, a write per change. */
#include "oom_score.h"
#include "config.h"
#include "server.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OOM_PATH "/proc/self/oom_score_adj"

static int controlled; /* Vesper has written the score */
static int base_score; /* the score before that */

static int read_score(int *v) {
    char buf[64];
    int fd = open(OOM_PATH, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (n < 0) {
        server_log(LL_WARNING, "Unable to read oom_score_adj: %s", strerror(errno));
        if (fd != -1) close(fd);
        return -1;
    }
    close(fd);
    buf[n] = '\0';
    *v = atoi(buf);
    return 0;
}

int oom_score_apply(int process_class) {
    if (process_class == -1) process_class = CONFIG_OOM_MASTER; /* no replica role yet */
    int val;
    if (server.cfg.oom_score_adj != OOM_SCORE_ADJ_NO) {
        if (!controlled) {
            if (read_score(&base_score) == -1) return -1;
            controlled = 1;
        }
        val = server.cfg.oom_score_adj_values[process_class];
        if (server.cfg.oom_score_adj == OOM_SCORE_RELATIVE) val += base_score;
        if (val > 1000) val = 1000;
        if (val < -1000) val = -1000;
    } else if (controlled) {
        controlled = 0;
        val = base_score;
    } else {
        return 0;
    }
    char buf[32];
    snprintf(buf, sizeof(buf), "%d\n", val);
    int fd = open(OOM_PATH, O_WRONLY);
    if (fd < 0 || write(fd, buf, strlen(buf)) < 0) {
        server_log(LL_WARNING, "Unable to write oom_score_adj: %s", strerror(errno));
        if (fd != -1) close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int oom_score_apply_hook(const char **err) {
    if (oom_score_apply(-1) == -1) {
        *err = "Failed to set current oom_score_adj. Check server logs.";
        return 0;
    }
    return 1;
}
