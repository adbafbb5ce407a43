# workloads.sh - sourced by bench.sh and instructions.sh: how each redis-benchmark
# test is run so that it measures what its name says, on Vesper and Redis alike.
#
# Most tests run as `redis-benchmark -t TEST`: SET, GET, INCR, MSET, LPUSH, SADD,
# HSET, ZADD create what they touch. The others need data their own run does not
# create, and both scripts run every test on its own (and instructions.sh runs it
# twice: a warm-up, then the measured run):
# - RPOP, SPOP and ZPOPMIN pop from mylist / myset / myzset, which only the LPUSH,
#   SADD and ZADD tests fill; alone they would time replies to an empty key. Before
#   each run (the warm-up included) the key is replaced by one holding enough
#   elements for every request of the run to pop one (the requests plus
#   WORKLOAD_SLACK, as redis-benchmark may send a pipeline's worth more):
#   "xxx" elements (redis-benchmark's default 3-byte payload), set members
#   element:000000000000, element:000000000001 ... (the form __rand_int__ takes),
#   the same members with score 0 in the sorted set.
# - LRANGE_100/300/500/600: redis-benchmark first runs "LPUSH (needed to benchmark
#   LRANGE)" with as many requests as the test, which perf or callgrind would count
#   with the LRANGE requests. Instead mylist is replaced by 600 "xxx" elements and
#   the test's command (LRANGE mylist 0 99 ...) runs as a custom command: the same
#   request bytes, and the reply is the same 100/300/500/600 elements.
# Filling goes through redis-cli --pipe (RPUSH/SADD/ZADD batches of 1000).

WORKLOAD_SLACK=${WORKLOAD_SLACK:-1000}

# - HSET_SMALL and HGET_SMALL write and read a field of small hashes (the
#   listpack encoding), which the HSET test never reaches (its one hash passes
#   512 fields in the warm-up): the prefill stores 100,000 hashes
#   hash:<12-digit n> (the form __rand_int__ takes) of 10 fields field:0..9 ->
#   value:<6 digits>; the requests are HSET hash:__rand_int__ field:5
#   value:__rand_int__ and HGET hash:__rand_int__ field:5.

# - XADD appends an entry of three small fields (voucherId 1 userId <r> orderId <r>)
#   to mystream with an ID the server generates; the stream grows over both runs.
# - EVALSHA_10 and EVALSHA_LOCK run a cached script: ten commands (five SET/GET
#   pairs on one key), and Redisson's reentrant lock acquisition (EXISTS, HINCRBY,
#   PEXPIRE; then HEXISTS, HINCRBY, PEXPIRE as the owner re-enters). The prefill
#   loads the script (SCRIPT LOAD), the request is EVALSHA <sha1 of the body>.
EVAL10_BODY="for i = 1, 5 do redis.call('set', KEYS[1], ARGV[1]) redis.call('get', KEYS[1]) end return 1"
EVALLOCK_BODY="if (redis.call('exists', KEYS[1]) == 0) then redis.call('hincrby', KEYS[1], ARGV[2], 1); \
redis.call('pexpire', KEYS[1], ARGV[1]); return nil; end; if (redis.call('hexists', KEYS[1], ARGV[2]) == 1) then \
redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); return nil; end; \
return redis.call('pttl', KEYS[1]);"
# - GEOSEARCH: 1,000,000 points (members p:000000000000 ...), uniform over a
#   1,000 km square of central Europe (lon 5..17, lat 40..49: about one point per
#   square km, the same pseudo-random positions for every server), are loaded into
#   mygeo once (the prefill skips the load when mygeo already holds them); each
#   request finds the 10 nearest points within 5 km of a random member
#   (GEOSEARCH mygeo FROMMEMBER p:__rand_int__ BYRADIUS 5 km COUNT 10 ASC): about
#   80 points in the circle out of ~1,200 in the scanned cells.
GEO_POINTS=${GEO_POINTS:-1000000}
script_sha() { printf '%s' "$1" | sha1sum | cut -d' ' -f1; }

# - PFADD, PFCOUNT and PFCOUNT_UNION (not redis-benchmark tests) run as custom
#   commands: PFADD hll element:__rand_int__ (the sketch turns dense early, so this
#   is the dense add), PFCOUNT hll (the cached count: one key whose cache PFADD
#   does not touch) and PFCOUNT hll hll2 (the union of two dense sketches: merge and
#   estimate each time). The prefill adds 100,000 elements to hll and hll2 and
#   counts hll once, outside the counted window.
# workload_args TEST: sets WORKLOAD_ARGS to what selects the test on redis-benchmark's
# command line (placed after the options).
workload_args() {
  case "$1" in
    lrange_100) WORKLOAD_ARGS=(LRANGE mylist 0 99) ;;
    lrange_300) WORKLOAD_ARGS=(LRANGE mylist 0 299) ;;
    lrange_500) WORKLOAD_ARGS=(LRANGE mylist 0 499) ;;
    lrange_600) WORKLOAD_ARGS=(LRANGE mylist 0 599) ;;
    hset_small) WORKLOAD_ARGS=(HSET hash:__rand_int__ field:5 value:__rand_int__) ;;
    hget_small) WORKLOAD_ARGS=(HGET hash:__rand_int__ field:5) ;;
    evalsha_10) WORKLOAD_ARGS=(EVALSHA "$(script_sha "$EVAL10_BODY")" 1 key:__rand_int__ xxx) ;;
    pfadd) WORKLOAD_ARGS=(PFADD hll element:__rand_int__) ;;
    pfcount) WORKLOAD_ARGS=(PFCOUNT hll) ;;
    pfcount_union) WORKLOAD_ARGS=(PFCOUNT hll hll2) ;;
    xadd) WORKLOAD_ARGS=(XADD mystream '*' voucherId 1 userId __rand_int__ orderId __rand_int__) ;;
    evalsha_lock) WORKLOAD_ARGS=(EVALSHA "$(script_sha "$EVALLOCK_BODY")" 1 lock:__rand_int__ 30000 client1:thread1) ;;
    geosearch) WORKLOAD_ARGS=(GEOSEARCH mygeo FROMMEMBER p:__rand_int__ BYRADIUS 5 km COUNT 10 ASC) ;;
    *) WORKLOAD_ARGS=(-t "$1") ;;
  esac
}

# workload_prefill PORT TEST REQUESTS: fills the key TEST reads (nothing for tests
# that need nothing).
workload_prefill() {
  local port=$1 test=$2 n=$3 kind
  case "$test" in
    rpop) kind=list n=$((n + WORKLOAD_SLACK)) ;;
    spop) kind=set n=$((n + WORKLOAD_SLACK)) ;;
    zpopmin) kind=zset n=$((n + WORKLOAD_SLACK)) ;;
    lrange_*) kind=list n=600 ;;
    hset_small|hget_small) kind=hash n=100000 ;;
    evalsha_10) redis-cli -p "$port" script load "$EVAL10_BODY" >/dev/null; return 0 ;;
    evalsha_lock) redis-cli -p "$port" script load "$EVALLOCK_BODY" >/dev/null; return 0 ;;
    pfcount | pfcount_union) kind=hll n=100000 ;;
    geosearch) workload_geo_prefill "$port"; return 0 ;;
    *) return 0 ;;
  esac
  /usr/bin/python3 - "$kind" "$n" <<'EOF' | redis-cli -p "$port" --pipe >/dev/null
import sys
kind, n = sys.argv[1], int(sys.argv[2])
out = sys.stdout.buffer

def cmd(args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)

if kind == "hll":
    for k, salt in ((b"hll", b"a"), (b"hll2", b"b")):
        out.write(cmd([b"DEL", k]))
        for s in range(0, n, 1000):
            out.write(cmd([b"PFADD", k] + [b"%s:%d" % (salt, i) for i in range(s, min(n, s + 1000))]))
    out.write(cmd([b"PFCOUNT", b"hll"]))
    sys.exit(0)
if kind == "hash":
    for k in range(n):
        args = [b"HSET", b"hash:%012d" % k]
        for f in range(10):
            args += [b"field:%d" % f, b"value:%06d" % ((k * 10 + f) % 1000000)]
        out.write(cmd(args))
    sys.exit(0)
key = {"list": b"mylist", "set": b"myset", "zset": b"myzset"}[kind]

out.write(cmd([b"DEL", key]))
for s in range(0, n, 1000):
    ids = range(s, min(n, s + 1000))
    if kind == "list":
        args = [b"RPUSH", key] + [b"xxx"] * len(ids)
    elif kind == "set":
        args = [b"SADD", key] + [b"element:%012d" % i for i in ids]
    else:
        args = [b"ZADD", key]
        for i in ids:
            args += [b"0", b"element:%012d" % i]
    out.write(cmd(args))
EOF
}

# workload_geo_prefill PORT: loads mygeo for the geosearch test (once).
workload_geo_prefill() {
  local port=$1
  [ "$(redis-cli -p "$port" zcard mygeo)" = "$GEO_POINTS" ] && return 0
  /usr/bin/python3 - "$GEO_POINTS" <<'EOF' | redis-cli -p "$port" --pipe >/dev/null
import random, sys
n = int(sys.argv[1])
rng = random.Random(20260101)
out = sys.stdout.buffer

def cmd(args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)

out.write(cmd([b"DEL", b"mygeo"]))
for s in range(0, n, 1000):
    args = [b"GEOADD", b"mygeo"]
    for i in range(s, min(n, s + 1000)):
        args += [repr(rng.uniform(5, 17)).encode(), repr(rng.uniform(40, 49)).encode(), b"p:%012d" % i]
    out.write(cmd(args))
EOF
}
