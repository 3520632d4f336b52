-- Photos and the durable job queue that turns them into display images and thumbnails.

CREATE TABLE photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    original_name TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes INTEGER NOT NULL CHECK (bytes > 0),
    -- width and height as the photo is seen, after its EXIF orientation
    width INTEGER NOT NULL CHECK (width > 0),
    height INTEGER NOT NULL CHECK (height > 0),
    orientation INTEGER CHECK (orientation BETWEEN 1 AND 8),
    captured_at TEXT,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'ready', 'failed')),
    error TEXT,
    display_ext TEXT CHECK (display_ext IN ('jpg', 'png')),
    display_width INTEGER,
    display_height INTEGER,
    display_bytes INTEGER,
    thumbnail_ext TEXT CHECK (thumbnail_ext IN ('jpg', 'png')),
    thumbnail_width INTEGER,
    thumbnail_height INTEGER,
    thumbnail_bytes INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (status <> 'ready' OR (display_ext IS NOT NULL AND thumbnail_ext IS NOT NULL))
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    -- the photo a job works on; deleting the photo deletes its jobs
    photo_id INTEGER REFERENCES photos (id) ON DELETE CASCADE,
    state TEXT NOT NULL DEFAULT 'available' CHECK (state IN ('available', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
    -- times in milliseconds since 1970, for the claim query's arithmetic
    run_at INTEGER NOT NULL,
    locked_by TEXT,
    locked_until INTEGER,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT,
    CHECK (state <> 'running' OR (locked_by IS NOT NULL AND locked_until IS NOT NULL))
);

-- The claim query looks only at unfinished jobs: available ones by run_at, running ones by their lease.
CREATE INDEX jobs_available ON jobs (run_at, id) WHERE state = 'available';
CREATE INDEX jobs_running_lease ON jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_photo ON jobs (photo_id);
