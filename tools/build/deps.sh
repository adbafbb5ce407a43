#!/usr/bin/env bash
# deps.sh - the Debian packages Vesper's build and tests use, and their installation.
#
#   tools/build/deps.sh install   install every package (as root, or through sudo)
#   tools/build/deps.sh ensure    install only if something is missing and we can;
#                                 else list what is missing and exit 1
#   tools/build/deps.sh missing   print the missing packages, one per line
#
# Installing redis-server (the reference the tests compare with) would start a
# Redis service on port 6379; the installation forbids service starts the Debian
# way (a policy-rc.d that says no) so nothing is left listening.
set -euo pipefail

BUILD_PKGS="build-essential pkg-config libjemalloc-dev liblzf-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev"
TEST_PKGS="libcmocka-dev python3-redis python3-pytest tcl8.6 redis-server redis-tools procps clang libclang-rt-14-dev"
OPTIONAL_PKGS="valgrind"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing() {
  for p in $BUILD_PKGS $TEST_PKGS; do installed "$p" || echo "$p"; done
}

sudo_cmd() {
  if [ "$(id -u)" -eq 0 ]; then echo ""
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then echo "sudo"
  else return 1
  fi
}

install() {
  local sudo
  if ! sudo=$(sudo_cmd); then
    echo "deps: need root or passwordless sudo to install: $*" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local policy=/usr/sbin/policy-rc.d made=0
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null
    $sudo chmod +x $policy
    made=1
  fi
  local rc=0
  $sudo apt-get update -q || rc=$?
  [ $rc -eq 0 ] && { $sudo apt-get install -y -q --no-install-recommends "$@" || rc=$?; }
  [ $rc -eq 0 ] && { $sudo apt-get install -y -q --no-install-recommends $OPTIONAL_PKGS >/dev/null 2>&1 ||
                     echo "deps: optional $OPTIONAL_PKGS not installed (used by make bench)"; }
  [ $made -eq 1 ] && $sudo rm -f $policy
  return $rc
}

case "${1:-ensure}" in
  install) install $BUILD_PKGS $TEST_PKGS ;;
  missing) missing ;;
  ensure)
    m=$(missing | tr '\n' ' ')
    [ -z "$m" ] && exit 0
    echo "deps: missing packages: $m"
    install $m || { echo "deps: install them with: apt-get install -y $m" >&2; exit 1; }
    ;;
  *) echo "usage: $0 install|ensure|missing" >&2; exit 2 ;;
esac
