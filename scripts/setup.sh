#!/usr/bin/env bash
# Set up everything issuepdf needs on a fresh Debian/Ubuntu machine: system packages
# (Chromium for charts, Pango for WeasyPrint, poppler and qpdf for checking PDFs, mpack's munpack
# for checking email drafts), the venv in .venv, and the package itself with its test tools.
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
PACKAGES=(chromium fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils qpdf mpack python3-venv dovecot-imapd)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # the tests start their own dovecot on 127.0.0.1; the system service the package enables is not wanted
  if [[ " ${missing[*]} " == *" dovecot-imapd "* ]] && command -v systemctl >/dev/null \
    && systemctl is-enabled dovecot >/dev/null 2>&1; then
    $SUDO systemctl disable --now dovecot >/dev/null 2>&1 || true
  fi
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
echo "setup: done ($(.venv/bin/issuepdf --version))"
