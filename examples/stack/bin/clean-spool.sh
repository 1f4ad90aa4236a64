#!/bin/sh
# A heal step: removes the spool files of the API (what a runaway writer left). clean-spool.sh SPOOL_DIR
set -eu
[ -d "$1" ] || exit 0
find "$1" -maxdepth 1 -type f -name '*.bin' -print -delete
