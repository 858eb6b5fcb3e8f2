-- A file of an SRO message may carry a detached signature (issue 15): the signature is a row
-- of its own that names the file it signs, with the signer and the check's verdict.
ALTER TABLE sro_message_files ADD COLUMN signs_file_id BIGINT REFERENCES files (id);
ALTER TABLE sro_message_files ADD COLUMN signer TEXT NOT NULL DEFAULT '';
ALTER TABLE sro_message_files ADD COLUMN sig_verdict TEXT NOT NULL DEFAULT '';
