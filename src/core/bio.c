/* bio.c - one background thread running queued jobs in order.
 * Jobs must touch nothing the main thread uses except through the allocator
 * (which is thread-safe); in practice they free memory that was detached from
 * the keyspace before being queued. Costs: one mutex round trip per job. */
#include "bio.h"
#include "crash.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <pthread.h>

typedef struct BioJob {
    BioJobFn *fn;
    void *arg;
    struct BioJob *next;
} BioJob;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static BioJob *head, *tail;
static size_t pending;
static int started;

static void *bio_thread(void *unused) {
    (void)unused;
    vmalloc_thread_init(); /* it frees what the main thread allocated */
    crash_register_thread(); /* its own signal stack; stopped during the crash memory test */
    cpulist_apply(server.cfg.bio_cpulist);
    for (;;) {
        pthread_mutex_lock(&lock);
        while (!head) pthread_cond_wait(&cond, &lock);
        BioJob *job = head;
        head = job->next;
        if (!head) tail = NULL;
        pthread_mutex_unlock(&lock);
        job->fn(job->arg);
        vfree(job);
        pthread_mutex_lock(&lock);
        pending--;
        if (pending == 0) pthread_cond_broadcast(&done_cond);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

void bio_init(void) {
    if (started) return;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, bio_thread, NULL) == 0) started = 1;
    pthread_attr_destroy(&attr);
}

void bio_submit(BioJobFn *fn, void *arg) {
    if (!started) { /* no thread: run inline rather than lose the work */
        fn(arg);
        return;
    }
    BioJob *job = vmalloc(sizeof(*job));
    job->fn = fn;
    job->arg = arg;
    job->next = NULL;
    pthread_mutex_lock(&lock);
    if (tail) tail->next = job;
    else head = job;
    tail = job;
    pending++;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
}

size_t bio_pending(void) {
    pthread_mutex_lock(&lock);
    size_t n = pending;
    pthread_mutex_unlock(&lock);
    return n;
}

void bio_drain(void) {
    pthread_mutex_lock(&lock);
    while (pending) pthread_cond_wait(&done_cond, &lock);
    pthread_mutex_unlock(&lock);
}
