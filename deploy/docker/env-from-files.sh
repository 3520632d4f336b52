#!/usr/bin/env bash
# Docker and Swarm secrets arrive as files under /run/secrets, while `app` reads its settings from the
# environment only. For each secret setting below, NAME_FILE=/path in the environment becomes NAME with the
# contents of /path (trailing newlines dropped); then the given command runs.
#   env-from-files /usr/local/bin/app serve      (with DATABASE_URL_FILE=/run/secrets/database_url)
# An allow-list, not every *_FILE: DATABASE_CA_FILE is a setting of its own, SSL_CERT_FILE belongs to OpenSSL.
set -euo pipefail

for target in DATABASE_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN; do
    name="${target}_FILE"
    [[ -n "${!name:-}" ]] || continue
    path="${!name}"
    if [[ -n "${!target:-}" ]]; then
        echo "env-from-files: both $target and $name are set; use one" >&2
        exit 64
    fi
    if [[ ! -r "$path" ]]; then
        echo "env-from-files: $name: cannot read '$path'" >&2
        exit 66
    fi
    value="$(<"$path")"
    export "$target=$value"
    unset "$name"
done

if [[ $# -eq 0 ]]; then
    echo "usage: env-from-files COMMAND [ARG...]" >&2
    exit 64
fi
exec "$@"
