/** Kysely over better-sqlite3 (embedded default) or pg (DATABASE_URL). */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, type QueryResult, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDatabase, type SqliteDialectConfig } from 'kysely';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres:// URL; when absent, SQLite at `sqlitePath`. */
  databaseUrl?: string;
  sqlitePath?: string;
  /** Postgres schema to use (tests isolate themselves in their own schema). */
  pgSchema?: string;
}

/** `pg`, loaded on first use: an embedded (SQLite) Cairn never pays for parsing it at start-up. */
let postgresModule: typeof pg | undefined;
function loadPg(): typeof pg {
  postgresModule ??= createRequire(import.meta.url)('pg') as typeof pg;
  return postgresModule;
}

export function openStore(options: StoreOptions): Store {
  if (options.databaseUrl) {
    const pg = loadPg();
    const schema = options.pgSchema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`Invalid PostgreSQL schema name "${schema}".`);
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // Integers come back as numbers: COUNT(*) and BIGINT ids stay far below 2^53 here.
    pg.types.setTypeParser(20, (value) => Number(value));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  const file = options.sqlitePath ?? ':memory:';
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // SQLite's own lower() folds only ASCII; TQL's case-insensitive matching must fold Cyrillic,
  // Greek and accented Latin as PostgreSQL does, so both dialects return the same rows.
  sqlite.function('lower', { deterministic: true }, unicodeLower);
  const database = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new ImmediateTransactionSqliteDialect({ database }) });
  directConnections.set(db.getExecutor().adapter, database);
  SQLITE_HANDLES.set(db.getExecutor().adapter, sqlite);
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** The SQLite connection behind each SQLite Kysely instance, by its adapter (which its transactions share). */
const directConnections = new WeakMap<object, SqliteDatabase>();

/**
 * Runs a compiled query. Inside a SQLite transaction it runs on the connection at once: the
 * transaction holds SQLite's one connection (Kysely's driver lets nothing else use it until the
 * commit), so the statement runs in that transaction exactly as through Kysely, minus the
 * executor's promise hops (several per statement: a nested POST's statements spent more time in
 * them than in SQLite). Anywhere else (PostgreSQL, or outside a transaction, where another
 * request's open transaction may hold the connection) it is Kysely's executeQuery.
 */
export function runCompiled<R>(db: Kysely<any>, compiled: CompiledQuery<R>): QueryResult<R> | Promise<QueryResult<R>> {
  const connection = db.isTransaction ? directConnections.get(db.getExecutor().adapter) : undefined;
  if (connection === undefined) return db.executeQuery(compiled);
  const statement = connection.prepare(compiled.sql);
  if (statement.reader) return { rows: statement.all(compiled.parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(compiled.parameters);
  return {
    numAffectedRows: changes === undefined || changes === null ? undefined : BigInt(changes),
    insertId: lastInsertRowid === undefined || lastInsertRowid === null ? undefined : BigInt(lastInsertRowid),
    rows: [],
  };
}

/**
 * Kysely's SQLite dialect, except that a transaction begins with BEGIN IMMEDIATE: it takes the
 * database's write lock at once, waiting (busy_timeout) while another process holds it. A plain
 * (deferred) BEGIN that reads first holds a read snapshot; if another process commits before the
 * transaction's first write, SQLite cannot upgrade that snapshot and fails at once with "database
 * is locked" instead of waiting. Every Cairn transaction writes, so none loses by taking the lock
 * first; reads outside transactions are unchanged.
 */
export class ImmediateTransactionSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateTransactionSqliteDriver(this.#config);
  }
}

class ImmediateTransactionSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * The better-sqlite3 handle under a Kysely instance, by its adapter (which its transactions
 * share): bulk writes (core/exchange/bulk-sql.ts) run prepared statements on it directly inside a
 * Kysely transaction, which holds the one connection.
 */
export const SQLITE_HANDLES = new WeakMap<object, SQLite.Database>();

/** Text made only of ASCII characters. */
export const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * lower() as PostgreSQL computes it on UTF-8 text: each character folded on its own (no
 * context rules such as the final sigma). ASCII, the common case, takes the fast path.
 */
function unicodeLower(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value !== 'string') return value;
  if (ASCII_ONLY.test(value)) return value.toLowerCase();
  let folded = '';
  for (const character of value) folded += character.toLowerCase();
  return folded;
}

/** Prepared statements kept per SQL text; a v3 list or a TQL shape repeats the same few texts. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew, which costs about as much as running a short
 * indexed query. This keeps the STATEMENT_CACHE_SIZE most recently used statements by SQL text
 * (parameters stay bound per run, so reuse changes nothing but the cost). A statement still being
 * iterated is never handed out twice: that caller gets a fresh one. SQLite re-prepares a cached
 * statement itself when the schema changes under it.
 */
export function withStatementCache(sqlite: SQLite.Database): SqliteDatabase & { readonly cachedStatements: number } {
  const cache = new LRUCache<string, SQLite.Statement>({ max: STATEMENT_CACHE_SIZE });
  return {
    get cachedStatements() { return cache.size; },
    close: () => { cache.clear(); sqlite.close(); },
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached !== undefined && !cached.busy) return cached;
      const statement = sqlite.prepare(sql);
      if (cached === undefined) cache.set(sql, statement);
      return statement;
    },
  };
}

export function nowIso(): string {
  return new Date().toISOString();
}

/** The one stored time format of v3 data: ISO-8601 UTC to the second (`2026-11-23T16:06:32Z`). */
export function toStoredTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
