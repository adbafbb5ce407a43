"""Memory introspection: INFO memory's fields, MEMORY STATS / DOCTOR / USAGE /
MALLOC-STATS / PURGE, compared with Redis 7.0.15's shapes and texts (checked by
running these tests with VESPER_SERVER=/usr/bin/redis-server)."""
import redis

# INFO memory's fields in Redis 7.0.15's order.
INFO_MEMORY_FIELDS = """used_memory used_memory_human used_memory_rss used_memory_rss_human
used_memory_peak used_memory_peak_human used_memory_peak_perc used_memory_overhead used_memory_startup
used_memory_dataset used_memory_dataset_perc allocator_allocated allocator_active allocator_resident
total_system_memory total_system_memory_human used_memory_lua used_memory_vm_eval used_memory_lua_human
used_memory_scripts_eval number_of_cached_scripts number_of_functions number_of_libraries
used_memory_vm_functions used_memory_vm_total used_memory_vm_total_human used_memory_functions
used_memory_scripts used_memory_scripts_human maxmemory maxmemory_human maxmemory_policy
allocator_frag_ratio allocator_frag_bytes allocator_rss_ratio allocator_rss_bytes rss_overhead_ratio
rss_overhead_bytes mem_fragmentation_ratio mem_fragmentation_bytes mem_not_counted_for_evict
mem_replication_backlog mem_total_replication_buffers mem_clients_slaves mem_clients_normal
mem_cluster_links mem_aof_buffer mem_allocator active_defrag_running lazyfree_pending_objects
lazyfreed_objects""".split()

STATS_DEFRAG_FIELDS = ["active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits",
                       "active_defrag_key_misses", "total_active_defrag_time", "current_active_defrag_time"]

MEMORY_STATS_KEYS = """peak.allocated total.allocated startup.allocated replication.backlog clients.slaves
clients.normal cluster.links aof.buffer lua.caches functions.caches""".split()
MEMORY_STATS_TAIL = """overhead.total keys.count keys.bytes-per-key dataset.bytes dataset.percentage
peak.percentage allocator.allocated allocator.active allocator.resident allocator-fragmentation.ratio
allocator-fragmentation.bytes allocator-rss.ratio allocator-rss.bytes rss-overhead.ratio rss-overhead.bytes
fragmentation fragmentation.bytes""".split()
DB_KEYS = [b"overhead.hashtable.main", b"overhead.hashtable.expires", b"overhead.hashtable.slot-to-keys"]

DOCTOR_EMPTY = ("Hi Sam, this instance is empty or is using very little memory, my issues detector can't be "
                "used in these conditions. Please, leave for your mission on Earth and fill it with some data. "
                "The new Sam and I will be back to our programming as soon as I finished rebooting.\n")
DOCTOR_FINE = ("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs "
               "on this base.\n")
DOCTOR_ISSUES = "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
DOCTOR_PARAGRAPHS = (" * Peak memory:", " * High total RSS:", " * High allocator fragmentation:",
                     " * High allocator RSS overhead:", " * High process RSS overhead:",
                     " * Big client buffers:", " * Many scripts:", " * Big replica buffers:")


def info_keys(r, section):
    return list(r.info(section).keys())


def test_info_memory_fields_in_redis_order(r):
    assert info_keys(r, "memory") == INFO_MEMORY_FIELDS


def test_info_stats_defrag_fields(r):
    keys = info_keys(r, "stats")
    at = keys.index("active_defrag_hits")
    assert keys[at:at + len(STATS_DEFRAG_FIELDS)] == STATS_DEFRAG_FIELDS
    info = r.info("stats")
    for f in STATS_DEFRAG_FIELDS:
        assert isinstance(info[f], int)


def test_memory_stats_shape(r):
    r.set("a", "b")
    r.execute_command("SELECT", 3)
    r.set("c", "d")
    r.execute_command("SELECT", 0)
    reply = r.execute_command("MEMORY", "STATS")
    keys = reply[0::2]
    vals = reply[1::2]
    names = [k.decode() for k in keys]
    assert names == MEMORY_STATS_KEYS + ["db.0", "db.3"] + MEMORY_STATS_TAIL
    for name, v in zip(names, vals):
        if name.startswith("db."):
            assert v[0::2] == DB_KEYS
            assert all(isinstance(x, int) for x in v[1::2])
        elif name.endswith(("ratio", "percentage")) or name == "fragmentation":
            float(v)
        else:
            assert isinstance(v, int), name
    stats = dict(zip(names, vals))
    assert stats["keys.count"] == 2
    assert stats["total.allocated"] >= stats["startup.allocated"]
    parts = ["startup.allocated", "replication.backlog", "clients.slaves", "clients.normal",
             "cluster.links", "aof.buffer", "lua.caches", "functions.caches"]
    assert stats["overhead.total"] >= sum(stats[p] for p in parts)


def test_memory_stats_counts_lua_caches(r):
    r.script_flush()
    before = dict(zip(*[iter(r.execute_command("MEMORY", "STATS"))] * 2))[b"lua.caches"]
    r.script_load("return 'x" + "y" * 200 + "'")
    after = dict(zip(*[iter(r.execute_command("MEMORY", "STATS"))] * 2))[b"lua.caches"]
    assert after > before
    r.script_flush()


def test_memory_doctor_empty_instance(r):
    assert r.execute_command("MEMORY", "DOCTOR").decode() == DOCTOR_EMPTY


def test_memory_doctor_with_data(r):
    pipe = r.pipeline(transaction=False)
    for i in range(0, 60000, 1000):
        pipe.mset({f"doc:{j}": "x" * 100 for j in range(i, i + 1000)})
    pipe.execute()
    text = r.execute_command("MEMORY", "DOCTOR").decode()
    if text != DOCTOR_FINE:
        assert text.startswith(DOCTOR_ISSUES)
        assert text.endswith("I'm here to keep you safe, Sam. I want to help you.\n")
        body = text[len(DOCTOR_ISSUES):]
        for para in body.split("\n\n")[:-1]:
            assert para.startswith(DOCTOR_PARAGRAPHS), para


def test_memory_usage(r):
    assert r.execute_command("MEMORY", "USAGE", "nokey") is None
    r.set("k", "v" * 100)
    small = r.execute_command("MEMORY", "USAGE", "k")
    r.set("k", "v" * 1000)
    assert r.execute_command("MEMORY", "USAGE", "k") > small + 800
    r.sadd("s", *[f"member:{i}" for i in range(1000)])
    assert r.execute_command("MEMORY", "USAGE", "s", "SAMPLES", 0) > 1000 * 10
    assert r.execute_command("MEMORY", "USAGE", "s", "SAMPLES", 5) > 1000 * 10
    for bad in (("SAMPLES",), ("SAMPLES", "x"), ("FOO", 1)):
        try:
            r.execute_command("MEMORY", "USAGE", "s", *bad)
            raise AssertionError("accepted " + repr(bad))
        except redis.ResponseError:
            pass


def test_memory_malloc_stats_and_purge(r):
    text = r.execute_command("MEMORY", "MALLOC-STATS")
    if r.info("memory")["mem_allocator"].startswith("jemalloc"):
        assert b"___ Begin jemalloc statistics ___" in text
        assert b"--- End jemalloc statistics ---" in text
    assert r.execute_command("MEMORY", "PURGE") in (b"OK", True)


def test_memory_help(r):
    lines = r.execute_command("MEMORY", "HELP")
    assert lines[0].startswith(b"MEMORY <subcommand>")
    assert any(line.startswith(b"USAGE <key> [SAMPLES <count>]") for line in lines)
