#!/usr/bin/env bash
# Builds the shared C peers (../shared/peers, read-only for us) and the bench's own C programs (bench/c: latgen)
# into a build directory outside that folder.
#
#   bench/peers.sh                 # installs missing prerequisites, builds every C peer and bench/c program
#   bench/peers.sh nop_liburing    # only some programs (names from the peers' Makefile PROGS or bench/c/NAME.c)
#
# Environment:
#   PEERS_DIR    the peers checkout           (default: <repo>/../shared/peers)
#   PEERS_BUILD  where binaries go            (default: <repo>/bench/.peers-build; never inside PEERS_DIR)
#
# Idempotent: packages are installed only when missing, and make rebuilds only what is stale.
# Prints the build directory on stdout as its last line; logs go to stderr and $PEERS_BUILD/logs/.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS_DIR=$(cd "${PEERS_DIR:-$REPO/../shared/peers}" && pwd)
PEERS_BUILD=${PEERS_BUILD:-$REPO/bench/.peers-build}
mkdir -p "$PEERS_BUILD"
PEERS_BUILD=$(cd "$PEERS_BUILD" && pwd)
LOGS=$PEERS_BUILD/logs
mkdir -p "$LOGS"

log() { echo "[peers.sh] $*" >&2; }

case "$PEERS_BUILD/" in
    "$PEERS_DIR"/*) log "PEERS_BUILD ($PEERS_BUILD) is inside $PEERS_DIR, which we must not write into"; exit 1 ;;
esac

# ------------------------------------------------------------ prerequisites
need=()
[ -f /usr/include/liburing.h ] || need+=(liburing-dev)
command -v fio >/dev/null || need+=(fio)
command -v wrk >/dev/null || need+=(wrk)
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        log "missing Debian packages: ${need[*]} (run as root, or apt-get install them yourself)"
        exit 1
    fi
    log "installing Debian packages: ${need[*]} (log: $LOGS/apt.log)"
    apt-get update -qq >"$LOGS/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >>"$LOGS/apt.log" 2>&1 \
        || { tail -20 "$LOGS/apt.log" >&2; exit 1; }
fi

# ------------------------------------------------------------ build
# The Makefiles use relative source paths, so make runs in their folder; with an absolute BUILD it writes only there.
# A name with a bench/c/NAME.c is the bench's own program; any other is the peers'.
peer_targets=() own_targets=()
for p in "$@"; do
    if [ -f "$REPO/bench/c/$p.c" ]; then own_targets+=("$PEERS_BUILD/$p"); else peer_targets+=("$PEERS_BUILD/$p"); fi
done
log "building C peers into $PEERS_BUILD"
if [ $# -eq 0 ] || [ ${#peer_targets[@]} -gt 0 ]; then
    make -s -C "$PEERS_DIR" BUILD="$PEERS_BUILD" "${peer_targets[@]}" >"$LOGS/make.log" 2>&1 \
        || { cat "$LOGS/make.log" >&2; exit 1; }
fi
if [ $# -eq 0 ] || [ ${#own_targets[@]} -gt 0 ]; then
    make -s -C "$REPO/bench/c" BUILD="$PEERS_BUILD" PEERS_DIR="$PEERS_DIR" "${own_targets[@]}" >"$LOGS/make-bench.log" 2>&1 \
        || { cat "$LOGS/make-bench.log" >&2; exit 1; }
fi
echo "$PEERS_BUILD"
