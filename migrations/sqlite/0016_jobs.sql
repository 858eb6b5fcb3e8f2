-- Several instances on one database (issue 12): periodic work (sweeping sessions, counters,
-- abandoned imports and orphan blobs, digests) runs once per period across all instances.
-- An instance takes a job by moving its lease forward in one conditional UPDATE; the lease
-- of an instance that died runs out and another takes the job over.
CREATE TABLE jobs (
    name             TEXT PRIMARY KEY,
    holder           TEXT NOT NULL DEFAULT '',
    lease_until      TEXT NOT NULL,
    due_at           TEXT NOT NULL,
    runs             INTEGER NOT NULL DEFAULT 0,
    failures         INTEGER NOT NULL DEFAULT 0,
    last_started_at  TEXT,
    last_finished_at TEXT,
    last_error       TEXT NOT NULL DEFAULT ''
);

