#!/usr/bin/env node
// Prints "N passed, N failed" from one or more Jest --json result files; exits 1 when anything
// failed or when no test ran at all. A suite that failed to load counts as one failure.
const { readFileSync, existsSync } = require('node:fs');

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`[test] no Jest results at ${file}: Jest did not finish`);
    failed += 1;
    continue;
  }
  const results = JSON.parse(readFileSync(file, 'utf8'));
  passed += results.numPassedTests;
  failed += results.numFailedTests + results.numRuntimeErrorTestSuites;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
