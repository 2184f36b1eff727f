/**
 * The TQL compiler on its own: user text only ever becomes bound parameters (property test
 * over generated queries), keywords resolve through the declarations, and errors are TqlErrors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler,
} from 'kysely';
import { compileTql } from '../../../src/resources/engine/tql.js';
import { resourceNamed } from '../../../src/resources/registry.js';
import { TqlError } from '../../../src/tql/errors.js';
import { formatTql } from '../../../src/tql/format.js';
import { parseTql } from '../../../src/tql/parser.js';
import type { TqlNode, TqlValue } from '../../../src/tql/ast.js';

const cases = resourceNamed('cases');
const tasks = resourceNamed('tasks');

const dialects = {
  sqlite: new Kysely<any>({ dialect: { createAdapter: () => new SqliteAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new SqliteIntrospector(db), createQueryCompiler: () => new SqliteQueryCompiler() } }),
  postgres: new Kysely<any>({ dialect: { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new PostgresIntrospector(db), createQueryCompiler: () => new PostgresQueryCompiler() } }),
};

const scope = { resource: cases, resourceNamed, ownerIds: [0, 1], now: new Date('2026-01-15T12:00:00Z') };

function compile(tql: string, dialect: keyof typeof dialects = 'sqlite') {
  return compileTql(parseTql(tql), scope).compile(dialects[dialect]);
}

describe('TQL compiler', () => {
  it('turns values into parameters and keywords into declared columns', () => {
    const { sql, parameters } = compile('name = "Phishing" and severity in ("high", "Critical") and hasTask(status = "open")');
    assert.match(sql, /"t0"\."name" = \?/);
    assert.match(sql, /"t0"\."severity" in \(\?, \?\)/);
    assert.match(sql, /"t0"\."id" is not null and "t0"\."id" in \(select "t1"\."case_id" from "tasks" as t1 where/);
    assert.deepEqual(parameters.filter((p) => typeof p === 'string'), ['Phishing', 'High', 'Critical', 'Open']);
  });

  it('resolves keywords case-insensitively and without underscores (tcex sends caseid)', () => {
    assert.match(compileTql(parseTql('CASE_ID = 5'), { ...scope, resource: tasks }).compile(dialects.sqlite).sql, /"t0"\."case_id" = cast\(\? as bigint\)/);
    assert.match(compile('SEVERITY EQ "LOW"').sql, /"t0"\."severity" = \?/);
  });

  it('evaluates dates relative to now and compares in the stored format', () => {
    const { parameters } = compile('caseOpenTime > "NOW() - 1 HOUR" and dateAdded >= "TODAY()" and lastUpdated < "2023-02-28"');
    assert.deepEqual(parameters, ['2026-01-15T11:00:00Z', '2026-01-15T00:00:00Z', '2023-02-28T00:00:00Z']);
  });

  it('escapes LIKE wildcards for CONTAINS/STARTSWITH/ENDSWITH and lower-cases both sides', () => {
    const { sql, parameters } = compile('name contains "50%_off\\\\" and name startswith "A" and name endswith "z"');
    assert.match(sql, /lower\("t0"\."name"\) like lower\(\?\) escape '\\'/);
    assert.deepEqual(parameters, ['%50\\%\\_off\\\\%', 'A%', '%z']);
  });

  it('where LIKE ignores ASCII case (SQLite), ASCII patterns match the column as it is; others stay lower-cased', () => {
    const sqlite = (tql: string) => compileTql(parseTql(tql), { ...scope, likeIgnoresAsciiCase: true }).compile(dialects.sqlite);
    const ascii = sqlite('name contains "Ransom" or name like "a_b%"');
    assert.match(ascii.sql, /"t0"\."name" like \? escape '\\' or "t0"\."name" like \?/);
    assert.doesNotMatch(ascii.sql, /lower\(/);
    assert.deepEqual(ascii.parameters, ['%Ransom%', 'a_b%']);
    const cyrillic = sqlite('name contains "Фишинг"');
    assert.match(cyrillic.sql, /lower\("t0"\."name"\) like lower\(\?\) escape '\\'/);
    assert.deepEqual(cyrillic.parameters, ['%Фишинг%']);
  });

  it('refuses unknown keywords, wrong value types and text operators on numbers, naming the problem', () => {
    const cases: [string, RegExp][] = [
      ['nope = 1', /Unknown keyword "nope" at position 1/],
      ['id = "abc"', /id takes a whole number; got "abc"/],
      ['severity = "Extreme"', /severity is one of "Low", "Medium", "High", "Critical"; got "Extreme"/],
      ['id contains "1"', /CONTAINS works on text keywords; id is Integer/],
      ['caseOpenTime > "soon"', /is not a date/],
      ['hasNothing(id = 1)', /Unknown sub-query "hasNothing"/],
      ['hasTask = 1', /is a sub-query/],
    ];
    for (const [tql, message] of cases) {
      assert.throws(() => compile(tql), (error: unknown) => error instanceof TqlError && message.test(error.message), tql);
    }
  });

  it('property: no user-supplied string ever appears in the SQL text, on either dialect', () => {
    const marker = fc.string({ minLength: 1, maxLength: 12 }).map((s) => `ZQ${s}`);
    const stringKeyword = fc.constantFrom('name', 'description', 'xid');
    const predicate: fc.Arbitrary<TqlNode> = fc.tuple(stringKeyword, fc.constantFrom('EQ', 'NE', 'CONTAINS', 'NOT STARTSWITH', 'ENDSWITH', 'LIKE', 'IN', 'NOT IN'), marker)
      .map(([keyword, op, text]) => {
        const value: TqlValue = op === 'IN' || op === 'NOT IN'
          ? { kind: 'list', items: [{ kind: 'string', value: text, position: 0 }], position: 0 }
          : { kind: 'string', value: text, position: 0 };
        return { kind: 'predicate', keyword, keywordPosition: 0, op: op as never, value };
      });
    const tree = fc.letrec<{ node: TqlNode }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        predicate,
        fc.tuple(tie('node'), tie('node')).map(([a, b]): TqlNode => ({ kind: 'and', terms: [a, b] })),
        fc.tuple(tie('node'), tie('node')).map(([a, b]): TqlNode => ({ kind: 'or', terms: [a, b] })),
        tie('node').map((operand): TqlNode => ({ kind: 'not', operand })),
        predicate.map((query): TqlNode => ({ kind: 'nested', keyword: 'hasTask', keywordPosition: 0, query })),
      ),
    })).node;
    fc.assert(fc.property(tree, (ast) => {
      const strings: string[] = [];
      const collect = (node: TqlNode): void => {
        if (node.kind === 'and' || node.kind === 'or') node.terms.forEach(collect);
        else if (node.kind === 'not') collect(node.operand);
        else if (node.kind === 'nested') collect(node.query);
        else if (node.kind === 'predicate') (node.value.kind === 'list' ? node.value.items : [node.value]).forEach((v) => v.kind === 'string' && strings.push(v.value));
      };
      collect(ast);
      for (const db of Object.values(dialects)) {
        const { sql } = compileTql(ast, scope).compile(db);
        for (const text of strings) assert.ok(!sql.includes(text), `"${text}" leaked into ${sql}`);
      }
      // The printed form parses back to a query that compiles to the same SQL.
      assert.equal(compileTql(parseTql(formatTql(ast)), scope).compile(dialects.postgres).sql, compileTql(ast, scope).compile(dialects.postgres).sql);
    }), { numRuns: 300 });
  });

  it('property: any text either compiles or fails with a TqlError, never anything else', () => {
    const pieces = fc.constantFrom('name', 'id', 'severity', 'hasTask(', 'hasTag(', ')', '(', ' = ', ' in ', ' contains ', ' and ', ' or ', ' not ', '"x"', "'y'", '1', '("a","b")', ' is null', 'caseOpenTime > "NOW() - 1 DAY"', "'; drop table cases; --", '\\', '"');
    fc.assert(fc.property(fc.array(fc.oneof(pieces, fc.string({ maxLength: 5 })), { maxLength: 12 }), (parts) => {
      try {
        compile(parts.join(''), 'postgres');
      } catch (error) {
        assert.ok(error instanceof TqlError, String(error));
      }
    }), { numRuns: 2000 });
  });
});
