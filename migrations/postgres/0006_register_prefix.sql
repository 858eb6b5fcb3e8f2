-- Digits typed into the register search match the start of the INN, OGRN or register number:
-- LIKE 'prefix%' needs pattern indexes under a non-C collation.
CREATE INDEX members_inn_prefix_idx ON members (inn text_pattern_ops);
CREATE INDEX members_ogrn_prefix_idx ON members (ogrn text_pattern_ops);
CREATE INDEX members_register_number_prefix_idx ON members (register_number text_pattern_ops);
