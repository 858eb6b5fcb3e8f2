-- «Заявление об изменении сведений» (issue 13): a letter of the member whose acceptance by
-- the SRO changes the register entry. `proposal` holds the asked values as JSON
-- {"field": "value"}; `applied_version` the register version the acceptance made.
CREATE TABLE change_requests (
    item_id         BIGINT PRIMARY KEY REFERENCES items (id),
    proposal        TEXT NOT NULL,
    applied_version BIGINT
);
