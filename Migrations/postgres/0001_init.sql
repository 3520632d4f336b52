-- Photos and the durable job queue that turns them into display images and thumbnails (PostgreSQL).
-- The same tables and invariants as Migrations/sqlite/0001_init.sql; the queue's times are timestamptz,
-- compared with the server's now() so workers on different hosts share one clock.
-- No dollar-quoted bodies: the migrator splits this file on semicolons.

CREATE TABLE photos (
    id bigserial PRIMARY KEY,
    hash text NOT NULL UNIQUE CHECK (length(hash) = 64),
    original_name text NOT NULL,
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes bigint NOT NULL CHECK (bytes > 0),
    -- width and height as the photo is seen, after its EXIF orientation
    width integer NOT NULL CHECK (width > 0),
    height integer NOT NULL CHECK (height > 0),
    orientation integer CHECK (orientation BETWEEN 1 AND 8),
    -- EXIF capture time as the camera wrote it (no time zone), so text rather than timestamptz
    captured_at text,
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'ready', 'failed')),
    error text,
    display_ext text CHECK (display_ext IN ('jpg', 'png')),
    display_width integer,
    display_height integer,
    display_bytes bigint,
    thumbnail_ext text CHECK (thumbnail_ext IN ('jpg', 'png')),
    thumbnail_width integer,
    thumbnail_height integer,
    thumbnail_bytes bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'ready' OR (display_ext IS NOT NULL AND thumbnail_ext IS NOT NULL))
);

CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    -- the photo a job works on; deleting the photo deletes its jobs
    photo_id bigint REFERENCES photos (id) ON DELETE CASCADE,
    state text NOT NULL DEFAULT 'available' CHECK (state IN ('available', 'running', 'done', 'failed')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
    run_at timestamptz NOT NULL DEFAULT now(),
    locked_by text,
    locked_until timestamptz,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    -- a running job always has a holder and a lease, and only a running one does
    CHECK (state <> 'running' OR (locked_by IS NOT NULL AND locked_until IS NOT NULL)),
    CHECK (state = 'running' OR (locked_by IS NULL AND locked_until IS NULL)),
    -- finished exactly when done or failed
    CHECK ((state IN ('done', 'failed')) = (finished_at IS NOT NULL))
);

-- The claim query's two halves, as partial indexes matching its predicate:
-- available jobs that are due (by run_at, then id), and running jobs whose lease ran out.
CREATE INDEX jobs_available ON jobs (run_at, id) WHERE state = 'available';
CREATE INDEX jobs_running_lease ON jobs (locked_until) WHERE state = 'running';
-- For the cascade from photos and for finding a photo's jobs.
CREATE INDEX jobs_photo ON jobs (photo_id);
