-- Digits typed into the register search match the start of the INN, OGRN or register number.
-- SQLite answers that with bytewise ranges over the unique indexes these columns already have.
SELECT 1;
