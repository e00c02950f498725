#!/usr/bin/env bash
# The demo on the embedded default (SpatiaLite + Whoosh): a fresh database in demo/, sample data, served.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p demo
export DATABASE_URL=${DATABASE_URL:-sqlite:///demo/assetmap-demo.db}
export ASSETMAP_INDEX_DIR=${ASSETMAP_INDEX_DIR:-demo/index}
if [ ! -d ../shared/data ] && [ -z "${ASSETMAP_BOUNDARIES_DIR:-}" ]; then
  echo "==> Downloading ONS boundaries from the ONS Open Geography Portal (once; cached in ~/.cache/assetmap/boundaries)"
  .venv/bin/assetmap boundaries fetch
fi
rm -f demo/assetmap-demo.db*
rm -rf "$ASSETMAP_INDEX_DIR"
echo "==> Building the demo database and search index in demo/, then serving http://127.0.0.1:${PORT:-5000}"
exec .venv/bin/assetmap demo --port "${PORT:-5000}"
