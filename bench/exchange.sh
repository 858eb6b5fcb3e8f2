#!/usr/bin/env bash
# Benchmarks of the document exchange (issue 4), against 127.0.0.1 only:
#   1. upload one 1 GiB file through the real HTTP endpoint (a report section draft) and
#      compare with `dd` copying the same file on the same disk, in the same run;
#      the server's peak RSS (VmHWM) before and after tells how much the upload held in memory;
#   2. the outgoing journal page of a company with 5,000 items: wrk latency percentiles.
# Markdown results go to stdout, progress to stderr:  bench/exchange.sh > /tmp/exchange.md
# Knobs: DATABASE (sqlite | a postgres:// server URL, see bench/lib.sh), SIZE_MB (1024), ITEMS (5000), PORT (18081), CONNS (16), DURATION (15s), KEEP_TMP=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SIZE_MB="${SIZE_MB:-1024}"; ITEMS="${ITEMS:-5000}"; PORT="${PORT:-18081}"
CONNS="${CONNS:-16}"; DURATION="${DURATION:-15s}"
BIN="target/release/kabinet"; CONFIG="config/sopo.toml"; BASE="http://127.0.0.1:$PORT"
log() { printf '%s\n' "$*" >&2; }
die() { printf 'exchange.sh: %s\n' "$*" >&2; exit 1; }
command -v wrk >/dev/null || { log "==> Installing wrk"; apt-get install -y -qq wrk >/dev/null; }

log "==> cargo build --release"
cargo build --release >&2
# The temp dir sits in the repository's target/ so the server and dd write to the same disk.
TMP="$(mktemp -d "$ROOT/target/bench-exchange.XXXXXX")"
SERVER_PID=""
cleanup() {
    bench_db_cleanup 2>/dev/null || true
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    if [[ "${KEEP_TMP:-}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_db_setup "$TMP/bench.db"
export KABINET__STORAGE__PATH="$TMP/files"
export KABINET__UPLOADS__MAX_FILE_MB=$((SIZE_MB + 16))
export KABINET__UPLOADS__MAX_ITEM_MB=$((SIZE_MB + 32))

log "==> Demo data with $ITEMS sent letters"
"$BIN" --config "$CONFIG" demo-data --items "$ITEMS" >"$TMP/demo.log" 2>&1 || { cat "$TMP/demo.log" >&2; die "demo-data failed"; }
bench_db_analyze

KABINET__SERVER__PORT="$PORT" KABINET__SERVER__HOST=127.0.0.1 KABINET__SERVER__BASE_URL="$BASE" \
KABINET__LOG__LEVEL=warn KABINET__SECURITY__LOGIN_PER_IP_PER_MINUTE=100000 \
    "$BIN" --config "$CONFIG" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do curl -fsS -o /dev/null "$BASE/readyz" 2>/dev/null && break; sleep 0.5; done
curl -fsS -o /dev/null "$BASE/readyz" || { cat "$TMP/server.log" >&2; die "server did not start"; }

JAR="$TMP/jar"
token() { grep -o 'name="csrf_token" value="[^"]*"' "$1" | head -n1 | sed 's/.*value="\([^"]*\)"/\1/'; }
curl -fsS -c "$JAR" -b "$JAR" -o "$TMP/login.html" "$BASE/login"
curl -fsS -o /dev/null -c "$JAR" -b "$JAR" -H "Origin: $BASE" \
    --data-urlencode "login=director@romashka-stroy.example" --data-urlencode "password=Romashka-2026!" \
    --data-urlencode "csrf_token=$(token "$TMP/login.html")" "$BASE/login"
SESSION="$(awk '$6 == "kabinet_session" { v = $7 } END { print v }' "$JAR")"
[[ -n "$SESSION" ]] || die "login failed"

# --- 1. the upload ----------------------------------------------------------------
log "==> Making a ${SIZE_MB} MiB file"
{ printf '%%PDF-1.7\n'; head -c $((SIZE_MB * 1024 * 1024 - 9)) /dev/urandom; } >"$TMP/big.pdf"
sync
log "==> dd copies it on the same disk"
dd_out="$(dd if="$TMP/big.pdf" of="$TMP/dd-copy.bin" bs=1M 2>&1 | tail -n1)"
dd_secs="$(sed -n 's/.* copied, \([0-9.]*\) s.*/\1/p' <<<"$dd_out")"
rm -f "$TMP/dd-copy.bin"; sync
curl -fsS -b "$JAR" -o "$TMP/cards.html" "$BASE/kabinet/reports/current"
SECTION="$(grep -o '/kabinet/reports/sections/[0-9]*' "$TMP/cards.html" | head -n1)"
curl -fsS -b "$JAR" -o "$TMP/section.html" "$BASE$SECTION"
hwm() { awk '/VmHWM/ { print $2 }' "/proc/$SERVER_PID/status"; }
rss_before="$(hwm)"
log "==> Uploading through $SECTION"
up_secs="$(curl -sS -o /dev/null -w '%{time_total}' -b "$JAR" -H "Origin: $BASE" \
    -F "action=save" -F "file_1=@$TMP/big.pdf;filename=Большой отчет.pdf;type=application/pdf" \
    "$BASE$SECTION?csrf_token=$(token "$TMP/section.html")")"
rss_after="$(hwm)"
stored="$(find "$TMP/files/blobs" -type f -size +$((SIZE_MB - 1))M | wc -l)"
[[ "$stored" == 1 ]] || die "the upload was not stored (see $TMP/server.log)"
awk -v mb="$SIZE_MB" -v dd="$dd_secs" -v up="$up_secs" -v a="$rss_before" -v b="$rss_after" 'BEGIN {
    printf "| measure | value |\n|---|---|\n"
    printf "| file | %d MiB |\n", mb
    printf "| dd copy, same disk | %.2f s, %.0f MiB/s |\n", dd, mb / dd
    printf "| HTTP upload (streamed, SHA-256; Streebog-256 right after) | %.2f s, %.0f MiB/s (%.0f %% of dd) |\n", up, mb / up, 100 * dd / up
    printf "| server peak RSS before → after | %.1f → %.1f MiB (+%.1f MiB) |\n", a / 1024, b / 1024, (b - a) / 1024
}'

# --- 2. the journal -----------------------------------------------------------------
code="$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: kabinet_session=$SESSION" "$BASE/kabinet/journal")"
[[ "$code" == 200 ]] || die "journal answered $code"
cat >"$TMP/c.lua" <<LUA
wrk.headers["Cookie"] = "kabinet_session=$SESSION"
done = function(summary, latency, requests)
  io.stderr:write(string.format("BENCH_RESULT %.0f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
LUA
log "==> wrk on the journal ($ITEMS items, $CONNS connections, $DURATION)"
wrk -t2 -c"$CONNS" -d"$DURATION" -s "$TMP/c.lua" "$BASE/kabinet/journal" 2>"$TMP/wrk.err" >"$TMP/wrk.out" || true
read -r _ rps p50 p99 errs < <(grep BENCH_RESULT "$TMP/wrk.err")
printf '\n| journal page (%s items) | req/s | p50 | p99 | errors |\n|---|---|---|---|---|\n| /kabinet/journal | %s | %s ms | %s ms | %s |\n' \
    "$ITEMS" "$rps" "$p50" "$p99" "$errs"
