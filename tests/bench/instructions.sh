#!/usr/bin/env bash
# Instructions the server executes per request, counted by callgrind (perf's
# hardware counters are not available on these virtual machines; callgrind's
# counts repeat exactly for the same binary and input).
# Usage: instructions.sh SERVER_BINARY PORT TEST [PIPELINE]   -> prints instructions/request
# TEST is a redis-benchmark test name (set, rpop, lrange_100 ...); the pop and LRANGE
# tests get their key filled before the warm-up and again before the measured run,
# outside the counted window (tests/bench/workloads.sh says how and why).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/workloads.sh"
bin=$1; port=$2; test=$3; pipe=${4:-1}
n=${INSTR_REQUESTS:-20000}
workload_args "$test"
dir=$(mktemp -d)
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; sleep 0.5; kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$dir/cg.%p" "$bin" --port "$port" --save '' --appendonly no \
  --bind 127.0.0.1 --protected-mode no >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
# warm up (allocations, table growth), refill what the test consumes, then zero the
# counters
workload_prefill "$port" "$test" "$n"
redis-benchmark -p "$port" -n "$n" -c 50 -P "$pipe" -r 100000 -q "${WORKLOAD_ARGS[@]}" >/dev/null 2>&1
workload_prefill "$port" "$test" "$n"
callgrind_control -z "$pid" >/dev/null 2>&1
redis-benchmark -p "$port" -n "$n" -c 50 -P "$pipe" -r 100000 -q "${WORKLOAD_ARGS[@]}" >/dev/null 2>&1
callgrind_control -d "$pid" >/dev/null 2>&1
sleep 0.5
total=$(cat "$dir"/cg.* 2>/dev/null | awk '/^summary:/ {s=$2} END {print s+0}')
# the dump after zeroing holds only the measured window
last=$(ls -t "$dir"/cg.* | head -1)
total=$(awk '/^summary:/ {print $2}' "$last")
echo $(( total / n ))
