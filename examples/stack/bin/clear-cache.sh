#!/bin/sh
# A heal step: sets the API's cache file aside (the service rebuilds it at start), keeping the last bad copy
# as FILE.bad for a human to look at. clear-cache.sh FILE
set -eu
[ -f "$1" ] || exit 0
mv -f "$1" "$1.bad"
echo "moved $1 to $1.bad"
