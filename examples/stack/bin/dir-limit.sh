#!/bin/sh
# A command check: fails (exit 1) when DIR holds MAX_MB megabytes or more.   dir-limit.sh DIR MAX_MB
set -eu
used=$(du -sm "$1" 2>/dev/null | cut -f1)
echo "${used:-0} MB used of $2 MB"
[ "${used:-0}" -lt "$2" ]
