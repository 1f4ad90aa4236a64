#!/bin/sh
# Exit 0 when the file was written within the last N seconds.
f="$1"; max="$2"
[ -f "$f" ] || exit 1
age=$(( $(date +%s) - $(stat -c %Y "$f") ))
[ "$age" -le "$max" ]
