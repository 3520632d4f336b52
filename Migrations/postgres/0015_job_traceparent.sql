-- Traces (issue 25): the W3C `traceparent` of the span that enqueued a job, so the worker's spans (claim, decode,
-- resize, encode, stores, mark ready) join the upload's trace; with QUEUE=sqs the relay copies it into the message's
-- attributes. NULL with tracing off, and for jobs the sweep enqueues.
-- (PostgreSQL; the same as Migrations/sqlite/0015_job_traceparent.sql.)

ALTER TABLE jobs ADD COLUMN traceparent text;
