-- PostgreSQL's `member_counts` triggers become statement-level (see the PostgreSQL migration of
-- the same name). SQLite has no statement-level triggers, and it rewrites a small table's page
-- in place, so its counters do not bloat: nothing changes here.
SELECT 1;
