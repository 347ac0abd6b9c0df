#!/bin/sh
# Runs once, when the compose PostgreSQL initialises its data directory (/docker-entrypoint-initdb.d): the bridge's
# own database and owner, and a read-only role for Grafana. The bridge worker creates its tables (migrations) at start;
# default privileges give the reader SELECT on them. Temporal's databases are made by its schema job.
set -eu

: "${BRIDGE_DB_PASSWORD:?BRIDGE_DB_PASSWORD is required}"
: "${GRAFANA_DB_PASSWORD:?GRAFANA_DB_PASSWORD is required}"
export BRIDGE_DB_USER="${BRIDGE_DB_USER:-bridge}"
export BRIDGE_DB_NAME="${BRIDGE_DB_NAME:-bridge}"
export GRAFANA_DB_USER="${GRAFANA_DB_USER:-grafana_reader}"
export BRIDGE_DB_PASSWORD GRAFANA_DB_PASSWORD

# psql reads the names and passwords from the environment (\getenv, psql 15+) and quotes them itself (:'x', :"x"),
# so no password appears on a command line, in the process list or in a log.
run_sql() {
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" --dbname "$1"
}

run_sql "${POSTGRES_DB:-postgres}" <<'SQL'
\getenv bridge_user BRIDGE_DB_USER
\getenv bridge_password BRIDGE_DB_PASSWORD
\getenv bridge_db BRIDGE_DB_NAME
\getenv reader_user GRAFANA_DB_USER
\getenv reader_password GRAFANA_DB_PASSWORD
CREATE ROLE :"bridge_user" LOGIN PASSWORD :'bridge_password';
CREATE ROLE :"reader_user" LOGIN PASSWORD :'reader_password';
CREATE DATABASE :"bridge_db" OWNER :"bridge_user";
REVOKE ALL ON DATABASE :"bridge_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"bridge_db" TO :"reader_user";
SQL

run_sql "$BRIDGE_DB_NAME" <<'SQL'
\getenv bridge_user BRIDGE_DB_USER
\getenv reader_user GRAFANA_DB_USER
GRANT USAGE ON SCHEMA public TO :"reader_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"bridge_user" IN SCHEMA public GRANT SELECT ON TABLES TO :"reader_user";
SQL
echo "[postgres-init] database $BRIDGE_DB_NAME (owner $BRIDGE_DB_USER) and read-only role $GRAFANA_DB_USER created"
