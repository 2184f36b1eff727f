#!/usr/bin/env node
// Entry point of the `cairn` CLI. Runs the compiled CLI, dist/cairn.js (built by `npm ci` through
// the root `prepare` script, by `npm start` and by `npm run build`). In a checkout being edited,
// where there is no build yet or a source is newer than it, it runs the TypeScript sources through
// tsx instead: slower to start, never stale.
import fs from 'node:fs';
import path from 'node:path';
import { compiledCliIsCurrent, SERVER_PACKAGE } from './build-freshness.js';

if (compiledCliIsCurrent()) {
  await import('../dist/cairn.js');
} else {
  const { register } = await import('tsx/esm/api');
  // The repository's tsconfig maps @cairn/client to its sources, which may be unbuilt too.
  const tsconfig = path.join(SERVER_PACKAGE, '..', '..', 'tsconfig.json');
  register(fs.existsSync(tsconfig) ? { tsconfig } : {});
  await import('../src/cli/index.ts');
}
