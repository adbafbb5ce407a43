/* snapshot.h - RDB snapshots as a server feature: SAVE, BGSAVE in a forked child,
 * save points, loading at start-up, saving at shutdown, DEBUG RELOAD, INFO
 * persistence, and the MISCONF refusal of writes after a failed background save.
 * The one child process the server may have at a time (BGSAVE now, AOF rewrites
 * later) is managed here. */
#ifndef VESPER_SNAPSHOT_H
#define VESPER_SNAPSHOT_H
#include <sys/types.h>
#include "../base/sds.h"

struct Module;
extern const struct Module persist_module;

/* The running child's type (CHILD_* of child.h). */
int persist_child_type(void);
/* Saves the dataset to the configured file now (SAVE, SHUTDOWN, DEBUG RELOAD).
 * 0, or -1 (logged). */
int persist_save_now(void);
/* Starts a background save; 0, or -1 (another child runs, or fork failed). */
int persist_bgsave(void);
/* The same, and done(ok) runs once it ended (replication's full sync sends the
 * file it wrote: persist_rdb_filename()). */
int persist_bgsave_notify(void (*done)(int ok));
const char *persist_rdb_filename(void);
/* The MISCONF error (a new sds) while writes are refused after a failed background
 * save (stop-writes-on-bgsave-error) or AOF write, else NULL. Scripts ask it for
 * their write commands and, with a shebang without no-writes, before they run. */
Sds persist_write_denied(void);

/* Loading a dataset (RDB at start-up, AOF files, DEBUG RELOAD): begin sets
 * server.loading and the INFO loading_* fields for total_bytes to read; a reader
 * set up with persist_loading_reader() serves events every
 * loading-process-events-interval-bytes and reports its position (plus base, the
 * bytes of the files before it); end clears server.loading. */
struct Rio;
void persist_loading_begin(long long total_bytes);
void persist_loading_reader(struct Rio *r, long long base);
void persist_loading_end(void);

#endif
