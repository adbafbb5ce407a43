#!/usr/bin/env bash
# Instructions the server executes per request, counted by callgrind (perf's
# hardware counters are not available on these virtual machines; callgrind's
# counts repeat exactly for the same binary and input).
# Usage: instructions.sh SERVER_BINARY PORT TEST [PIPELINE]   -> prints instructions/request
set -euo pipefail
bin=$1; port=$2; test=$3; pipe=${4:-1}
n=${INSTR_REQUESTS:-20000}
dir=$(mktemp -d)
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; sleep 0.5; kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$dir/cg.%p" "$bin" --port "$port" --save '' --appendonly no \
  --bind 127.0.0.1 --protected-mode no >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
# warm up (allocations, table growth), then zero the counters
redis-benchmark -p "$port" -t "$test" -n "$n" -c 50 -P "$pipe" -r 100000 -q >/dev/null 2>&1
callgrind_control -z "$pid" >/dev/null 2>&1
redis-benchmark -p "$port" -t "$test" -n "$n" -c 50 -P "$pipe" -r 100000 -q >/dev/null 2>&1
callgrind_control -d "$pid" >/dev/null 2>&1
sleep 0.5
total=$(cat "$dir"/cg.* 2>/dev/null | awk '/^summary:/ {s=$2} END {print s+0}')
# the dump after zeroing holds only the measured window
last=$(ls -t "$dir"/cg.* | head -1)
total=$(awk '/^summary:/ {print $2}' "$last")
echo $(( total / n ))
