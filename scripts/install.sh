#!/usr/bin/env bash
# Install PolicyWatch into ./.venv, and Debian's chromium for browser fetching (documents
# declared `fetch = "browser"`, and the retry of blocked fetches). With --test, also what the
# test suite needs: the test extras and chromium-driver. Playwright drives /usr/bin/chromium:
# nothing is downloaded besides packages (never `playwright install`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip

apt_install() {
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if [ "${1:-}" = "--test" ]; then
    .venv/bin/python -m pip install -q -e ".[test]"
    if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
        apt_install chromium chromium-driver
    fi
else
    .venv/bin/python -m pip install -q -e .
    if ! command -v chromium >/dev/null 2>&1; then
        apt_install chromium || echo "install.sh: could not install chromium; browser fetches will" \
            "report 'browser not available' (apt-get install chromium)" >&2
    fi
fi
