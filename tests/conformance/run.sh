#!/usr/bin/env bash
# Conformance runner: runs units of the Redis 7.0.15 Tcl test suite against Vesper.
#
# The suite is never copied into the repository: it comes from the Debian source
# package of redis 7.0.15 (see find_redis_tree) and is copied into a scratch
# directory per run, so parallel readers of the source tree are not disturbed.
#
# External mode (default): for each unit we start a fresh server on a free port,
# run `./runtest --host 127.0.0.1 --port N --single UNIT --clients 1 --durable`,
# stop the server, and parse the [ok]/[err]/[exception] lines. A unit that times
# out, raises an exception, or leaves the server dead counts as a failure of that
# unit. Failures listed in expected-failures.txt (unit<TAB>test name<TAB># reason)
# are tolerated; anything else makes the script exit 1. An entry whose reason starts
# with "# [skip]" is a test that would hang (it waits for something Vesper never
# sends) and take the rest of its unit down with a timeout: it is not run
# (runtest --skiptest) and is counted as an expected failure.
#
# Spawn mode: the suite starts servers itself from src/redis-server (a symlink to
# VESPER_SERVER; src/redis-check-aof and src/redis-check-rdb are links to it too, so
# the suite runs Vesper's file checkers) with tests/assets/default.conf, waits for " PID: <pid>" and
# "Ready to accept connections" in the log, and may restart or kill them. Units
# that are entirely tagged external:skip (unit/auth, integration/logging) run this
# way: write the unit as spawn:unit/auth, or set CONFORMANCE_MODE=spawn for all units.
#
# Usage: tests/conformance/run.sh [unit/name | spawn:unit/name ...]
# Environment:
#   VESPER_SERVER            server binary (default: <repo>/build/vesper-server)
#   CONFORMANCE_MODE         external (default) | spawn: the mode for units without prefix
#   CONFORMANCE_TIMEOUT      seconds per unit (default 120; Redis needs at most ~10)
#   CONFORMANCE_PORT         first port to try for the server (default 7260, range of 10)
#   CONFORMANCE_TAGS         --tags filter (default "-needs:repl")
#   CONFORMANCE_SERVER_ARGS  extra arguments for the server (word-split)
#   CONFORMANCE_RUNTEST_ARGS extra arguments for runtest (word-split)
#   CONFORMANCE_CLI          a client binary linked as the suite's src/redis-cli (default: redis-cli)
#   CONFORMANCE_EXPECTED     expected-failures file (default: next to this script)
#   CONFORMANCE_LOGS         directory for logs (default: <repo>/build/conformance)
#   CONFORMANCE_VERBOSE=1    print every test result line
#   REDIS_SRC                path to an unpacked redis-7.0.15 tree (skips discovery)
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

server=${VESPER_SERVER:-$repo/build/vesper-server}
mode=${CONFORMANCE_MODE:-external}
unit_timeout=${CONFORMANCE_TIMEOUT:-120}
first_port=${CONFORMANCE_PORT:-7260}
tags=${CONFORMANCE_TAGS:--needs:repl}
expected_file=${CONFORMANCE_EXPECTED:-$here/expected-failures.txt}
logs=${CONFORMANCE_LOGS:-$repo/build/conformance}
read -r -a server_extra <<<"${CONFORMANCE_SERVER_ARGS:-}"
read -r -a runtest_extra <<<"${CONFORMANCE_RUNTEST_ARGS:-}"

default_units=(
  unit/type/string unit/type/incr unit/expire unit/keyspace unit/bitops unit/tracking
  unit/bitfield unit/protocol unit/quit spawn:unit/auth unit/info-command unit/scan
  unit/multi unit/pubsub spawn:unit/pubsubshard spawn:unit/obuf-limits unit/querybuf unit/type/hash unit/type/set unit/type/zset unit/type/list
  unit/type/list-2 unit/type/list-3 unit/sort spawn:integration/logging
  unit/dump spawn:integration/aof spawn:integration/aof-multi-part spawn:integration/rdb
  spawn:integration/corrupt-dump spawn:integration/convert-zipmap-hash-on-load
  spawn:integration/convert-ziplist-hash-on-load spawn:integration/convert-ziplist-zset-on-load
  spawn:unit/aofrw spawn:integration/corrupt-dump-fuzzer spawn:unit/introspection unit/pause
  unit/functions unit/scripting spawn:unit/maxmemory spawn:unit/client-eviction
  unit/hyperloglog
  unit/lazyfree spawn:unit/memefficiency spawn:unit/oom-score-adj
  unit/geo
  unit/type/stream unit/type/stream-cgroups
  unit/slowlog spawn:unit/info spawn:unit/latency-monitor spawn:unit/other unit/introspection-2
  unit/replybufsize
)
if [ $# -gt 0 ]; then units=("$@"); else units=("${default_units[@]}"); fi

die() { echo "conformance: $*" >&2; exit 2; }

# --- locating the suite -------------------------------------------------------

# Prints the path of an unpacked redis-7.0.15 tree. Prefers REDIS_SRC, then the
# shared helper, then downloads the Debian source package itself.
find_redis_tree() {
  if [ -n "${REDIS_SRC:-}" ]; then echo "$REDIS_SRC"; return; fi
  if [ -x /work/shared/tools/redis-source ]; then
    /work/shared/tools/redis-source && return
  fi
  local cache=${REDIS_SRC_CACHE:-/tmp/redis-src-cache}
  local tree=$cache/redis-7.0.15
  if [ ! -x "$tree/runtest" ]; then
    mkdir -p "$cache/lists/partial"
    local list=$cache/deb-src.sources
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$list"
    else
      echo "Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" >"$list"
    fi
    local o=(-o "Dir::Etc::SourceList=$list" -o Dir::Etc::SourceParts=/dev/null
             -o "Dir::State::Lists=$cache/lists")
    apt-get "${o[@]}" update >/dev/null 2>&1 || die "apt-get update (deb-src) failed"
    (cd "$cache" && apt-get "${o[@]}" source --download-only redis >/dev/null 2>&1) \
      || die "apt-get source redis failed"
    tar -xzf "$cache"/redis_7.0.15.orig.tar.gz -C "$cache" || die "cannot unpack redis source"
  fi
  echo "$tree"
}

command -v tclsh8.6 >/dev/null || command -v tclsh >/dev/null \
  || die "tclsh missing: apt-get install -y tcl8.6"
[ -x "$server" ] || die "server binary '$server' not found (build it with make, or set VESPER_SERVER)"
server=$(cd "$(dirname "$server")" && pwd)/$(basename "$server")
tree=$(find_redis_tree) || die "cannot find the Redis 7.0.15 source tree"
[ -x "$tree/runtest" ] || die "no runtest in '$tree'"

# --- scratch copy of the suite ------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/vesper-conformance.XXXXXX")
server_pid=
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

suite=$work/suite
mkdir -p "$suite/src" "$work/data" "$logs"
cp -r "$tree/tests" "$tree/runtest" "$suite/"
rm -rf "$suite/tests/tmp"/* 2>/dev/null
ln -s "$server" "$suite/src/redis-server"
# The file checkers are modes of the server binary chosen by the program name (as in
# Redis), so the suite's src/redis-check-aof and src/redis-check-rdb run the checkers
# of the server under test (Vesper's vesper-check-aof / vesper-check-rdb).
for tool in redis-check-aof redis-check-rdb; do
  ln -s "$server" "$suite/src/$tool"
done
# CONFORMANCE_CLI puts a client in redis-cli's place (integration/redis-cli with vesper-cli).
if [ -n "${CONFORMANCE_CLI:-}" ]; then ln -s "$CONFORMANCE_CLI" "$suite/src/redis-cli"; fi
for tool in redis-cli redis-benchmark; do
  [ -e "$suite/src/$tool" ] && continue
  if command -v "$tool" >/dev/null; then ln -s "$(command -v "$tool")" "$suite/src/$tool"; fi
done

# --- server control ------------------------------------------------------------

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  local p
  for ((p = first_port; p < first_port + 10; p++)); do
    port_busy "$p" || { echo "$p"; return 0; }
  done
  return 1
}

# Succeeds when the server on $1 answers PING with +PONG within a second.
ping_ok() {
  local line
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  IFS= read -r -t 1 line <&3
  exec 3<&- 3>&-
  [ "${line%$'\r'}" = "+PONG" ]
}

# start_server LOGFILE: starts the server on $port, sets server_pid.
start_server() {
  local log=$1 i
  "$server" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no --logfile '' --dir "$work/data" --enable-debug-command yes \
    "${server_extra[@]}" >"$log" 2>&1 &
  server_pid=$!
  for ((i = 0; i < 100; i++)); do
    ping_ok "$port" && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

stop_server() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null
  fi
  wait "$server_pid" 2>/dev/null
  server_pid=
}

# --- expected failures -----------------------------------------------------------

declare -A expected=()
declare -A skipped=()   # unit -> test names to skip, one a line
if [ -f "$expected_file" ]; then
  while IFS=$'\t' read -r e_unit e_name e_reason; do
    case "$e_unit" in ''|'#'*) continue ;; esac
    expected["$e_unit"$'\t'"$e_name"]=1
    case "$e_reason" in '# [skip]'*) skipped["$e_unit"]+="$e_name"$'\n' ;; esac
  done <"$expected_file"
fi

is_expected() {  # unit name
  [ -n "${expected["$1"$'\t'"$2"]:-}" ] || [ -n "${expected["$1"$'\t*']:-}" ]
}

# --- running units -----------------------------------------------------------------

total_pass=0 total_fail=0 total_expected=0
unexpected=()
seen_expected=()

# record_failure UNIT NAME
record_failure() {
  total_fail=$((total_fail + 1))
  if is_expected "$1" "$2"; then
    total_expected=$((total_expected + 1))
    seen_expected+=("$1"$'\t'"$2")
  else
    unexpected+=("$1: $2")
  fi
}

# Prints one line per result of a runtest log: "ok<TAB>name" / "err<TAB>name".
parse_log() {
  sed -e 's/\x1b\[[0-9;]*m//g' "$1" | awk '
    /^\[ok\]: / {
      s = substr($0, 7); sub(/ \([0-9]+ ms\)$/, "", s); print "ok\t" s; next }
    /^\[err\]: / {
      s = substr($0, 8); sub(/ in tests\/[^ ]*\.tcl$/, "", s); print "err\t" s; next }
    /^\[exception\]: / { print "err\t(exception) " substr($0, 14); next }
    /^\[TIMEOUT\]/ { print "err\t(suite timeout)"; next }
    /^\[[0-9]+\/[0-9]+ done\]: / { print "done\t"; next }'
}

run_unit() {  # MODE UNIT
  local mode=$1 unit=$2 slug=${2//\//_}
  local log=$logs/$slug.log slog=$logs/$slug.server.log
  local rc pass=0 fail=0 done=0 kind name
  local args=(--single "$unit" --clients 1 --durable --baseport 7282 --portcount 16)
  [ -n "$tags" ] && args+=(--tags "$tags")
  local skip_names=() sname
  while IFS= read -r sname; do
    [ -n "$sname" ] && skip_names+=("$sname") && args+=(--skiptest "$sname")
  done <<<"${skipped[$unit]:-}"
  args+=("${runtest_extra[@]}")

  if [ "$mode" = external ]; then
    port=$(pick_port) || { record_failure "$unit" "(no free port)"; return; }
    if ! start_server "$slog"; then
      echo "  server did not start; log tail:"; tail -n 20 "$slog" | sed 's/^/    /'
      record_failure "$unit" "(server did not start)"
      stop_server
      return
    fi
    args+=(--host 127.0.0.1 --port "$port")
  fi

  (cd "$suite" && TERM=dumb timeout -k 10 "$unit_timeout" ./runtest "${args[@]}") >"$log" 2>&1
  rc=$?

  while IFS=$'\t' read -r kind name; do
    case $kind in
      ok) pass=$((pass + 1)); [ "${CONFORMANCE_VERBOSE:-0}" = 1 ] && echo "  [ok] $name" ;;
      err) fail=$((fail + 1)); echo "  [err] $name"; record_failure "$unit" "$name" ;;
      done) done=1 ;;
    esac
  done < <(parse_log "$log")

  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    fail=$((fail + 1)); echo "  [err] (unit timeout after ${unit_timeout}s)"
    record_failure "$unit" "(unit timeout)"
  elif [ $done -eq 0 ] && [ $rc -ne 0 ] && [ $fail -eq 0 ]; then
    fail=$((fail + 1)); echo "  [err] (unit aborted, runtest exit $rc)"
    record_failure "$unit" "(unit aborted)"
  fi
  if [ "$mode" = external ]; then
    if ! kill -0 "$server_pid" 2>/dev/null || ! ping_ok "$port"; then
      fail=$((fail + 1)); echo "  [err] (server crashed or unresponsive); log tail:"
      tail -n 20 "$slog" | sed 's/^/    /'
      record_failure "$unit" "(server crashed)"
    fi
    stop_server
  fi
  for sname in "${skip_names[@]}"; do
    fail=$((fail + 1)); echo "  [err] $sname (skipped: would hang)"; record_failure "$unit" "$sname"
  done
  total_pass=$((total_pass + pass))
  echo "$unit: $pass passed, $fail failed (log: $log)"
}

case $mode in
  external|spawn) ;;
  *) die "unknown CONFORMANCE_MODE '$mode' (external or spawn)" ;;
esac
echo "conformance: server $server, suite $tree, tags '$tags'"
ran_units=()
for spec in "${units[@]}"; do
  unit_mode=$mode unit=$spec
  case $spec in
    spawn:*) unit_mode=spawn unit=${spec#spawn:} ;;
    external:*) unit_mode=external unit=${spec#external:} ;;
  esac
  ran_units+=("$unit")
  [ -f "$suite/tests/$unit.tcl" ] || { echo "$unit: no such unit"; record_failure "$unit" "(no such unit)"; continue; }
  echo "== $unit ($unit_mode)"
  run_unit "$unit_mode" "$unit"
done

if [ ${#unexpected[@]} -gt 0 ]; then
  echo "unexpected failures:"
  printf '  %s\n' "${unexpected[@]}"
fi
# Entries in the list for the units we ran that did not fail: candidates to remove.
stale=()
for key in "${!expected[@]}"; do
  e_unit=${key%%$'\t'*}; e_name=${key#*$'\t'}
  [ "$e_name" = '*' ] && continue
  printf '%s\n' "${ran_units[@]}" | grep -qxF "$e_unit" || continue
  printf '%s\n' "${seen_expected[@]}" | grep -qxF "$key" || stale+=("$e_unit: $e_name")
done
if [ ${#stale[@]} -gt 0 ]; then
  echo "expected failures that passed (remove from $(basename "$expected_file")):"
  printf '  %s\n' "${stale[@]}"
fi
echo "conformance: $total_pass passed, $total_fail failed ($total_expected expected)"
[ ${#unexpected[@]} -eq 0 ]
