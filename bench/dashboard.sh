#!/usr/bin/env bash
# Load test of the Kabinet portal with wrk, against 127.0.0.1 only.
#
# Builds a release binary, fills a throw-away SQLite database with demo data,
# starts the server, logs in once and measures three routes:
#   dashboard  /kabinet   (authenticated, hits the database)
#   login      /login     (public page, creates a pre-session)
#   static     the CSS asset linked from the login page (baseline)
#
# The Markdown result goes to stdout, progress and diagnostics to stderr, so
#   bench/dashboard.sh > /tmp/result.md
# gives a clean table to paste into docs/benchmarks.md.
#
# Knobs (environment): DATABASE (sqlite | a postgres:// server URL, see bench/lib.sh), MEMBERS (10000), PORT (18080), CONNS (64),
# DURATION (20s), WARMUP (3s, "0" to skip), BENCH_LOGIN, BENCH_PASSWORD,
# KEEP_TMP=1 keeps the temp dir (database, logs) for inspection.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MEMBERS="${MEMBERS:-10000}"
PORT="${PORT:-18080}"
CONNS="${CONNS:-64}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-3s}"
BENCH_LOGIN="${BENCH_LOGIN:-director@romashka-stroy.example}"
BENCH_PASSWORD="${BENCH_PASSWORD:-Romashka-2026!}"
CONFIG="config/sopo.toml"
BIN="target/release/kabinet"
BASE="http://127.0.0.1:$PORT"

log() { printf '%s\n' "$*" >&2; }
die() { printf 'dashboard.sh: %s\n' "$*" >&2; exit 1; }

# --- wrk ---------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    SUDO=()
    if [[ $EUID -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "wrk is missing and we are neither root nor have sudo"
        SUDO=(sudo)
    fi
    log "==> Installing wrk"
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
command -v curl >/dev/null 2>&1 || die "curl is required"

# --- Build -------------------------------------------------------------------
log "==> cargo build --release"
cargo build --release >&2
[[ -x "$BIN" ]] || die "$BIN was not built"
[[ -f "$CONFIG" ]] || die "$CONFIG is missing"

# --- Temp dir and cleanup ------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/kabinet-bench.XXXXXX")"
SERVER_PID=""
cleanup() {
    bench_db_cleanup 2>/dev/null || true
    # Always stop the server we started, even on Ctrl-C or a failed step,
    # so it does not keep the port and the database open.
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ "${KEEP_TMP:-}" == 1 ]]; then
        log "Temp dir kept: $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_db_setup "$TMP/bench.db"

# --- Demo data -----------------------------------------------------------------
log "==> Creating demo database with $MEMBERS members"
if ! "$BIN" --config "$CONFIG" demo-data --members "$MEMBERS" >"$TMP/demo-data.log" 2>&1; then
    tail -n 40 "$TMP/demo-data.log" >&2
    die "demo-data failed"
fi
bench_db_analyze

# --- Server --------------------------------------------------------------------
# Refuse to run if something already answers on the port: we would benchmark
# the wrong server.
if curl -fsS -o /dev/null --max-time 2 "$BASE/readyz" 2>/dev/null; then
    die "something already listens on 127.0.0.1:$PORT; set PORT to a free port"
fi

log "==> Starting server on $BASE"
# Demo off (no demo banner/reset), quiet logs (logging must not be the
# bottleneck), login rate limits lifted (the benchmark logs in from one IP).
# An explicit http base_url keeps cookies non-Secure and matches the Origin
# header we send with the login form.
KABINET__SERVER__PORT="$PORT" \
KABINET__SERVER__HOST=127.0.0.1 \
KABINET__SERVER__BASE_URL="$BASE" \
KABINET__DEMO__ENABLED=false \
KABINET__LOG__LEVEL=warn \
KABINET__SECURITY__LOGIN_PER_IP_PER_MINUTE=100000 \
KABINET__SECURITY__LOGIN_PER_ACCOUNT_PER_MINUTE=100000 \
    "$BIN" --config "$CONFIG" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

ready=0
for _ in $(seq 1 60); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        tail -n 40 "$TMP/server.log" >&2
        die "server exited during start-up"
    fi
    if curl -fsS -o /dev/null --max-time 2 "$BASE/readyz" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.5
done
if ((ready == 0)); then
    tail -n 40 "$TMP/server.log" >&2
    die "server not ready after 30 s"
fi

# --- Login ---------------------------------------------------------------------
# Decode the few HTML entities a template engine may put into attribute values.
html_unescape() {
    sed -e 's/&#x2[fF];/\//g' -e 's/&#47;/\//g' \
        -e 's/&#x2[bB];/+/g' -e 's/&#43;/+/g' \
        -e 's/&#x3[dD];/=/g' -e 's/&#61;/=/g' \
        -e 's/&quot;/"/g' -e 's/&#x27;/'"'"'/g' -e 's/&#39;/'"'"'/g' \
        -e 's/&amp;/\&/g'
}

JAR="$TMP/cookies.txt"
log "==> Logging in as $BENCH_LOGIN"
# GET /login stores the pre-session cookie in the jar; the CSRF token in the
# form is bound to it.
curl -fsS -c "$JAR" -b "$JAR" -o "$TMP/login.html" "$BASE/login"

# Find the hidden input regardless of attribute order, then take its value.
CSRF="$(grep -o '<input[^>]*name="csrf_token"[^>]*>' "$TMP/login.html" \
    | head -n1 | sed -n 's/.*value="\([^"]*\)".*/\1/p' | html_unescape || true)"
[[ -n "$CSRF" ]] || die "no csrf_token input found in the /login page"

# Do not follow the redirect: we want to see the 303 and its Set-Cookie.
status="$(curl -sS -o /dev/null -D "$TMP/login-headers.txt" -w '%{http_code}' \
    -c "$JAR" -b "$JAR" \
    -H "Origin: $BASE" \
    --data-urlencode "login=$BENCH_LOGIN" \
    --data-urlencode "password=$BENCH_PASSWORD" \
    --data-urlencode "csrf_token=$CSRF" \
    "$BASE/login")"
location="$(tr -d '\r' <"$TMP/login-headers.txt" | sed -n 's/^[Ll]ocation: *//p' | head -n1)"
if [[ "$status" != 303 || "$location" != */kabinet* ]]; then
    tail -n 20 "$TMP/server.log" >&2
    die "login failed: HTTP $status, Location '${location:-none}' (expected 303 to /kabinet)"
fi

# Take the session from the Set-Cookie header first (curl does not store
# Secure cookies received over plain http); fall back to the cookie jar,
# whose 6th/7th columns are name/value.
SESSION="$(tr -d '\r' <"$TMP/login-headers.txt" \
    | sed -n 's/^[Ss]et-[Cc]ookie: *kabinet_session=\([^;]*\).*/\1/p' | tail -n1)"
if [[ -z "$SESSION" ]]; then
    SESSION="$(awk '$6 == "kabinet_session" { v = $7 } END { print v }' "$JAR")"
fi
[[ -n "$SESSION" ]] || die "login answered 303 but set no kabinet_session cookie"
COOKIE="kabinet_session=$SESSION"

# --- Static asset URL --------------------------------------------------------
# First stylesheet under /assets/ (may carry a cache-busting query string).
CSS_PATH="$(grep -oE 'href="[^"]*/assets/[^"]*\.css(\?[^"]*)?"' "$TMP/login.html" \
    | head -n1 | sed -e 's/^href="//' -e 's/"$//' | html_unescape || true)"
[[ -n "$CSS_PATH" ]] || die "no /assets/*.css stylesheet link found in the /login page"
# Drop scheme and host if the link is absolute; wrk gets our own base URL.
if [[ "$CSS_PATH" == *://* ]]; then
    CSS_PATH="/${CSS_PATH#*://*/}"
fi
case "$CSS_PATH" in /assets/*) ;; *) CSS_PATH="/assets/${CSS_PATH#*/assets/}" ;; esac

# --- Sanity checks before measuring ----------------------------------------
# wrk only counts 4xx/5xx as errors, so a 303 back to /login (lost session)
# would look like a fast, "successful" dashboard. Check the real status.
check_status() { # name path [cookie]
    local code
    local -a hdr=()
    [[ -n "${3:-}" ]] && hdr=(-H "Cookie: $3")
    code="$(curl -sS -o /dev/null -w '%{http_code}' "${hdr[@]}" "$BASE$2")"
    [[ "$code" == 200 ]] || die "$1 ($2) answered HTTP $code instead of 200"
}
check_status dashboard /kabinet "$COOKIE"
check_status login /login
check_status static "$CSS_PATH"

# --- wrk -----------------------------------------------------------------------
# The Lua script adds the cookie (when BENCH_COOKIE is set) and prints one
# machine-readable line from wrk's own counters, which avoids parsing wrk's
# human output with its changing units (us/ms/s).
#   BENCH_RESULT <req/s> <p50 ms> <p99 ms> <non-2xx/3xx> <socket errors>
cat >"$TMP/bench.lua" <<'LUA'
local cookie = os.getenv("BENCH_COOKIE")
if cookie ~= nil and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH_RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    e.status,
    e.connect + e.read + e.write + e.timeout))
end
LUA

declare -A RPS P50 P99 NON2XX SOCKERR
run_wrk() { # name path [cookie]
    local name="$1" path="$2" cookie="${3:-}" out line
    if [[ "$WARMUP" != 0 ]]; then
        log "==> Warm-up $name ($WARMUP)"
        BENCH_COOKIE="$cookie" wrk -t2 -c"$CONNS" -d"$WARMUP" \
            -s "$TMP/bench.lua" "$BASE$path" >/dev/null
    fi
    log "==> wrk $name: $path (-t2 -c$CONNS -d$DURATION)"
    out="$TMP/wrk-$name.txt"
    BENCH_COOKIE="$cookie" wrk -t2 -c"$CONNS" -d"$DURATION" --latency \
        -s "$TMP/bench.lua" "$BASE$path" >"$out"
    # Keep wrk's own report visible for the curious, on stderr.
    grep -v '^BENCH_RESULT' "$out" >&2 || true
    line="$(grep '^BENCH_RESULT' "$out" | tail -n1)"
    [[ -n "$line" ]] || die "wrk produced no result for $name"
    read -r _ "RPS[$name]" "P50[$name]" "P99[$name]" "NON2XX[$name]" "SOCKERR[$name]" <<<"$line"
}

run_wrk dashboard /kabinet "$COOKIE"
run_wrk login /login
run_wrk static "$CSS_PATH"

# A dashboard that errors under load means we measured error pages, not the
# dashboard: fail loudly. Re-check the session too (it must survive the run).
if ((NON2XX[dashboard] > 0)); then
    tail -n 20 "$TMP/server.log" >&2
    die "dashboard returned ${NON2XX[dashboard]} non-2xx responses: the login/session did not work"
fi
check_status dashboard /kabinet "$COOKIE"

# --- Report --------------------------------------------------------------------
DB_SIZE="$(du -ch "$TMP"/bench.db "$TMP"/bench.db-wal 2>/dev/null | tail -n1 | cut -f1)"
CPU_MODEL="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
if [[ -z "$CPU_MODEL" ]] && command -v lscpu >/dev/null 2>&1; then
    CPU_MODEL="$(lscpu | awk -F': *' '/^Model name/ { print $2; exit }')"
fi
SHARE="$(awk -v d="${RPS[dashboard]}" -v s="${RPS[static]}" \
    'BEGIN { if (s > 0) printf "%.1f", 100 * d / s; else print "n/a" }')"

printf '## Kabinet load test (%s)\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf -- '- members: %s, database size (db + wal): %s\n' "$MEMBERS" "$DB_SIZE"
printf -- '- CPU: %s, nproc: %s\n' "${CPU_MODEL:-unknown}" "$(nproc)"
printf -- '- wrk: -t2 -c%s -d%s, server and wrk on the same host (127.0.0.1)\n\n' "$CONNS" "$DURATION"
printf '| route | req/s | p50 | p99 | non-2xx |\n'
printf '|---|---:|---:|---:|---:|\n'
for name in dashboard login static; do
    case "$name" in
        dashboard) path=/kabinet ;;
        login) path=/login ;;
        static) path="$CSS_PATH" ;;
    esac
    # shellcheck disable=SC2016 # the backticks are Markdown, not shell
    printf '| %s `%s` | %s | %s ms | %s ms | %s |\n' \
        "$name" "$path" "${RPS[$name]}" "${P50[$name]}" "${P99[$name]}" "${NON2XX[$name]}"
done
printf '\nDashboard throughput: %s%% of the static route.\n' "$SHARE"
for name in dashboard login static; do
    if ((SOCKERR[$name] > 0)); then
        printf '\nNote: %s had %s socket errors (connect/read/write/timeout).\n' "$name" "${SOCKERR[$name]}"
    fi
done
