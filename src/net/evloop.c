/* evloop.c - the event loop: epoll for file descriptors, an unsorted list of timers
 * (the server has only a handful), and hooks that run before and after each wait.
 * Invariant: events[fd].mask mirrors what is registered with epoll for fd.
 * Cost: O(1) per registered event change, O(timers) per iteration. */
#include "evloop.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

typedef struct FileEvent {
    int mask;
    EvFileProc *rproc, *wproc;
    void *data;
} FileEvent;

typedef struct TimeEvent {
    long long id;
    long long when_us;
    EvTimeProc *proc;
    void *data;
    int deleted;
    struct TimeEvent *next;
} TimeEvent;

struct EvLoop {
    int epfd;
    int setsize;
    int maxfd;
    FileEvent *events;
    struct epoll_event *fired;
    int depth;                       /* ev_process nesting (a busy script processes events) */
    TimeEvent *timers;
    long long next_timer_id;
    int stop;
    EvHookProc *before_sleep, *after_sleep;
};

EvLoop *ev_create(int setsize) {
    EvLoop *el = vcalloc(sizeof(*el));
    el->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (el->epfd < 0) { vfree(el); return NULL; }
    el->setsize = setsize;
    el->maxfd = -1;
    el->events = vcalloc(sizeof(FileEvent) * setsize);
    el->fired = vcalloc(sizeof(struct epoll_event) * setsize);
    return el;
}

void ev_delete(EvLoop *el) {
    close(el->epfd);
    vfree(el->events);
    vfree(el->fired);
    TimeEvent *t = el->timers;
    while (t) { TimeEvent *n = t->next; vfree(t); t = n; }
    vfree(el);
}

int ev_get_setsize(EvLoop *el) { return el->setsize; }

int ev_resize(EvLoop *el, int setsize) {
    if (setsize == el->setsize) return 0;
    if (el->maxfd >= setsize) return -1;
    el->events = vrealloc(el->events, sizeof(FileEvent) * setsize);
    el->fired = vrealloc(el->fired, sizeof(struct epoll_event) * setsize);
    for (int i = el->setsize; i < setsize; i++) el->events[i].mask = EV_NONE;
    el->setsize = setsize;
    return 0;
}

static int apply(EvLoop *el, int fd, int oldmask, int newmask) {
    struct epoll_event ee = {0};
    ee.data.fd = fd;
    if (newmask & EV_READABLE) ee.events |= EPOLLIN;
    if (newmask & EV_WRITABLE) ee.events |= EPOLLOUT;
    int op = oldmask == EV_NONE ? EPOLL_CTL_ADD : (newmask & (EV_READABLE | EV_WRITABLE)) ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
    return epoll_ctl(el->epfd, op, fd, &ee);
}

int ev_add_file(EvLoop *el, int fd, int mask, EvFileProc *proc, void *data) {
    if (fd >= el->setsize) { errno = ERANGE; return -1; }
    FileEvent *fe = &el->events[fd];
    int old = fe->mask & (EV_READABLE | EV_WRITABLE);
    if (apply(el, fd, old, old | mask) < 0) return -1;
    fe->mask |= mask;
    if (mask & EV_READABLE) fe->rproc = proc;
    if (mask & EV_WRITABLE) fe->wproc = proc;
    fe->data = data;
    if (fd > el->maxfd) el->maxfd = fd;
    return 0;
}

void ev_del_file(EvLoop *el, int fd, int mask) {
    if (fd >= el->setsize) return;
    FileEvent *fe = &el->events[fd];
    if (fe->mask == EV_NONE) return;
    if (mask & EV_WRITABLE) mask |= EV_BARRIER;
    int old = fe->mask & (EV_READABLE | EV_WRITABLE);
    int nm = fe->mask & ~mask;
    if ((nm & (EV_READABLE | EV_WRITABLE)) != old) apply(el, fd, old, nm & (EV_READABLE | EV_WRITABLE));
    fe->mask = nm;
    if (fd == el->maxfd && fe->mask == EV_NONE) {
        int j;
        for (j = el->maxfd - 1; j >= 0; j--) if (el->events[j].mask != EV_NONE) break;
        el->maxfd = j;
    }
}

int ev_get_file_mask(EvLoop *el, int fd) {
    if (fd >= el->setsize) return 0;
    return el->events[fd].mask;
}

long long ev_add_timer(EvLoop *el, long long ms, EvTimeProc *proc, void *data) {
    TimeEvent *t = vcalloc(sizeof(*t));
    t->id = el->next_timer_id++;
    t->when_us = monotonic_us() + ms * 1000;
    t->proc = proc;
    t->data = data;
    t->next = el->timers;
    el->timers = t;
    return t->id;
}

int ev_del_timer(EvLoop *el, long long id) {
    for (TimeEvent *t = el->timers; t; t = t->next)
        if (t->id == id) { t->deleted = 1; return 0; }
    return -1;
}

void ev_set_before_sleep(EvLoop *el, EvHookProc *proc) { el->before_sleep = proc; }
void ev_set_after_sleep(EvLoop *el, EvHookProc *proc) { el->after_sleep = proc; }
void ev_stop(EvLoop *el) { el->stop = 1; }

static long long nearest_timer_us(EvLoop *el) {
    long long best = -1;
    for (TimeEvent *t = el->timers; t; t = t->next)
        if (!t->deleted && (best == -1 || t->when_us < best)) best = t->when_us;
    return best;
}

static int run_timers(EvLoop *el) {
    int processed = 0;
    long long maxid = el->next_timer_id - 1;
    long long now = monotonic_us();
    TimeEvent **pp = &el->timers;
    while (*pp) {
        TimeEvent *t = *pp;
        if (t->deleted) { *pp = t->next; vfree(t); continue; }
        if (t->id <= maxid && t->when_us <= now) {
            long long r = t->proc(el, t->id, t->data);
            processed++;
            now = monotonic_us();
            if (r == EV_NOMORE) t->deleted = 1;
            else t->when_us = now + r * 1000;
        }
        /* continue after t: timers added by the callback sit at the head */
        pp = &t->next;
    }
    return processed;
}

int ev_process(EvLoop *el, int dont_wait) {
    int processed = 0;
    int timeout_ms = -1;
    if (dont_wait) {
        timeout_ms = 0;
    } else {
        long long next = nearest_timer_us(el);
        if (next != -1) {
            long long d = next - monotonic_us();
            timeout_ms = d <= 0 ? 0 : (int)((d + 999) / 1000);
        }
    }
    /* a nested call (from inside a handler: a busy script serving other clients)
     * must not overwrite the events the outer call is still walking */
    struct epoll_event nested[64];
    struct epoll_event *fired = el->depth ? nested : el->fired;
    int maxev = el->depth ? (int)(sizeof(nested) / sizeof(nested[0])) : el->setsize;
    el->depth++;
    if (el->before_sleep) el->before_sleep(el);
    int n = epoll_wait(el->epfd, fired, maxev, timeout_ms);
    if (el->after_sleep) el->after_sleep(el);
    for (int i = 0; i < n; i++) {
        struct epoll_event *e = &fired[i];
        int fd = e->data.fd;
        FileEvent *fe = &el->events[fd];
        int mask = 0;
        if (e->events & EPOLLIN) mask |= EV_READABLE;
        if (e->events & EPOLLOUT) mask |= EV_WRITABLE;
        if (e->events & (EPOLLERR | EPOLLHUP)) mask |= EV_READABLE | EV_WRITABLE;
        int invert = fe->mask & EV_BARRIER;
        int fired = 0;
        if (!invert && (fe->mask & mask & EV_READABLE)) {
            fe->rproc(el, fd, fe->data, mask);
            fired++;
            fe = &el->events[fd];
        }
        if (fe->mask & mask & EV_WRITABLE) {
            if (!fired || fe->wproc != fe->rproc) {
                fe->wproc(el, fd, fe->data, mask);
                fired++;
            }
            fe = &el->events[fd];
        }
        if (invert && (fe->mask & mask & EV_READABLE)) {
            if (!fired || fe->wproc != fe->rproc) fe->rproc(el, fd, fe->data, mask);
        }
        processed++;
    }
    processed += run_timers(el);
    el->depth--;
    return processed;
}

void ev_main(EvLoop *el) {
    el->stop = 0;
    while (!el->stop) ev_process(el, 0);
}
