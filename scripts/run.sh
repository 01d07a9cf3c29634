#!/usr/bin/env bash
# Runs Tutela in production mode on this machine with the demo operation: generates the secrets once
# (var/secrets.env, readable by this user only), migrates, loads the demo, then serves the web app
# with gunicorn and runs the background-task worker and the scheduler beside it. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
if [ ! -f var/secrets.env ]; then
  mkdir -p var
  ( umask 077
    echo "TUTELA_SECRET_KEY=$($bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    echo "TUTELA_FIELD_KEYS=$($bin/tutela generate_key 2>/dev/null || TUTELA_DEBUG=1 $bin/tutela generate_key)"
  ) > var/secrets.env
fi
set -a
# shellcheck disable=SC1091
source var/secrets.env
set +a
export TUTELA_ALLOWED_HOSTS="${TUTELA_ALLOWED_HOSTS:-localhost,127.0.0.1}"
export TUTELA_BASE_URL="${TUTELA_BASE_URL:-http://127.0.0.1:${PORT:-8000}}"
$bin/tutela migrate -v0
$bin/tutela collectstatic --noinput -v0
$bin/tutela demo
# The background-task worker, the scheduler of periodic jobs (outbox retries, daily digest,
# reminders) and the web server run side by side. When any of them stops, or on Ctrl-C or TERM,
# all three are stopped; the script waits for them before it exits.
pids=()
stop_children() {
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop_children EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
$bin/tutela db_worker &
pids+=($!)
$bin/tutela scheduler &
pids+=($!)
echo
echo "Tutela is running at http://127.0.0.1:${PORT:-8000}/  (Ctrl-C stops the server, the worker and the scheduler)"
$bin/gunicorn config.wsgi -b "127.0.0.1:${PORT:-8000}" -w 2 --access-logfile - --graceful-timeout 5 &
pids+=($!)
# Returns as soon as one of them exits (or a signal arrives); the EXIT trap stops the others.
status=0
wait -n || status=$?
exit "$status"
