/**
 * Set-based statements for bulk writes (core/exchange/apply.ts): multi-row inserts and `IN` lists
 * cut to fit the bound-parameter limits (SQLite 32766, PostgreSQL 65535), written once as text
 * with `?` placeholders and run as compiled queries, so a chunk of a thousand items costs a handful
 * of statements and no query-builder work per row. Table and column names come from this code,
 * never from a request; every value is bound.
 */
import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely';

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

/** Runs `text` (with `?` placeholders) with `params` bound; returns its rows. */
export async function run<R = Record<string, unknown>>(db: Kysely<any>, text: string, params: readonly unknown[]): Promise<R[]> {
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
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const head = `insert into ${quoted(table)} (${columns.map(quoted).join(',')}) values `;
  const out: R[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const part = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    for (const row of part) for (const value of row) params.push(value === undefined ? null : value);
    const text = head + new Array(part.length).fill(tuple).join(',') + (suffix ? ` ${suffix}` : '');
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
