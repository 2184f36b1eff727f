// Whether the compiled CLI is current: dist/cairn.cjs exists and no file of the sources it is built
// from (packages/server/src, packages/client/src) is newer. Read by bin/cairn.js on every start,
// so it only stats files (about 150, a few milliseconds), and by build.js.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_PACKAGE = fileURLToPath(new URL('..', import.meta.url));
export const COMPILED_CLI = path.join(SERVER_PACKAGE, 'dist', 'cairn.cjs');
export const SOURCE_DIRECTORIES = [path.join(SERVER_PACKAGE, 'src'), path.join(SERVER_PACKAGE, '..', 'client', 'src')];

/** True when the build exists and no source is newer (where the sources are absent, as deployed: true). */
export function compiledCliIsCurrent() {
  let builtAt;
  try {
    builtAt = fs.statSync(COMPILED_CLI).mtimeMs;
  } catch {
    return false;
  }
  return !SOURCE_DIRECTORIES.some((directory) => hasFileNewerThan(directory, builtAt));
}

function hasFileNewerThan(directory, time) {
  let entries;
  try {
    entries = fs.readdirSync(directory, { withFileTypes: true });
  } catch {
    return false;
  }
  return entries.some((entry) => {
    const file = path.join(directory, entry.name);
    return entry.isDirectory() ? hasFileNewerThan(file, time) : fs.statSync(file).mtimeMs > time;
  });
}
