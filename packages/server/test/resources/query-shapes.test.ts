/** Statements compiled once per shape: each run binds its own values; a shape that read the clock is not kept. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { listConditionShape } from '../../src/resources/engine/query.js';
import { QueryShapes, slot } from '../../src/store/query-shapes.js';
import { CAIRN_RESOURCES, resourceNamed } from '../../src/resources/registry.js';

function open() {
  const sqlite = new SQLite(':memory:');
  sqlite.exec(`create table items (id integer primary key, name text); insert into items values (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')`);
  return new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
}

describe('query shapes', () => {
  it('compiles a shape once and binds each run\'s values into its slots', async () => {
    const db = open();
    const shapes = new QueryShapes();
    let builds = 0;
    const page = (after: number, limit: number) => shapes.compiled('page', () => {
      builds++;
      return { query: db.selectFrom('items').select('name').where('id', '>', slot<number>('after')).orderBy('id').limit(slot<number>('limit')), reusable: true };
    }, { after, limit });
    assert.deepEqual((await db.executeQuery(page(0, 2))).rows, [{ name: 'a' }, { name: 'b' }]);
    assert.deepEqual((await db.executeQuery(page(2, 1))).rows, [{ name: 'c' }]);
    assert.deepEqual((await db.executeQuery(page(0, 2))).rows, [{ name: 'a' }, { name: 'b' }], 'the cached query keeps no value of an earlier run');
    assert.equal(builds, 1);
    assert.equal(shapes.size, 1);
    await db.destroy();
  });

  it('does not keep a shape built for this request only, and refuses a run with a slot left unbound', async () => {
    const db = open();
    const shapes = new QueryShapes();
    const query = db.selectFrom('items').select('id').where('id', '=', slot<number>('id'));
    assert.deepEqual((await db.executeQuery(shapes.compiled('clock', () => ({ query, reusable: false }), { id: 3 }))).rows, [{ id: 3 }]);
    assert.equal(shapes.size, 0);
    assert.throws(() => shapes.compiled('unbound', () => ({ query, reusable: true }), {}), /No value for the query slot "id"/);
    await db.destroy();
  });

  it('marks a TQL condition that reads the clock (a relative date), and only such a one', async () => {
    const db = open();
    const engine = { db, registry: CAIRN_RESOURCES, likeIgnoresAsciiCase: true, backslashEscapesLike: false, shapes: new QueryShapes() };
    const reads = (tql: string) => listConditionShape(engine, resourceNamed('cases'), [1], tql).readsClock;
    assert.equal(reads('dateAdded > "NOW() - 1 DAY"'), true);
    assert.equal(reads('severity = "High" and hasTask(dueDate < "NOW()")'), true);
    assert.equal(reads('dateAdded > "2025-06-01" and name contains "x"'), false);
    assert.equal(reads(''), false);
    await db.destroy();
  });
});
