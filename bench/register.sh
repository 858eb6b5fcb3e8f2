#!/usr/bin/env bash
# Load test of the public register search (/reestr and /api/v1/register) with wrk, against
# 127.0.0.1 only, on a throw-away SQLite database of MEMBERS (100 000) members.
#
# Each request takes the next of a list of searches a visitor makes: part of a name (Cyrillic,
# any case), an INN prefix, a register number, a status filter, the first page of everything.
# The Markdown result goes to stdout, progress to stderr:
#   bench/register.sh > /tmp/register.md
# Knobs: DATABASE (sqlite | a postgres:// server URL, see bench/lib.sh), MEMBERS (100000), PORT (18081), DURATION (20s), WARMUP (3s), CONNS ("4 16").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MEMBERS="${MEMBERS:-100000}"
PORT="${PORT:-18081}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-3s}"
CONNS="${CONNS:-4 16}"
CONFIG="config/sopo.toml"
BIN="target/release/kabinet"
BASE="http://127.0.0.1:$PORT"

log() { printf '%s\n' "$*" >&2; }
die() { printf 'register.sh: %s\n' "$*" >&2; exit 1; }

command -v wrk >/dev/null 2>&1 || die "wrk is missing (apt-get install wrk)"
log "==> cargo build --release"
cargo build --release >&2

TMP="$(mktemp -d "${TMPDIR:-/tmp}/kabinet-register.XXXXXX")"
SERVER_PID=""
cleanup() {
    bench_db_cleanup 2>/dev/null || true
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    [[ "${KEEP_TMP:-}" == 1 ]] && log "Temp dir kept: $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_db_setup "$TMP/bench.db"
log "==> Creating a register of $MEMBERS members"
started=$(date +%s)
"$BIN" --config "$CONFIG" demo-data --members "$MEMBERS" >"$TMP/demo-data.log" 2>&1 \
    || { tail -n 40 "$TMP/demo-data.log" >&2; die "demo-data failed"; }
bench_db_analyze
log "    done in $(( $(date +%s) - started )) s"

KABINET__SERVER__PORT="$PORT" KABINET__SERVER__HOST=127.0.0.1 KABINET__SERVER__BASE_URL="$BASE" \
KABINET__DEMO__ENABLED=false KABINET__LOG__LEVEL=warn \
    "$BIN" --config "$CONFIG" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
    curl -fsS -o /dev/null --max-time 2 "$BASE/readyz" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 40 "$TMP/server.log" >&2; die "server exited"; }
    sleep 0.5
done

# The searches (URL-encoded): name parts in Cyrillic, upper and lower case; INN and OGRN parts;
# register numbers; filters; everything.
SEARCHES=(
    "/reestr?q=%D1%82%D0%B5%D1%81%D1%82%D0%BE%D0%B2%D0%B0%D1%8F+%D0%BA%D0%BE%D0%BC%D0%BF%D0%B0%D0%BD%D0%B8%D1%8F+4711"
    "/reestr?q=%D0%A0%D0%9E%D0%9C%D0%90%D0%A8%D0%9A%D0%90"
    "/reestr?q=630004"
    "/reestr?q=%D1%82-99"
    "/reestr?q=1026300012"
    "/reestr?status=excluded"
    "/reestr"
    "/reestr?page=2000"
    "/api/v1/register?q=%D0%BA%D0%BE%D0%BC%D0%BF%D0%B0%D0%BD%D0%B8%D1%8F+5"
    "/api/v1/register?status=member&per_page=25"
)
for s in "${SEARCHES[@]}"; do
    code="$(curl -sS -o /dev/null -w '%{http_code}' "$BASE$s")"
    [[ "$code" == 200 ]] || die "$s answered $code"
done

{
    printf 'local paths = {\n'
    for s in "${SEARCHES[@]}"; do printf '  "%s",\n' "$s"; done
    printf '}\n'
    cat <<'LUA'
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  io.write(string.format("BENCH_RESULT %.1f %.2f %.2f %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
LUA
} >"$TMP/search.lua"

printf '## Public register search, %s members (%s)\n\n' "$MEMBERS" "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf -- '- CPU: %s, nproc: %s; wrk -t2 -d%s, %d searches in rotation\n\n' \
    "$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)" "$(nproc)" "$DURATION" "${#SEARCHES[@]}"
printf '| connections | req/s | p50 | p99 | non-2xx |\n|---:|---:|---:|---:|---:|\n'
for c in $CONNS; do
    [[ "$WARMUP" != 0 ]] && wrk -t2 -c"$c" -d"$WARMUP" -s "$TMP/search.lua" "$BASE" >/dev/null
    log "==> wrk -c$c"
    line="$(wrk -t2 -c"$c" -d"$DURATION" --latency -s "$TMP/search.lua" "$BASE" | grep '^BENCH_RESULT')"
    read -r _ rps p50 p99 non2xx <<<"$line"
    printf '| %s | %s | %s ms | %s ms | %s |\n' "$c" "$rps" "$p50" "$p99" "$non2xx"
done
