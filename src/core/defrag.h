/* defrag.h - active defragmentation (see defrag.c): the keyspace is walked by the
 * module itself; structures outside it that live long (the script cache) register
 * a walker that runs once at the end of every pass, as Redis defragments its
 * global dictionaries. */
#ifndef VESPER_DEFRAG_H
#define VESPER_DEFRAG_H

struct Module;
extern const struct Module defrag_module;

/* While the dataset loads (the cron does not run): catches up on the cron ticks
 * due since the last call, as Redis's whileBlockedCron does, so defragmentation
 * keeps up with a long load. Called between keys or commands only. */
void defrag_while_blocked(void);

/* Runs one slice (at most 250 us) of the current cron tick's defragmentation budget,
 * if any is left. Called last before the event loop waits, after the turn's
 * replies are written, outside scripts and loading. */
void defrag_before_sleep(void);

/* Adds fn to the walkers run after each full keyspace pass (at most 8; on the
 * main thread, between commands). fn moves its allocations with vmalloc_defrag /
 * sds_defrag / ht_scan_defrag and rewrites its own pointers. */
void defrag_register_globals(void (*fn)(void));

#endif
