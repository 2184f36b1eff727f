/**
 * Storing a v2 batch upload into its job (core/exchange/tc-batch-upload.ts, the upload claims of
 * jobs.ts) on a real database: one upload per job at a time, an upload cut off leaves nothing
 * behind, one left by a dead node is forgotten once its hold lapses, and the job is queued only
 * with everything stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { CairnError } from '../../../src/core/errors.js';
import { DEFAULT_SETTINGS } from '../../../src/core/exchange/items.js';
import { claimImportUpload, createImportJob, findImportJob, storeImportChunk } from '../../../src/core/exchange/jobs.js';
import { storeTcBatchUpload } from '../../../src/core/exchange/tc-batch-upload.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';

for (const dialect of testDialects()) {
  describe(`v2 batch uploads stored (${dialect})`, () => {
    let server: TestServer;
    let ownerId: number;
    const db = () => server.services.store.db as unknown as Kysely<any>;
    const newJob = () => createImportJob(db(), { ownerId, userId: server.bootstrap.apiUser.id, format: 'tc-batch', origin: 'tc-batch-api', settings: DEFAULT_SETTINGS });
    const count = async (table: string, jobId: number) => Number((await db().selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('job_id', '=', jobId).executeTakeFirstOrThrow()).n);
    const hosts = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ summary: `${tag}-${i}.example.com`, type: 'Host' }));
    const options = { maxIndicators: 25_000, uploadSize: () => 0 };

    before(async () => {
      // No worker picks the jobs up while the test looks at them.
      server = await startTestServer(dialect, { env: { CAIRN_IMPORT_POLL_MS: '600000' } });
      ownerId = server.bootstrap.organization.id;
    });
    after(() => server.close());

    it('a second upload while the first is being stored is refused, and the first completes alone', async () => {
      const id = await newJob();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => { release = resolve; });
      const slow = (async function* () {
        yield Buffer.from(`[${JSON.stringify(hosts(1500, 'slow')).slice(1, -1)}`);
        await gate;
        yield Buffer.from(']');
      })();
      const first = storeTcBatchUpload(db(), id, [ownerId], slow, options);
      // Wait until the first has stored its first chunk (it holds the job).
      for (let i = 0; i < 200 && await count('import_job_chunks', id) === 0; i++) await new Promise((r) => setTimeout(r, 10));
      await assert.rejects(storeTcBatchUpload(db(), id, [ownerId], [Buffer.from('[]')], options), (error: unknown) =>
        error instanceof CairnError && error.code === 'bad-request' && /is receiving an upload already/.test(error.message));
      release();
      const outcome = await first;
      assert.deepEqual(outcome, { itemCount: 1500, chunkCount: 2, indicatorCount: 1500, problemCount: 0, rejected: false });
      const job = (await findImportJob(db(), id, [ownerId]))!;
      assert.equal(job.status, 'Queued');
      assert.equal(job.itemCount, 1500);
      await assert.rejects(storeTcBatchUpload(db(), id, [ownerId], [Buffer.from('[]')], options), /has its upload already \(status Queued\)/);
    });

    it('an upload cut off leaves nothing behind and the job takes the next one', async () => {
      const id = await newJob();
      const cut = (async function* () {
        yield Buffer.from(JSON.stringify(hosts(2200, 'cut')).slice(0, -1));
        throw new Error('connection reset');
      })();
      await assert.rejects(storeTcBatchUpload(db(), id, [ownerId], cut, options), /connection reset/);
      assert.equal(await count('import_job_chunks', id), 0);
      assert.equal(await count('import_job_errors', id), 0);
      const row = await db().selectFrom('import_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.status, 'Created');
      assert.equal(row.claimed_by, null);
      const outcome = await storeTcBatchUpload(db(), id, [ownerId], [Buffer.from(JSON.stringify(hosts(3, 'again')))], options);
      assert.equal(outcome.itemCount, 3);
    });

    it('an upload left by a dead node holds the job until its hold lapses; the next upload then clears what it stored', async () => {
      const id = await newJob();
      // A node died after claiming and storing a chunk (its hold was taken two minutes and more ago).
      const long = new Date(Date.now() - 10 * 60_000).toISOString();
      assert.equal(await claimImportUpload(db(), id, 'upload:dead', long), true);
      await storeImportChunk(db(), id, 0, [{ kind: 'indicator', type: 'Host', summary: 'stale.example.com' }]);
      assert.equal(await claimImportUpload(db(), id, 'upload:live', new Date(Date.parse(long) + 1000).toISOString()), false, 'still held');
      const outcome = await storeTcBatchUpload(db(), id, [ownerId], [Buffer.from(JSON.stringify(hosts(2, 'fresh')))], options);
      assert.equal(outcome.itemCount, 2);
      const chunk = await db().selectFrom('import_job_chunks').selectAll().where('job_id', '=', id).execute();
      assert.equal(chunk.length, 1);
      assert.match(Buffer.from(chunk[0]!.items as Uint8Array).toString('utf8'), /fresh-0/);
    });
  });
}
