/* evloop.h - epoll event loop with file events, timers and before-sleep hooks. */
#ifndef VESPER_EVLOOP_H
#define VESPER_EVLOOP_H

#define EV_NONE 0
#define EV_READABLE 1
#define EV_WRITABLE 2
#define EV_BARRIER 4   /* on a fd with both events: run write before read */
#define EV_NOMORE -1

typedef struct EvLoop EvLoop;
typedef void EvFileProc(EvLoop *el, int fd, void *data, int mask);
typedef long long EvTimeProc(EvLoop *el, long long id, void *data); /* returns ms to next run or EV_NOMORE */
typedef void EvHookProc(EvLoop *el);

EvLoop *ev_create(int setsize);
void ev_delete(EvLoop *el);
int ev_resize(EvLoop *el, int setsize);
int ev_get_setsize(EvLoop *el);
int ev_add_file(EvLoop *el, int fd, int mask, EvFileProc *proc, void *data);
void ev_del_file(EvLoop *el, int fd, int mask);
int ev_get_file_mask(EvLoop *el, int fd);
long long ev_add_timer(EvLoop *el, long long ms, EvTimeProc *proc, void *data);
int ev_del_timer(EvLoop *el, long long id);
void ev_set_before_sleep(EvLoop *el, EvHookProc *proc);
void ev_set_after_sleep(EvLoop *el, EvHookProc *proc);
void ev_stop(EvLoop *el);
void ev_main(EvLoop *el);
int ev_process(EvLoop *el, int dont_wait); /* one iteration; returns events handled */

#endif
