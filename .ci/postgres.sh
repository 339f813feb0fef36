#!/usr/bin/env bash
# Install (from Debian packages) and start a local PostgreSQL server as a plain process, with a
# role and database for the test suite. Idempotent. Prints the DATABASE_URL to use.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -q >&2
  apt-get install -y -q postgresql >&2
fi
PGVER=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | grep -q "^$PGVER main"; then
  pg_createcluster "$PGVER" main >&2
fi
if ! pg_lsclusters -h | grep -q "^$PGVER main .* online"; then
  pg_ctlcluster "$PGVER" main start >&2
fi
for _ in $(seq 1 30); do
  su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='seedbed'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"create role seedbed login superuser password 'seedbed'\"" >&2
su postgres -c "psql -qtAc \"select 1 from pg_database where datname='seedbed'\"" | grep -q 1 \
  || su postgres -c "createdb -O seedbed seedbed" >&2
echo "postgres://seedbed:seedbed@127.0.0.1:5432/seedbed"
