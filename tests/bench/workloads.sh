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
script_sha() { printf '%s' "$1" | sha1sum | cut -d' ' -f1; }

# workload_args TEST: sets WORKLOAD_ARGS to what selects the test on redis-benchmark's
# command line (placed after the options).
workload_args() {
  case "$1" in
    lrange_100) WORKLOAD_ARGS=(LRANGE mylist 0 99) ;;
    lrange_300) WORKLOAD_ARGS=(LRANGE mylist 0 299) ;;
    lrange_500) WORKLOAD_ARGS=(LRANGE mylist 0 499) ;;
    lrange_600) WORKLOAD_ARGS=(LRANGE mylist 0 599) ;;
    evalsha_10) WORKLOAD_ARGS=(EVALSHA "$(script_sha "$EVAL10_BODY")" 1 key:__rand_int__ xxx) ;;
    xadd) WORKLOAD_ARGS=(XADD mystream '*' voucherId 1 userId __rand_int__ orderId __rand_int__) ;;
    evalsha_lock) WORKLOAD_ARGS=(EVALSHA "$(script_sha "$EVALLOCK_BODY")" 1 lock:__rand_int__ 30000 client1:thread1) ;;
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
    evalsha_10) redis-cli -p "$port" script load "$EVAL10_BODY" >/dev/null; return 0 ;;
    evalsha_lock) redis-cli -p "$port" script load "$EVALLOCK_BODY" >/dev/null; return 0 ;;
    *) return 0 ;;
  esac
  /usr/bin/python3 - "$kind" "$n" <<'EOF' | redis-cli -p "$port" --pipe >/dev/null
import sys
kind, n = sys.argv[1], int(sys.argv[2])
key = {"list": b"mylist", "set": b"myset", "zset": b"myzset"}[kind]
out = sys.stdout.buffer

def cmd(args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)

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
