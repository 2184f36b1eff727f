/**
 * A database that `cairn worker` processes (test/jobs/import-*.test.ts): a data directory with
 * its SQLite file, or a fresh PostgreSQL database (dropped afterwards), migrated, with an
 * organization and a user, and import jobs queued into it as a surface queues them.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { run } from '../../src/core/exchange/bulk-sql.js';
import { DEFAULT_SETTINGS, type ImportItem, type ImportSettings } from '../../src/core/exchange/items.js';
import { createImportJob, ITEMS_PER_CHUNK, queueImportJob, storeImportChunk } from '../../src/core/exchange/jobs.js';
import { createServices, type CairnServices } from '../../src/services.js';
import type { TestDialect } from './server.js';
import { tempDir } from './cli.js';

export interface WorkerDatabase {
  dataDir: string;
  /** What a `cairn worker` process needs besides `--data-dir`. */
  env: Record<string, string>;
  services: CairnServices;
  ownerId: number;
  userId: number;
  queue(items: unknown[], settings?: Partial<ImportSettings>): Promise<number>;
  scalar(text: string, params?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

export async function workerDatabase(dialect: TestDialect): Promise<WorkerDatabase> {
  const dataDir = tempDir('cairn-import-');
  const env: Record<string, string> = {};
  let drop = async () => {};
  if (dialect === 'postgres') {
    const url = process.env.CAIRN_TEST_PG_URL!;
    const name = `cairn_import_${crypto.randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const target = new URL(url);
    target.pathname = `/${name}`;
    env.DATABASE_URL = target.toString();
    drop = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    };
  }
  const services = await createServices(loadConfig({ CAIRN_DATA_DIR: dataDir, CAIRN_LOG_LEVEL: 'silent', ...env }));
  const organization = await services.tenancy.createOrganization('Import Organization');
  const user = await services.tenancy.createApiUser(organization.name, 'Importer');
  const db = services.store.db;
  return {
    dataDir, env, services, ownerId: organization.id, userId: user.id,
    async queue(items, settings = {}) {
      const id = await createImportJob(db, { ownerId: organization.id, userId: user.id, format: 'tc-batch', origin: 'cli', settings: { ...DEFAULT_SETTINGS, ...settings } });
      let seq = 0;
      for (let start = 0; start < items.length; start += ITEMS_PER_CHUNK) await storeImportChunk(db, id, seq++, items.slice(start, start + ITEMS_PER_CHUNK) as ImportItem[]);
      await queueImportJob(db, id, { itemCount: items.length, chunkCount: seq, uploadSize: 1 });
      return id;
    },
    async scalar(text, params = []) {
      return Number(Object.values((await run(db, text, params))[0]!)[0]);
    },
    async close() {
      await services.close();
      await drop();
    },
  };
}

/** Hosts with two tags and one attribute each; every 97th item invalid, every 89th a repeat of an earlier one. */
export function bulkHosts(count: number, prefix: string): { items: unknown[]; valid: number; invalid: number; duplicates: number } {
  const items: unknown[] = [];
  let invalid = 0;
  let duplicates = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % 97 === 0) { items.push({ kind: 'indicator', type: 'Host', summary: `bad host ${i}` }); invalid++; continue; }
    if (i > 200 && i % 89 === 0) { items.push({ ...(items[i - 150] as object) }); if ((items[i - 150] as { summary: string }).summary.startsWith('bad')) invalid++; else duplicates++; continue; }
    items.push({ kind: 'indicator', type: 'Host', summary: `${prefix}-${i}.example.com`, tags: [`${prefix}-tag`, 'bulk'], attributes: [{ type: 'Description', value: `host ${i}` }] });
  }
  return { items, valid: count - invalid - duplicates, invalid, duplicates };
}
