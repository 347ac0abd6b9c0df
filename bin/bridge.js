#!/usr/bin/env node
// The `bridge` command: runs the TypeScript CLI through tsx, or the compiled one when built.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (existsSync(compiled)) {
  require(compiled).buildProgram().parseAsync(process.argv).catch(fail);
} else {
  require('tsx/cjs');
  require('../src/cli/main.ts').buildProgram().parseAsync(process.argv).catch(fail);
}

function fail(err) {
  process.stderr.write(`bridge: ${String(err && err.message ? err.message : err).split('\n')[0]}\n`);
  process.exit(1);
}
