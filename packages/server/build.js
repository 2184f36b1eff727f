// Builds @cairn/client for its users (tsc: .js and .d.ts in packages/client/dist), then what
// `npm start` and bin/cairn.js run: the server and CLI bundled by esbuild into one CommonJS file,
// packages/server/dist/cairn.cjs (the client's code comes from its sources through the root
// tsconfig's paths). One file instead of ~1,500 modules, and CommonJS because Node 20 can load it
// with a V8 code cache (bin/cairn.js), are most of the start-up time saved. Skips the bundle when
// it is newer than every source; `--force` rebuilds it anyway.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { COMPILED_CLI, compiledCliIsCurrent, SERVER_PACKAGE } from './bin/build-freshness.js';

const require = createRequire(import.meta.url);
const force = process.argv.includes('--force');

// tsc -b keeps its own record of what is current; it takes a fraction of a second when nothing changed.
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', path.join(SERVER_PACKAGE, '..', 'client')], { stdio: 'inherit' });

if (force || !compiledCliIsCurrent()) {
  const { build } = await import('esbuild');
  // Also removes the code cache of the previous bundle.
  fs.rmSync(path.dirname(COMPILED_CLI), { recursive: true, force: true });
  await build({
    entryPoints: [path.join(SERVER_PACKAGE, 'src', 'cli', 'index.ts')],
    // In dist/ itself: version.ts reads ../package.json relative to its own file.
    outfile: COMPILED_CLI,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // The native SQLite binding stays a package; pg is required on first use (store/database.ts).
    external: ['better-sqlite3', 'pg', 'pg-native'],
    // The sources are ES modules: import.meta.url becomes the bundle's own URL.
    define: { 'import.meta.url': '__cairnModuleUrl' },
    banner: { js: "const __cairnModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    // Less to parse at every start; names are kept, so stack traces and class names read as in the sources.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  });
}
