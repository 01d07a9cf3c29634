#!/usr/bin/env bash
# Installs the Debian packages Tutela needs, only those missing (idempotent, quick when all present):
# chromium (browser tests), gettext (compiling translations), postgresql (test database server),
# libreoffice-calc-nogui (the 5W templates are opened by LibreOffice in the tests), libreoffice-writer-nogui,
# Pango and fonts for WeasyPrint, age (opens backups without Tutela; the backup tests check it does).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v python3.11 >/dev/null 2>&1 || need+=(python3.11 python3.11-venv)
# LibreOffice (headless Calc) opens the generated 5W templates in the tests, as partners' Excel would.
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
# LibreOffice Writer opens the generated Word documents (PAU, minutes) in the tests.
dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
# WeasyPrint (PDF products) needs Pango and a font with French accents.
dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)
# The age tool opens `tutela backup` archives (age-encryption.org) without Tutela.
command -v age >/dev/null 2>&1 || need+=(age)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
