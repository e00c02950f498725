#!/usr/bin/env bash
# Browser assets come from npm at install time and are served by the app: never from a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
vendor=assetmap/web/static/vendor
stamp="$vendor/.installed-$(sha1sum package-lock.json | cut -c1-12)"
if [ -f "$stamp" ]; then
  echo "==> Copying map scripts from npm: already done, skipped"
  exit 0
fi
echo "==> Copying map scripts from npm (Leaflet, markercluster, axe-core; a few seconds the first time)"
trap 'echo "install_assets.sh: FAILED copying map scripts from npm (exit status $?)" >&2' ERR
started=$SECONDS
npm ci --loglevel=error --no-audit --no-fund
rm -rf "$vendor" && mkdir -p "$vendor"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$vendor/"
cp -r node_modules/leaflet/dist/images "$vendor/images"
cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
   node_modules/leaflet.markercluster/dist/MarkerCluster.css \
   node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css "$vendor/"
cp node_modules/axe-core/axe.min.js "$vendor/"
touch "$stamp"
echo "    done in $((SECONDS - started)) s"
