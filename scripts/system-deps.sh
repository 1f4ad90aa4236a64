#!/usr/bin/env bash
# The system programs the tests run for real, installed when missing (Debian/Ubuntu: apt-get, with sudo when
# not root): `npm test` runs this first (its `pretest`), so the README's one test command works on a fresh
# machine, and CI calls that same command. MEDIC_SKIP_SYSTEM_DEPS=1 skips it (the tests that need a missing
# program then fail, saying which).
set -uo pipefail

[ "${MEDIC_SKIP_SYSTEM_DEPS:-}" = 1 ] && exit 0

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
# Chromium drives the dashboard's browser tests; Redis, Prometheus and Alertmanager are real peers in the
# incident tests; nginx, memcached and Redis are part of the game-day and probe tests.
have chromium || need+=(chromium)
have redis-server || need+=(redis-server)
have memcached || need+=(memcached)
have prometheus || need+=(prometheus)
have prometheus-alertmanager || need+=(prometheus-alertmanager)
have nginx || need+=(nginx-light)
# openssl makes the short-lived certificates the TLS checks are tested with.
have openssl || need+=(openssl)
# nft and ip netns: the ban test bans for real inside a network namespace it makes.
have nft || need+=(nftables)
have ip || need+=(iproute2)
# mkfifo gives supervised processes real pipes (coreutils: present on any Debian).
have mkfifo || need+=(coreutils)

[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "medic tests need: ${need[*]} (not found, and no apt-get here to install them); install them, or set MEDIC_SKIP_SYSTEM_DEPS=1" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "medic tests need: ${need[*]}; run as root or install sudo, or install them yourself" >&2
    exit 1
  fi
  sudo="sudo"
fi
echo "installing what the tests run for real: ${need[*]}" >&2
$sudo apt-get update -qq || exit 1
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" || exit 1
