#!/usr/bin/env node
// Entry point of the `cairn` CLI. Runs the compiled CLI, dist/cairn.cjs (built by `npm ci` through
// the root `prepare` script, by `npm start` and by `npm run build`), with a V8 code cache beside it
// so that a start compiles little: the first process that runs for CODE_CACHE_AFTER_MS (a server
// has started by then; one-shot commands have ended) writes the cache for the next ones. In a
// checkout being edited, where there is no build yet or a source is newer than it, it runs the
// TypeScript sources through tsx instead: slower to start, never stale.
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { COMPILED_CLI, compiledCliIsCurrent, SERVER_PACKAGE } from './build-freshness.js';

const CODE_CACHE_AFTER_MS = 2000;

if (compiledCliIsCurrent()) {
  runCompiledCli();
} else {
  const { register } = await import('tsx/esm/api');
  // The repository's tsconfig maps @cairn/client to its sources, which may be unbuilt too.
  const tsconfig = path.join(SERVER_PACKAGE, '..', '..', 'tsconfig.json');
  register(fs.existsSync(tsconfig) ? { tsconfig } : {});
  await import('../src/cli/index.ts');
}

/** Loads the bundle as Node loads a CommonJS module, but through a vm.Script that takes a code cache. */
function runCompiledCli() {
  const source = fs.readFileSync(COMPILED_CLI, 'utf8');
  // V8 checks a cache against the source's length only: the name carries the bundle's size and time.
  const { size, mtimeMs } = fs.statSync(COMPILED_CLI);
  const cacheFile = `${COMPILED_CLI}.${size}-${Math.trunc(mtimeMs)}.v8-cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: COMPILED_CLI, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    setTimeout(() => saveCodeCache(script, cacheFile), CODE_CACHE_AFTER_MS).unref();
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(COMPILED_CLI), module, COMPILED_CLI, path.dirname(COMPILED_CLI));
}

function saveCodeCache(script, file) {
  const partial = `${file}.${process.pid}`;
  try {
    fs.writeFileSync(partial, script.createCachedData());
    fs.renameSync(partial, file);
  } catch {
    // A read-only installation runs without a cache.
    try { fs.rmSync(partial, { force: true }); } catch { /* nothing was written */ }
  }
}
