-- Ids that the audit log or a URL names are never given twice (finding 13 of the security
-- review). PostgreSQL's identity columns never reuse an id; SQLite's migration of this name
-- makes its tables remember the largest id ever used.
SELECT 1;
