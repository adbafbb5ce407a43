#!/bin/sh
# Checks that lower layers never include higher ones: base < net < core < types.
rank() { case "$1" in base) echo 0;; net) echo 1;; core) echo 2;; types) echo 3;; *) echo 9;; esac; }
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
exit $fail
