-- QUEUE=sqs (issue 23): the jobs table is also the transactional outbox. An upload still inserts its photo and its job
-- in one transaction; the relay in `app serve` sends rows not yet sent to SQS and stamps them. `sends` counts the
-- sends, so a dead letter left from an earlier send is told apart from one about the current one.
-- (SQLite; the same as Migrations/postgres/0014_job_outbox.sql.)

-- milliseconds since 1970, like run_at
ALTER TABLE jobs ADD COLUMN sent_at INTEGER;
ALTER TABLE jobs ADD COLUMN sends INTEGER NOT NULL DEFAULT 0 CHECK (sends >= 0);

CREATE INDEX jobs_outbox ON jobs (id) WHERE state = 'available' AND sent_at IS NULL;
