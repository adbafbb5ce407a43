#!/usr/bin/env bash
# Active defragmentation benchmark (`make bench`): how long the server blocks while
# it defragments, and what a steady GET load sees meanwhile.
#
# Each run fragments a fresh server's heap as Redis's unit/memefficiency does
# (700,000 values of 150 bytes and 170,000 of 300, then every other one of the
# first deleted: allocator_frag_ratio about 1.5), sets that test's defrag settings
# (hz 100, active-defrag-cycle-min/max 65/75, threshold-lower 5, ignore-bytes 2mb),
# enables activedefrag and, while the pass runs, sends GETs of the live keys at
# DEFRAG_RPS requests per second (vesper-benchmark --rps, 20 connections). Reported:
# the fragmentation after the pass, the defragmentation time, the longest block
# the server itself measured (LATENCY HISTORY active-defrag-cycle, per-second
# maxima in ms: whole scheduling noise of a shared machine does not inflate it),
# the GETs' p50/p99/p99.9/max, and mem_fragmentation_ratio (RSS / used) at the
# end of the pass and once under 1.1 (polled for up to 30 s: jemalloc's
# background thread returns the emptied pages over its 10 s decay). A second run without activedefrag gives the
# same load's latency on the same heap, the machine's noise floor.
# Redis 7.0.15 from Debian is built against a stock jemalloc and refuses
# activedefrag; it runs the no-defrag baseline only.
#
# Environment: VESPER_SERVER, REDIS_SERVER (/usr/bin/redis-server; "none" skips),
# VESPER_BENCHMARK (build/vesper-benchmark), DEFRAG_RPS (20000), DEFRAG_REQUESTS
# (20000: about one pass), DEFRAG_PORT (7256).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
vesper=${VESPER_SERVER:-$repo/build/vesper-server}
redis=${REDIS_SERVER:-/usr/bin/redis-server}
benchmark=${VESPER_BENCHMARK:-$repo/build/vesper-benchmark}
rps=${DEFRAG_RPS:-20000}
requests=${DEFRAG_REQUESTS:-20000}
port=${DEFRAG_PORT:-7256}

[ -x "$vesper" ] || { echo "defrag: server '$vesper' not found" >&2; exit 2; }
[ -x "$benchmark" ] || { echo "defrag: '$benchmark' not built" >&2; exit 2; }
. "$here/servers.sh"
bench_servers
bench_pins

bench_tmp

cli() { redis-cli -p "$port" "$@"; }
field() { cli info "$1" | tr -d '\r' | sed -n "s/^$2://p"; }

# starts $1 and fragments its heap
start_fragmented() {
  "${pin_server[@]}" "$1" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" --hz 100 \
    --enable-debug-command yes --logfile "$tmp/server.log" &
  pid=$!
  for _ in $(seq 100); do cli ping >/dev/null 2>&1 && break; sleep 0.05; done
  for kv in "active-defrag-threshold-lower 5" "active-defrag-cycle-min 65" "active-defrag-cycle-max 75" \
            "active-defrag-ignore-bytes 2mb" "latency-monitor-threshold 1"; do
    # shellcheck disable=SC2086
    cli config set $kv >/dev/null
  done
  cli debug populate 700000 asdf1 150 >/dev/null
  cli debug populate 170000 asdf2 300 >/dev/null
  awk 'BEGIN { for (i = 0; i < 700000; i += 2) { k = "asdf1:" i; printf "*2\r\n$3\r\nDEL\r\n$%d\r\n%s\r\n", length(k), k } }' |
    cli --pipe >/dev/null
  sleep 1
  cli latency reset >/dev/null
}

stop() {
  cli shutdown nosave >/dev/null 2>&1 || true
  wait "$pid" 2>/dev/null || true
  pid=
}

# p50 p99 p99.9 max of GETs at $rps (vesper-benchmark's extended CSV line)
load() {
  "${pin_client[@]}" "$benchmark" -p "$port" -t get -r 170000 -n "$requests" -c 20 --rps "$rps" --csv-extended 2>/dev/null |
    tail -1 | tr -d '"' | awk -F, '{ printf "p50 %s ms, p99 %s ms, p99.9 %s ms, max %s ms", $5, $7, $9, $8 }'
}

echo "defrag: memefficiency's fragmented heap, GETs at $rps/s during the pass (hz 100, cycle 65-75%)"
for i in "${!names[@]}"; do
  for mode in defrag baseline; do
    start_fragmented "${bins[$i]}"
    frag0=$(field memory allocator_frag_ratio)
    if [ "$mode" = defrag ]; then
      if ! cli config set activedefrag yes >/dev/null 2>&1 || [ "$(cli config get activedefrag | tail -1)" != yes ]; then
        echo "  ${names[$i]}: activedefrag not supported by this build"
        stop
        continue
      fi
    fi
    lat=$(load)
    if [ "$mode" = defrag ]; then
      for _ in $(seq 300); do [ "$(field memory active_defrag_running)" = 0 ] && break; sleep 0.1; done
      blocks=$(cli latency history active-defrag-cycle | awk 'NR % 2 == 0' | sort -n | tail -1)
      printf '  %-6s defrag:   frag %s -> %s in %s ms, longest block %s ms; GETs: %s\n' "${names[$i]}" "$frag0" \
        "$(field memory allocator_frag_ratio)" "$(field stats total_active_defrag_time)" "${blocks:-<1}" "$lat"
      # the freed pages go back to the kernel over jemalloc's decay time
      rss0=$(field memory mem_fragmentation_ratio) waited=0
      while [ "$waited" -lt 30 ] && awk -v r="$(field memory mem_fragmentation_ratio)" 'BEGIN { exit !(r >= 1.1) }'; do
        sleep 1
        waited=$((waited + 1))
      done
      printf '  %-6s          mem_fragmentation_ratio %s at the end of the pass, %s %s s later\n' "${names[$i]}" \
        "$rss0" "$(field memory mem_fragmentation_ratio)" "$waited"
    else
      printf '  %-6s baseline: frag %s, no defrag; GETs: %s\n' "${names[$i]}" "$frag0" "$lat"
    fi
    stop
  done
done
