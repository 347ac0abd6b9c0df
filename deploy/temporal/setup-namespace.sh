#!/bin/sh
# Prepares a Temporal cluster for the bridge, idempotently: waits until the frontend is healthy, creates the
# namespace when it is missing, and registers every search attribute the workflow upserts (BRIDGE_SEARCH_ATTRIBUTES,
# "Name=Type ..."). A workflow that upserts an unregistered attribute fails its task, so this runs before the worker
# starts the workflow. Runs in temporalio/admin-tools (docker-compose.yml) or anywhere `temporal` is on PATH.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required, e.g. temporal:7233}"
: "${BRIDGE_SEARCH_ATTRIBUTES:?BRIDGE_SEARCH_ATTRIBUTES is required, e.g. BridgeState=Keyword BridgeLastOkAt=Datetime}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-168h}"
ATTEMPTS="${SETUP_ATTEMPTS:-60}"

say() { printf '[temporal-setup] %s\n' "$*"; }

# Retries a command until it succeeds (a new namespace takes a few seconds to reach every frontend cache).
retry() {
  what=$1
  shift
  n=0
  until "$@" >/tmp/temporal-setup.out 2>&1; do
    n=$((n + 1))
    if [ "$n" -ge "$ATTEMPTS" ]; then
      say "giving up on: $what after $n attempts; last output:"
      cat /tmp/temporal-setup.out >&2
      exit 1
    fi
    sleep 2
  done
}

# A malformed list is a configuration error: say so before waiting for anything.
for pair in $BRIDGE_SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  if [ -z "$name" ] || [ "$name" = "$pair" ] || [ -z "$type" ]; then
    say "bad entry '$pair' in BRIDGE_SEARCH_ATTRIBUTES: expected Name=Type"
    exit 2
  fi
done

retry "cluster health at $TEMPORAL_ADDRESS" temporal operator cluster health --address "$TEMPORAL_ADDRESS"
say "Temporal at $TEMPORAL_ADDRESS is healthy"

if temporal operator namespace describe --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
  say "namespace $NAMESPACE exists"
else
  temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" --address "$TEMPORAL_ADDRESS"
  say "namespace $NAMESPACE created (retention $RETENTION)"
fi

retry "listing search attributes of $NAMESPACE" \
  temporal operator search-attribute list --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" --output json
existing=$(cat /tmp/temporal-setup.out)

for pair in $BRIDGE_SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  if printf '%s' "$existing" | grep -q "\"$name\""; then
    say "search attribute $name exists"
  else
    retry "creating search attribute $name ($type)" temporal operator search-attribute create \
      --namespace "$NAMESPACE" --name "$name" --type "$type" --address "$TEMPORAL_ADDRESS"
    say "search attribute $name ($type) registered"
  fi
done
say "done"
