#!/usr/bin/env bash
# Two builds of Kabinet side by side, on the same data and load: did a change of the release
# profile (LTO, codegen units) cost speed at run time? (docs/build.md)
#
#   bench/profiles.sh BIN_A BIN_B > /tmp/result.md
#
# For each binary: a fresh SQLite database with MEMBERS (2000) generated members plus the demo
# companies (`demo-data`, timed), the server on 127.0.0.1:PORT (18090), the demo member logged in,
# then wrk for DURATION (10s) on the member's home page and the public register (16 connections)
# and on the reconciliation act as a PDF (2 connections: a typst render per request).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[[ $# -eq 2 ]] || { echo "usage: bench/profiles.sh BIN_A BIN_B" >&2; exit 2; }
MEMBERS="${MEMBERS:-2000}"; PORT="${PORT:-18090}"; DURATION="${DURATION:-10s}"
LOGIN="director@romashka-stroy.example"; PASSWORD="Romashka-2026!"
BASE="http://127.0.0.1:$PORT"
log() { printf '%s\n' "$*" >&2; }
command -v wrk >/dev/null || { log "==> Installing wrk"; apt-get install -y -qq wrk >/dev/null; }

TMP="$(mktemp -d "${TMPDIR:-/tmp}/kabinet-profiles.XXXXXX")"; SERVER_PID=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

# wrk's requests per second and p99 latency of one path.
load() { # conns path cookie
    wrk -t2 -c"$1" -d"$DURATION" --latency -H "Cookie: $3" "$BASE$2" >"$TMP/wrk" 2>&1
    grep -q "Non-2xx" "$TMP/wrk" && { cat "$TMP/wrk" >&2; log "$2 answered errors"; exit 1; }
    printf '%s req/s · p99 %s' "$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$TMP/wrk")" \
        "$(awk '$1=="99%" {print $2}' "$TMP/wrk")"
}

echo "| build | demo-data, $MEMBERS members | member's home page, 16 conn. | public register, 16 conn. | act PDF, 2 conn. |"
echo "|---|---|---|---|---|"
for BIN in "$1" "$2"; do
    rm -rf "$TMP/run"; mkdir -p "$TMP/run"
    export KABINET__DATABASE__URL="sqlite://$TMP/run/k.db" KABINET__STORAGE__PATH="$TMP/run/files"
    log "==> $BIN: demo data"
    start=$(date +%s.%N)
    "$BIN" --config config/sopo.toml demo-data --members "$MEMBERS" >"$TMP/demo.log" 2>&1
    demo=$(echo "$(date +%s.%N) - $start" | bc)
    KABINET__SERVER__PORT="$PORT" KABINET__SERVER__HOST=127.0.0.1 KABINET__SERVER__BASE_URL="$BASE" \
    KABINET__DEMO__ENABLED=false KABINET__LOG__LEVEL=warn \
    KABINET__SECURITY__LOGIN_PER_IP_PER_MINUTE=100000 \
        "$BIN" --config config/sopo.toml serve >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 60); do curl -fsS -o /dev/null "$BASE/readyz" 2>/dev/null && break; sleep 0.5; done
    JAR="$TMP/run/jar"
    csrf="$(curl -fsS -c "$JAR" -b "$JAR" "$BASE/login" | grep -o 'name="csrf_token" value="[^"]*"' \
        | head -n1 | sed 's/.*value="//; s/"$//; s/&#x2[fF];/\//g; s/&#x2[bB];/+/g; s/&#x3[dD];/=/g; s/&amp;/\&/g')"
    session="$(curl -sS -o /dev/null -D - -c "$JAR" -b "$JAR" -H "Origin: $BASE" \
        --data-urlencode "login=$LOGIN" --data-urlencode "password=$PASSWORD" \
        --data-urlencode "csrf_token=$csrf" "$BASE/login" \
        | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: *kabinet_session=\([^;]*\).*/\1/p' | tail -n1)"
    [[ -n "$session" ]] || { tail "$TMP/server.log" >&2; log "login failed"; exit 1; }
    cookie="kabinet_session=$session"
    home="$(load 16 /kabinet "$cookie")"
    register="$(load 16 /reestr "$cookie")"
    act="$(load 2 /kabinet/payments/act "$cookie")"
    echo "| \`$BIN\` | $(printf '%.1f' "$demo") s | $home | $register | $act |"
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
done
