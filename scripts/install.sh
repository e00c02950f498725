#!/usr/bin/env bash
# Everything assetmap needs on a fresh Debian 12 machine: system packages, a virtualenv with the
# package installed, and the browser assets (Leaflet) from npm copied into the app's static folder.
# Usage: scripts/install.sh [demo|test]   (test also installs PostgreSQL/PostGIS, Chromium and ruff)
# Each step says what it does before it starts and how long it took; a step that is already done is
# skipped and says so. Any failure stops the script with a message and a non-zero exit status.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-demo}
case $what in
  demo|test) ;;
  *) echo "usage: scripts/install.sh [demo|test]" >&2; exit 2 ;;
esac

step_name=""
step() { step_name=$1; step_started=$SECONDS; echo "==> $1"; }
step_done() { echo "    done in $((SECONDS - step_started)) s"; }
skip() { echo "==> $1: already done, skipped"; }
trap 'echo "install.sh: FAILED during: ${step_name:-start-up} (exit status $?)" >&2' ERR

# Runs a noisy command with its output in a log; on failure shows the end of the log.
run_logged() {
  local log status=0
  log=$(mktemp -t assetmap-install.XXXXXX)
  "$@" >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    echo "    '$*' failed with exit status $status; last lines of its output ($log):" >&2
    tail -n 40 "$log" >&2
    return "$status"
  fi
  # pip's index configuration on some machines warns about a missing local mirror: not our problem.
  grep -v "is ignored: it is neither a file nor a directory" "$log" || true
  rm -f "$log"
}

# 1. System packages: only those not yet installed, without their "recommended" extras (printer
# tools, avahi, samba...), and without upgrading anything already installed.
apt_packages=(libsqlite3-mod-spatialite)
command -v npm >/dev/null || apt_packages+=(nodejs npm)
[ "$what" = test ] && apt_packages+=(postgresql postgresql-15-postgis-3 chromium wrk redis-server)
missing=()
for p in "${apt_packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == *"ok installed"* ]] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "Installing system packages: ${missing[*]} (about 30 s the first time)"
  sudo=(); [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  run_logged "${sudo[@]}" apt-get update -q
  run_logged "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends --no-upgrade "${missing[@]}"
  step_done
else
  skip "System packages (${apt_packages[*]})"
fi

# 2. The virtualenv.
if [ -x .venv/bin/python ]; then
  skip "Creating .venv"
else
  step "Creating .venv"
  "${PYTHON:-python3}" -m venv .venv
  step_done
fi

# 3. The package and its Python dependencies, re-done only when setup.cfg or pyproject.toml change.
extras=""; [ "$what" = test ] && extras="[test]"
stamp=".venv/.assetmap-installed-$what-$(cat setup.cfg pyproject.toml | sha1sum | cut -c1-12)"
test_stamp=".venv/.assetmap-installed-test-$(cat setup.cfg pyproject.toml | sha1sum | cut -c1-12)"
if [ -f "$stamp" ] || [ -f "$test_stamp" ]; then
  skip "Installing Python packages"
else
  step "Installing Python packages (about 40 s the first time)"
  run_logged .venv/bin/pip install -q --disable-pip-version-check --only-binary :all: -e ".$extras"
  .venv/bin/python -c "import assetmap"
  rm -f .venv/.assetmap-installed-*
  touch "$stamp"
  step_done
fi

# 4. Leaflet and friends from npm (says itself whether it ran or was skipped).
scripts/install_assets.sh
