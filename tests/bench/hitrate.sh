#!/usr/bin/env bash
# Eviction benchmark: cache hit rate at the memory limit and the latency eviction
# adds, Vesper beside Redis 7.0.15 in the same run (`make bench`).
#
# Hit rate: for each policy (allkeys-lru, allkeys-lfu) and server, a fresh server
# with maxmemory HITRATE_MAXMEMORY runs tests/bench/hitrate.c's workload: zipfian
# (s = 0.99) GETs over HITRATE_KEYS distinct keys, a SET of a 100-byte value on
# every miss, pipelined; HITRATE_WARMUP requests fill the cache, the hit rate is
# measured over the next HITRATE_REQUESTS (the same draws for every server). We
# report the hit rate, the keys held at the limit (DBSIZE) and bytes per key.
# The target is Vesper's hit rate >= Redis's + 5 points.
#
# Latency: on the full server (the last policy's), redis-benchmark writes
# HITRATE_LAT_REQUESTS SETs of 100-byte values to random keys of the same key
# space (-r), so nearly every write evicts; we report p50, p99, p99.9 and max
# latency from its percentile distribution (the target: no pause over 5 ms at
# p99.9), and the longest eviction cycle the server itself measured (LATENCY
# LATEST's eviction-cycle and eviction-del, threshold 1 ms: 0 when none reached
# 1 ms), which no scheduling noise of a shared machine inflates.
#
# Environment: VESPER_SERVER, REDIS_SERVER (/usr/bin/redis-server; "none" skips),
# HITRATE (the load generator, default build/hitrate), HITRATE_KEYS (10000000),
# HITRATE_WARMUP (6000000), HITRATE_REQUESTS (6000000), HITRATE_MAXMEMORY (256mb),
# HITRATE_POLICIES ("allkeys-lru allkeys-lfu"), HITRATE_SAMPLES (server default),
# HITRATE_LAT_REQUESTS (1000000; 0 skips), HITRATE_PORT (7254), HITRATE_SIM (the
# simulator, default build/hitrate_sim; missing: no bounds printed).
#
# Bounds: tests/bench/hitrate_sim.c replays the same stream against an exact LRU
# and a perfect-history LFU cache holding each server's measured key count, and
# against an unbounded cache (only first requests miss): what no policy of that
# size, and no cache at all, can beat on this stream.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
vesper=${VESPER_SERVER:-$repo/build/vesper-server}
redis=${REDIS_SERVER:-/usr/bin/redis-server}
hitrate=${HITRATE:-$repo/build/hitrate}
hitrate_sim=${HITRATE_SIM:-$repo/build/hitrate_sim}
keys=${HITRATE_KEYS:-10000000}
warmup=${HITRATE_WARMUP:-6000000}
requests=${HITRATE_REQUESTS:-6000000}
maxmemory=${HITRATE_MAXMEMORY:-256mb}
read -r -a policies <<<"${HITRATE_POLICIES:-allkeys-lru allkeys-lfu}"
samples=${HITRATE_SAMPLES:-}
lat_requests=${HITRATE_LAT_REQUESTS:-1000000}
port=${HITRATE_PORT:-7254}

[ -x "$hitrate" ] || { echo "hitrate: $hitrate not built (make build/hitrate)" >&2; exit 2; }
[ -x "$vesper" ] || { echo "hitrate: server '$vesper' not found" >&2; exit 2; }
. "$here/servers.sh"
bench_servers
bench_pins

bench_tmp

start() { # binary policy
  local extra=()
  [ -n "$samples" ] && extra=(--maxmemory-samples "$samples")
  "${pin_server[@]}" "$1" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
    --maxmemory "$maxmemory" --maxmemory-policy "$2" "${extra[@]}" --latency-monitor-threshold 1 \
    --logfile "$tmp/server.log" &
  pid=$!
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.05; done
  echo "hitrate: server $1 did not start" >&2; exit 2
}

stop() {
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  wait "$pid" 2>/dev/null || true
  pid=
}

info() { redis-cli -p "$port" info "$1" | tr -d '\r' | sed -n "s/^$2://p"; }

# p50 p99 p99.9 max (ms) from redis-benchmark's "x% <= y milliseconds" lines
latency() {
  "${pin_client[@]}" redis-benchmark -p "$port" -t set -r "$keys" -d 100 -n "$lat_requests" -c 50 -P 1 --precision 3 2>/dev/null |
    tr '\r' '\n' | awk '
      /% <= / { p = $1; sub("%", "", p); v = $3
                if (p50 == "" && p + 0 >= 50) p50 = v
                if (p99 == "" && p + 0 >= 99) p99 = v
                if (p999 == "" && p + 0 >= 99.9) p999 = v
                max = v }
      END { printf "%s %s %s %s\n", p50, p99, p999, max }'
}

printf 'hit rate: zipf s=0.99 over %s keys, GET then SET (100 B) on miss, maxmemory %s; %s warm-up + %s measured requests\n' \
  "$keys" "$maxmemory" "$warmup" "$requests"
printf '%-12s %-7s %9s %11s %10s %9s %10s\n' policy server hit_rate keys_held bytes/key ops/s evicted
declare -A rate held_by
for policy in "${policies[@]}"; do
  for i in "${!names[@]}"; do
    start "${bins[$i]}" "$policy"
    line=$("${pin_client[@]}" "$hitrate" -p "$port" -k "$keys" -w "$warmup" -n "$requests")
    hr=$(sed -n 's/.*hit_rate=\([0-9.]*\).*/\1/p' <<<"$line")
    ops=$(sed -n 's/.*ops_per_sec=\([0-9]*\).*/\1/p' <<<"$line")
    held=$(redis-cli -p "$port" dbsize)
    used=$(info memory used_memory)
    evicted=$(info stats evicted_keys)
    rate[$policy.${names[$i]}]=$hr
    held_by[$policy.${names[$i]}]=$held
    printf '%-12s %-7s %8.2f%% %11s %10s %9s %10s\n' "$policy" "${names[$i]}" "$(awk -v r="$hr" 'BEGIN{print r*100}')" \
      "$held" "$((used / (held > 0 ? held : 1)))" "$ops" "$evicted"
    if [ "$lat_requests" != 0 ] && [ "$policy" = "${policies[-1]}" ]; then
      redis-cli -p "$port" latency reset >/dev/null
      read -r p50 p99 p999 max <<<"$(latency)"
      ev=$(redis-cli -p "$port" latency latest | awk '/^eviction-cycle$/ { getline; getline; getline; c = $0 } /^eviction-del$/ { getline; getline; getline; d = $0 }
                                                 END { printf "eviction-cycle max %s ms, eviction-del max %s ms", c + 0, d + 0 }')
      lat[$i]="${names[$i]}: SET under eviction ($policy, full): p50 ${p50} ms, p99 ${p99} ms, p99.9 ${p999} ms, max ${max} ms; server: $ev"
    fi
    stop
  done
  if [ -n "${rate[$policy.redis]:-}" ]; then
    awk -v v="${rate[$policy.vesper]}" -v r="${rate[$policy.redis]}" -v p="$policy" \
      'BEGIN { d = (v - r) * 100; printf "%-12s vesper - redis: %+.2f points (target >= +5: %s)\n", p, d, ((d >= 5) ? "met" : "not met") }'
  fi
done
if [ -x "$hitrate_sim" ]; then
  echo "bounds on the same stream (hitrate_sim: exact LRU and perfect-history LFU caches of each measured size)"
  caps=$(printf '%s\n' "${held_by[@]}" | sort -un | tr '\n' ' ')
  # shellcheck disable=SC2086
  "$hitrate_sim" -k "$keys" -w "$warmup" -n "$requests" $caps | while read -r _ p c r; do
    p=${p#policy=}; c=${c#capacity=}; r=${r#hit_rate=}
    who=
    for k in "${!held_by[@]}"; do [ "${held_by[$k]}" = "$c" ] && who="$who ${k/./ }"; done
    if [ "$p" = unbounded ]; then
      printf '  no eviction at all (only first requests miss): %.2f%%, the most any cache scores on this stream\n' \
        "$(awk -v r="$r" 'BEGIN{print r*100}')"
    else
      printf '  %-3s holding %9s keys (as%s): %.2f%%\n' "$p" "$c" "$who" "$(awk -v r="$r" 'BEGIN{print r*100}')"
    fi
  done
fi
if [ "$lat_requests" != 0 ]; then
  echo "latency: redis-benchmark -t set -r $keys -d 100 -c 50, $lat_requests requests (target: p99.9 <= 5 ms)"
  for i in "${!names[@]}"; do echo "  ${lat[$i]}"; done
fi
