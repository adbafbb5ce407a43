/* stream_table.c - the stream commands' table: names, procs, arity, flags, ACL
 * categories, documentation, argument grammar (src/core/cmdargs.h) and key specs,
 * as Redis 7.0.15 describes them in its commands/x*.json (the integration test
 * tests/integration/test_command_table.py keeps COMMAND INFO and COMMAND DOCS equal
 * to Redis's). Data only, plus XREAD's key finder; no costs. */
#include <strings.h>
#include "stream.h"
#include "../core/command.h"

/* COMMAND GETKEYS for XREAD/XREADGROUP, as Redis's xreadGetKeys: the options are
 * skipped up to STREAMS; the keys are the first half of what follows (none when
 * the count is odd or zero). */
static int stream_xread_getkeys(int argc, Obj **argv, int *keys, int max) {
    int streams_pos = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i]->ptr;
        if (!strcasecmp(a, "block") || !strcasecmp(a, "count")) {
            i++;
        } else if (!strcasecmp(a, "group")) {
            i += 2;
        } else if (!strcasecmp(a, "noack")) {
            continue;
        } else if (!strcasecmp(a, "streams")) {
            streams_pos = i;
            break;
        } else {
            break;
        }
    }
    if (streams_pos == -1) return 0;
    int num = argc - streams_pos - 1;
    if (num == 0 || num % 2 != 0) return 0;
    num /= 2;
    int n = 0;
    for (int i = streams_pos + 1; i < argc - num && n < max; i++) keys[n++] = i;
    return n;
}

static Command stream_xgroup_subcommands[] = {
    {.name = "create", .proc = stream_xgroup_cmd,
     .args = "key:key{#0} groupname:string (id:string|'$'{new_id}){id} [MKSTREAM] [ENTRIESREAD entries_read:integer]\nhistory 7.0.0 Added the `entries_read` named argument.",
     .arity = -5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Create a consumer group.",
     .since = "5.0.0", .complexity = "O(1)",
     .keyspecs = {KS1(KS_RW | KS_INSERT, 2, 0, 1)}, .nkeyspecs = 1},
    {.name = "createconsumer", .proc = stream_xgroup_cmd,
     .args = "key:key{#0} groupname:string consumername:string",
     .arity = 5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Create a consumer in a consumer group.",
     .since = "6.2.0", .complexity = "O(1)",
     .keyspecs = {KS1(KS_RW | KS_INSERT, 2, 0, 1)}, .nkeyspecs = 1},
    {.name = "delconsumer", .proc = stream_xgroup_cmd,
     .args = "key:key{#0} groupname:string consumername:string",
     .arity = 5, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Delete a consumer from a consumer group.",
     .since = "5.0.0", .complexity = "O(1)",
     .keyspecs = {KS1(KS_RW | KS_DELETE, 2, 0, 1)}, .nkeyspecs = 1},
    {.name = "destroy", .proc = stream_xgroup_cmd,
     .args = "key:key{#0} groupname:string",
     .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Destroy a consumer group.",
     .since = "5.0.0", .complexity = "O(N) where N is the number of entries in the group's pending entries list (PEL).",
     .keyspecs = {KS1(KS_RW | KS_DELETE, 2, 0, 1)}, .nkeyspecs = 1},
    {.name = "help", .proc = stream_xgroup_cmd,
     .args = "",
     .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)"},
    {.name = "setid", .proc = stream_xgroup_cmd,
     .args = "key:key{#0} groupname:string (id:string|'$'{new_id}){id} [ENTRIESREAD entries_read:integer]\nhistory 7.0.0 Added the optional `entries_read` argument.",
     .arity = -5, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Set a consumer group to an arbitrary last delivered ID value.",
     .since = "5.0.0", .complexity = "O(1)",
     .keyspecs = {KS1(KS_RW | KS_UPDATE, 2, 0, 1)}, .nkeyspecs = 1},
    {0}};

static Command stream_xinfo_subcommands[] = {
    {.name = "consumers", .proc = stream_xinfo_cmd,
     .args = "key:key{#0} groupname:string\ntip nondeterministic_output",
     .arity = 4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "List the consumers in a consumer group",
     .since = "5.0.0", .complexity = "O(1)",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 2, 0, 1)}, .nkeyspecs = 1},
    {.name = "groups", .proc = stream_xinfo_cmd,
     .args = "key:key{#0}\nhistory 7.0.0 Added the `entries-read` and `lag` fields",
     .arity = 3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "List the consumer groups of a stream",
     .since = "5.0.0", .complexity = "O(1)",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 2, 0, 1)}, .nkeyspecs = 1},
    {.name = "help", .proc = stream_xinfo_cmd,
     .args = "",
     .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)"},
    {.name = "stream", .proc = stream_xinfo_cmd,
     .args = "key:key{#0} [<FULL [COUNT count:integer]>]{full}\nhistory 6.0.0 Added the `FULL` modifier.\nhistory 7.0.0 Added the `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, `entries-read` and `lag` fields",
     .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Get information about a stream",
     .since = "5.0.0", .complexity = "O(1)",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 2, 0, 1)}, .nkeyspecs = 1},
    {0}};

Command stream_commands[] = {
    {.name = "xack", .proc = stream_xack_cmd,
     .args = "key:key{#0} group:string id:string...",
     .arity = -4, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_STREAM | ACL_FAST, .group = "stream",
     .summary = "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
     .since = "5.0.0", .complexity = "O(1) for each message ID processed.",
     .keyspecs = {KS1(KS_RW | KS_UPDATE, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "xadd", .proc = stream_xadd_cmd,
     .args = "key:key{#0} [NOMKSTREAM]{@6.2.0} [(MAXLEN|MINID{@6.2.0}){strategy} ['='{equal}|'~'{approximately}]{operator} threshold:string [LIMIT count:integer]{@6.2.0}]{trim} ('*'{auto_id}|id:string){id_or_auto} (field:string value:string)...\nhistory 6.2.0 Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option.\nhistory 7.0.0 Added support for the `<ms>-*` explicit ID form.\nkeynote 0 UPDATE instead of INSERT because of the optional trimming feature\ntip nondeterministic_output",
     .arity = -5, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STREAM | ACL_FAST, .group = "stream",
     .summary = "Appends a new entry to a stream",
     .since = "5.0.0", .complexity = "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
     .keyspecs = {KS1(KS_RW | KS_UPDATE, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "xautoclaim", .proc = stream_xautoclaim_cmd,
     .args = "key:key{#0} group:string consumer:string min-idle-time:string start:string [COUNT count:integer] [JUSTID]\nhistory 7.0.0 Added an element to the reply array, containing deleted entries the command cleared from the PEL\ntip nondeterministic_output",
     .arity = -6, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_STREAM | ACL_FAST, .group = "stream",
     .summary = "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.",
     .since = "6.2.0", .complexity = "O(1) if COUNT is small.",
     .keyspecs = {KS1(KS_RW | KS_DELETE, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "xclaim", .proc = stream_xclaim_cmd,
     .args = "key:key{#0} group:string consumer:string min-idle-time:string id:string... [IDLE ms:integer] [TIME unix-time-milliseconds:unix-time] [RETRYCOUNT count:integer] [FORCE] [JUSTID] [LASTID id:string]\ntip nondeterministic_output",
     .arity = -6, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_STREAM | ACL_FAST, .group = "stream",
     .summary = "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.",
     .since = "5.0.0", .complexity = "O(log N) with N being the number of messages in the PEL of the consumer group.",
     .keyspecs = {KS1(KS_RW | KS_UPDATE, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "xdel", .proc = stream_xdel_cmd,
     .args = "key:key{#0} id:string...",
     .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_STREAM | ACL_FAST, .group = "stream",
     .summary = "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.",
     .since = "5.0.0", .complexity = "O(1) for each single item to delete in the stream, regardless of the stream size.",
     .keyspecs = {KS1(KS_RW | KS_DELETE, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "xgroup", .arity = -2, .group = "stream", .summary = "A container for consumer groups commands",
     .since = "5.0.0", .complexity = "Depends on subcommand.", .subcommands = stream_xgroup_subcommands},
    {.name = "xinfo", .arity = -2, .group = "stream", .summary = "A container for stream introspection commands",
     .since = "5.0.0", .complexity = "Depends on subcommand.", .subcommands = stream_xinfo_subcommands},
    {.name = "xlen", .proc = stream_xlen_cmd,
     .args = "key:key{#0}",
     .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_STREAM | ACL_FAST, .group = "stream",
     .summary = "Return the number of entries in a stream",
     .since = "5.0.0", .complexity = "O(1)",
     .keyspecs = {KS1(KS_RO, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "xpending", .proc = stream_xpending_cmd,
     .args = "key:key{#0} group:string [[IDLE min-idle-time:integer]{@6.2.0} start:string end:string count:integer [consumer:string]]{filters}\nhistory 6.2.0 Added the `IDLE` option and exclusive range intervals.\ntip nondeterministic_output",
     .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.",
     .since = "5.0.0", .complexity = "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "xrange", .proc = stream_xrange_cmd,
     .args = "key:key{#0} start:string end:string [COUNT count:integer]\nhistory 6.2.0 Added exclusive ranges.",
     .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Return a range of elements in a stream, with IDs matching the specified IDs interval",
     .since = "5.0.0", .complexity = "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "xread", .proc = stream_xread_cmd,
     .args = "[COUNT count:integer] [BLOCK milliseconds:integer] (STREAMS key:key...{#0} id:string...){streams}",
     .arity = -4, .flags = CMD_BLOCKING | CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW | ACL_BLOCKING, .group = "stream",
     .summary = "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
     .since = "5.0.0", .complexity = "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
     .keyspecs = {{.flags = KS_RO | KS_ACCESS, .bs_keyword = "STREAMS", .bs_startfrom = 1, .fk_type = 0, .fk_lastkey = -1, .fk_step = 1, .fk_limit = 2}}, .nkeyspecs = 1, .getkeys = stream_xread_getkeys},
    {.name = "xreadgroup", .proc = stream_xread_cmd,
     .args = "(GROUP group:string consumer:string) [COUNT count:integer] [BLOCK milliseconds:integer] [NOACK] (STREAMS key:key...{#0} id:string...){streams}",
     .arity = -7, .flags = CMD_BLOCKING | CMD_WRITE,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW | ACL_BLOCKING, .group = "stream",
     .summary = "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.",
     .since = "5.0.0", .complexity = "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
     .keyspecs = {{.flags = KS_RO | KS_ACCESS, .bs_keyword = "STREAMS", .bs_startfrom = 4, .fk_type = 0, .fk_lastkey = -1, .fk_step = 1, .fk_limit = 2}}, .nkeyspecs = 1, .getkeys = stream_xread_getkeys},
    {.name = "xrevrange", .proc = stream_xrevrange_cmd,
     .args = "key:key{#0} end:string start:string [COUNT count:integer]\nhistory 6.2.0 Added exclusive ranges.",
     .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
     .since = "5.0.0", .complexity = "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "xsetid", .proc = stream_xsetid_cmd,
     .args = "key:key{#0} last-id:string [ENTRIESADDED entries_added:integer]{@7.0.0} [MAXDELETEDID max_deleted_entry_id:string]{@7.0.0}\nhistory 7.0.0 Added the `entries_added` and `max_deleted_entry_id` arguments.",
     .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STREAM | ACL_FAST, .group = "stream",
     .summary = "An internal command for replicating stream values",
     .since = "5.0.0", .complexity = "O(1)",
     .keyspecs = {KS1(KS_RW | KS_UPDATE, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "xtrim", .proc = stream_xtrim_cmd,
     .args = "key:key{#0} ((MAXLEN|MINID{@6.2.0}){strategy} ['='{equal}|'~'{approximately}]{operator} threshold:string [LIMIT count:integer]{@6.2.0}){trim}\nhistory 6.2.0 Added the `MINID` trimming strategy and the `LIMIT` option.\ntip nondeterministic_output",
     .arity = -4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Trims the stream to (approximately if '~' is passed) a certain size",
     .since = "5.0.0", .complexity = "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
     .keyspecs = {KS1(KS_RW | KS_DELETE, 1, 0, 1)}, .nkeyspecs = 1},
    {0}};
