#!/usr/bin/env bash
# Rewrites constraints.txt: the newest versions requirements*.txt allow, installed into a
# throw-away venv. Run the whole suite (make test) before committing the new file.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-python3.11}" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
{
  sed -n '1,/^[^#]/{/^#/p}' constraints.txt
  "$tmp/venv/bin/python" -m pip freeze --exclude-editable | grep -iv '^tutela'
} > constraints.txt.new
mv constraints.txt.new constraints.txt
echo "constraints.txt rewritten; now: make test"
