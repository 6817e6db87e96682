#!/bin/sh
# Refresh the browser libraries vendored for resumable uploads, from the npm registry.
#
#     scripts/refresh-uploads-vendor.sh            # the version recorded in VERSIONS
#     scripts/refresh-uploads-vendor.sh 4.3.2      # another version of tus-js-client
#
# Needs npm (only here, never at run time: the files are served from the package).
# Writes the bundle, its licence and VERSIONS (name, version, licence, SHA-256, source).
set -eu
cd "$(dirname "$0")/../src/mediamill/uploads/static/uploads/vendor"
version="${1:-$(awk '$1 == "tus-js-client" { print $2 }' VERSIONS)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "tus-js-client@$version" >/dev/null && tar xzf ./*.tgz)
cp "$work/package/dist/tus.min.js" tus.min.js
cp "$work/package/LICENSE" tus-js-client.LICENSE
licence="$(node -p "require('$work/package/package.json').license")"
sum="$(sha256sum tus.min.js | cut -d' ' -f1)"
{
    echo "# name version licence sha256-of-file file source"
    echo "# tus.min.js is the package's own browser bundle; it includes js-base64 (BSD-3-Clause),"
    echo "# url-parse, querystringify and requires-port (MIT)."
    echo "tus-js-client $version $licence $sum tus.min.js https://registry.npmjs.org/tus-js-client/-/tus-js-client-$version.tgz"
} > VERSIONS
echo "tus-js-client $version ($licence) vendored"
