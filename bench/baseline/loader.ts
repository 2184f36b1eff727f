/**
 * The hand-written loader bench:ingest compares Cairn's import with: it writes the rows Cairn's
 * import writes for the benchmark's indicators (bench/support/ingest-items.ts) straight into a
 * migrated Cairn database, knowing the data is valid and new: the tags once, then per indicator
 * its `indicators` row (description following its Description attribute), its `indicator_values`
 * claim, two `indicator_tags` links and its `indicator_attributes` row, and the tags' last_used.
 * SQLite: prepared statements, 10,000 indicators per transaction. PostgreSQL: multi-row inserts
 * of 1,000 rows, 10,000 indicators per transaction. Prints `{"ms":…,"indicators":…}`.
 *
 *   node --import tsx bench/baseline/loader.ts --sqlite FILE|--pg URL --count N --owner ID --user ID
 */
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { ingestIndicator } from '../support/ingest-items.js';

const { values: args } = parseArgs({
  options: { sqlite: { type: 'string' }, pg: { type: 'string' }, count: { type: 'string' }, owner: { type: 'string' }, user: { type: 'string' } },
});
const COUNT = Number(args.count);
const OWNER = Number(args.owner);
const USER = Number(args.user);
const PER_TRANSACTION = 10_000;
const now = new Date().toISOString().slice(0, 19) + 'Z';

const TAG_NAMES = [...Array.from({ length: 100 }, (_, i) => `Tag ${i}`), ...Array.from({ length: 7 }, (_, i) => `Feed ${i}`)];

function loadSqlite(file: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const tagIds = new Map<string, number>();
  const insertTag = db.prepare('insert into tags (owner_id, name, normalized, technique_id, date_added) values (?, ?, ?, null, ?)');
  db.transaction(() => { for (const name of TAG_NAMES) tagIds.set(name, Number(insertTag.run(OWNER, name, name.toLowerCase(), now).lastInsertRowid)); })();
  const insertIndicator = db.prepare(`insert into indicators (owner_id, type, summary, value1, rating, confidence, active, dns_active, whois_active, description, created_by_id, date_added, last_modified)
    values (?, ?, ?, ?, ?, ?, 1, 0, 0, ?, ?, ?, ?)`);
  const insertValue = db.prepare('insert into indicator_values (owner_id, type, value, indicator_id) values (?, ?, ?, ?)');
  const insertLink = db.prepare('insert into indicator_tags (indicator_id, tag_id) values (?, ?)');
  const insertAttribute = db.prepare(`insert into indicator_attributes (owner_id, indicator_id, type, value, source, displayed, is_default, pinned, created_by_id, date_added, last_modified)
    values (?, ?, 'Description', ?, null, 1, 0, 0, ?, ?, ?)`);
  const touch = db.prepare(`update tags set last_used = ? where owner_id = ?`);
  const batch = db.transaction((start: number, end: number) => {
    for (let i = start; i < end; i++) {
      const x = ingestIndicator(i);
      const id = Number(insertIndicator.run(OWNER, x.type, x.value, x.value, x.rating, x.confidence, x.description, USER, now, now).lastInsertRowid);
      insertValue.run(OWNER, x.type, x.value, id);
      insertLink.run(id, tagIds.get(x.tags[0])!);
      insertLink.run(id, tagIds.get(x.tags[1])!);
      insertAttribute.run(OWNER, id, x.description, USER, now, now);
    }
    touch.run(now, OWNER);
  });
  for (let start = 0; start < COUNT; start += PER_TRANSACTION) batch(start, Math.min(COUNT, start + PER_TRANSACTION));
  db.close();
}

async function loadPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const values = (rows: number, columns: number) => Array.from({ length: rows }, (_, r) => `(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(',')})`).join(',');
  const tagIds = new Map<string, number>();
  const tags = await client.query(`insert into tags (owner_id, name, normalized, date_added) values ${values(TAG_NAMES.length, 4)} returning id, name`,
    TAG_NAMES.flatMap((name) => [OWNER, name, name.toLowerCase(), now]));
  for (const row of tags.rows) tagIds.set(row.name, Number(row.id));
  const ROWS = 1000;
  for (let start = 0; start < COUNT; start += PER_TRANSACTION) {
    await client.query('begin');
    for (let s = start; s < Math.min(COUNT, start + PER_TRANSACTION); s += ROWS) {
      const xs = Array.from({ length: Math.min(ROWS, COUNT - s) }, (_, k) => ingestIndicator(s + k));
      const inserted = await client.query(`insert into indicators (owner_id, type, summary, value1, rating, confidence, active, dns_active, whois_active, description, created_by_id, date_added, last_modified)
        values ${values(xs.length, 13)} returning id`, xs.flatMap((x) => [OWNER, x.type, x.value, x.value, x.rating, x.confidence, 1, 0, 0, x.description, USER, now, now]));
      const ids = inserted.rows.map((r) => Number(r.id));
      await client.query(`insert into indicator_values (owner_id, type, value, indicator_id) values ${values(xs.length, 4)}`, xs.flatMap((x, k) => [OWNER, x.type, x.value, ids[k]]));
      await client.query(`insert into indicator_tags (indicator_id, tag_id) values ${values(xs.length * 2, 2)}`, xs.flatMap((x, k) => [ids[k], tagIds.get(x.tags[0]), ids[k], tagIds.get(x.tags[1])]));
      await client.query(`insert into indicator_attributes (owner_id, indicator_id, type, value, source, displayed, is_default, pinned, created_by_id, date_added, last_modified) values ${values(xs.length, 11)}`,
        xs.flatMap((x, k) => [OWNER, ids[k], 'Description', x.description, null, 1, 0, 0, USER, now, now]));
    }
    await client.query('update tags set last_used = $1 where owner_id = $2', [now, OWNER]);
    await client.query('commit');
  }
  await client.end();
}

const started = performance.now();
if (args.sqlite) loadSqlite(args.sqlite);
else if (args.pg) await loadPostgres(args.pg);
else throw new Error('--sqlite FILE or --pg URL');
console.log(JSON.stringify({ ms: performance.now() - started, indicators: COUNT }));
