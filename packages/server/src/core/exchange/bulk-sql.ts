/**
 * Set-based statements for bulk writes (core/exchange/apply.ts): multi-row inserts and `IN` lists
 * cut to fit the bound-parameter limits (SQLite 32766, PostgreSQL 65535), written once as text
 * with `?` placeholders and run as compiled queries, so a chunk of a thousand items costs a handful
 * of statements and no query-builder work per row. Table and column names come from this code,
 * never from a request; every value is bound.
 *
 * - SQLite, inside a transaction: the statements run on the better-sqlite3 handle itself (the
 *   transaction holds its one connection), prepared once per text; an insert that returns nothing
 *   runs a prepared multi-row VALUES of 50 rows at a time (the rest row by row); one with RETURNING
 *   is the same single-row statement run per row, with the same effect (each row's ON CONFLICT is
 *   its own) and its RETURNING read from the values given and the new rowid (a statement that
 *   yields rows costs SQLite about three times as much per row).
 * - PostgreSQL: an insert binds one array per column (`insert … select * from unnest(…)`), so one
 *   short statement carries any number of rows.
 * - Otherwise (SQLite outside a transaction): multi-row VALUES cut to the parameter limit.
 */
import type SQLite from 'better-sqlite3';
import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely';
import { SQLITE_HANDLES } from '../../store/database.js';

/** Bound parameters per statement: below SQLite's 32766 (and PostgreSQL's 65535). */
export const MAX_PARAMETERS = 30_000;

export function isPostgresDb(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

const quoted = (name: string) => `"${name}"`;

/** `?` → `$1, $2, …` on PostgreSQL (the texts here never hold a `?` in a literal). */
function placeholders(text: string, postgres: boolean): string {
  if (!postgres) return text;
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** The array type of a column of the tables bulk writes fill, by the schema's naming: ids, counts and flags are integers, rating real, the rest text. */
const INTEGER_COLUMNS = new Set(['id', 'owner_id', 'created_by_id', 'confidence', 'active', 'active_locked', 'dns_active', 'whois_active', 'private_flag', 'size', 'displayed', 'is_default', 'pinned', 'malware']);
function pgArrayType(column: string): string {
  if (column === 'rating') return 'double precision[]';
  return INTEGER_COLUMNS.has(column) || (column.endsWith('_id') && column !== 'technique_id') ? 'bigint[]' : 'text[]';
}

/** Rows per multi-row insert run on SQLite (when nothing is returned). */
const SQLITE_ROWS_PER_INSERT = 50;

/** Prepared statements per SQLite handle, by text (bounded: IN lists of many lengths make many texts). */
const PREPARED = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();
const MAX_PREPARED = 300;

/** The SQLite handle to run on directly: only inside a Kysely transaction, which holds the connection. */
function rawHandle(db: Kysely<any>): SQLite.Database | undefined {
  return db.isTransaction ? SQLITE_HANDLES.get(db.getExecutor().adapter) : undefined;
}

function prepared(handle: SQLite.Database, text: string): SQLite.Statement {
  let cache = PREPARED.get(handle);
  if (!cache) PREPARED.set(handle, cache = new Map());
  let statement = cache.get(text);
  if (!statement) {
    if (cache.size >= MAX_PREPARED) cache.clear();
    cache.set(text, statement = handle.prepare(text));
  }
  return statement;
}

const bindable = (value: unknown) => (value === undefined ? null : typeof value === 'boolean' ? (value ? 1 : 0) : value);

/** Runs `text` (with `?` placeholders) with `params` bound; returns its rows. */
export async function run<R = Record<string, unknown>>(db: Kysely<any>, text: string, params: readonly unknown[]): Promise<R[]> {
  const handle = rawHandle(db);
  if (handle) {
    const statement = prepared(handle, text);
    const bound = params.map(bindable);
    if (statement.reader) return statement.all(bound) as R[];
    statement.run(bound);
    return [];
  }
  const result = await db.executeQuery(CompiledQuery.raw(placeholders(text, isPostgresDb(db)), [...params]));
  return result.rows as R[];
}

/**
 * Inserts `rows` (each an array of values in `columns` order) in as few statements as the
 * parameter limit allows. `suffix` follows the values (`on conflict do nothing`, `returning id`);
 * the rows every statement returns are concatenated.
 */
export async function insertRows<R = Record<string, unknown>>(db: Kysely<any>, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], suffix = ''): Promise<R[]> {
  if (rows.length === 0) return [];
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const head = `insert into ${quoted(table)} (${columns.map(quoted).join(',')}) values `;
  const tail = suffix ? ` ${suffix}` : '';
  const handle = rawHandle(db);
  if (handle) {
    // RETURNING per row is slow in SQLite (a statement that yields rows): the row is inserted with
    // run(), and what it would return is read from the values given and the new rowid (`id`).
    const returning = /\breturning\s+(.+)$/i.exec(tail);
    if (!returning) {
      // Nothing to return: up to SQLITE_ROWS_PER_INSERT rows per run of a multi-row VALUES (fewer
      // calls into SQLite; SQLite inserts the rows in order, each with its own ON CONFLICT, as
      // separate runs would), the rest one row per run.
      const per = Math.max(1, Math.min(SQLITE_ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / columns.length)));
      let start = 0;
      if (per > 1 && rows.length >= per) {
        const many = prepared(handle, head + new Array(per).fill(tuple).join(',') + tail);
        const params: unknown[] = new Array(per * columns.length);
        for (; start + per <= rows.length; start += per) {
          let k = 0;
          for (let r = start; r < start + per; r++) { const row = rows[r]!; for (let c = 0; c < columns.length; c++) params[k++] = row[c]; }
          many.run(params);
        }
      }
      if (start < rows.length) {
        const one = prepared(handle, head + tuple + tail);
        for (; start < rows.length; start++) one.run(rows[start] as unknown[]);
      }
      return [];
    }
    const statement = prepared(handle, head + tuple + (returning ? tail.slice(0, returning.index) : tail));
    const picks = returning ? returning[1]!.split(',').map((c) => c.trim()).map((c) => [c, columns.indexOf(c)] as const) : [];
    if (picks.some(([c, i]) => i < 0 && c !== 'id')) throw new Error(`insertRows returns inserted columns or id only, not: ${returning![1]}`);
    const out: R[] = [];
    for (const row of rows) {
      // The callers' values are already bindable (null, never undefined; numbers for flags).
      const result = statement.run(row as unknown[]);
      if (!returning || result.changes === 0) continue;
      const returned: Record<string, unknown> = {};
      for (const [c, i] of picks) returned[c] = i >= 0 ? row[i] : Number(result.lastInsertRowid);
      out.push(returned as R);
    }
    return out;
  }
  if (isPostgresDb(db)) {
    // One array per column (`unnest`): PostgreSQL parses and plans one short statement, not a
    // VALUES list of a thousand rows, whatever the number of rows.
    const arrays = columns.map((_, c) => rows.map((row) => (row[c] === undefined ? null : row[c])));
    const text = `insert into ${quoted(table)} (${columns.map(quoted).join(',')}) select * from unnest(${columns.map((c) => `?::${pgArrayType(c)}`).join(',')})${tail}`;
    return run<R>(db, text, arrays);
  }
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const out: R[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const part = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    for (const row of part) for (const value of row) params.push(value === undefined ? null : value);
    const text = head + new Array(part.length).fill(tuple).join(',') + tail;
    out.push(...await run<R>(db, text, params));
  }
  return out;
}

/**
 * Runs `make(list)` for slices of `values` small enough to bind (`list` is `?,?,…`, `slice` the
 * values it stands for), with `fixed` parameters bound before the slice; concatenates the rows.
 */
export async function inList<R = Record<string, unknown>>(
  db: Kysely<any>, values: readonly unknown[], make: (list: string) => string, fixed: readonly unknown[] = [], after: readonly unknown[] = [],
): Promise<R[]> {
  if (values.length === 0) return [];
  const per = MAX_PARAMETERS - fixed.length - after.length;
  const out: R[] = [];
  for (let start = 0; start < values.length; start += per) {
    const part = values.slice(start, start + per);
    out.push(...await run<R>(db, make(part.map(() => '?').join(',')), [...fixed, ...part, ...after]));
  }
  return out;
}
