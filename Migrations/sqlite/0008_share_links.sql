-- Share links: a public link to an album or one photo, for people without an account. Only the SHA-256 of the
-- link's random token is stored (token_hash), so a dump of this table opens nothing; a password is a bcrypt hash
-- as the accounts' are. A revoked link keeps its row (it answers 410, and its guests' uploads stay attributed).
-- Same as Migrations/postgres/0008.
CREATE TABLE share_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    album_id INTEGER REFERENCES albums (id) ON DELETE CASCADE,
    photo_id INTEGER REFERENCES photos (id) ON DELETE CASCADE,
    -- who made it; NULL when sign-in was not required (or the account is gone)
    owner_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    password_hash TEXT,
    allow_download INTEGER NOT NULL CHECK (allow_download IN (0, 1)),
    allow_upload INTEGER NOT NULL CHECK (allow_upload IN (0, 1)),
    allow_view INTEGER NOT NULL CHECK (allow_view IN (0, 1)),
    expires_at TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL,
    CHECK ((album_id IS NULL) <> (photo_id IS NULL)),
    CHECK (allow_upload = 0 OR album_id IS NOT NULL),
    CHECK (allow_view = 1 OR allow_upload = 1)
);
CREATE INDEX share_links_owner ON share_links (owner_id, id);
CREATE INDEX share_links_album ON share_links (album_id);
CREATE INDEX share_links_photo ON share_links (photo_id);

-- The link a guest uploaded a photo through, so the owner sees (and can remove) what guests added, and a drop box
-- shows a guest only what came in through its own link.
ALTER TABLE album_photos ADD COLUMN added_by_link INTEGER REFERENCES share_links (id) ON DELETE SET NULL;
CREATE INDEX album_photos_link ON album_photos (added_by_link) WHERE added_by_link IS NOT NULL;

-- A guest's resumable upload: only that link reaches it (at /s/<token>/uploads/<id>), and its photo goes into the
-- link's album, attributed to the link. Revoking the link ends it.
ALTER TABLE uploads ADD COLUMN share_link_id INTEGER REFERENCES share_links (id) ON DELETE CASCADE;
