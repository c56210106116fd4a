#!/usr/bin/env bash
# The README's test command: typecheck, lint, build, then every jest project (unit, drivers
# against real peers, lab, API, workflows and end-to-end against a real Temporal dev server,
# cluster against the real temporal-server on PostgreSQL).
# Ends with one line "tests: N passed, N failed, N skipped". Extra arguments go to jest.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --quiet --cluster || { echo "tests: setup failed (see above)"; exit 1; }
npx tsc -p tsconfig.json --noEmit || { echo "tests: typecheck failed"; exit 1; }
npx eslint . || { echo "tests: lint failed"; exit 1; }
npx prettier --check --log-level warn "**/*.{ts,js}" || { echo "tests: format check failed (npm run format)"; exit 1; }
npm run build --silent || { echo "tests: build failed"; exit 1; }
# The Go unit tests of rackshift's Temporal server (its authorizer); the cluster project runs it.
(cd temporal/authz-server && go test -mod=readonly ./...) || { echo "tests: go test (temporal/authz-server) failed"; exit 1; }

report=$(mktemp -t rackshift-jest-XXXXXX.json)
npx jest --ci --json --outputFile="$report" "$@"
status=$?
node -e '
  const r = require(process.argv[1]);
  // Where the time goes, for keeping the run short (docs/testing.md).
  const slow = r.testResults
    .map((t) => ({ s: (t.endTime - t.startTime) / 1000, f: t.name.replace(process.cwd() + "/", "") }))
    .sort((a, b) => b.s - a.s);
  const total = slow.reduce((n, t) => n + t.s, 0);
  console.log(`tests: ${total.toFixed(0)} suite-seconds; slowest: ${slow.slice(0, 8).map((t) => `${t.f} ${t.s.toFixed(0)} s`).join(", ")}`);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped (${r.numTotalTestSuites} suites, ${r.numFailedTestSuites} failed)`);
  if (r.numTotalTests === 0) { console.log("tests: no test ran"); process.exit(1); }
' "$report" || status=1
rm -f "$report"
exit $status
