/**
 * The program ipmi_sim runs for chassis_control, written into the lab data folder at start.
 * ipmi_sim runs it through a shell as `<script> <controlPort> <machine> get|set <words>…`
 * and answers no IPMI request until it exits, so it is bash talking HTTP/1.0 over bash's
 * own /dev/tcp: a few milliseconds, where starting node costs 100–200 ms per call. It
 * forwards the words (one `a=` query parameter each) and prints the body of a 200 answer.
 */
export const CHASSIS_CONTROL_SCRIPT = `#!/bin/bash
port=$1 machine=$2
shift 2
query=
for word in "$@"; do query="$query&a=\${word// /+}"; done
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'POST /lab/ipmi/%s/chassis?%s HTTP/1.0\\r\\nContent-Length: 0\\r\\n\\r\\n' "$machine" "\${query#&}" >&3
IFS= read -r -t 3 status <&3 || exit 1
while IFS= read -r -t 3 line <&3 && [ "\${line%$'\\r'}" != "" ]; do :; done
body=
while IFS= read -r -t 3 line <&3; do body="$body$line"$'\\n'; done
case $status in
  'HTTP/1.1 200 '*) printf '%s' "$body" ;;
  *) printf '%s' "$body" >&2; exit 1 ;;
esac
`;
