/**
 * Starts a real Cairn server on a random loopback port over a real database: SQLite in a fresh
 * temporary directory, or PostgreSQL (CAIRN_TEST_PG_URL) in a fresh schema dropped afterwards.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { CairnClient, type SigningScheme } from '@cairn/client';
import { buildApp } from '../../src/http/app.js';
import { loadConfig } from '../../src/config.js';
import { BOOTSTRAP_FILE, bootstrapIfEmpty } from '../../src/core/tenancy/bootstrap.js';
import { Worker } from '../../src/jobs/worker.js';
import { createServices, type CairnServices } from '../../src/services.js';
import { openStore } from '../../src/store/database.js';

export type TestDialect = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL too when CAIRN_TEST_PG_URL is set (CI sets it and fails if it is unreachable). */
export function testDialects(): TestDialect[] {
  return process.env.CAIRN_TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface BootstrapCredentials {
  baseUrl: string;
  organization: { id: number; name: string; uuid: string; contrastApiKey: string };
  community: { id: number; name: string };
  admin: { userName: string; password: string; serviceKey: string };
  apiUser: { id: number; accessId: string; secret: string; name: string };
}

export interface TestServer {
  baseUrl: string;
  dataDir: string;
  services: CairnServices;
  app: FastifyInstance;
  bootstrap: BootstrapCredentials;
  /** A client signed as the bootstrap API user. */
  client(scheme?: SigningScheme, options?: { baseUrl?: string; now?: () => number }): CairnClient;
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  now?: () => number;
}

export async function startTestServer(dialect: TestDialect, options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-test-'));
  const config = loadConfig({ CAIRN_DATA_DIR: dataDir, CAIRN_LOG_LEVEL: 'silent', ...options.env });
  let dropSchema = async () => {};
  let store;
  if (dialect === 'postgres') {
    const url = process.env.CAIRN_TEST_PG_URL;
    if (!url) throw new Error('CAIRN_TEST_PG_URL is not set.');
    const schema = `cairn_test_${crypto.randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    store = openStore({ databaseUrl: url, pgSchema: schema });
    dropSchema = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    };
  } else {
    store = openStore({ sqlitePath: path.join(dataDir, 'cairn.sqlite') });
  }
  const services = await createServices(config, { store, now: options.now });
  const app = await buildApp(services);
  // The jobs `cairn serve` runs beside the app (the credential watcher keeps cached look-ups synchronous).
  const worker = new Worker({ services, log: app.log });
  await worker.start();
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  await bootstrapIfEmpty(services.tenancy, dataDir, address);
  const bootstrap = JSON.parse(fs.readFileSync(path.join(dataDir, BOOTSTRAP_FILE), 'utf8')) as BootstrapCredentials;
  return {
    baseUrl: address,
    dataDir,
    services,
    app,
    bootstrap,
    client: (scheme = 'threatconnect', clientOptions = {}) => new CairnClient({
      baseUrl: clientOptions.baseUrl ?? address,
      accessId: bootstrap.apiUser.accessId,
      secret: bootstrap.apiUser.secret,
      apiKey: bootstrap.organization.contrastApiKey,
      scheme,
      now: clientOptions.now,
    }),
    async close() {
      await app.close();
      await worker.stop();
      await store.close();
      await dropSchema();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
