-- Accounts: users with bcrypt password hashes, server-side sessions and API tokens (both stored only as the
-- SHA-256 of the secret the client holds), and the uploader of each photo
-- (PostgreSQL; the same as Migrations/sqlite/0003_accounts.sql).

CREATE TABLE users (
    id bigserial PRIMARY KEY,
    username text NOT NULL CHECK (length(username) BETWEEN 1 AND 64),
    -- the name lowercased by the app: usernames are unique regardless of case
    username_key text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    -- SHA-256 (hex) of the random token in the browser's cookie
    token_hash text PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    token_hash text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The uploader; NULL for photos uploaded while AUTH_REQUIRED=false or whose uploader was deleted.
ALTER TABLE photos ADD COLUMN owner_id bigint REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX photos_owner ON photos (owner_id);
