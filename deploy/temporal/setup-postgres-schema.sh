#!/bin/sh
# Creates Temporal's two PostgreSQL databases (persistence and visibility) and brings their schemas to the version
# the admin-tools image ships. Safe to run again: `setup-schema -v 0.0` leaves a newer schema alone and
# `update-schema` applies only what is missing. Runs in temporalio/admin-tools (see docker-compose.yml).
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required (the PostgreSQL host)}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required (read by temporal-sql-tool)}"
DB_PORT="${DB_PORT:-5432}"
SCHEMA_ROOT="${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}"

say() { printf '[temporal-schema] %s\n' "$*"; }

n=0
until nc -z "$POSTGRES_SEEDS" "$DB_PORT"; do
  n=$((n + 1))
  if [ "$n" -ge 60 ]; then
    say "PostgreSQL at $POSTGRES_SEEDS:$DB_PORT did not answer"
    exit 1
  fi
  sleep 1
done

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  dir=${pair#*:}
  # `create` fails when the database exists (a restart); a real connection problem fails setup-schema next.
  sql_tool --db "$db" create || say "database $db not created (it exists already?)"
  sql_tool --db "$db" setup-schema -v 0.0
  sql_tool --db "$db" update-schema -d "$SCHEMA_ROOT/$dir/versioned"
  say "database $db is at the current schema"
done
