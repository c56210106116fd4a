#!/usr/bin/env bash
# FOR TRIALS, NOT PRODUCTION. Makes a throw-away CA and the certificates the compose overrides
# expect (docker-compose.mtls.yml, docker-compose.https.yml) with openssl, as the cluster tests
# do (test/support/temporal-cluster.ts). A data center uses certificates from its own CA.
#
#   bash scripts/compose-certs.sh [dir]        (default: ./certs; refuses to overwrite)
#
# Environment:
#   COMPOSE_CERTS_SANS   extra names on the two browser-facing certificates (the API's and the
#                        UI's HTTPS), e.g. "DNS:rackshift.lab.example,IP:10.0.0.5"
#   COMPOSE_CERTS_OWNER  owner of the keys (uid:gid). Default, when run as root: 1000:1000, the
#                        user every image of the stack runs as (node, temporal); else the caller.
#   COMPOSE_CERTS_DAYS   validity in days (default 30)
#
# Keys are mode 0600 from the moment they exist (umask 077). The CA's key is deleted once the
# certificates are signed: nothing else can ever be signed with it, so trusting ca.pem in a
# browser for a trial trusts exactly these certificates.
set -euo pipefail
umask 077

dir="${1:-certs}"
days="${COMPOSE_CERTS_DAYS:-30}"
extra="${COMPOSE_CERTS_SANS:-}"
[[ "$days" =~ ^[0-9]+$ ]] || { echo "compose-certs: COMPOSE_CERTS_DAYS must be a number of days, got '$days'" >&2; exit 1; }
# Names go into an openssl config file: allow only the characters a DNS name or IP address has.
[[ -z "$extra" || "$extra" =~ ^((DNS|IP):[A-Za-z0-9.:*-]+,?)+$ ]] || {
  echo "compose-certs: COMPOSE_CERTS_SANS must be DNS:<name> or IP:<address>, comma-separated, got '$extra'" >&2
  exit 1
}
command -v openssl >/dev/null || { echo "compose-certs: openssl is needed" >&2; exit 1; }
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
  echo "compose-certs: $dir is not empty; move it away first (nothing was changed)" >&2
  exit 1
fi
mkdir -p "$dir"
cd "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=rackshift compose trial CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout ca.key -out ca.pem 2>/dev/null

# leaf <name> <CN> <extendedKeyUsage> [subjectAltName]
leaf() {
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$3"
    [ -z "${4:-}" ] || echo "subjectAltName=$4"
  } >"$tmp/$1.ext"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$tmp/$1.csr" 2>/dev/null
  openssl x509 -req -in "$tmp/$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -CAserial "$tmp/ca.srl" \
    -days "$days" -extfile "$tmp/$1.ext" -out "$1.pem" 2>/dev/null
}

browser="DNS:localhost,IP:127.0.0.1${extra:+,$extra}"
# The Temporal frontend: clients inside the stack dial temporal:7233; the host's 127.0.0.1:7233.
leaf frontend temporal serverAuth "DNS:temporal,DNS:localhost,IP:127.0.0.1"
# History/matching/worker services of the same server among themselves, and its system worker's
# client certificate towards the frontend.
leaf internode temporal-internode serverAuth,clientAuth "DNS:temporal"
# Clients of the frontend: the UI, and every rackshift process (setup job, workers, API).
leaf ui temporal-ui clientAuth
leaf rackshift rackshift clientAuth
# What the browser sees: the API's and the UI's HTTPS.
leaf api-https rackshift-api serverAuth "DNS:rackshift-api,$browser"
leaf ui-https temporal-ui serverAuth "DNS:temporal-ui,$browser"

rm -f ca.key
chmod 0644 ./*.pem
chmod 0600 ./*.key
owner="${COMPOSE_CERTS_OWNER:-}"
[ -n "$owner" ] || [ "$(id -u)" != 0 ] || owner=1000:1000
[ -z "$owner" ] || chown "$owner" ./*.key
if [ "$(stat -c %u frontend.key)" != 1000 ]; then
  echo "compose-certs: the keys belong to uid $(stat -c %u frontend.key); the containers run as uid 1000 and cannot read a 0600 key of another user (chown 1000:1000 $dir/*.key)" >&2
fi
echo "compose-certs: trial CA and certificates in $dir (CA key deleted; not for production)" >&2
