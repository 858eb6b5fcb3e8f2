-- An import is staged, then switched on (finding 17 of the security review): its members are
-- written in short transactions, a few hundred at a time, so other requests keep being served,
-- and stay invisible until one last short transaction clears their `import_batch`. The table
-- is `member_rows`; `members`, which everything reads, is the view of the live rows. Only the
-- register writes, and it writes `member_rows`.
--
-- A column added to `member_rows` later must also be added to the view (PostgreSQL fixes a
-- view's columns when it is created): `CREATE OR REPLACE VIEW members AS ...` again.
ALTER TABLE members RENAME TO member_rows;
ALTER TABLE member_rows ADD COLUMN import_batch TEXT;
CREATE INDEX member_rows_import_batch_idx ON member_rows (import_batch) WHERE import_batch IS NOT NULL;
CREATE VIEW members AS SELECT * FROM member_rows WHERE import_batch IS NULL;
