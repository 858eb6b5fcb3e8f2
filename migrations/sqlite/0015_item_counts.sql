-- The journal's and the inbox's totals without counting (issue 12): a company with 5,000
-- sent items had them counted on every page of its journal (half the work of the page on
-- PostgreSQL). `item_counts` holds how many items each company has of each kind, status and
-- year of sending (0: not sent), kept by triggers on every write.
CREATE TABLE item_counts (
    member_id       INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    year            INTEGER NOT NULL,
    n               INTEGER NOT NULL,
    PRIMARY KEY (member_id, kind, status, year)
);
-- sent_at is stored as RFC 3339 in UTC: its first four characters are the year
INSERT INTO item_counts (member_id, kind, status, year, n)
SELECT member_id, kind, status, COALESCE(CAST(substr(sent_at, 1, 4) AS INTEGER), 0), COUNT(*) FROM items
GROUP BY member_id, kind, status, COALESCE(CAST(substr(sent_at, 1, 4) AS INTEGER), 0);

CREATE TRIGGER item_counts_insert AFTER INSERT ON items BEGIN
    INSERT INTO item_counts (member_id, kind, status, year, n)
    VALUES (new.member_id, new.kind, new.status, COALESCE(CAST(substr(new.sent_at, 1, 4) AS INTEGER), 0), 1)
    ON CONFLICT (member_id, kind, status, year) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER item_counts_delete AFTER DELETE ON items BEGIN
    UPDATE item_counts SET n = n - 1 WHERE member_id = old.member_id AND kind = old.kind
        AND status = old.status AND year = COALESCE(CAST(substr(old.sent_at, 1, 4) AS INTEGER), 0);
END;
CREATE TRIGGER item_counts_update AFTER UPDATE OF member_id, kind, status, sent_at ON items BEGIN
    UPDATE item_counts SET n = n - 1 WHERE member_id = old.member_id AND kind = old.kind
        AND status = old.status AND year = COALESCE(CAST(substr(old.sent_at, 1, 4) AS INTEGER), 0);
    INSERT INTO item_counts (member_id, kind, status, year, n)
    VALUES (new.member_id, new.kind, new.status, COALESCE(CAST(substr(new.sent_at, 1, 4) AS INTEGER), 0), 1)
    ON CONFLICT (member_id, kind, status, year) DO UPDATE SET n = n + 1;
END;
