#!/usr/bin/env bash
# The whole benchmark set on SQLite and PostgreSQL side by side, in one run (issue 12):
#   static CSS (the ceiling), the member's dashboard, the journal of a company with ITEMS items,
#   the public search mix (7 searches of /reestr and /api/v1/register in rotation) under wrk,
#   and each search alone (median of 15 sequential requests, as curl sees it).
# Every figure under load is also given as a share of the static route measured in the same run
# on the same engine. PostgreSQL is reached through its Unix socket when it has one (the way to
# run it on the application's host), else through TCP.
# Markdown to stdout, progress to stderr:  bench/suite.sh > /tmp/suite.md
# WRITE_DOC=1 also puts the table into docs/benchmarks.md (between <!-- suite:begin/end -->).
# Knobs: MEMBERS (100000), ITEMS (5000), ENGINES ("sqlite postgres"), DURATION (15s), WARMUP (3s),
# PORT (18083), PG_URL (postgres://postgres@127.0.0.1:5432), PG_SOCKET (/var/run/postgresql),
# KEEP_TMP=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MEMBERS="${MEMBERS:-100000}"; ITEMS="${ITEMS:-5000}"; ENGINES="${ENGINES:-sqlite postgres}"
DURATION="${DURATION:-15s}"; WARMUP="${WARMUP:-3s}"; PORT="${PORT:-18083}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"; PG_SOCKET="${PG_SOCKET:-/var/run/postgresql}"
BIN="target/release/kabinet"; CONFIG="config/sopo.toml"; BASE="http://127.0.0.1:$PORT"
LOGIN="director@romashka-stroy.example"; PASSWORD='Romashka-2026!'
log() { printf '%s\n' "$*" >&2; }
die() { printf 'suite.sh: %s\n' "$*" >&2; exit 1; }

command -v wrk >/dev/null || { log "==> Installing wrk"; apt-get install -y -qq wrk >/dev/null; }
log "==> cargo build --release"
cargo build --release >&2
TMP="$(mktemp -d "${TMPDIR:-/tmp}/kabinet-suite.XXXXXX")"
SERVER_PID=""; PG_DB=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [[ -n "$PG_DB" ]] && psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1
    if [[ "${KEEP_TMP:-}" == 1 ]]; then log "Temp dir kept: $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SEARCHES=(
    "/reestr?q=%D1%82%D0%B5%D1%81%D1%82%D0%BE%D0%B2%D0%B0%D1%8F+%D0%BA%D0%BE%D0%BC%D0%BF%D0%B0%D0%BD%D0%B8%D1%8F+4711"
    "/reestr?q=%D0%A0%D0%9E%D0%9C%D0%90%D0%A8%D0%9A%D0%90"
    "/reestr?q=630004"
    "/reestr?status=excluded"
    "/reestr?page=2000"
    "/api/v1/register?q=%D0%BA%D0%BE%D0%BC%D0%BF%D0%B0%D0%BD%D0%B8%D1%8F+5"
    "/api/v1/register?status=member&per_page=25"
)
LABELS=("name phrase «тестовая компания 4711»" "name «РОМАШКА»" "INN prefix 630004" "status excluded"
        "page 2000 of everything" "API «компания 5»" "API status member")

cat >"$TMP/wrk.lua" <<'LUA'
local cookie = os.getenv("BENCH_COOKIE")
if cookie ~= nil and cookie ~= "" then wrk.headers["Cookie"] = cookie end
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "", "[^ ]+") do paths[#paths + 1] = p end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  io.write(string.format("BENCH_RESULT %.0f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

# run NAME CONNS COOKIE PATHS... : prints "req/s p99 errors"
run() {
    local name="$1" conns="$2" cookie="$3"; shift 3
    local paths="$*"
    [[ "$WARMUP" != 0 ]] && BENCH_COOKIE="$cookie" BENCH_PATHS="$paths" \
        wrk -t2 -c"$conns" -d"$WARMUP" -s "$TMP/wrk.lua" "$BASE" >/dev/null
    log "    wrk $name -c$conns -d$DURATION"
    local line
    line="$(BENCH_COOKIE="$cookie" BENCH_PATHS="$paths" \
        wrk -t2 -c"$conns" -d"$DURATION" --latency -s "$TMP/wrk.lua" "$BASE" | grep '^BENCH_RESULT')"
    read -r _ rps _ p99 non2xx sockerr <<<"$line"
    (( non2xx == 0 )) || die "$name: $non2xx answers were not 2xx/3xx"
    echo "$rps $p99 $sockerr"
}

median_ms() { # PATH COOKIE
    local i
    for i in $(seq 1 15); do
        curl -s -o /dev/null -H "Cookie: $2" -w '%{time_total}\n' "$BASE$1"
    done | sort -n | sed -n 8p | awk '{ printf "%.2f", $1 * 1000 }'
}

declare -A R
for engine in $ENGINES; do
    if [[ "$engine" == postgres ]]; then
        psql "$PG_URL/postgres" -qc "SELECT 1" >/dev/null 2>&1 || { log "==> no PostgreSQL at $PG_URL: skipped"; continue; }
        PG_DB="kabinet_suite_$$"
        psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB" >/dev/null
        if [[ -S "$PG_SOCKET/.s.PGSQL.5432" ]]; then
            user="${PG_URL#postgres://}"; user="${user%%@*}"
            export KABINET__DATABASE__URL="postgres://$user@${PG_SOCKET//\//%2F}/$PG_DB"
        else
            export KABINET__DATABASE__URL="$PG_URL/$PG_DB"
        fi
    else
        export KABINET__DATABASE__URL="sqlite://$TMP/suite.db"
    fi
    export KABINET__STORAGE__PATH="$TMP/files-$engine"
    log "==> [$engine] $MEMBERS members, $ITEMS letters of the demo company"
    "$BIN" --config "$CONFIG" demo-data --members "$MEMBERS" --items "$ITEMS" >"$TMP/demo-$engine.log" 2>&1 \
        || { tail -n 30 "$TMP/demo-$engine.log" >&2; die "demo-data failed"; }
    [[ "$engine" == postgres ]] && psql "$PG_URL/$PG_DB" -qc "VACUUM ANALYZE" >/dev/null
    KABINET__SERVER__PORT="$PORT" KABINET__SERVER__HOST=127.0.0.1 KABINET__SERVER__BASE_URL="$BASE" \
    KABINET__DEMO__ENABLED=false KABINET__LOG__LEVEL=warn \
    KABINET__SECURITY__LOGIN_PER_IP_PER_MINUTE=100000 \
        "$BIN" --config "$CONFIG" serve >"$TMP/server-$engine.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
        curl -fsS -o /dev/null --max-time 2 "$BASE/readyz" 2>/dev/null && break
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$TMP/server-$engine.log" >&2; die "server exited"; }
        sleep 0.5
    done
    # log in: the pre-session cookie and the form's token, then the session cookie
    curl -fsS -c "$TMP/jar" -b "$TMP/jar" -o "$TMP/login.html" "$BASE/login"
    token="$(grep -o 'name="csrf_token" value="[^"]*"' "$TMP/login.html" | head -n1 | sed 's/.*value="//; s/"$//')"
    curl -sS -o /dev/null -D "$TMP/headers" -b "$TMP/jar" -H "Origin: $BASE" \
        --data-urlencode "login=$LOGIN" --data-urlencode "password=$PASSWORD" \
        --data-urlencode "csrf_token=$token" "$BASE/login"
    session="$(tr -d '\r' <"$TMP/headers" | sed -n 's/^[Ss]et-[Cc]ookie: *kabinet_session=\([^;]*\).*/\1/p' | tail -n1)"
    [[ -n "$session" ]] || die "login failed"
    cookie="kabinet_session=$session"
    css="$(grep -oE '/assets/[^"]*\.css[^"]*' "$TMP/login.html" | head -n1)"
    for p in /kabinet /kabinet/journal "$css"; do
        code="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$BASE$p")"
        [[ "$code" == 200 ]] || die "$p answered $code"
    done
    log "==> [$engine] under load"
    R[$engine,static]="$(run static 64 "" "$css")"
    R[$engine,dashboard]="$(run dashboard 64 "$cookie" /kabinet)"
    R[$engine,journal]="$(run journal 16 "$cookie" /kabinet/journal)"
    R[$engine,search]="$(run search 16 "" "${SEARCHES[@]}")"
    log "==> [$engine] each search alone"
    for i in "${!SEARCHES[@]}"; do
        R[$engine,one,$i]="$(median_ms "${SEARCHES[$i]}" "")"
    done
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    if [[ -n "$PG_DB" ]]; then psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null; PG_DB=""; fi
done

cell() { # ENGINE ROUTE -> "req/s (share %), p99 ms"
    local v="${R[$1,$2]:-}" s="${R[$1,static]:-}"
    [[ -z "$v" ]] && { echo "—"; return; }
    read -r rps p99 _ <<<"$v"; read -r srps _ _ <<<"$s"
    if [[ "$2" == static ]]; then printf '%s req/s, p99 %s ms' "$rps" "$p99"
    else printf '%s req/s (%s %%), p99 %s ms' "$rps" "$(awk -v a="$rps" -v b="$srps" 'BEGIN { printf "%.1f", 100 * a / b }')" "$p99"; fi
}
set -- $ENGINES
{
echo "### Both engines, $MEMBERS members ($(date -u +%Y-%m-%d), $(git rev-parse --short HEAD), $(nproc) cores)"
echo
echo "wrk -t2 on the same cores; share = of the static route on the same engine in the same run."
echo
printf '| route | connections |'; for e in "$@"; do printf ' %s |' "$e"; done; echo
printf '|---|---:|'; for _ in "$@"; do printf -- '---:|'; done; echo
for row in "static:static CSS (the ceiling):64" "dashboard:dashboard /kabinet:64" \
           "journal:journal /kabinet/journal ($ITEMS items):16" "search:public search mix (7 searches):16"; do
    IFS=: read -r key label conns <<<"$row"
    printf '| %s | %s |' "$label" "$conns"; for e in "$@"; do printf ' %s |' "$(cell "$e" "$key")"; done; echo
done
echo
echo "Each search alone (median of 15, ms, as curl sees it on 127.0.0.1):"
echo
printf '| search |'; for e in "$@"; do printf ' %s |' "$e"; done; echo
printf '|---|'; for _ in "$@"; do printf -- '---:|'; done; echo
for i in "${!SEARCHES[@]}"; do
    printf '| %s |' "${LABELS[$i]}"; for e in "$@"; do printf ' %s |' "${R[$e,one,$i]:-—}"; done; echo
done
} >"$TMP/table.md"
cat "$TMP/table.md"
# WRITE_DOC=1: the table replaces the one between the suite's markers in docs/benchmarks.md.
if [[ "${WRITE_DOC:-}" == 1 ]]; then
    python3 - "$TMP/table.md" docs/benchmarks.md <<'PY'
import sys
table, doc = open(sys.argv[1]).read(), open(sys.argv[2]).read()
begin, end = "<!-- suite:begin -->", "<!-- suite:end -->"
if begin in doc and end in doc:
    head, rest = doc.split(begin, 1)
    doc = head + begin + "\n" + table + end + rest.split(end, 1)[1]
else:
    doc += "\n" + begin + "\n" + table + end + "\n"
open(sys.argv[2], "w").write(doc)
PY
    log "==> docs/benchmarks.md updated"
fi
