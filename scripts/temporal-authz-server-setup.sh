#!/usr/bin/env bash
# Builds rackshift's Temporal server (temporal/authz-server: the stock server pinned in its
# go.mod, plus the authorizer that lets only the ledger writers change ledger/*), once per
# source state, into .tools/temporal-authz-server/<hash>/bin/, and prints that directory.
# The hash covers the Go sources (not tests), go.mod and go.sum, so an edited authorizer is rebuilt.
# Needs Go; the modules are those of scripts/temporal-cluster-setup.sh (same server version).
set -euo pipefail
cd "$(dirname "$0")/.."

src=temporal/authz-server
quiet=0; [ "${1:-}" = "--quiet" ] && quiet=1
say() { [ "$quiet" = 1 ] || echo "temporal-authz-server-setup: $*" >&2; }

sources=$(ls "$src"/*.go | grep -v '_test\.go$')
# shellcheck disable=SC2086 # the Go file names have no spaces
hash=$(cat "$src"/go.mod "$src"/go.sum $sources | sha256sum | cut -c1-16)
dir=".tools/temporal-authz-server/$hash"
if [ -x "$dir/bin/rackshift-temporal-server" ]; then
  echo "$dir"; exit 0
fi
command -v go >/dev/null || { echo "temporal-authz-server-setup: Go is needed" >&2; exit 1; }
mkdir -p "$dir/bin"
start=$(date +%s)
say "building $src into $dir/bin"
# No -trimpath: the build then reuses the compiled server packages of temporal-cluster-setup.sh
# from the Go build cache (19 s instead of a full compile).
(cd "$src" && go build -mod=readonly -o "../../$dir/bin/rackshift-temporal-server" .)
say "built in $(( $(date +%s) - start )) s"
echo "$dir"
