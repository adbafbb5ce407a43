# servers.sh - sourced by the benchmark scripts: which servers a run compares and
# how the processes are pinned.
#
# bench_servers: sets names=(vesper [redis]) and bins=(their binaries) from $vesper
# and $redis (redis is skipped when it is "none" or not executable).
# bench_pins: on a machine with two cores or more (and taskset), pin_server runs
# the server on core 0 and pin_client the load generator on core 1, so the two do
# not compete; otherwise both arrays are empty.
# bench_tmp: for a script that runs one server at a time: tmp= a fresh directory,
# pid= empty (the script sets it to the server it starts), and an EXIT trap that
# kills and reaps that server, if any, and removes tmp.
bench_servers() {
  names=(vesper) bins=("$vesper")
  if [ "$redis" != none ] && [ -x "$redis" ]; then names+=(redis); bins+=("$redis"); fi
}

bench_pins() {
  if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    pin_server=(taskset -c 0) pin_client=(taskset -c 1)
  else
    pin_server=() pin_client=()
  fi
}

bench_tmp() {
  tmp=$(mktemp -d)
  pid=
  trap bench_cleanup EXIT
}

bench_cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
