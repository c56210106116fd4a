#!/usr/bin/env bash
# Builds the real Temporal server (the one a data center runs, not the dev server) and its
# SQL schema tool from the Go module, once, into .tools/temporal-server/<version>/, and
# prints that directory. The version is the one the pinned dev server bundles (temporal CLI
# 1.9.1 = Server 1.32.0), so the cluster tests and the e2e tests run the same server code.
# Needs Go and the Go module proxy the first time (about 5 minutes on 2 idle cores); a no-op
# after. The schema files come from the same module, in the Go module cache.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_SERVER_VERSION=v1.32.0
dir=".tools/temporal-server/$TEMPORAL_SERVER_VERSION"
quiet=0; [ "${1:-}" = "--quiet" ] && quiet=1
say() { [ "$quiet" = 1 ] || echo "temporal-cluster-setup: $*" >&2; }

if [ -x "$dir/bin/temporal-server" ] && [ -x "$dir/bin/temporal-sql-tool" ] && [ -d "$dir/schema/postgresql" ]; then
  echo "$dir"; exit 0
fi
command -v go >/dev/null || { echo "temporal-cluster-setup: Go is needed to build the Temporal server" >&2; exit 1; }
mkdir -p "$dir/bin"
start=$(date +%s)
say "building go.temporal.io/server $TEMPORAL_SERVER_VERSION (cmd/server, cmd/tools/sql) into $dir/bin"
GOBIN="$(pwd)/$dir/bin" go install \
  "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" \
  "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"
mv "$dir/bin/server" "$dir/bin/temporal-server"
mv "$dir/bin/sql" "$dir/bin/temporal-sql-tool"
# The schema travels with the binaries, so a later `go clean -modcache` does not break them.
rm -rf "$dir/schema"
cp -r "$(go env GOMODCACHE)/go.temporal.io/server@$TEMPORAL_SERVER_VERSION/schema" "$dir/schema"
chmod -R u+w "$dir/schema"
say "built in $(( $(date +%s) - start )) s"
echo "$dir"
