#!/usr/bin/env bash
# Backs up a single-server Memories: the SQLite database with `sqlite3 .backup` (a consistent copy while the app
# writes) and then the media folder, into DEST/<UTC time>/; keeps the newest KEEP (default 7) backups.
# Database first: every row in the copy has its files, since files are stored before their rows are written.
#
#   backup.sh DEST            (reads DATABASE_URL=sqlite:PATH and MEDIA_ROOT from the environment)
#   restore: stop the units, copy memories.sqlite3 back, `tar -C "$MEDIA_ROOT" -xf media.tar`, start them.
set -euo pipefail
dest="${1:?usage: backup.sh DEST}"
keep="${KEEP:-7}"
database="${DATABASE_URL:?DATABASE_URL is not set}"
[[ "$database" == sqlite:* ]] || { echo "backup.sh: DATABASE_URL is not sqlite:PATH (use pg_dump for PostgreSQL)" >&2; exit 2; }
database="${database#sqlite:}"
database="${database#//}"
media="${MEDIA_ROOT:?MEDIA_ROOT is not set}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$dest/$stamp"
mkdir -p "$target"
sqlite3 "$database" ".backup '$target/memories.sqlite3'"
check="$(sqlite3 "$target/memories.sqlite3" 'PRAGMA integrity_check;')"
[[ "$check" == ok ]] || { echo "backup.sh: the copy fails its integrity check: $check" >&2; exit 1; }
# Uploads in flight (.tmp) are not worth keeping.
tar -C "$media" --exclude=./.tmp -cf "$target/media.tar" .
photos="$(sqlite3 "$target/memories.sqlite3" 'SELECT count(*) FROM photos;')"
echo "backup.sh: $target ($photos photos, $(du -sh "$target" | cut -f1))"
# Keep the newest $keep backups.
find "$dest" -mindepth 1 -maxdepth 1 -type d -name '20*Z' | sort | head -n "-$keep" | xargs -r rm -rf
