# Shared by the bench scripts: which database a run uses.
#
#   DATABASE=sqlite                                  (default) a fresh SQLite file in the run's temp dir
#   DATABASE=postgres://postgres@127.0.0.1:5432      a fresh database on that server, dropped at the end
#   DATABASE=postgres://postgres@%2Fvar%2Frun%2Fpostgresql   the same through the Unix socket
#
# The data size is each script's MEMBERS / ITEMS.

BENCH_PG_SERVER=""; BENCH_PG_DB=""

# bench_db_setup <sqlite file>: exports KABINET__DATABASE__URL for the run.
bench_db_setup() {
    local file="$1" db="${DATABASE:-sqlite}"
    case "$db" in
        sqlite) export KABINET__DATABASE__URL="sqlite://$file" ;;
        postgres://*|postgresql://*)
            BENCH_PG_SERVER="${db%/}"
            BENCH_PG_DB="kabinet_bench_$$"
            psql "$BENCH_PG_SERVER/postgres" -qc "CREATE DATABASE $BENCH_PG_DB" >/dev/null
            export KABINET__DATABASE__URL="$BENCH_PG_SERVER/$BENCH_PG_DB" ;;
        *) printf 'DATABASE must be "sqlite" or a postgres:// server URL, not %s\n' "$db" >&2; exit 2 ;;
    esac
}

# After loading data: fresh statistics, as a production database has them.
bench_db_analyze() {
    [[ -n "$BENCH_PG_DB" ]] && psql "$BENCH_PG_SERVER/$BENCH_PG_DB" -qc "VACUUM ANALYZE" >/dev/null
    return 0
}

bench_db_cleanup() {
    [[ -n "$BENCH_PG_DB" ]] && psql "$BENCH_PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $BENCH_PG_DB WITH (FORCE)" >/dev/null 2>&1
    BENCH_PG_DB=""
    return 0
}

# "SQLite" or "PostgreSQL", for the result's heading.
bench_db_name() {
    if [[ -n "$BENCH_PG_DB" ]]; then echo PostgreSQL; else echo SQLite; fi
}
