-- An upload in flight holds a lease (finding 10 of the security review): its blobs are named
-- after the lease, and the sweeper leaves them alone while the lease is renewed, however long
-- the rest of the form takes to arrive. A process that dies stops renewing; its leftovers go.
CREATE TABLE upload_leases (
    token           TEXT PRIMARY KEY,
    renewed_at      TEXT NOT NULL
);
