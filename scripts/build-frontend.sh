#!/usr/bin/env bash
# Rebuild the web console's front-end files from the npm registry into bot/web/static/.
#
# The built files are committed, so ldbot installs with pip alone and serves nothing from a CDN; run this
# only to move to newer versions (change the versions below), then commit bot/web/static/.
#   - govuk-frontend: compiled from its Sass with the system font stack, so neither the GOV.UK Transport
#     font nor the crown (reserved for GOV.UK itself) is included; the JavaScript as published.
#   - chart.js: its UMD build (charts drawn from the table beside each chart).
# Needs node and npm.
set -euo pipefail
GOVUK_FRONTEND=6.6.0
CHART_JS=4.6.1
SASS=1.108.2

here="$(cd "$(dirname "$0")/.." && pwd)"
out="$here/bot/web/static"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --silent \
  "govuk-frontend@$GOVUK_FRONTEND" "chart.js@$CHART_JS" "sass@$SASS"

cat > ldbot.scss <<'SCSS'
@use "govuk-frontend/dist/govuk" as * with (
  $govuk-font-family: (system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", arial, sans-serif),
  $govuk-include-default-font-face: false,
  $govuk-assets-path: "/admin/static/govuk/assets/"
);
SCSS
npx sass --no-source-map --style=compressed --load-path=node_modules --quiet-deps --silence-deprecation=import \
  ldbot.scss govuk-frontend.min.css

mkdir -p "$out/govuk" "$out/chartjs"
cp govuk-frontend.min.css "$out/govuk/govuk-frontend.min.css"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$out/govuk/govuk-frontend.min.js"
printf "govuk-frontend: MIT licence, Crown copyright (see https://github.com/alphagov/govuk-frontend)\n" > "$out/govuk/LICENSE.txt"
cp node_modules/chart.js/dist/chart.umd.min.js "$out/chartjs/chart.umd.min.js"
cp node_modules/chart.js/LICENSE.md "$out/chartjs/LICENSE.md"
printf 'govuk-frontend %s\nchart.js %s\n' "$GOVUK_FRONTEND" "$CHART_JS" > "$out/VERSIONS"
echo "front-end files written to $out"
