-- Resumable uploads (tus 1.0): each unfinished upload's progress, so any app server can take its next chunk.

CREATE TABLE uploads (
    -- random and unguessable (128 bits, hex): the URL is the only credential an anonymous upload has
    id TEXT PRIMARY KEY CHECK (length(id) = 32),
    length INTEGER NOT NULL CHECK (length > 0),
    upload_offset INTEGER NOT NULL DEFAULT 0 CHECK (upload_offset >= 0 AND upload_offset <= length),
    file_name TEXT NOT NULL,
    -- SHA-256 hex the client declared for the whole file (Upload-Metadata sha256), checked at completion
    declared_hash TEXT CHECK (declared_hash IS NULL OR length(declared_hash) = 64),
    album_id INTEGER REFERENCES albums (id) ON DELETE SET NULL,
    -- storage state: the local temp file, or the S3 multipart upload, its part ETags (newline-separated)
    -- and the tail below S3's 5 MB part minimum, kept here for the next chunk on any server
    temp_path TEXT,
    s3_upload_id TEXT,
    part_etags TEXT NOT NULL DEFAULT '',
    parts_count INTEGER NOT NULL DEFAULT 0,
    tail BLOB,
    -- the lease of the PATCH in progress: another PATCH while it holds is refused (409), never interleaved
    lease_token TEXT,
    lease_until INTEGER,
    -- milliseconds since 1970 (UTC)
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The sweep's search for expired uploads.
CREATE INDEX uploads_expires ON uploads (expires_at);
