/**
 * tql/ is the bottom floor (DESIGN.md "Layout"): lexer, parser, AST, dates, format and errors
 * import nothing outside tql/, not even a package. The compiler that maps keywords to columns
 * lives beside the resource declarations (src/resources/engine/tql.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const TQL_DIR = path.resolve(import.meta.dirname, '../../src/tql');

/** Every module specifier a file names: static and dynamic imports, re-exports, type imports. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm)) {
    found.push((match[1] ?? match[2] ?? match[3])!);
  }
  return found;
}

describe('tql/ layering', () => {
  it('finds the imports it checks', () => {
    assert.deepEqual(specifiers(`import { a } from './a.js';\nimport type { B } from "../b.js";\nexport { c } from 'kysely';\nimport './side.js';\nconst d = await import('node:fs');`),
      ['./a.js', '../b.js', 'kysely', './side.js', 'node:fs']);
  });

  it('every src/tql module imports only modules of tql/', () => {
    const files = fs.readdirSync(TQL_DIR).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 5, files.join(', '));
    for (const file of files) {
      for (const specifier of specifiers(fs.readFileSync(path.join(TQL_DIR, file), 'utf8'))) {
        assert.match(specifier, /^\.\/[\w-]+\.js$/, `src/tql/${file} imports ${specifier}, outside tql/`);
      }
    }
  });
});
