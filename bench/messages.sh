#!/usr/bin/env bash
# A message of the SRO to every member (issue 15), on SQLite and PostgreSQL side by side:
# MEMBERS generated members (one user each) plus the demo companies; an SMTP sink on loopback
# (bench/smtp_sink.py, or aiosmtpd's Sink with SINK=aiosmtpd); the administrator sends a decision to all through the pages, and
# the run measures the time until every company is delivered (its letters in the outbox) and
# until every letter was taken by the SMTP server, while wrk loads the staff's pages at 16
# connections: 8 on the message journal, 8 on the message's own page (p50, p99 of each).
# Markdown to stdout, progress to stderr:  bench/messages.sh > /tmp/messages.md
# WRITE_DOC=1 also puts the table into docs/benchmarks.md (between <!-- messages:begin/end -->).
# Knobs: MEMBERS (10000), ENGINES ("sqlite postgres"), PORT (18085), SMTP_PORT (18025),
# SINK (asyncio: bench/smtp_sink.py; aiosmtpd), PG_URL (postgres://postgres@127.0.0.1:5432), KEEP_TMP=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MEMBERS="${MEMBERS:-10000}"; ENGINES="${ENGINES:-sqlite postgres}"; PORT="${PORT:-18085}"
SMTP_PORT="${SMTP_PORT:-18025}"; SINK="${SINK:-asyncio}"; PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
BIN="$ROOT/target/release/kabinet"; CONFIG="$ROOT/config/sopo.toml"; BASE="http://127.0.0.1:$PORT"
log() { printf '%s\n' "$*" >&2; }
die() { printf 'messages.sh: %s\n' "$*" >&2; exit 1; }

command -v wrk >/dev/null || { log "==> Installing wrk"; apt-get install -y -qq wrk >/dev/null; }
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || { log "==> Installing python3-aiosmtpd"; apt-get install -y -qq python3-aiosmtpd >/dev/null; }
log "==> cargo build --release"
cargo build --release >&2
TMP="$(mktemp -d "${TMPDIR:-/tmp}/kabinet-messages.XXXXXX")"
SERVER_PID=""; SMTP_PID=""; PG_DB=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [[ -n "$SMTP_PID" ]] && kill "$SMTP_PID" 2>/dev/null && wait "$SMTP_PID" 2>/dev/null
    [[ -n "$PG_DB" ]] && psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1
    if [[ "${KEEP_TMP:-}" == 1 ]]; then log "Temp dir kept: $TMP"; else rm -rf "$TMP"; fi
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The receiving end: bench/smtp_sink.py answers at once (it measures Kabinet's sending); SINK=aiosmtpd
# uses aiosmtpd's Sink, which took ~190 letters a second on these cores and was the bound.
if [[ "$SINK" == aiosmtpd ]]; then
    /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Sink >"$TMP/smtp.log" 2>&1 &
    SINK_NAME="aiosmtpd's Sink"
else
    /usr/bin/python3 "$ROOT/bench/smtp_sink.py" 127.0.0.1 "$SMTP_PORT" >"$TMP/smtp.log" 2>&1 &
    SINK_NAME="bench/smtp_sink.py (an asyncio SMTP server that takes and drops every letter)"
fi
SMTP_PID=$!

# sql <query>: one number from the run's database.
sql() {
    if [[ -n "$PG_DB" ]]; then psql "$PG_URL/$PG_DB" -tAc "$1"; else
        /usr/bin/python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$TMP/bench.db" "$1"; fi
}

# sqlw <statement>: a write to the run's database, committed.
sqlw() {
    if [[ -n "$PG_DB" ]]; then psql "$PG_URL/$PG_DB" -qc "$1" >/dev/null; else
        /usr/bin/python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$TMP/bench.db" "$1"; fi
}

ROWS=(); REM=()
for engine in $ENGINES; do
    case "$engine" in
        sqlite) export KABINET__DATABASE__URL="sqlite://$TMP/bench.db"; NAME=SQLite; PG_DB="" ;;
        postgres) PG_DB="kabinet_messages_$$"; psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB" >/dev/null
                  export KABINET__DATABASE__URL="$PG_URL/$PG_DB"; NAME=PostgreSQL ;;
        *) die "unknown engine $engine" ;;
    esac
    export KABINET__LOG__LEVEL=warn KABINET__DEMO__ENABLED=false KABINET__SERVER__PORT="$PORT"
    export KABINET__SERVER__HOST=127.0.0.1 KABINET__SERVER__BASE_URL="$BASE"
    export KABINET__MAIL__SMTP_HOST=127.0.0.1 KABINET__MAIL__SMTP_PORT="$SMTP_PORT" KABINET__MAIL__POLL_SECONDS=1
    export KABINET__STORAGE__PATH="$TMP/files-$engine" KABINET__SECURITY__SECRET_KEY="bench-secret-bench-secret-bench-secret-00"
    export KABINET__SECURITY__LOGIN_PER_IP_PER_MINUTE=100000 KABINET__SECURITY__LOGIN_PER_ACCOUNT_PER_MINUTE=100000
    log "==> $NAME: demo data and $MEMBERS members"
    "$BIN" --config "$CONFIG" demo-data --members "$MEMBERS" >&2
    [[ -n "$PG_DB" ]] && psql "$PG_URL/$PG_DB" -qc "VACUUM ANALYZE" >/dev/null
    "$BIN" --config "$CONFIG" serve >"$TMP/server-$engine.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do curl -fs "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.3; done
    JAR="$TMP/jar-$engine"
    curl -fsS -c "$JAR" -b "$JAR" -o "$TMP/login.html" "$BASE/login"
    token="$(grep -o '<input[^>]*name="csrf_token"[^>]*>' "$TMP/login.html" | head -n1 | sed -n 's/.*value="\([^"]*\)".*/\1/p')"
    curl -sS -o /dev/null -D "$TMP/h.txt" -c "$JAR" -b "$JAR" -H "Origin: $BASE" --data-urlencode "login=admin@sro.example" \
        --data-urlencode "password=Admin-2026!" --data-urlencode "csrf_token=$token" "$BASE/login"
    session="$(tr -d '\r' <"$TMP/h.txt" | sed -n 's/^[Ss]et-[Cc]ookie: *kabinet_session=\([^;]*\).*/\1/p' | tail -n1)"
    [[ -n "$session" ]] || die "login set no session cookie"
    cookie="kabinet_session=$session"
    page_token() { curl -fsS -H "Cookie: $cookie" "$BASE$1" | grep -o '<input[^>]*name="csrf_token"[^>]*>' | head -n1 | sed -n 's/.*value="\([^"]*\)".*/\1/p'; }
    t="$(page_token /office/messages/new)"
    loc="$(curl -sS -o /dev/null -w '%{redirect_url}' -H "Cookie: $cookie" -H "Origin: $BASE" --data-urlencode "csrf_token=$t" \
        --data-urlencode "subject=Решение Совета" --data-urlencode "body=Текст решения." --data-urlencode "category=decision" \
        --data-urlencode "to=all" "$BASE/office/messages/new")"
    id="${loc##*/}"
    [[ "$id" =~ ^[0-9]+$ ]] || die "no draft created ($loc)"
    t="$(page_token "/office/messages/$id")"
    start="$(date +%s.%N)"
    curl -fsS -o /dev/null -H "Cookie: $cookie" -H "Origin: $BASE" --data-urlencode "csrf_token=$t" "$BASE/office/messages/$id/send"
    companies="$(sql "SELECT recipients FROM sro_messages WHERE id = $id")"
    # both pages answer 200 with their content before and after the load (wrk counts a
    # redirect to the login page as a success)
    pages_ok() {
        for path in /office/messages "/office/messages/$id"; do
            curl -fsS -o "$TMP/page.html" -w '%{http_code}' -H "Cookie: $cookie" "$BASE$path" | grep -qx 200 \
                && grep -q 'Доставлено\|доставлено' "$TMP/page.html" || die "$path does not answer with its page"
        done
    }
    pages_ok
    log "==> $NAME: delivering to $companies companies; wrk on the journal and the message's page meanwhile"
    # 16 connections in all: 8 on the journal, 8 on the message's own page (its progress and the
    # first 50 of its companies by name)
    wrk -t1 -c8 -d20s --latency -H "Cookie: $cookie" "$BASE/office/messages" >"$TMP/wrk" 2>&1 &
    WRK_PID=$!
    wrk -t1 -c8 -d20s --latency -H "Cookie: $cookie" "$BASE/office/messages/$id" >"$TMP/wrk-page" 2>&1 &
    WRK2_PID=$!
    delivered_s=""; sent_s=""
    for _ in $(seq 1 1200); do
        now="$(date +%s.%N)"
        if [[ -z "$delivered_s" && "$(sql "SELECT COUNT(*) FROM sro_message_recipients WHERE message_id = $id AND state = 'pending'")" == 0 ]]; then
            delivered_s="$(awk -v a="$start" -v b="$now" 'BEGIN {printf "%.1f", b - a}')"
        fi
        if [[ -n "$delivered_s" && "$(sql "SELECT COUNT(*) FROM outbox WHERE kind = 'sro_message' AND status = 'queued'")" == 0 ]]; then
            sent_s="$(awk -v a="$start" -v b="$now" 'BEGIN {printf "%.1f", b - a}')"; break
        fi
        sleep 0.5
    done
    wait "$WRK_PID" "$WRK2_PID" || true
    pages_ok
    # «Кто не прочитал» of every company as CSV (the whole list with its letters' outcomes)
    csv_s="$(curl -fsS -o "$TMP/unread.csv" -w '%{time_total}' -H "Cookie: $cookie" "$BASE/office/messages/$id/unread.csv")"
    csv_rows="$(($(wc -l <"$TMP/unread.csv") - 1))"
    letters="$(sql "SELECT COUNT(*) FROM outbox WHERE kind = 'sro_message' AND status = 'sent'")"
    # wrk_line <file>: req/s, p50 and p99 of one wrk run; its errors (non-2xx, sockets) when any
    wrk_line() {
        local rps p50 p99 bad kb
        rps="$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$1")"
        # the size of an average answer: a full page, not a redirect to the login page
        kb="$(awk '/Transfer\/sec/ {v = $2; u = substr(v, length(v) - 1); n = v + 0;
            if (u == "MB") n *= 1024; else if (u == "GB") n *= 1048576; else if (u != "KB") n /= 1024;
            print n}' "$1")"
        kb="$(awk -v a="$kb" -v b="$rps" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}')"
        p50="$(awk '$1=="50%" {print $2}' "$1")"; p99="$(awk '$1=="99%" {print $2}' "$1")"
        bad="$(grep -E 'Non-2xx|Socket errors' "$1" | tr -s ' ' | tr '\n' ' ' || true)"
        echo "$rps req/s · ${kb} KB each · p50 $p50 · **p99 $p99**${bad:+ · $bad}"
    }
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    # The reminders job over every member: the report sections' stage set far back so that
    # each section of each member is due now (the heaviest source), then the same run again
    # (everything sent already: the steady state of the hourly job).
    if [[ -n "$PG_DB" ]]; then on=TRUE; else on=1; fi
    sqlw "INSERT INTO reminder_rules (code, stages, enabled, updated_by) VALUES ('sections', '-200, 300', $on, 'bench')"
    r1="$("$BIN" --config "$CONFIG" reminders run 2>/dev/null | tail -n1)"
    r2="$("$BIN" --config "$CONFIG" reminders run 2>/dev/null | tail -n1)"
    first="$(sed -n 's/.*Готово за \([0-9.]*\) с.*/\1/p' <<<"$r1")"; again="$(sed -n 's/.*Готово за \([0-9.]*\) с.*/\1/p' <<<"$r2")"
    made="$(sed -n 's/Напоминаний: \([0-9]*\), писем: \([0-9]*\).*/\1 reminders, \2 letters/p' <<<"$r1")"
    REM+=("| $NAME | $made | **${first} s** | ${again} s |")
    ROWS+=("| $NAME | $companies | $letters | **${delivered_s:-timeout} s** | **${sent_s:-timeout} s** | $(wrk_line "$TMP/wrk") | $(wrk_line "$TMP/wrk-page") | $csv_rows rows in $(printf '%.2f' "$csv_s") s |")
    if [[ -n "$PG_DB" ]]; then psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null; PG_DB=""; fi
done

TABLE="$(
    echo "Run of $(date -u +%Y-%m-%d) at $(git rev-parse --short HEAD), $(nproc) cores; $MEMBERS generated members with one user each plus the demo companies; SMTP on loopback: $SINK_NAME."
    echo
    echo "| engine | companies | letters sent | all companies delivered (letters in the outbox) | all letters taken by SMTP | meanwhile under wrk: the staff's journal, 8 connections | and the message's page, 8 more | afterwards: «Кто не прочитал» as CSV |"
    echo "|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "The reminders job (\`kabinet reminders run\`) on the same databases afterwards: every report section of every member due (a stage 200 days before the deadline, a later one not come yet), then the same run again."
    echo
    echo "| engine | first run made | first run | second run (nothing new) |"
    echo "|---|---|---|---|"
    printf '%s\n' "${REM[@]}"
)"
echo "$TABLE"
if [[ "${WRITE_DOC:-}" == 1 ]]; then
    python3 - "$TABLE" <<'PY'
import sys, re
p = "docs/benchmarks.md"
s = open(p, encoding="utf-8").read()
block = "<!-- messages:begin -->\n" + sys.argv[1] + "\n<!-- messages:end -->"
s = re.sub(r"<!-- messages:begin -->.*?<!-- messages:end -->", lambda m: block, s, flags=re.S)
open(p, "w", encoding="utf-8").write(s)
PY
    log "==> docs/benchmarks.md updated"
fi
