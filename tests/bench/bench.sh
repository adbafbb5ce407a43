#!/usr/bin/env bash
# Benchmark: Vesper against Redis 7.0.15 in the same run (`make bench`).
#
# Throughput: redis-benchmark (Debian redis-tools) runs SET, GET, INCR, MSET, LPUSH,
# RPOP, LRANGE_100, LRANGE_300, LRANGE_600, SADD, SPOP, HSET, ZADD and ZPOPMIN,
# without and with pipelining (-P 16), against each server in alternating rounds
# so that both see the same machine state. Each server is pinned to core 0, the
# benchmark to core 1. We report the median requests/s of the rounds and the
# Vesper/Redis ratio. Every test runs on its own (-t TEST); RPOP, SPOP and ZPOPMIN
# get their key filled first so that they pop real elements, and the LRANGE tests
# read a 600-element list filled first and run as custom commands, without
# redis-benchmark's LPUSH phase (tests/bench/workloads.sh).
#
# Instructions per request: `perf stat -e instructions -p PID` around each run,
# divided by the number of requests. When the CPU counters are not available
# (common on virtual machines) they are counted with callgrind instead
# (tests/bench/instructions.sh: user-space instructions only, exact, in separate
# runs of BENCH_CALLGRIND_REQUESTS requests); BENCH_CALLGRIND=0 prints "n/a" instead,
# BENCH_CALLGRIND=1 forces callgrind.
#
# Memory: each server starts fresh; we read VmRSS from /proc/PID/status before and
# after loading 1,000,000 keys of 11 bytes ("key:" + 7 digits) with 16-byte values
# through `redis-cli --pipe`, and report bytes per key and the Vesper/Redis ratio.
#
# Environment: VESPER_SERVER (default build/vesper-server), REDIS_SERVER (default
# /usr/bin/redis-server; "none" to skip), BENCH_ROUNDS (3), BENCH_REQUESTS (200000),
# BENCH_CLIENTS (50), BENCH_TESTS (set,get,incr,mset,lpush,rpop,lrange_100,lrange_300, ... evalsha_10,evalsha_lock,pfadd,pfcount,pfcount_union,
# lrange_600,sadd,spop,hset,zadd,zpopmin), BENCH_PIPELINES ("1 16"),
# BENCH_KEYS (1000000), BENCH_PORT (7240; uses 7240-7249), BENCH_MEMORY (1), BENCH_THROUGHPUT (1).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
vesper=${VESPER_SERVER:-$repo/build/vesper-server}
redis=${REDIS_SERVER:-/usr/bin/redis-server}
rounds=${BENCH_ROUNDS:-3}
requests=${BENCH_REQUESTS:-200000}
clients=${BENCH_CLIENTS:-50}
IFS=, read -r -a tests <<<"${BENCH_TESTS:-set,get,incr,mset,lpush,rpop,lrange_100,lrange_300,lrange_600,sadd,spop,hset,zadd,zpopmin,hset_small,hget_small,evalsha_10,evalsha_lock,pfadd,pfcount,pfcount_union}"
read -r -a pipelines <<<"${BENCH_PIPELINES:-1 16}"
nkeys=${BENCH_KEYS:-1000000}
base_port=${BENCH_PORT:-7240}
PY=/usr/bin/python3
. "$here/workloads.sh"

for tool in redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing: apt-get install -y redis-tools" >&2; exit 2; }
done
[ -x "$vesper" ] || { echo "bench: server '$vesper' not found (make, or set VESPER_SERVER)" >&2; exit 2; }

. "$here/servers.sh"
bench_servers
bench_pins

perf_ok=0 ins_method=n/a
if command -v perf >/dev/null && perf stat -e instructions -x, true 2>&1 | grep -q '^[0-9]'; then
  perf_ok=1 ins_method=perf
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vesper-bench.XXXXXX")
declare -A pids=() ports=()
cleanup() {
  local n
  for n in "${!pids[@]}"; do kill "${pids[$n]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# start NAME BIN PORT: starts a fresh server, records its pid and port.
start() {
  local name=$1 bin=$2 port=$3 i
  mkdir -p "$work/$name"
  "${pin_server[@]}" "$bin" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no --logfile '' --dir "$work/$name" --protected-mode no >"$work/$name.log" 2>&1 &
  pids[$name]=$! ports[$name]=$port
  for ((i = 0; i < 100; i++)); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench: $name did not start; log:" >&2; cat "$work/$name.log" >&2; exit 1
}

stop() {
  local name=$1
  kill "${pids[$name]}" 2>/dev/null || true
  wait "${pids[$name]}" 2>/dev/null || true
  unset "pids[$name]"
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

ratio() {  # a b -> a/b with 2 decimals, n/a when unknown
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'
}

# bench_one NAME TEST PIPELINE ROUND: one redis-benchmark run; appends rps and instr/req.
bench_one() {
  local name=$1 test=$2 pipe=$3 round=$4 pid=${pids[$1]} port=${ports[$1]}
  local out=$work/out.$name.$test.$pipe.$round perfout=$work/perf.$name.$test.$pipe.$round perfpid=
  workload_args "$test"
  workload_prefill "$port" "$test" "$requests"
  if [ $perf_ok = 1 ]; then
    perf stat -e instructions -x, -o "$perfout" -p "$pid" &
    perfpid=$!
    sleep 0.2
  fi
  "${pin_client[@]}" redis-benchmark -p "$port" -n "$requests" -c "$clients" -P "$pipe" \
    -r 100000 -q --csv "${WORKLOAD_ARGS[@]}" >"$out" 2>&1
  if [ -n "$perfpid" ]; then
    kill -INT "$perfpid" 2>/dev/null || true
    wait "$perfpid" 2>/dev/null || true
  fi
  local rps
  rps=$(tail -n 1 "$out" | awk -F'","' '{gsub(/"/, "", $2); print $2}')
  [[ $rps =~ ^[0-9.]+$ ]] || { echo "bench: redis-benchmark failed for $name $test -P $pipe:" >&2; cat "$out" >&2; rps=0; }
  echo "$rps" >>"$work/rps.$name.$test.$pipe"
  if [ $perf_ok = 1 ]; then
    local ins
    ins=$(awk -F, '$3 ~ /^instructions/ && $1 ~ /^[0-9]+$/ {print $1}' "$perfout")
    [ -n "$ins" ] && echo $((ins / requests)) >>"$work/ins.$name.$test.$pipe"
  fi
  printf '  round %d  %-7s %-10s -P %-3s %12s req/s\n' "$round" "$name" "$test" "$pipe" "$rps"
}

# --- throughput -------------------------------------------------------------------
if [ "${BENCH_THROUGHPUT:-1}" = 1 ]; then
  echo "== throughput: ${tests[*]} x -P ${pipelines[*]}, $rounds rounds, -n $requests -c $clients" \
       "(servers on core 0, benchmark on core 1; perf instructions: $([ $perf_ok = 1 ] && echo yes || echo n/a))"
  for i in "${!names[@]}"; do start "${names[$i]}" "${bins[$i]}" $((base_port + i)); done
  for ((round = 1; round <= rounds; round++)); do
    order=("${names[@]}")
    if ((round % 2 == 0)) && [ ${#names[@]} -eq 2 ]; then order=("${names[1]}" "${names[0]}"); fi
    for test in "${tests[@]}"; do
      for pipe in "${pipelines[@]}"; do
        for name in "${order[@]}"; do bench_one "$name" "$test" "$pipe" "$round"; done
      done
    done
  done
  for name in "${names[@]}"; do stop "$name"; done

  use_cg=${BENCH_CALLGRIND:-auto}
  if [ "$use_cg" = auto ]; then
    use_cg=0
    [ $perf_ok = 0 ] && command -v valgrind >/dev/null && command -v callgrind_control >/dev/null && use_cg=1
  fi
  if [ "$use_cg" = 1 ]; then
    ins_method=callgrind
    rm -f "$work"/ins.*
    echo "== instructions per request with callgrind"
    for i in "${!names[@]}"; do
      for test in "${tests[@]}"; do
        for pipe in "${pipelines[@]}"; do
          ins=$(INSTR_REQUESTS=${BENCH_CALLGRIND_REQUESTS:-20000} \
                bash "$here/instructions.sh" "${bins[$i]}" $((base_port + 5)) "$test" "$pipe" || echo n/a)
          echo "$ins" >"$work/ins.${names[$i]}.$test.$pipe"
          printf '  %-7s %-10s -P %-3s %s instructions/request\n' "${names[$i]}" "$test" "$pipe" "$ins"
        done
      done
    done
  fi
fi

# --- memory -----------------------------------------------------------------------
gen_keys() {
  "$PY" - "$nkeys" <<'EOF'
import sys
n = int(sys.argv[1])
out = sys.stdout.buffer
batch = []
for i in range(1, n + 1):
    key = b"key:%07d" % i           # 11 bytes
    val = b"value:%010d" % i        # 16 bytes
    batch.append(b"*3\r\n$3\r\nSET\r\n$11\r\n%s\r\n$16\r\n%s\r\n" % (key, val))
    if len(batch) == 10000:
        out.write(b"".join(batch))
        batch = []
out.write(b"".join(batch))
EOF
}

declare -A mem_before=() mem_after=() mem_used=() mem_used0=()
used_memory() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2+0}'; }
if [ "${BENCH_MEMORY:-1}" = 1 ]; then
  echo "== memory: $nkeys keys of 11 bytes with 16-byte values"
  gen_keys >"$work/keys.resp"
  for i in "${!names[@]}"; do
    name=${names[$i]}
    start "$name" "${bins[$i]}" $((base_port + 2 + i))
    sleep 0.5
    mem_before[$name]=$(rss_kb "${pids[$name]}")
    mem_used0[$name]=$(used_memory "${ports[$name]}")
    redis-cli -p "${ports[$name]}" --pipe <"$work/keys.resp" >"$work/pipe.$name" 2>&1 \
      || { echo "bench: loading keys into $name failed:" >&2; cat "$work/pipe.$name" >&2; }
    dbsize=$(redis-cli -p "${ports[$name]}" dbsize)
    [ "$dbsize" = "$nkeys" ] || echo "bench: warning: $name has $dbsize keys, expected $nkeys" >&2
    sleep 0.5
    mem_after[$name]=$(rss_kb "${pids[$name]}")
    mem_used[$name]=$(used_memory "${ports[$name]}")
    printf '  %-7s rss before %8d kB, after %8d kB, used_memory %s\n' "$name" \
      "${mem_before[$name]}" "${mem_after[$name]}" "${mem_used[$name]:-n/a}"
    stop "$name"
  done
fi

# --- report -----------------------------------------------------------------------
echo
echo "=== results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; requests/s: median of $rounds rounds; instructions/request: $ins_method)"
if [ "${BENCH_THROUGHPUT:-1}" = 1 ]; then
  printf '%-10s %4s %12s %12s %7s %14s %14s\n' test P vesper_rps redis_rps ratio vesper_ins/req redis_ins/req
  for test in "${tests[@]}"; do
    for pipe in "${pipelines[@]}"; do
      v=$(median <"$work/rps.vesper.$test.$pipe")
      r=n/a; [ -f "$work/rps.redis.$test.$pipe" ] && r=$(median <"$work/rps.redis.$test.$pipe")
      vi=n/a; [ -s "$work/ins.vesper.$test.$pipe" ] && vi=$(median <"$work/ins.vesper.$test.$pipe")
      ri=n/a; [ -s "$work/ins.redis.$test.$pipe" ] && ri=$(median <"$work/ins.redis.$test.$pipe")
      printf '%-10s %4s %12s %12s %7s %14s %14s\n' "${test^^}" "$pipe" "$v" "$r" "$(ratio "$v" "$r")" "$vi" "$ri"
    done
  done
fi
if [ "${BENCH_MEMORY:-1}" = 1 ]; then
  echo
  printf '%-7s %14s %16s\n' server rss_bytes/key used_memory/key
  declare -A per_key=()
  for name in "${names[@]}"; do
    per_key[$name]=$(awk -v a="${mem_after[$name]}" -v b="${mem_before[$name]}" -v n="$nkeys" \
                       'BEGIN {printf "%.1f", (a - b) * 1024 / n}')
    used=$(awk -v u="${mem_used[$name]:-}" -v u0="${mem_used0[$name]:-}" -v n="$nkeys" \
             'BEGIN {if (u == "" || u0 == "") print "n/a"; else printf "%.1f", (u - u0) / n}')
    printf '%-7s %14s %16s\n' "$name" "${per_key[$name]}" "$used"
  done
  if [ -n "${per_key[redis]:-}" ]; then
    echo "memory ratio vesper/redis (rss per key): $(ratio "${per_key[vesper]}" "${per_key[redis]}")"
  fi
fi
