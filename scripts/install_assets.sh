#!/usr/bin/env bash
# Browser assets come from npm at install time and are served by the app: never from a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
vendor=assetmap/web/static/vendor
if [ ! -f "$vendor/.installed-$(sha1sum package-lock.json | cut -c1-12)" ]; then
  npm ci --silent --no-audit --no-fund
  rm -rf "$vendor" && mkdir -p "$vendor"
  cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$vendor/"
  cp -r node_modules/leaflet/dist/images "$vendor/images"
  cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
     node_modules/leaflet.markercluster/dist/MarkerCluster.css \
     node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css "$vendor/"
  cp node_modules/axe-core/axe.min.js "$vendor/"
  touch "$vendor/.installed-$(sha1sum package-lock.json | cut -c1-12)"
fi
