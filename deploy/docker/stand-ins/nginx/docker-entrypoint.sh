#!/bin/sh
# The stand-in nginx image's entrypoint: when starting nginx, sources /docker-entrypoint.d/*.envsh and runs
# /docker-entrypoint.d/*.sh in order (as the official image does), then runs the command.
set -eu
if [ "${1:-}" = nginx ]; then
    for script in $(find /docker-entrypoint.d/ -type f | sort); do
        [ -x "$script" ] || continue
        case "$script" in
            *.envsh)
                # shellcheck source=/dev/null
                . "$script"
                ;;
            *.sh) "$script" ;;
        esac
    done
fi
exec "$@"
