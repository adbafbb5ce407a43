#!/bin/sh
# Checks that lower layers never include higher ones: base < ds < net < core < types < persist < repl < script < app,
# and that the tools (tools/) reuse only src/base/ and the RESP reader (src/net/resp.h).
rank() { case "$1" in base) echo 0;; ds) echo 1;; net) echo 2;; core) echo 3;; types) echo 4;; persist) echo 5;; repl) echo 6;; script) echo 7;; app) echo 9;; *) echo 6;; esac; }
fail=0
for f in src/*/*.c src/*/*.h; do
  [ -f "$f" ] || continue
  layer=$(basename "$(dirname "$f")")
  r=$(rank "$layer")
  for inc in $(grep -o '#include "\.\./[a-z]*/' "$f" | sed 's|#include "\.\./||; s|/||'); do
    if [ "$(rank "$inc")" -gt "$r" ]; then
      echo "layer violation: $f ($layer) includes $inc" >&2
      fail=1
    fi
  done
done
for f in $(find tools -name '*.c' -o -name '*.h'); do
  for inc in $(grep -oE '#include "[./]*(src/)?[a-z]+/[a-z_0-9]+\.h' "$f" | sed -E 's|#include "[./]*(src/)?||'); do
    case "$inc" in
      base/*|net/resp.h) ;;
      common/*|cli/*|benchmark/*) ;;
      *) echo "layer violation: $f (tools) includes $inc; tools use only src/base and src/net/resp.h" >&2; fail=1;;
    esac
  done
done
exit $fail
