// Builds @cairn/client for its users (tsc: .js and .d.ts in packages/client/dist), then what
// `npm start` and bin/cairn.js run: the server and CLI bundled by esbuild into packages/server/dist
// (cairn.js and the chunks it loads on demand, e.g. the HTTP stack only for `serve`; the client's
// code comes from its sources through the root tsconfig's paths). One bundle instead of ~1,500
// module files is most of the start-up time saved. Skips the bundle when it is newer than every
// source; `--force` rebuilds it anyway.
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
  const outdir = path.dirname(COMPILED_CLI);
  fs.rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: { cairn: path.join(SERVER_PACKAGE, 'src', 'cli', 'index.ts') },
    // Every file lands in dist/ itself: version.ts reads ../package.json relative to its own file.
    outdir,
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // The native SQLite binding stays a package; pg is required on first use (store/database.ts).
    external: ['better-sqlite3', 'pg', 'pg-native'],
    // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __cairnCreateRequire } from 'node:module'; const require = __cairnCreateRequire(import.meta.url);" },
    // Less to parse at every start; names are kept, so stack traces and class names read as in the sources.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  });
}
