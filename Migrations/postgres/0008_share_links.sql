-- Share links: a public link to an album or one photo, for people without an account. Only the SHA-256 of the
-- link's random token is stored (token_hash), so a dump of this table opens nothing; a password is a bcrypt hash
-- as the accounts' are. A revoked link keeps its row (it answers 410, and its guests' uploads stay attributed).
-- Same as Migrations/sqlite/0008.
CREATE TABLE share_links (
    id bigserial PRIMARY KEY,
    token_hash text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    album_id bigint REFERENCES albums (id) ON DELETE CASCADE,
    photo_id bigint REFERENCES photos (id) ON DELETE CASCADE,
    -- who made it; NULL when sign-in was not required (or the account is gone)
    owner_id bigint REFERENCES users (id) ON DELETE SET NULL,
    password_hash text,
    allow_download boolean NOT NULL,
    allow_upload boolean NOT NULL,
    allow_view boolean NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((album_id IS NULL) <> (photo_id IS NULL)),
    CHECK (NOT allow_upload OR album_id IS NOT NULL),
    CHECK (allow_view OR allow_upload)
);
CREATE INDEX share_links_owner ON share_links (owner_id, id);
CREATE INDEX share_links_album ON share_links (album_id);
CREATE INDEX share_links_photo ON share_links (photo_id);

-- The link a guest uploaded a photo through, so the owner sees (and can remove) what guests added, and a drop box
-- shows a guest only what came in through its own link.
ALTER TABLE album_photos ADD COLUMN added_by_link bigint REFERENCES share_links (id) ON DELETE SET NULL;
CREATE INDEX album_photos_link ON album_photos (added_by_link) WHERE added_by_link IS NOT NULL;

-- A guest's resumable upload: only that link reaches it (at /s/<token>/uploads/<id>), and its photo goes into the
-- link's album, attributed to the link. Revoking the link ends it.
ALTER TABLE uploads ADD COLUMN share_link_id bigint REFERENCES share_links (id) ON DELETE CASCADE;
