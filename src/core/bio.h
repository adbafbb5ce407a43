/* bio.h - background jobs: work that must not stall the event loop (freeing a
 * flushed database, later fsync and file closing) runs on one helper thread. */
#ifndef VESPER_BIO_H
#define VESPER_BIO_H
#include <stddef.h>

typedef void BioJobFn(void *arg);
void bio_init(void);
/* Queues fn(arg) to run on the background thread, in submission order. */
void bio_submit(BioJobFn *fn, void *arg);
/* Jobs queued or running (INFO lazyfree_pending_objects uses it). */
size_t bio_pending(void);
/* Waits until every queued job has run (tests, shutdown). */
void bio_drain(void);

#endif
