-- Accounts in the browser: a role per user (admins manage accounts), disabling an account without deleting it, the
-- last sign-in, and one-time links that make an account (an invite) or set a new password (a reset). As with share
-- links only the SHA-256 of a link's token is stored. Same as Migrations/postgres/0013.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member'));
-- Set when an admin disables the account: it cannot sign in, and its sessions and API tokens stop working.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;
-- Until now every account could do everything; the oldest one (the operator's first `app users create`) becomes
-- the admin, so a server that already has accounts can manage them from the browser.
UPDATE users SET role = 'admin' WHERE id = (SELECT min(id) FROM users);

CREATE TABLE account_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    -- 'invite' makes a new account; 'reset' sets a new password for user_id
    kind TEXT NOT NULL CHECK (kind IN ('invite', 'reset')),
    -- a reset's account; an invite's once it has been used
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    -- an invite's fixed username (NULL: the person chooses one), the role it gives, and a note for the admin
    username TEXT CHECK (username IS NULL OR length(username) BETWEEN 1 AND 64),
    role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
    note TEXT CHECK (note IS NULL OR length(note) <= 200),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT,
    CHECK (kind = 'invite' OR user_id IS NOT NULL)
);
CREATE INDEX account_links_pending ON account_links (expires_at) WHERE used_at IS NULL AND revoked_at IS NULL;
CREATE INDEX account_links_user ON account_links (user_id);
