-- The journal's and the inbox's totals without counting (issue 12): a company with 5,000
-- sent items had them counted on every page of its journal (half the work of the page on
-- PostgreSQL). `item_counts` holds how many items each company has of each kind, status and
-- year of sending (0: not sent; the year in UTC, as the journal's filter), kept by a trigger.
CREATE TABLE item_counts (
    member_id       BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    year            BIGINT NOT NULL,
    n               BIGINT NOT NULL,
    PRIMARY KEY (member_id, kind, status, year)
);
INSERT INTO item_counts (member_id, kind, status, year, n)
SELECT member_id, kind, status, COALESCE(EXTRACT(YEAR FROM sent_at AT TIME ZONE 'UTC')::BIGINT, 0), COUNT(*)
FROM items GROUP BY 1, 2, 3, 4;

CREATE FUNCTION item_counts_add(m BIGINT, k TEXT, s TEXT, at TIMESTAMPTZ, d BIGINT) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO item_counts (member_id, kind, status, year, n)
    VALUES (m, k, s, COALESCE(EXTRACT(YEAR FROM at AT TIME ZONE 'UTC')::BIGINT, 0), d)
    ON CONFLICT (member_id, kind, status, year) DO UPDATE SET n = item_counts.n + d;
$$;

-- A change of one item touches two counter rows: the smaller key first, so two changes
-- crossing each other's keys wait instead of deadlocking.
CREATE FUNCTION item_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM item_counts_add(NEW.member_id, NEW.kind, NEW.status, NEW.sent_at, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM item_counts_add(OLD.member_id, OLD.kind, OLD.status, OLD.sent_at, -1);
    ELSIF (NEW.member_id, NEW.kind, NEW.status, COALESCE(EXTRACT(YEAR FROM NEW.sent_at AT TIME ZONE 'UTC'), 0))
        = (OLD.member_id, OLD.kind, OLD.status, COALESCE(EXTRACT(YEAR FROM OLD.sent_at AT TIME ZONE 'UTC'), 0)) THEN
        NULL;
    ELSIF (NEW.member_id, NEW.kind, NEW.status, COALESCE(EXTRACT(YEAR FROM NEW.sent_at AT TIME ZONE 'UTC'), 0))
        < (OLD.member_id, OLD.kind, OLD.status, COALESCE(EXTRACT(YEAR FROM OLD.sent_at AT TIME ZONE 'UTC'), 0)) THEN
        PERFORM item_counts_add(NEW.member_id, NEW.kind, NEW.status, NEW.sent_at, 1);
        PERFORM item_counts_add(OLD.member_id, OLD.kind, OLD.status, OLD.sent_at, -1);
    ELSE
        PERFORM item_counts_add(OLD.member_id, OLD.kind, OLD.status, OLD.sent_at, -1);
        PERFORM item_counts_add(NEW.member_id, NEW.kind, NEW.status, NEW.sent_at, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER item_counts_track
AFTER INSERT OR DELETE OR UPDATE OF member_id, kind, status, sent_at ON items
FOR EACH ROW EXECUTE FUNCTION item_counts_track();
