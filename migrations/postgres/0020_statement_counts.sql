-- `member_counts` by statement, not by row (issue 12). With a trigger per row, loading 100,000
-- members (or switching on a staged import of 40,000) updated the same few counter rows once per
-- member inside one transaction: every update left a row version nobody could prune until the
-- end, and the five-row table grew to 701 pages. VACUUM freed them but could not give them
-- back, so every page of the public register read 701 pages to sum five rows (3.6 ms on each
-- /reestr and API page, measured with EXPLAIN (ANALYZE, BUFFERS)). Now each statement adds its
-- rows' deltas, grouped, in one upsert per counter row, in key order (two statements crossing
-- each other's keys wait instead of deadlocking).
DROP TRIGGER member_counts_track ON member_rows;
DROP FUNCTION member_counts_track();
DROP FUNCTION member_counts_add(TEXT, BIGINT, BIGINT, BIGINT);

CREATE FUNCTION member_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO member_counts (status, vv_level, odo_level, n)
    SELECT status, COALESCE(vv_level, 0), COALESCE(odo_level, 0), COUNT(*) FROM new_rows
    WHERE import_batch IS NULL
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (status, vv_level, odo_level) DO UPDATE SET n = member_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE FUNCTION member_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO member_counts (status, vv_level, odo_level, n)
    SELECT status, COALESCE(vv_level, 0), COALESCE(odo_level, 0), -COUNT(*) FROM old_rows
    WHERE import_batch IS NULL
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (status, vv_level, odo_level) DO UPDATE SET n = member_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;

-- An UPDATE trigger with transition tables cannot name columns: it runs for every update of
-- member_rows, and writes only where the counts moved.
CREATE FUNCTION member_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO member_counts (status, vv_level, odo_level, n)
    SELECT s, vv, odo, SUM(d) FROM (
        SELECT status AS s, COALESCE(vv_level, 0) AS vv, COALESCE(odo_level, 0) AS odo, 1 AS d
        FROM new_rows WHERE import_batch IS NULL
        UNION ALL
        SELECT status, COALESCE(vv_level, 0), COALESCE(odo_level, 0), -1
        FROM old_rows WHERE import_batch IS NULL
    ) x
    GROUP BY s, vv, odo HAVING SUM(d) <> 0 ORDER BY s, vv, odo
    ON CONFLICT (status, vv_level, odo_level) DO UPDATE SET n = member_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE TRIGGER member_counts_insert AFTER INSERT ON member_rows
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION member_counts_insert();
CREATE TRIGGER member_counts_delete AFTER DELETE ON member_rows
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION member_counts_delete();
CREATE TRIGGER member_counts_update AFTER UPDATE ON member_rows
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION member_counts_update();
