/**
 * Several nodes on one database must share one master key: a node whose key cannot decrypt the
 * stored secrets refuses to start with a message that says what to do (instead of answering 500
 * to every signed request), and leaves no generated key file behind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createServices, type CairnServices } from '../../src/services.js';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { rawRequest, tcHeaders } from '../support/http.js';
import { startTestServer, testDialects, type TestDialect, type TestServer } from '../support/server.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/cairn.js');

function freshDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-second-node-'));
}

for (const dialect of testDialects()) {
  describe(`master key shared by the nodes of one database (${dialect})`, () => {
    let server: TestServer;
    let firstKey: string;
    let schema: string | undefined;
    const dirs: string[] = [];
    const stores: Store[] = [];

    /** Another handle on the first node's database, as a second node would open it. */
    const sameDatabase = (): Store => {
      const store = dialect === 'postgres'
        ? openStore({ databaseUrl: process.env.CAIRN_TEST_PG_URL!, pgSchema: schema })
        : openStore({ sqlitePath: path.join(server.dataDir, 'cairn.sqlite') });
      stores.push(store);
      return store;
    };
    const secondNode = (env: Record<string, string> = {}, dataDir = freshDataDir()) => {
      dirs.push(dataDir);
      return { dataDir, start: () => createServices(loadConfig({ CAIRN_DATA_DIR: dataDir, CAIRN_LOG_LEVEL: 'silent', ...env }), { store: sameDatabase() }) };
    };

    before(async () => {
      server = await startTestServer(dialect);
      firstKey = fs.readFileSync(path.join(server.dataDir, 'master.key'), 'utf8').trim();
      if (dialect === 'postgres') schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(server.services.store.db)).rows[0]!.schema;
    });
    after(async () => {
      for (const store of stores) await store.close();
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
      await server.close();
    });

    it('a second data directory without the key refuses to start, says what to do, and generates no key file', async () => {
      const node = secondNode();
      await assert.rejects(node.start(), (error: Error) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, /CAIRN_MASTER_KEY/);
        assert.match(error.message, /master\.key/);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      });
      assert.ok(!fs.existsSync(path.join(node.dataDir, 'master.key')), 'no junk key file');
    });

    it('a different CAIRN_MASTER_KEY, or a different master.key file, refuses to start', async () => {
      await assert.rejects(secondNode({ CAIRN_MASTER_KEY: crypto.randomBytes(32).toString('base64') }).start(), /CAIRN_MASTER_KEY is not the one this database's secrets are encrypted under/);
      const withOtherFile = freshDataDir();
      fs.writeFileSync(path.join(withOtherFile, 'master.key'), crypto.randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
      await assert.rejects(secondNode({}, withOtherFile).start(), ConfigError);
      assert.ok(fs.existsSync(path.join(withOtherFile, 'master.key')), 'a key file the operator put there is left alone');
    });

    it('with the first node\'s key (in CAIRN_MASTER_KEY or a copied master.key) the second node starts and verifies signatures', async () => {
      const byEnv = await secondNode({ CAIRN_MASTER_KEY: firstKey }).start();
      const copied = freshDataDir();
      fs.copyFileSync(path.join(server.dataDir, 'master.key'), path.join(copied, 'master.key'));
      const byFile = await secondNode({}, copied).start();
      for (const services of [byEnv, byFile] as CairnServices[]) {
        const credential = await services.credentials.byUserName(server.bootstrap.apiUser.accessId);
        assert.equal(credential?.secret, server.bootstrap.apiUser.secret);
        await services.close();
      }
      const { accessId, secret } = server.bootstrap.apiUser;
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', tcHeaders(accessId, secret, 'GET', '/v2/owners'))).status, 200);
    });

    it('a database from before the check: the first key that decrypts its secrets is recorded, another one refused', async () => {
      await server.services.store.db.deleteFrom('master_key_check').execute();
      await assert.rejects(secondNode({ CAIRN_MASTER_KEY: crypto.randomBytes(32).toString('base64') }).start(), ConfigError);
      assert.equal((await server.services.store.db.selectFrom('master_key_check').select('id').execute()).length, 0, 'a wrong key records nothing');
      const rightKey = await secondNode({ CAIRN_MASTER_KEY: firstKey }).start();
      await rightKey.close();
      const [row] = await server.services.store.db.selectFrom('master_key_check').select('verifier').execute();
      assert.match(row!.verifier, /^hmac-sha256-v1:/);
      assert.ok(!row!.verifier.includes(firstKey), 'the verifier is not the key');
      await assert.rejects(secondNode().start(), ConfigError);
    });

    it('the CLI prints one line, exits non-zero, and never says it is ready', async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, CAIRN_LOG_LEVEL: 'info', CAIRN_MASTER_KEY: '' };
      let args: string[];
      let dataDir: string;
      if (dialect === 'postgres') {
        dataDir = freshDataDir();
        dirs.push(dataDir);
        const url = new URL(process.env.CAIRN_TEST_PG_URL!);
        url.searchParams.set('options', `-c search_path=${schema}`);
        args = ['serve', '--port', '0', '--data-dir', dataDir, '--database-url', url.toString()];
      } else {
        dataDir = server.dataDir;
        env.CAIRN_MASTER_KEY = crypto.randomBytes(32).toString('base64');
        args = ['serve', '--port', '0', '--data-dir', dataDir];
      }
      // The timeout only ends a server that (wrongly) started; the assertions are on its output and code.
      const outcome = await run(process.execPath, [CLI, ...args], { env, timeout: 60_000 }).then(
        (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
        (error: { code?: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );
      assert.equal(outcome.code, 1, `${outcome.stdout}\n${outcome.stderr}`);
      const lines = outcome.stderr.trim().split('\n');
      assert.equal(lines.length, 1, outcome.stderr);
      assert.match(lines[0]!, /^cairn: .*master key.*CAIRN_MASTER_KEY.*master\.key/);
      assert.doesNotMatch(outcome.stdout, /ready/i);
      if (dialect === 'postgres') assert.ok(!fs.existsSync(path.join(dataDir, 'master.key')));
    });
  });

  describe(`master key: two new nodes starting at once on an empty database (${dialect})`, () => {
    it('exactly one starts; the other refuses and leaves no key file', async () => {
      const empty = await emptyDatabase(dialect);
      const dirs = [freshDataDir(), freshDataDir()];
      const stores = dirs.map(() => empty.open());
      try {
        await migrateToLatest(stores[0]!);
        const outcomes = await Promise.allSettled(dirs.map(async (dataDir, i) => {
          const services = await createServices(loadConfig({ CAIRN_DATA_DIR: dataDir, CAIRN_LOG_LEVEL: 'silent' }), { store: stores[i] });
          await services.close();
        }));
        assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
        outcomes.forEach((outcome, i) => {
          assert.equal(fs.existsSync(path.join(dirs[i]!, 'master.key')), outcome.status === 'fulfilled', `data dir ${i}: ${outcome.status}`);
          if (outcome.status === 'rejected') assert.ok(outcome.reason instanceof ConfigError, String(outcome.reason));
        });
      } finally {
        for (const store of stores) await store.close();
        for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
        await empty.drop();
      }
    });
  });
}

/** A new, empty database: a SQLite file in a temporary directory, or a fresh PostgreSQL schema. */
async function emptyDatabase(dialect: TestDialect): Promise<{ open(): Store; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = freshDataDir();
    return { open: () => openStore({ sqlitePath: path.join(dir, 'shared.sqlite') }), drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const url = process.env.CAIRN_TEST_PG_URL!;
  const schema = `cairn_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE SCHEMA ${schema}`);
  return { open: () => openStore({ databaseUrl: url, pgSchema: schema }), drop: () => admin(`DROP SCHEMA ${schema} CASCADE`) };
}
