#!/bin/sh
# Renders every *.template under NGINX_ENVSUBST_TEMPLATE_DIR (default /etc/nginx/templates) into
# NGINX_ENVSUBST_OUTPUT_DIR (default /etc/nginx/conf.d), substituting only variables defined in the
# environment, so NGINX's own $variables stay as they are.
set -eu
templates="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
output="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
[ -d "$templates" ] || exit 0
defined="$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/${\1}/p' | tr '\n' ' ')"
find "$templates" -follow -type f -name "*$suffix" | while read -r template; do
    relative="${template#"$templates"/}"
    mkdir -p "$output/$(dirname "$relative")"
    envsubst "$defined" <"$template" >"$output/${relative%"$suffix"}"
    echo "stand-in nginx: rendered $template into $output/${relative%"$suffix"}"
done
