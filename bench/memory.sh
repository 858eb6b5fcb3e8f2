#!/usr/bin/env bash
# Memory and blocking under hostile or heavy load (issue 11, findings 2 and 17), on SQLite and
# PostgreSQL side by side, against 127.0.0.1 only:
#   1. 1,000 failed logins at the same moment (each would be an argon2 check of 19 MiB): the
#      server's peak memory (VmHWM) must stay under LIMIT_MB (300); most attempts get 503
#      with Retry-After while the password threads are busy;
#   2. 20 downloads of the whole register as JSON at once, at MEMBERS (40,000) members: the
#      peak memory after them (the export streams);
#   3. an administrator imports IMPORT_ROWS (40,000) members through «Импорт из файла» while a
#      user logs in again and again: the slowest login during the import (the import writes in
#      short transactions).
# Markdown to stdout, progress to stderr:  bench/memory.sh > /tmp/memory.md
# Exits 1 when the login memory limit is broken. Knobs: MEMBERS, IMPORT_ROWS, LIMIT_MB, PORT
# (18082), ENGINES ("sqlite postgres"), PG_URL (postgres://postgres@127.0.0.1:5432), KEEP_TMP=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MEMBERS="${MEMBERS:-40000}"; IMPORT_ROWS="${IMPORT_ROWS:-40000}"; LIMIT_MB="${LIMIT_MB:-300}"
PORT="${PORT:-18082}"; ENGINES="${ENGINES:-sqlite postgres}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
BIN="target/release/kabinet"; CONFIG="config/sopo.toml"; BASE="http://127.0.0.1:$PORT"
LOAD="python3 bench/load.py"
log() { printf '%s\n' "$*" >&2; }
die() { printf 'memory.sh: %s\n' "$*" >&2; exit 1; }

log "==> cargo build --release"
cargo build --release >&2
TMP="$(mktemp -d "${TMPDIR:-/tmp}/kabinet-memory.XXXXXX")"
SERVER_PID=""; PG_DB=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [[ -n "$PG_DB" ]] && psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1
    if [[ "${KEEP_TMP:-}" == 1 ]]; then log "Temp dir kept: $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$SERVER_PID/status"; }
mb() { echo $(( $1 / 1024 )); }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

start_server() {
    # Limits lifted: the load comes from one address; the password pool keeps its defaults.
    KABINET__SERVER__PORT="$PORT" KABINET__SERVER__HOST=127.0.0.1 \
    KABINET__SERVER__BASE_URL="$BASE" KABINET__DEMO__ENABLED=false KABINET__LOG__LEVEL=warn \
    KABINET__SECURITY__LOGIN_PER_IP_PER_MINUTE=10000000 \
    KABINET__SECURITY__LOGIN_PER_ACCOUNT_PER_MINUTE=10000000 \
        "$BIN" --config "$CONFIG" serve >"$TMP/server-$1.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
        curl -fsS -o /dev/null --max-time 2 "$BASE/readyz" 2>/dev/null && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$TMP/server-$1.log" >&2; die "server exited"; }
        sleep 0.5
    done
    die "server not ready"
}

failed=0
ROWS=()
for engine in $ENGINES; do
    if [[ "$engine" == postgres ]]; then
        if ! psql "$PG_URL/postgres" -qc "SELECT 1" >/dev/null 2>&1; then
            log "==> PostgreSQL not reachable at $PG_URL: skipped"; continue
        fi
        PG_DB="kabinet_memory_$$"
        psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB" >/dev/null
        export KABINET__DATABASE__URL="$PG_URL/$PG_DB"
    else
        export KABINET__DATABASE__URL="sqlite://$TMP/memory.db"
    fi
    export KABINET__STORAGE__PATH="$TMP/files-$engine"
    log "==> [$engine] demo data with $MEMBERS members"
    "$BIN" --config "$CONFIG" demo-data --members "$MEMBERS" >"$TMP/demo-$engine.log" 2>&1 \
        || { tail -n 30 "$TMP/demo-$engine.log" >&2; die "demo-data failed"; }
    start_server "$engine"
    base_kb="$(kib VmRSS)"

    log "==> [$engine] 1,000 failed logins at once"
    r="$($LOAD logins "$BASE" 1000)"; log "$r"
    logins_kb="$(kib VmHWM)"
    if (( logins_kb / 1024 >= LIMIT_MB )); then failed=1; fi

    log "==> [$engine] 20 downloads of export.json at once"
    d="$($LOAD downloads "$BASE" /api/v1/register/export.json 20)"; log "$d"
    export_kb="$(kib VmHWM)"

    log "==> [$engine] import of $IMPORT_ROWS members while a user logs in again and again"
    $LOAD csv 1 "$IMPORT_ROWS" >"$TMP/import.csv"
    rm -f "$TMP/imported"
    ( $LOAD import "$BASE" admin@sro.example 'Admin-2026!' "$TMP/import.csv" >"$TMP/import-$engine.txt"
      touch "$TMP/imported" ) &
    IMPORT_PID=$!
    # logins for as long as the import runs
    lat="$($LOAD latency "$BASE" director@romashka-stroy.example 'Romashka-2026!' 600 "$TMP/imported")"
    log "$lat"
    wait "$IMPORT_PID" || die "import failed"
    imp="$(cat "$TMP/import-$engine.txt")"; log "$imp"
    [[ "$(field status "$imp")" == 200 ]] || die "import answered $(field status "$imp")"
    import_s="$(field seconds "$imp")"
    ROWS+=("| $engine | $(mb "$base_kb") | $(mb "$logins_kb") | $(sed 's/^RESULT //' <<<"$r") | $(mb "$export_kb") ($(field seconds "$d") s, $(( $(field bytes "$d") / 1048576 )) MB each) | ${import_s} s | $(field max_ms "$lat") / $(field p99_ms "$lat") ms |")
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    if [[ -n "$PG_DB" ]]; then
        psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null; PG_DB=""
    fi
done

echo "### Memory and blocking ($(date -u +%Y-%m-%d), $(git rev-parse --short HEAD), $(nproc) cores)"
echo
echo "$MEMBERS members; peak = the server's VmHWM after the step, MB. Limit for the logins: $LIMIT_MB MB."
echo
echo "| engine | at start | peak after 1,000 logins | login answers | peak after 20 × export.json | import of $IMPORT_ROWS | login during import, max / p99 |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
if (( failed )); then die "the server went over $LIMIT_MB MB with 1,000 concurrent logins"; fi
