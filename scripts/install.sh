#!/usr/bin/env bash
# Everything assetmap needs on a fresh Debian 12 machine: system packages, a virtualenv with the
# package installed, and the browser assets (Leaflet) from npm copied into the app's static folder.
# Usage: scripts/install.sh [demo|test]   (test also installs PostgreSQL/PostGIS and Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-demo}

apt_packages="libsqlite3-mod-spatialite"
command -v npm >/dev/null || apt_packages="$apt_packages nodejs npm"
[ "$what" = test ] && apt_packages="$apt_packages postgresql postgresql-15-postgis-3 chromium"
missing=$(for p in $apt_packages; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || echo "$p"; done)
if [ -n "$missing" ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $missing >/dev/null
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
extras=""; [ "$what" = test ] && extras="[test]"
.venv/bin/pip install -q --disable-pip-version-check --only-binary :all: -e ".$extras" 2>&1 | grep -v "is ignored: it is neither" || true
.venv/bin/python -c "import assetmap" # fail here if the install did not work

scripts/install_assets.sh
