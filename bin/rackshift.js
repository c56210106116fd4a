#!/usr/bin/env node
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const entry = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  console.error(
    'rackshift: not built yet; run `npm run build` (or `npm start`, which builds) first',
  );
  process.exit(2);
}
// Exit codes say the outcome (cli/exit-codes.ts): 0 done, 1 run failed, 2 usage, 3 refused, 4
// unavailable.
require(entry)
  .main(process.argv)
  .catch(require(join(__dirname, '..', 'dist', 'cli', 'exit-codes.js')).exitOnError);
