/**
 * Defect: with a second process (the CLI, a worker) writing the same SQLite file, a server write in
 * flight failed with `SqliteError: database is locked` (500) although busy_timeout is 5000. Kysely
 * opened transactions with a deferred BEGIN; one that reads first takes a read snapshot, and when
 * the other process commits before the first write, SQLite cannot upgrade that snapshot to a write
 * (SQLITE_BUSY_SNAPSHOT) and does not wait. Write transactions must wait for the other writer,
 * never fail. SQLite only: on PostgreSQL each transaction has its own connection and row locks.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CairnClient } from '@cairn/client';
import { startTestServer, type TestServer } from '../support/server.js';
import { call } from '../support/v3.js';

const SECOND_WRITER = path.resolve(import.meta.dirname, '../support/second-writer.ts');
const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '../../../..');
const CASES = 200;
const PARALLEL = 8;

describe('SQLite: two processes writing one database file', () => {
  let server: TestServer;
  let api: CairnClient;
  before(async () => {
    server = await startTestServer('sqlite');
    api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
  });
  after(() => server.close());

  it(`${CASES} nested POST /v3/cases while another process writes: every one 201 and stored, no failure on either side`, async () => {
    const writer = spawn(process.execPath, ['--import', 'tsx', SECOND_WRITER, path.join(server.dataDir, 'cairn.sqlite')], { cwd: REPOSITORY_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    writer.stdout.on('data', (chunk) => { output += chunk; });
    const exited = new Promise<number | null>((resolve) => writer.once('exit', resolve));
    // The POSTs start once the other process has committed its first write.
    await new Promise<void>((resolve, reject) => {
      writer.stderr.on('data', (chunk) => { errors += chunk; if (errors.includes('writing\n')) resolve(); });
      writer.once('exit', (code) => reject(new Error(`the second writer exited (${code}) before writing: ${errors}`)));
    });

    const statuses: string[] = [];
    const created: number[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (next < CASES) {
        const i = next++;
        const response = await api.request('POST', '/v3/cases?fields=tasks&fields=notes&fields=tags', {
          body: {
            name: `Two writers ${i}`, xid: `two-writers-${i}`, severity: 'Low', status: 'Open',
            // The assignee is looked up before the first insert: the transaction reads first.
            assignee: { type: 'User', data: { userName: 'admin' } },
            tasks: { data: [{ name: `Task ${i}.1`, assignee: { type: 'User', data: { userName: 'admin' } } }, { name: `Task ${i}.2` }] },
            notes: { data: [{ text: `Note ${i}` }] },
            tags: { data: [{ name: 'two-writers' }, { name: `two-writers-${i % 5}` }] },
          },
        });
        const text = await response.text();
        if (response.status === 201) created.push(JSON.parse(text).data.id);
        else statuses.push(`${response.status} ${text.slice(0, 200)}`);
      }
    }));
    writer.stdin.end();
    assert.equal(await exited, 0, errors);
    const report = JSON.parse(output) as { writes: number; failures: string[] };

    assert.deepEqual(statuses, [], 'every POST answers 201');
    assert.deepEqual(report.failures, [], 'the other process never fails either');
    assert.ok(report.writes > 0);
    assert.equal(created.length, CASES);
    for (const id of created) {
      const stored = await call(api, 'GET', `/v3/cases/${id}?fields=tasks&fields=notes&fields=tags`);
      assert.equal(stored.status, 200);
      assert.equal(stored.body.data.tasks.data.length, 2);
      assert.equal(stored.body.data.notes.data.length, 1);
      assert.equal(stored.body.data.tags.data.length, 2);
    }
    const communities = await server.services.store.db.selectFrom('owners').select('id').where('name', 'like', 'Second writer %').execute();
    assert.equal(communities.length, report.writes, 'every write the other process counted is stored');
  });
});
