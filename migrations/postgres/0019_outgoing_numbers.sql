-- Outgoing numbers are given at sending (issue 17): a company's journal has no holes. Before,
-- the number was the item's id («ИСХ-000123»), so drafts and other companies' items left
-- gaps. Sent items keep the numbers they were shown under; new ones come from the company's
-- own numerator («ИСХ-0001/26», exchange.outgoing_pattern), a different form, so the two never
-- collide.
ALTER TABLE items ADD COLUMN outgoing_number TEXT;
UPDATE items SET outgoing_number = 'ИСХ-' || CASE WHEN id < 1000000 THEN lpad(id::text, 6, '0') ELSE id::text END
WHERE status <> 'draft';
