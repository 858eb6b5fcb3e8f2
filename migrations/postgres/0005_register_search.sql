-- Searching the register by any part of a name, INN, OGRN or register number without reading
-- every row: a trigram index over members.search_text. pg_trgm ships with PostgreSQL and is a
-- trusted extension (13+): the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX members_search_trgm_idx ON members USING gin (search_text gin_trgm_ops);

-- «Данные обновлены …» of the public register
CREATE INDEX members_updated_idx ON members (updated_at);
