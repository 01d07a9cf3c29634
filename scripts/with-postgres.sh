#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL server started here, on loopback, in a temporary
# directory; the server is stopped and removed afterwards, whatever the command's outcome.
#   scripts/with-postgres.sh pytest ...
# The server refuses to run as root, so as root it runs as the `postgres` system user.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "PostgreSQL binaries not found (run scripts/system-deps.sh)"; exit 1; }
port=${TUTELA_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
dir=$(mktemp -d /tmp/tutela-pg.XXXXXX)
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
cleanup() {
  as_pg "$bindir/pg_ctl -D $dir/data -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
as_pg "$bindir/initdb -D $dir/data -U tutela --auth=trust -E UTF8 --locale=C.UTF-8" >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log"; exit 1; }
# Durability is irrelevant for a throw-away test server: fsync off makes it several times faster.
as_pg "$bindir/pg_ctl -D $dir/data -l $dir/server.log -w -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 ${TUTELA_PG_OPTIONS:-}' start" >/dev/null \
  || { cat "$dir/server.log"; exit 1; }
export DATABASE_URL="postgres://tutela@127.0.0.1:$port/tutela"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
