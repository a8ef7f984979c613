#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on loopback (port 54329, trust auth, data under
# /tmp/panoptes-pg) for the operational-store conformance suite, and prints the URL to export
# as PANOPTES_TEST_POSTGRES_URL. Installs Debian's postgresql first when it is missing.
set -euo pipefail
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dir=/tmp/panoptes-pg
port=54329
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -f "$dir/data/postmaster.pid" ]; then
  as_postgres "$bin/pg_ctl" -D "$dir/data" stop -m fast >&2 || true
fi
rm -rf "$dir" && mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
as_postgres "$bin/initdb" -D "$dir/data" -A trust -U panoptes >/dev/null
as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2
echo "postgres://panoptes@127.0.0.1:$port/postgres"
