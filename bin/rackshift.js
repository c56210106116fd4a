#!/usr/bin/env node
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const entry = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  console.error('rackshift: not built yet; run `npm run build` (or `npm start`, which builds) first');
  process.exit(2);
}
require(entry).main(process.argv).catch((e) => {
  console.error(`rackshift: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
