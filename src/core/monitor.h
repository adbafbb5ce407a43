/* monitor.h - MONITOR: the clients that see every executed command as a status
 * line (see monitor.c for the format and what is shown). */
#ifndef VESPER_MONITOR_H
#define VESPER_MONITOR_H
#include "client.h"

struct Command;

/* How many clients monitor; dispatch tests it before calling monitor_feed, so a
 * server nobody monitors pays one test per command. */
extern int monitor_count;

/* Sends c's command cmd (just run, with c's current argv and database) to every
 * monitor, unless rerun (a blocked command served later: shown when it first ran),
 * the server is loading, or cmd is flagged skip-monitor or admin. */
void monitor_feed(Client *c, struct Command *cmd, int rerun);

/* The same without the flag tests: for commands flagged skip-monitor that show
 * themselves before they run, as EVAL and FCALL do in Redis (the script's own
 * commands then follow, shown as "lua"). */
void monitor_feed_always(Client *c, struct Command *cmd);

/* The line for c's command at time sec.usec, CRLF-terminated (a new sds the caller
 * frees): "+<sec>.<usec> [<db> <origin>] "arg" ...". */
Sds monitor_format(Client *c, struct Command *cmd, long long sec, long usec);

#endif
