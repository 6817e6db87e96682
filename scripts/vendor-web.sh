#!/bin/sh
# Refresh the web app's front-end libraries from the npm registry: each package is fetched
# with `npm pack` (no install, no scripts run), and only the files served are kept, with the
# package's licence beside them. Versions are pinned here; VENDORED.md records them.
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
DEST="$HERE/src/mediamill/web/static/web/vendor"
HTMX_VERSION=2.0.8
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "htmx.org@$HTMX_VERSION" >/dev/null
tar -xzf "htmx.org-$HTMX_VERSION.tgz"
mkdir -p "$DEST"
cp package/dist/htmx.min.js "$DEST/htmx.min.js"
cp package/LICENSE "$DEST/htmx.LICENSE.txt"
cat > "$DEST/VENDORED.md" <<DOC
# Vendored front-end libraries

Fetched from the npm registry by \`scripts/vendor-web.sh\`; served from here, never a CDN.

| package | version | file | licence |
|---|---|---|---|
| htmx.org | $HTMX_VERSION | htmx.min.js | BSD Zero Clause (htmx.LICENSE.txt) |
DOC
echo "vendored htmx.org $HTMX_VERSION into $DEST"
