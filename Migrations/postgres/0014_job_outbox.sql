-- QUEUE=sqs (issue 23): the jobs table is also the transactional outbox. An upload still inserts its photo and its job
-- in one transaction; the relay in `app serve` sends rows not yet sent to SQS and stamps them. `sends` counts the
-- sends, so a dead letter left from an earlier send is told apart from one about the current one.
-- (PostgreSQL; the same as Migrations/sqlite/0014_job_outbox.sql.)

ALTER TABLE jobs ADD COLUMN sent_at timestamptz;
ALTER TABLE jobs ADD COLUMN sends integer NOT NULL DEFAULT 0 CHECK (sends >= 0);

-- The relay's query: waiting jobs not yet sent, oldest first. With QUEUE=database nothing reads it, and the rows
-- leave it when they finish.
CREATE INDEX jobs_outbox ON jobs (id) WHERE state = 'available' AND sent_at IS NULL;
