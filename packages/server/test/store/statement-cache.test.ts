/** The SQLite statement cache under Kysely: same answers as fresh statements, in every edge. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { STATEMENT_CACHE_SIZE, withStatementCache } from '../../src/store/database.js';

function open() {
  const sqlite = new SQLite(':memory:');
  sqlite.exec('create table items (id integer primary key, name text)');
  const cached = withStatementCache(sqlite);
  return { sqlite, cached, db: new Kysely<any>({ dialect: new SqliteDialect({ database: cached }) }) };
}

describe('SQLite statement cache', () => {
  it('reuses a statement for the same SQL text, with each run\'s own parameters', async () => {
    const { cached, db } = open();
    await db.insertInto('items').values([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]).execute();
    const byId = (id: number) => db.selectFrom('items').select('name').where('id', '=', id).executeTakeFirst();
    assert.deepEqual(await byId(1), { name: 'a' });
    assert.deepEqual(await byId(2), { name: 'b' });
    const text = 'select "name" from "items" where "id" = ?';
    assert.equal(cached.prepare(text), cached.prepare(text), 'one statement per text');
    await db.destroy();
  });

  it('hands a statement that is still being iterated to no one else', async () => {
    const { cached, db } = open();
    await db.insertInto('items').values([{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }]).execute();
    const text = 'select id from items order by id';
    const iterating = cached.prepare(text).iterate([]) as Iterator<{ id: number }>;
    assert.deepEqual(iterating.next().value, { id: 1 });
    // The cached statement is busy: a second user gets a fresh one and a complete answer.
    assert.deepEqual(cached.prepare(text).all([]), [{ id: 1 }, { id: 2 }, { id: 3 }]);
    assert.deepEqual(iterating.next().value, { id: 2 });
    iterating.return?.();
    await db.destroy();
  });

  it('sees schema changes made after a statement was cached', async () => {
    const { db } = open();
    await db.insertInto('items').values({ id: 1, name: 'a' }).execute();
    const all = () => db.selectFrom('items').selectAll().execute();
    assert.deepEqual(await all(), [{ id: 1, name: 'a' }]);
    await sql`alter table items add column colour text default 'red'`.execute(db);
    assert.deepEqual(await all(), [{ id: 1, name: 'a', colour: 'red' }]);
    await db.destroy();
  });

  it('stays bounded: many distinct texts do not grow it without limit, and old texts still run', async () => {
    const { cached, db } = open();
    await db.insertInto('items').values({ id: 1, name: 'a' }).execute();
    for (let i = 0; i < STATEMENT_CACHE_SIZE + 200; i++) {
      const row = await sql<{ n: number }>`select ${sql.raw(String(i))} as n from items`.execute(db);
      assert.equal(row.rows[0]!.n, i);
    }
    assert.equal(cached.cachedStatements, STATEMENT_CACHE_SIZE);
    assert.equal((await sql<{ n: number }>`select 0 as n from items`.execute(db)).rows[0]!.n, 0);
    await db.destroy();
  });

  it('evicts the least recently used text: one in steady use survives a flood of one-off texts', () => {
    const { sqlite, cached } = open();
    const hot = 'select name from items where id = ?';
    const statement = cached.prepare(hot);
    for (let i = 0; i < STATEMENT_CACHE_SIZE * 2; i++) {
      cached.prepare(`select ${i} as n from items`);
      if (i % 100 === 0) assert.equal(cached.prepare(hot), statement, `still cached after ${i} one-off texts`);
    }
    assert.equal(cached.prepare(hot), statement);
    assert.equal(cached.cachedStatements, STATEMENT_CACHE_SIZE);
    sqlite.close();
  });
});
