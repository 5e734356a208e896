#!/usr/bin/env bash
# Re-vendor GOV.UK Frontend into web/static/govuk-frontend/ from the npm registry (`make vendor-govuk`).
#
# Pinned: GOV.UK Frontend 6.3.0, the release govuk-frontend-jinja 4.1.0 (pyproject.toml) is tested
# against, and Dart Sass to compile it. The CSS is compiled from the published Sass with this
# service's settings (web/assets/govuk-frontend.scss: system fonts, no GDS Transport @font-face, only
# the components used); the JavaScript is the published ES module, copied as it is. No fonts, no
# images and so no crown are copied. Needs node and npm; the running service needs neither.
set -euo pipefail

GOVUK_FRONTEND_VERSION="${GOVUK_FRONTEND_VERSION:-6.3.0}"
SASS_VERSION="${SASS_VERSION:-1.94.2}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../static/govuk-frontend"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

command -v npm >/dev/null || { echo "npm not found: apt-get install -y nodejs npm" >&2; exit 2; }
(cd "$work" && npm init -y >/dev/null &&
  npm install --no-audit --no-fund --ignore-scripts --silent \
    "govuk-frontend@$GOVUK_FRONTEND_VERSION" "sass@$SASS_VERSION")

pkg="$work/node_modules/govuk-frontend"
mkdir -p "$out"
"$work/node_modules/.bin/sass" --style=compressed --no-source-map --quiet-deps \
  --load-path="$work/node_modules" "$here/govuk-frontend.scss" "$out/govuk-frontend.min.css"
# the published module, without its trailing source-map comment (the map is not vendored)
sed -e 's|//# sourceMappingURL=.*$||' "$pkg/dist/govuk/govuk-frontend.min.js" >"$out/govuk-frontend.min.js"

node -e 'const p = require(process.argv[1]); console.log(`${p.name} ${p.version} (${p.license})`)' \
  "$pkg/package.json" >"$out/VERSION"
echo "compiled with sass $SASS_VERSION from web/assets/govuk-frontend.scss" >>"$out/VERSION"
cat >"$out/LICENCE.txt" <<LICENCE
GOV.UK Frontend $GOVUK_FRONTEND_VERSION, from the govuk-frontend package on the npm registry.
Source: https://github.com/alphagov/govuk-frontend

The code is released under the MIT License:

The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

Not included: the GDS Transport font files and the GOV.UK crown and other images, which are for
GOV.UK only. The stylesheet here is compiled with a system font stack instead.
LICENCE
echo "vendored: $(head -1 "$out/VERSION") into $out"
