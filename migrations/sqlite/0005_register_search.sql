-- Searching the register by any part of a name, INN, OGRN or register number without reading
-- every row: a trigram full-text index over members.search_text (FTS5, external content), kept
-- in step by triggers. LIKE '%…%' with 3 or more characters is answered from the index.
CREATE VIRTUAL TABLE members_fts USING fts5(
    search_text,
    content = 'members',
    content_rowid = 'id',
    tokenize = 'trigram'
);
INSERT INTO members_fts (rowid, search_text) SELECT id, search_text FROM members;

CREATE TRIGGER members_fts_insert AFTER INSERT ON members BEGIN
    INSERT INTO members_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER members_fts_delete AFTER DELETE ON members BEGIN
    INSERT INTO members_fts (members_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER members_fts_update AFTER UPDATE OF search_text ON members BEGIN
    INSERT INTO members_fts (members_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO members_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;

-- «Данные обновлены …» of the public register
CREATE INDEX members_updated_idx ON members (updated_at);
