#!/usr/bin/env bash
# Real-client checks of Kestrel on UringSafe, side by side with stock Kestrel (the sockets transport): the same app
# (tests/Integration/RealClients) on each transport in turn, driven by curl, wrk, h2load and a few .NET clients.
# Loopback only; every check is bounded in count and time (about 2-4 minutes per transport).
#
#   tests/Integration/realclients.sh                       # both transports
#   tests/Integration/realclients.sh --transports uringsafe --port-base 25080
#   tests/Integration/realclients.sh --server-args "--reactors 1 --no-pin"   # options of the UringSafe server
#
# Functional: IPv4 and IPv6, JSON, 50 MB downloads (Content-Length and chunked) and uploads (Content-Length and
# chunked, echoed back chunked), keep-alive, 16-deep pipelining, wrk, h2c (curl --http2-prior-knowledge, h2load),
# WebSocket echo (ClientWebSocket, 1 B to 1 MiB). Abuse: slowloris, a 2,000-connection flood (fds back to baseline),
# killed downloads (closed within 5 s). Stalls: 100 uploads whose handler leaves the body unread for 8 s must not
# delay fresh GETs (each under 3 s);
# 100 x 4 MB uploads behind ASP.NET Core's concurrency limiter (4 permits) all complete. Finally the server's log must
# hold no `fail:` or `crit:` entry (client resets are routine) and SIGTERM must stop it.
# Exit status 0 when every check passed. Installs curl, wrk and nghttp2-client (h2load) with apt-get if missing.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TRANSPORTS="uringsafe sockets"
PORT_BASE=${PORT_BASE:-25080}
SERVER_ARGS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --transports) TRANSPORTS=$2; shift 2 ;;
        --port-base) PORT_BASE=$2; shift 2 ;;
        --server-args) SERVER_ARGS=$2; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

# --- tools -------------------------------------------------------------------------------------------------------
missing=()
for pair in curl:curl wrk:wrk h2load:nghttp2-client sha256sum:coreutils timeout:coreutils; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "[realclients] installing ${missing[*]}" >&2
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null || { echo "could not install ${missing[*]}" >&2; exit 2; }
fi
command -v dotnet >/dev/null || { echo "needs the .NET 10 SDK (dotnet) on PATH: https://dot.net" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/realclients.XXXXXX")
SERVER_PID=""
BG_PIDS=()
cleanup() {
    for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "[realclients] building tests/Integration/RealClients (Release)" >&2
dotnet build "$ROOT/tests/Integration/RealClients" -c Release -nologo -v q >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 2; }
APP="$ROOT/tests/Integration/RealClients/bin/Release/net10.0/RealClients.dll"
client() { timeout 150 dotnet "$APP" client "$@"; }

BIG=$((50 * 1024 * 1024))
head -c $BIG /dev/urandom >"$WORK/50m.bin"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$WORK/4m.bin"
SHA50="$(sha256sum "$WORK/50m.bin" | cut -d' ' -f1)"
SHA4="$(sha256sum "$WORK/4m.bin" | cut -d' ' -f1)"

OCTETS="Content-Type: application/octet-stream"
RESULTS="$WORK/results"
: >"$RESULTS"
FAILED=0
# record TRANSPORT CHECK ok|FAIL DETAIL
record() {
    printf '%-10s %-24s %-4s %s\n' "$1" "$2" "$3" "$4" | tee -a "$RESULTS" >&2
    [ "$3" = ok ] || FAILED=1
}
# expect TRANSPORT CHECK EXPECTED ACTUAL
expect() {
    if [ "$3" = "$4" ]; then record "$1" "$2" ok "$4"; else record "$1" "$2" FAIL "expected [$3], got [$4]"; fi
}
fds() { ls "/proc/$SERVER_PID/fd" 2>/dev/null | wc -l; }
have_ipv6() { grep -q '^00000000000000000000000000000001 .* lo$' /proc/net/if_inet6 2>/dev/null; }

run_transport() {
    local t=$1 port=$2
    local h2=$((port + 1)) base="http://127.0.0.1:$port" log="$WORK/server-$1.log"
    # shellcheck disable=SC2086 # SERVER_ARGS is a list of options
    dotnet "$APP" server --transport "$t" --port "$port" $SERVER_ARGS >"$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 150); do
        curl -sf -m 1 "$base/plaintext" >/dev/null 2>&1 && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.2
    done
    if ! curl -sf -m 2 "$base/plaintext" >/dev/null 2>&1; then
        record "$t" start FAIL "the server did not answer on $base (log: $(tail -3 "$log" | tr '\n' ' '))"
        kill -9 "$SERVER_PID" 2>/dev/null; SERVER_PID=""
        return
    fi
    record "$t" start ok "pid $SERVER_PID on 127.0.0.1:$port, [::1]:$port, h2c :$h2"

    # --- functional ---
    expect "$t" ipv4 "Hello, World!" "$(curl -sf -m 10 "$base/plaintext")"
    if have_ipv6; then
        expect "$t" ipv6 "Hello, World!" "$(curl -sf -m 10 -g "http://[::1]:$port/plaintext")"
    else
        record "$t" ipv6 FAIL "no ::1 on lo (enable IPv6 on loopback to run this check)"
    fi
    expect "$t" json '{"message":"Hello, World!"}' "$(curl -sf -m 10 "$base/json")"
    local want
    want="$(curl -sf -m 30 "$base/pattern-sha256/$BIG")"
    expect "$t" download-50MB "$want" "$(curl -sf -m 60 "$base/big/$BIG" | sha256sum | cut -d' ' -f1)"
    local te
    te="$(curl -sf -m 60 -D "$WORK/headers" -o "$WORK/chunked.out" "$base/chunked/$BIG" && grep -ci '^transfer-encoding: chunked' "$WORK/headers")"
    expect "$t" download-50MB-chunked "1 $want" "$te $(sha256sum <"$WORK/chunked.out" | cut -d' ' -f1)"
    rm -f "$WORK/chunked.out"
    expect "$t" upload-50MB "$SHA50 $BIG" "$(curl -sf -m 60 -H "$OCTETS" --data-binary @"$WORK/50m.bin" "$base/upload")"
    expect "$t" echo-50MB-chunked-both "$SHA50" \
        "$(curl -sf -m 60 -H 'Transfer-Encoding: chunked' -H "$OCTETS" --data-binary @"$WORK/50m.bin" "$base/echo" | sha256sum | cut -d' ' -f1)"
    local urls=()
    for _ in $(seq 1 20); do urls+=("$base/plaintext"); done
    expect "$t" keep-alive "1 connection for 20 requests" \
        "$(curl -s -m 30 -o /dev/null -w '%{num_connects}\n' "${urls[@]}" | awk '{s+=$1} END {print s}') connection for 20 requests"
    local out
    if out="$(client pipeline 127.0.0.1 "$port" 16 1000)"; then record "$t" pipelining-16 ok "${out#ok pipeline: }"; else record "$t" pipelining-16 FAIL "$out"; fi
    out="$(timeout 30 wrk -t1 -c64 -d3s "$base/plaintext" 2>&1)"
    if grep -q 'Requests/sec' <<<"$out" && ! grep -qE 'Non-2xx|Socket errors: connect [1-9]|read [1-9]|write [1-9]|timeout [1-9]' <<<"$out"; then
        record "$t" wrk-c64 ok "$(grep 'Requests/sec' <<<"$out" | tr -s ' ')"
    else
        record "$t" wrk-c64 FAIL "$(tr '\n' ' ' <<<"$out")"
    fi
    expect "$t" h2c-curl "Hello, World! HTTP/2" "$(curl -sf -m 10 --http2-prior-knowledge -w ' HTTP/%{http_version}' "http://127.0.0.1:$h2/plaintext")"
    expect "$t" h2c-download-50MB "$want" "$(curl -sf -m 60 --http2-prior-knowledge "http://127.0.0.1:$h2/big/$BIG" | sha256sum | cut -d' ' -f1)"
    out="$(timeout 60 h2load -n 20000 -c 10 -m 10 "http://127.0.0.1:$h2/plaintext" 2>&1)"
    if grep -q '20000 succeeded, 0 failed, 0 errored' <<<"$out"; then
        record "$t" h2load ok "$(grep -E '^finished in' <<<"$out"); 20000 succeeded"
    else
        record "$t" h2load FAIL "$(grep -E 'requests:|finished' <<<"$out" | tr '\n' ' ')"
    fi
    if out="$(client ws "ws://127.0.0.1:$port/ws" 800 1048576)"; then record "$t" websocket-echo ok "${out#ok ws: }"; else record "$t" websocket-echo FAIL "$out"; fi

    # --- abuse ---
    if out="$(client slowloris 127.0.0.1 "$port" 50 25)"; then record "$t" slowloris ok "${out#ok slowloris: }"; else record "$t" slowloris FAIL "$out"; fi
    local before after
    before=$(fds)
    if out="$(client flood 127.0.0.1 "$port" 2000)"; then record "$t" flood-2000 ok "${out#ok flood: }"; else record "$t" flood-2000 FAIL "$out"; fi
    for _ in $(seq 1 100); do after=$(fds); [ "$after" -le $((before + 8)) ] && break; sleep 0.1; done
    if [ "$after" -le $((before + 8)) ]; then record "$t" flood-fds ok "$before fds before, $after after"; else record "$t" flood-fds FAIL "$before fds before, $after 10 s after"; fi
    # Downloads killed mid-body (RST with unread data), and a few that time out (FIN mid-body).
    BG_PIDS=()
    for _ in $(seq 1 40); do curl -s -o /dev/null "$base/big/2000000000" & BG_PIDS+=($!); done
    for _ in $(seq 1 10); do curl -s -o /dev/null -m 1 "http://127.0.0.1:$h2/big/2000000000" --http2-prior-knowledge & BG_PIDS+=($!); done
    sleep 1.5
    local pid
    for pid in "${BG_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    wait "${BG_PIDS[@]}" 2>/dev/null
    BG_PIDS=()
    # The server must notice at once (stock: well under a second): its handlers stop and the sockets close.
    local k0=$SECONDS left
    while true; do
        left=$(ss -Htn state close-wait "( sport = :$port or sport = :$h2 )" 2>/dev/null | wc -l)
        [ "$left" -eq 0 ] || [ $((SECONDS - k0)) -ge 5 ] && break
        sleep 0.1
    done
    if [ "$left" -eq 0 ]; then record "$t" killed-downloads ok "50 killed mid-body, all closed within $((SECONDS - k0)) s"; else record "$t" killed-downloads FAIL "$left of 50 killed downloads still in CLOSE-WAIT after 5 s (their handlers keep running)"; fi
    expect "$t" after-killed "Hello, World!" "$(curl -sf -m 10 "$base/plaintext")"

    # --- stalls ---
    # 100 uploads whose handler leaves the 4 MB body unread for 8 s: fresh GETs meanwhile must answer at once.
    local i
    for i in $(seq 1 100); do curl -s -m 90 -w '\n' -H "$OCTETS" --data-binary @"$WORK/4m.bin" "$base/stall?ms=8000" >"$WORK/stall.$i" & BG_PIDS+=($!); done
    sleep 1.5
    local slowest
    slowest=$(for _ in $(seq 1 10); do curl -s -m 20 -o /dev/null -w '%{time_total}\n' "$base/plaintext"; sleep 0.1; done | sort -g | tail -1)
    wait "${BG_PIDS[@]}" 2>/dev/null
    BG_PIDS=()
    # Broken, they wait out the 8 s stall; the bar leaves room for a busy machine.
    if awk -v s="$slowest" 'BEGIN { exit !(s < 3.0) }'; then record "$t" stalled-uploads-get ok "slowest of 10 GETs behind 100 stalled uploads: ${slowest} s"; else record "$t" stalled-uploads-get FAIL "a GET behind 100 stalled uploads took ${slowest} s"; fi
    expect "$t" stalled-uploads-done "100" "$(cat "$WORK"/stall.* 2>/dev/null | grep -c "^$SHA4 4194304$")"
    rm -f "$WORK"/stall.*
    # 100 x 4 MB uploads behind the concurrency limiter (4 permits, the rest queued with their bodies unread).
    local t0=$SECONDS
    for i in $(seq 1 100); do curl -s -m 150 -w '\n' -H "$OCTETS" --data-binary @"$WORK/4m.bin" "$base/limited" >"$WORK/limited.$i" & BG_PIDS+=($!); done
    wait "${BG_PIDS[@]}" 2>/dev/null
    BG_PIDS=()
    expect "$t" limiter-100x4MB "100 in time" "$(cat "$WORK"/limited.* 2>/dev/null | grep -c "^$SHA4 4194304$") in time"
    record "$t" limiter-time ok "$((SECONDS - t0)) s for 100 x 4 MB through 4 permits"
    rm -f "$WORK"/limited.*
    expect "$t" after-stalls "Hello, World!" "$(curl -sf -m 10 "$base/plaintext")"

    # --- shutdown and log ---
    kill -TERM "$SERVER_PID"
    local code=""
    for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -9 "$SERVER_PID"; record "$t" sigterm FAIL "still running 15 s after SIGTERM"
    else
        wait "$SERVER_PID"; code=$?; expect "$t" sigterm "exit 0" "exit $code"
    fi
    SERVER_PID=""
    local fails
    fails=$(grep -cE '^(fail|crit): ' "$log")
    if [ "$fails" -eq 0 ]; then record "$t" log-no-fail ok "0 fail:/crit: entries"; else record "$t" log-no-fail FAIL "$fails fail:/crit: entries, first: $(grep -m1 -A2 -E '^(fail|crit): ' "$log" | tr '\n' ' ')"; fi
    cp "$log" "${TMPDIR:-/tmp}/realclients-server-$t.log"
}

port=$PORT_BASE
for t in $TRANSPORTS; do
    case "$t" in uringsafe|sockets) ;; *) echo "unknown transport $t" >&2; exit 2 ;; esac
    echo "[realclients] $t on 127.0.0.1:$port" >&2
    run_transport "$t" "$port"
    port=$((port + 10))
done

echo
echo "| transport | check | result | detail |"
echo "| --- | --- | --- | --- |"
while read -r tr check res detail; do echo "| $tr | $check | $res | $detail |"; done <"$RESULTS"
echo
echo "(server logs: ${TMPDIR:-/tmp}/realclients-server-*.log)"
[ $FAILED -eq 0 ] && echo "all checks passed" || echo "SOME CHECKS FAILED"
exit $FAILED
