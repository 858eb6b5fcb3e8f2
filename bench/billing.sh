#!/usr/bin/env bash
# The money side on SQLite and PostgreSQL side by side, in one run (issue 14):
#   import   `kabinet payments import` of a statement with DOCS payment documents (100 000) from
#            MEMBERS members: wall time, documents per second, peak RSS, and the RSS growth over
#            the same import of a 1 000-document statement (what the statement's size costs);
#   accrual  `kabinet payments accrue --period` of one period for MEMBERS members;
#   page     the member's «Платежи и задолженности» with 5 years of monthly history under wrk at
#            16 connections (p50, p99).
# Markdown to stdout, progress to stderr:  bench/billing.sh > /tmp/billing.md
# WRITE_DOC=1 also puts the table into docs/benchmarks.md (between <!-- billing:begin/end -->).
# Knobs: MEMBERS (10000), DOCS (100000), ENGINES ("sqlite postgres"), DURATION (15s),
# PORT (18084), PG_URL (postgres://postgres@127.0.0.1:5432), KEEP_TMP=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MEMBERS="${MEMBERS:-10000}"; DOCS="${DOCS:-100000}"; ENGINES="${ENGINES:-sqlite postgres}"
DURATION="${DURATION:-15s}"; PORT="${PORT:-18084}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
BIN="$ROOT/target/release/kabinet"; CONFIG="$ROOT/config/sopo.toml"; BASE="http://127.0.0.1:$PORT"
LOGIN="buh@romashka-stroy.example"; PASSWORD='Romashka-Buh-2026!'
log() { printf '%s\n' "$*" >&2; }
die() { printf 'billing.sh: %s\n' "$*" >&2; exit 1; }

need=()
command -v wrk >/dev/null || need+=(wrk)
[[ -x /usr/bin/time ]] || need+=(time)
if ((${#need[@]})); then log "==> Installing ${need[*]}"; apt-get install -y -qq "${need[@]}" >/dev/null; fi
log "==> cargo build --release"
cargo build --release >&2
TMP="$(mktemp -d "${TMPDIR:-/tmp}/kabinet-billing.XXXXXX")"
SERVER_PID=""; PG_DB=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [[ -n "$PG_DB" ]] && psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1
    if [[ "${KEEP_TMP:-}" == 1 ]]; then log "Temp dir kept: $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The statements: payers are the generated members (INN «63» + seven digits + check digit),
# every tenth payment a mistyped INN (unmatched); Windows-1251, CRLF, as banks write them.
statement() { # statement <docs> <file>
    python3 - "$1" "$2" "$MEMBERS" "$(grep -m1 '^account' "$CONFIG" | cut -d'"' -f2)" <<'PY'
import sys, random
docs, path, members, account = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
def inn(n):
    p = "63%07d" % n
    w = [2, 4, 10, 3, 5, 9, 4, 6, 8]
    return p + str(sum(int(a) * b for a, b in zip(p, w)) % 11 % 10)
rnd = random.Random(14)
out = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "ДатаНачала=01.01.2026",
       "ДатаКонца=30.11.2026", "РасчСчет=" + account]
for i in range(docs):
    n = rnd.randint(4, members + 3)
    payer = inn(n) if i % 10 else inn(n)[:-1] + str((int(inn(n)[-1]) + 1) % 10)
    q = rnd.randint(1, 4)
    out += ["СекцияДокумент=Платежное поручение", "Номер=%d" % (i + 1), "Дата=%02d.%02d.2026" % (rnd.randint(1, 28), rnd.randint(1, 11)),
            "Сумма=%d.00" % rnd.choice([5000, 15000, 45000]), "ПлательщикСчет=40702810%012d" % n,
            "Плательщик=ООО «Тестовая компания %d»" % n, "ПлательщикИНН=" + payer, "ПолучательСчет=" + account,
            "ДатаПоступило=%02d.11.2026" % rnd.randint(1, 28), "ВидОплаты=01",
            "НазначениеПлатежа=Членский взнос за %s кв. 2026 г. Без НДС" % ["I", "II", "III", "IV"][q - 1],
            "КонецДокумента"]
out.append("КонецФайла")
open(path, "wb").write(("\r\n".join(out) + "\r\n").encode("cp1251"))
PY
}
log "==> statements of $DOCS and 1000 documents"
statement "$DOCS" "$TMP/big.txt"
statement 1000 "$TMP/small.txt"

# time_run <label> <cmd...>: wall seconds and peak RSS (KiB) of a command, via /usr/bin/time.
time_run() {
    local label="$1"; shift
    /usr/bin/time -f '%e %M' -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err" "$TMP/out" >&2; die "$label failed"; }
    cat "$TMP/time"
}

ROWS=()
for engine in $ENGINES; do
    case "$engine" in
        sqlite) export KABINET__DATABASE__URL="sqlite://$TMP/bench.db"; NAME=SQLite ;;
        postgres) PG_DB="kabinet_billing_$$"; psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB" >/dev/null
                  export KABINET__DATABASE__URL="$PG_URL/$PG_DB"; NAME=PostgreSQL ;;
        *) die "unknown engine $engine" ;;
    esac
    export KABINET__LOG__LEVEL=warn KABINET__DEMO__ENABLED=false KABINET__SERVER__PORT="$PORT"
    export KABINET__STORAGE__PATH="$TMP/files-$engine" KABINET__SECURITY__SECRET_KEY="bench-secret-bench-secret-bench-secret-00"
    log "==> $NAME: demo data, $MEMBERS members, 5 years of history"
    "$BIN" --config "$CONFIG" demo-data --members "$MEMBERS" --history-years 5 >&2
    [[ "$engine" == postgres ]] && psql "$PG_URL/$PG_DB" -qc "VACUUM ANALYZE" >/dev/null
    log "==> $NAME: accrual of one period for every member"
    read -r acc_s _ < <(time_run accrue "$BIN" --config "$CONFIG" payments accrue --period 2027-Q1)
    grep -q "начислений" "$TMP/out" || die "accrue printed nothing"
    acc_n="$(grep -o 'начислений [0-9]*' "$TMP/out" | head -1 | cut -d' ' -f2)"
    log "==> $NAME: import of 1000 and $DOCS documents"
    read -r _ small_kb < <(time_run small "$BIN" --config "$CONFIG" payments import "$TMP/small.txt")
    read -r big_s big_kb < <(time_run big "$BIN" --config "$CONFIG" payments import "$TMP/big.txt")
    grep -q "Выписка загружена" "$TMP/out" || { cat "$TMP/out" >&2; die "the big statement was not loaded"; }
    [[ "$engine" == postgres ]] && psql "$PG_URL/$PG_DB" -qc "VACUUM ANALYZE" >/dev/null
    log "==> $NAME: the payments page under wrk"
    KABINET__SERVER__HOST=127.0.0.1 KABINET__SERVER__BASE_URL="$BASE" \
    KABINET__SECURITY__LOGIN_PER_IP_PER_MINUTE=100000 KABINET__SECURITY__LOGIN_PER_ACCOUNT_PER_MINUTE=100000 \
        "$BIN" --config "$CONFIG" serve >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do curl -fs "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.3; done
    JAR="$TMP/jar-$engine"
    curl -fsS -c "$JAR" -b "$JAR" -o "$TMP/login.html" "$BASE/login"
    token="$(grep -o '<input[^>]*name="csrf_token"[^>]*>' "$TMP/login.html" | head -n1 | sed -n 's/.*value="\([^"]*\)".*/\1/p')"
    curl -sS -o /dev/null -D "$TMP/login-headers.txt" -c "$JAR" -b "$JAR" -H "Origin: $BASE" \
        --data-urlencode "login=$LOGIN" --data-urlencode "password=$PASSWORD" --data-urlencode "csrf_token=$token" "$BASE/login"
    session="$(tr -d '\r' <"$TMP/login-headers.txt" | sed -n 's/^[Ss]et-[Cc]ookie: *kabinet_session=\([^;]*\).*/\1/p' | tail -n1)"
    [[ -n "$session" ]] || die "login set no session cookie"
    cookie="kabinet_session=$session"
    code="$(curl -s -o "$TMP/page.html" -w '%{http_code}' -H "Cookie: $cookie" "$BASE/kabinet/payments")"
    [[ "$code" == 200 ]] || die "payments page answered $code"
    rows="$(grep -o '<tr' "$TMP/page.html" | wc -l)"
    wrk -t2 -c16 -d3s -H "Cookie: $cookie" "$BASE/kabinet/payments" >/dev/null 2>&1
    wrk -t2 -c16 -d"$DURATION" --latency -H "Cookie: $cookie" "$BASE/kabinet/payments" >"$TMP/wrk" 2>&1
    rps="$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$TMP/wrk")"
    p50="$(awk '$1=="50%" {print $2}' "$TMP/wrk")"; p99="$(awk '$1=="99%" {print $2}' "$TMP/wrk")"
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    docs_s="$(awk -v d="$DOCS" -v s="$big_s" 'BEGIN {printf "%.0f", d / s}')"
    growth="$(( (big_kb - small_kb) / 1024 ))"
    ROWS+=("| $NAME | $big_s s · **$docs_s docs/s** | $((big_kb / 1024)) MiB (1 000 docs: $((small_kb / 1024)) MiB) · **+$growth MiB** | $acc_n in **$acc_s s** | $rows rows · $rps req/s · p50 $p50 · **p99 $p99** |")
    if [[ "$engine" == postgres ]]; then psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null; PG_DB=""; fi
done

TABLE="$(
    echo "Run of $(date -u +%Y-%m-%d) at $(git rev-parse --short HEAD), $(nproc) cores; $MEMBERS members, a statement of $DOCS documents (Windows-1251, every tenth payer INN mistyped)."
    echo
    echo "| engine | import of $DOCS documents | peak RSS (growth over 1 000 docs) | accrual of one period | payments page, 5 years, 16 connections |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
)"
echo "$TABLE"
if [[ "${WRITE_DOC:-}" == 1 ]]; then
    python3 - "$TABLE" <<'PY'
import sys, re
p = "docs/benchmarks.md"
s = open(p, encoding="utf-8").read()
block = "<!-- billing:begin -->\n" + sys.argv[1] + "\n<!-- billing:end -->"
s = re.sub(r"<!-- billing:begin -->.*?<!-- billing:end -->", lambda m: block, s, flags=re.S)
open(p, "w", encoding="utf-8").write(s)
PY
    log "==> docs/benchmarks.md updated"
fi
