#!/usr/bin/env bash
# Runs Tutela in production mode on this machine with the demo operation: generates the secrets once
# (var/secrets.env, readable by this user only), migrates, loads the demo, then `tutela serve` runs
# the web app (gunicorn), the background-task worker and the scheduler, restarting any of them
# that crashes (with a limit and a log line). Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
# Everything this script and its children create (the secrets, the database, uploads) is private.
umask 077
mkdir -p var
chmod 700 var
if [ ! -f var/secrets.env ]; then
  # Written to a private temporary file first (the umask applies before the redirect creates it),
  # then moved into place, so that an interrupted run never leaves a half-written file.
  tmp=$(mktemp var/secrets.env.XXXXXX)
  {
    echo "TUTELA_SECRET_KEY=$($bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    echo "TUTELA_FIELD_KEYS=$($bin/tutela generate_key 2>/dev/null || TUTELA_DEBUG=1 $bin/tutela generate_key)"
  } > "$tmp"
  mv "$tmp" var/secrets.env
fi
# Older installations: the secrets file was created 0644.
chmod 600 var/secrets.env
# The `tutela` command reads var/secrets.env itself (so does the web server); nothing to source.
export TUTELA_ALLOWED_HOSTS="${TUTELA_ALLOWED_HOSTS:-localhost,127.0.0.1}"
export TUTELA_BASE_URL="${TUTELA_BASE_URL:-http://127.0.0.1:${PORT:-8000}}"
$bin/tutela migrate -v0
$bin/tutela collectstatic --noinput -v0
$bin/tutela demo
echo
echo "Tutela is running at http://127.0.0.1:${PORT:-8000}/  (Ctrl-C stops the server, the worker and the scheduler)"
exec $bin/tutela serve --bind "127.0.0.1:${PORT:-8000}"
