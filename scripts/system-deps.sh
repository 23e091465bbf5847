#!/usr/bin/env bash
# Installs what the test suite drives besides Python: Debian's Chromium (browser tests)
# and a PostgreSQL server (database tests), npm (axe-core), DejaVu fonts (board pack PDFs) and
# nginx (the README's HTTPS reverse-proxy example, run by a test; Debian may start it: it is stopped).
# Idempotent: does nothing when all are there.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
command -v npm >/dev/null 2>&1 || need+=(npm)  # axe-core for the accessibility audit
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)  # board pack PDF
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-core)  # the proxy test
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: please install ${need[*]} (no apt-get here)" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "system-deps: installing ${need[*]} with apt-get"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The proxy test runs its own nginx on free ports; a service the package started is not wanted.
if [[ " ${need[*]} " == *" nginx-core "* ]]; then
  $SUDO service nginx stop >/dev/null 2>&1 || $SUDO nginx -s stop >/dev/null 2>&1 || true
fi
