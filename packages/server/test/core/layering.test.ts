/**
 * Floors point down: core/ (domain rules, secrets at rest, identifiers) never imports auth/
 * (request authentication), so that auth can build on core and a second surface or a job can use
 * the core without the HTTP authentication layer.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const SRC = path.resolve(import.meta.dirname, '../../src');
const CORE = path.join(SRC, 'core');
const AUTH = path.join(SRC, 'auth');

/** Every module specifier of a TypeScript source: static and dynamic imports, re-exports. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s*['"]([^'"]+)['"]/gm];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** The specifiers of `file` that lead into auth/. */
function importsIntoAuth(file: string, source: string): string[] {
  return specifiers(source).filter((specifier) => {
    if (!specifier.startsWith('.')) return /(^|\/)src\/auth(\/|$)/.test(specifier);
    const target = path.resolve(path.dirname(file), specifier);
    return target === AUTH || target.startsWith(AUTH + path.sep);
  });
}

describe('layering', () => {
  // resources/ (the v3 declarations and engine) sits on core too: a job or another surface reaches it without auth/.
  for (const folder of ['core', 'resources']) {
    it(`no module under src/${folder} imports from src/auth`, () => {
      const root = path.join(SRC, folder);
      const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => path.join(root, f));
      assert.ok(files.length > 3, `${folder}/ was scanned`);
      const offences = files.flatMap((file) => importsIntoAuth(file, fs.readFileSync(file, 'utf8')).map((s) => `${path.relative(SRC, file)} imports ${s}`));
      assert.deepEqual(offences, []);
    });
  }

  it('the scan recognises every way of importing auth/', () => {
    const file = path.join(CORE, 'tenancy', 'example.ts');
    for (const source of [
      "import { SecretBox } from '../../auth/secrets.js';",
      "import type { Principal } from '../../auth/principal.js';",
      "export { x } from '../../auth/scheme.js';",
      "const m = await import('../../auth/tokens.js');",
      "import '../../auth';",
    ]) assert.equal(importsIntoAuth(file, source).length, 1, source);
    assert.deepEqual(importsIntoAuth(file, "import { SecretBox } from '../secrets.js';\nimport x from 'auth-lib';"), []);
  });
});
