#!/usr/bin/env bash
# Pub/sub fan-out benchmark: one publisher, 1,000 subscribers on one channel,
# 64-byte messages, Vesper beside Redis 7.0.15 in the same run (`make bench`).
#
# Throughput: tests/bench/fanout.c (one epoll loop over every connection, pinned to
# core 1; the server to core 0) publishes with at most FANOUT_WINDOW messages in
# flight ahead of the average subscriber and reports delivered messages per second;
# servers alternate over FANOUT_ROUNDS rounds, the median is reported.
# Instructions per delivered message: the server runs under callgrind; after a
# warm-up the counters are zeroed (callgrind_control -z), FANOUT_CG_MESSAGES
# messages are delivered to every subscriber, the counters are dumped, and the
# dump's total is divided by messages x subscribers. The count includes everything
# the server does for it: reading and running the PUBLISH commands, encoding and
# queueing each message, and the writes to the subscribers.
#
# Environment: VESPER_SERVER, REDIS_SERVER (/usr/bin/redis-server; "none" skips),
# FANOUT (the load generator, default build/fanout), FANOUT_SUBSCRIBERS (1000),
# FANOUT_SIZE (64), FANOUT_MESSAGES (20000), FANOUT_WINDOW (64), FANOUT_ROUNDS (3),
# FANOUT_CALLGRIND (auto: when valgrind is installed; 0 skips), FANOUT_CG_MESSAGES
# (2000), FANOUT_PORT (7250; uses 7250-7252).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
vesper=${VESPER_SERVER:-$repo/build/vesper-server}
redis=${REDIS_SERVER:-/usr/bin/redis-server}
fanout=${FANOUT:-$repo/build/fanout}
subs=${FANOUT_SUBSCRIBERS:-1000}
size=${FANOUT_SIZE:-64}
messages=${FANOUT_MESSAGES:-20000}
window=${FANOUT_WINDOW:-64}
rounds=${FANOUT_ROUNDS:-3}
cg_messages=${FANOUT_CG_MESSAGES:-2000}
base_port=${FANOUT_PORT:-7250}

[ -x "$fanout" ] || { echo "fanout: $fanout not built (make build/fanout)" >&2; exit 2; }
[ -x "$vesper" ] || { echo "fanout: server '$vesper' not found" >&2; exit 2; }
names=(vesper) bins=("$vesper")
if [ "$redis" != none ] && [ -x "$redis" ]; then names+=(redis); bins+=("$redis"); fi
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  pin_server=(taskset -c 0) pin_client=(taskset -c 1)
else
  pin_server=() pin_client=()
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vesper-fanout.XXXXXX")
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_ready() {  # PORT
  local i
  for ((i = 0; i < 300; i++)); do
    redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "fanout: server on $1 did not start" >&2
  return 1
}

server_args() {  # PORT DIR: sets the array args
  args=(--port "$1" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --logfile '' --dir "$2"
        --protected-mode no --maxclients $((subs + 100)))
}

stop_server() {
  redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true
  wait "$pid" 2>/dev/null || true
  pid=
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }

echo "== pub/sub fan-out: $subs subscribers, $size-byte messages, $messages messages, window $window, $rounds rounds"
for ((round = 1; round <= rounds; round++)); do
  order=("${!names[@]}")
  if ((round % 2 == 0)) && [ ${#names[@]} -eq 2 ]; then order=(1 0); fi
  for i in "${order[@]}"; do
    name=${names[$i]} port=$((base_port + i))
    mkdir -p "$work/$name"
    server_args "$port" "$work/$name"
    "${pin_server[@]}" "${bins[$i]}" "${args[@]}" >"$work/$name.log" 2>&1 &
    pid=$!
    wait_ready "$port"
    line=$("${pin_client[@]}" "$fanout" -p "$port" -s "$subs" -d "$size" -n "$messages" -w "$window" -W 2000) ||
      { echo "fanout: run against $name failed" >&2; line=""; }
    rate=$(sed -n 's/.*msgs_per_sec=\([0-9]*\).*/\1/p' <<<"$line")
    echo "${rate:-0}" >>"$work/rate.$name"
    printf '  round %d  %-7s %12s delivered msgs/s\n' "$round" "$name" "${rate:-failed}"
    stop_server "$port"
  done
done

use_cg=${FANOUT_CALLGRIND:-auto}
if [ "$use_cg" = auto ]; then
  use_cg=0
  command -v valgrind >/dev/null && command -v callgrind_control >/dev/null && use_cg=1
fi
if [ "$use_cg" = 1 ]; then
  echo "== instructions per delivered message (callgrind, $cg_messages messages x $subs subscribers)"
  for i in "${!names[@]}"; do
    name=${names[$i]} port=$((base_port + 2))
    cgdir=$work/cg.$name
    mkdir -p "$cgdir" "$work/cgdata.$name"
    server_args "$port" "$work/cgdata.$name"
    valgrind --tool=callgrind --callgrind-out-file="$cgdir/cg.%p" "${bins[$i]}" "${args[@]}" \
      >"$work/cg.$name.log" 2>&1 &
    pid=$!
    wait_ready "$port"
    "$fanout" -p "$port" -s "$subs" -d "$size" -n "$cg_messages" -w "$window" -W 200 \
      -x "callgrind_control -z $pid >/dev/null 2>&1" -y "callgrind_control -d $pid >/dev/null 2>&1" >/dev/null ||
      echo "fanout: callgrind run against $name failed" >&2
    sleep 0.5
    last=$(ls -t "$cgdir"/cg.* 2>/dev/null | head -1)
    total=$(awk '/^summary:/ {print $2}' "$last" 2>/dev/null || true)
    if [ -n "$total" ]; then
      echo $((total / (cg_messages * subs))) >"$work/ins.$name"
    else
      echo n/a >"$work/ins.$name"
    fi
    printf '  %-7s %s instructions per delivered message\n' "$name" "$(cat "$work/ins.$name")"
    stop_server "$port"
  done
fi

echo
echo "=== fan-out results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; msgs/s: median of $rounds rounds)"
printf '%-8s %16s %14s\n' server delivered_msgs/s ins/message
for name in "${names[@]}"; do
  ins=n/a; [ -s "$work/ins.$name" ] && ins=$(cat "$work/ins.$name")
  printf '%-8s %16s %14s\n' "$name" "$(median <"$work/rate.$name")" "$ins"
done
if [ ${#names[@]} -eq 2 ]; then
  echo "throughput ratio vesper/redis: $(ratio "$(median <"$work/rate.vesper")" "$(median <"$work/rate.redis")")"
fi
