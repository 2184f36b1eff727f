/**
 * Import jobs processed (core/exchange/process.ts) on a real database, both dialects: chunks in
 * order with exact counts and errors, duplicates across chunks, progress after each chunk,
 * several chunks per transaction on SQLite, haltOnError, leases (a live one refuses another worker, an ended one is taken over, a stop
 * releases it), and the background worker job of a running server completing a queued job.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { run } from '../../../src/core/exchange/bulk-sql.js';
import { DEFAULT_SETTINGS, type ImportItem, type ImportSettings } from '../../../src/core/exchange/items.js';
import { createImportJob, ITEMS_PER_CHUNK, listImportProblems, queueImportJob, storeImportChunk, type ImportJob } from '../../../src/core/exchange/jobs.js';
import { claimImportJob, claimNextImportJob, processImportJob, releaseImportJob } from '../../../src/core/exchange/process.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';

for (const dialect of testDialects()) {
  describe(`import jobs processed (${dialect})`, () => {
    let server: TestServer;
    let ownerId: number;
    let userId: number;
    let n = 0;
    const fresh = (prefix: string) => `${prefix}-${dialect}-${++n}`;
    const db = () => server.services.store.db;

    /** A queued job of `items`, cut into chunks as a surface stores them. */
    async function queue(items: unknown[], settings: Partial<ImportSettings> = {}): Promise<number> {
      const id = await createImportJob(db(), { ownerId, userId, format: 'tc-batch', origin: 'cli', settings: { ...DEFAULT_SETTINGS, ...settings } });
      let seq = 0;
      for (let start = 0; start < items.length; start += ITEMS_PER_CHUNK) await storeImportChunk(db(), id, seq++, items.slice(start, start + ITEMS_PER_CHUNK) as ImportItem[]);
      await queueImportJob(db(), id, { itemCount: items.length, chunkCount: seq, uploadSize: JSON.stringify(items).length });
      return id;
    }
    const hosts = (count: number, tag: string) => Array.from({ length: count }, (_, i) => ({ kind: 'indicator', type: 'Host', summary: `${tag}-${i}.example.com`, tags: [tag, 'bulk'], attributes: [{ type: 'Description', value: `host ${i}` }] }));
    const scalar = async (text: string, params: unknown[]) => Number(Object.values((await run(db(), text, params))[0]!)[0]);

    before(async () => {
      server = await startTestServer(dialect, { env: { CAIRN_IMPORT_POLL_MS: '600000' } });
      ownerId = server.bootstrap.organization.id;
      userId = server.bootstrap.apiUser.id;
    });
    after(async () => server.close());

    it('applies every chunk in order: exact counts, errors at their upload index, duplicates across chunks, progress per chunk', async () => {
      const tag = fresh('bulk');
      const items: unknown[] = hosts(2500, tag);
      items[5] = { kind: 'indicator', type: 'Host', summary: 'not valid' };
      items[1500] = { ...(items[10] as object) }; // a duplicate of item 10, in another chunk
      items[2499] = { kind: 'group', type: 'Adversary', name: 'g', xid: fresh('x') };
      const id = await queue(items);
      const progress: ImportJob[] = [];
      // One chunk per transaction (the default on PostgreSQL); groups of chunks: the next test.
      const job = await processImportJob(db(), id, { workerId: 'w1', groupItems: 0, onProgress: (j) => progress.push(j) });
      assert.equal(job.status, 'Completed');
      assert.equal(job.itemCount, 2500);
      assert.equal(job.successCount, 2498);
      assert.equal(job.createdCount, 2498);
      assert.equal(job.errorCount, 2);
      assert.equal(job.errorIndicatorCount, 2);
      assert.equal(job.unprocessedCount, 0);
      assert.equal(job.halted, null);
      assert.ok(job.completedAt && job.startedAt);
      assert.deepEqual(progress.map((p) => p.successCount), [999, 1998, 2498, 2498]);
      const problems = await listImportProblems(db(), id, { limit: 10 });
      assert.deepEqual(problems.map((p) => [p.index, p.code]), [[5, '0x1005'], [1500, '0x100A']]);
      assert.equal(await scalar('select count(*) from indicators where owner_id = ? and summary like ?', [ownerId, `${tag}-%`]), 2497);
      const tagged = await scalar('select count(*) from indicator_tags where tag_id = (select id from tags where owner_id = ? and normalized = ?)', [ownerId, tag]);
      assert.equal(tagged, 2497);
      assert.equal(await scalar('select count(*) from import_job_chunks where job_id = ? and done_at is not null and applied_by = ?', [id, 'w1']), 3);
      // Processing a completed job again changes nothing.
      const again = await processImportJob(db(), id, { workerId: 'w2' });
      assert.deepEqual(again, job);
    });

    it('on SQLite several chunks go in one transaction with the same outcome; all its chunks marked done together', async () => {
      const tag = fresh('group');
      const items: unknown[] = hosts(3500, tag);
      items[5] = { kind: 'indicator', type: 'Host', summary: 'not valid' };
      items[1500] = { ...(items[10] as object) }; // a duplicate of item 10, in another chunk of the same group
      items[3200] = { ...(items[20] as object) }; // a duplicate of item 20, in the next group
      const id = await queue(items);
      const progress: ImportJob[] = [];
      const job = await processImportJob(db(), id, { workerId: 'w1', groupItems: 2000, onProgress: (j) => progress.push(j) });
      assert.equal(job.status, 'Completed');
      assert.equal(job.successCount, 3497);
      assert.equal(job.createdCount, 3497);
      assert.equal(job.errorCount, 3);
      assert.equal(job.unprocessedCount, 0);
      const postgres = dialect !== 'sqlite';
      // Groups of two chunks on SQLite ([0,1], [2,3]); one chunk each on PostgreSQL.
      assert.deepEqual(progress.map((p) => p.successCount), postgres ? [999, 1998, 2998, 3497, 3497] : [1998, 3497, 3497]);
      const problems = await listImportProblems(db(), id, { limit: 10 });
      assert.deepEqual(problems.map((p) => [p.index, p.code]), [[5, '0x1005'], [1500, '0x100A'], [3200, '0x100A']]);
      assert.equal(await scalar('select count(*) from indicators where owner_id = ? and summary like ?', [ownerId, `${tag}-%`]), 3497);
      assert.equal(await scalar('select count(*) from import_job_chunks where job_id = ? and done_at is not null and applied_by = ?', [id, 'w1']), 4);
    });

    it('haltOnError completes the job halted, the items after the failed one unprocessed', async () => {
      const tag = fresh('halt');
      const items: unknown[] = hosts(1500, tag);
      items[1200] = { kind: 'indicator', type: 'Host', summary: 'bad one' };
      const job = await processImportJob(db(), await queue(items, { haltOnError: true }), { workerId: 'w1' });
      assert.equal(job.status, 'Completed');
      assert.match(job.halted!, /Halted at item 1201: Host "bad one" is not valid/);
      assert.equal(job.successCount, 1200);
      assert.equal(job.errorCount, 1);
      assert.equal(job.unprocessedCount, 299);
      assert.equal(await scalar('select count(*) from indicators where owner_id = ? and summary like ?', [ownerId, `${tag}-%`]), 1200);
    });

    it('a live lease keeps other workers out; an ended one is taken over; a released one is free at once', async () => {
      const tag = fresh('lease');
      const id = await queue(hosts(2100, tag));
      assert.equal(await claimImportJob(db(), id, 'first'), true);
      await assert.rejects(processImportJob(db(), id, { workerId: 'second' }), /being processed by another worker/);
      assert.equal(await claimNextImportJob(db(), 'second'), undefined);
      // The first worker applies one chunk, then "dies": its lease ends.
      await processImportJob(db(), id, { workerId: 'first', groupItems: 0, onProgress: () => { throw new Error('killed'); } }).catch(() => undefined);
      await run(db(), 'update import_jobs set claimed_until = ? where id = ?', [new Date(Date.now() - 1000).toISOString(), id]);
      assert.equal(await claimNextImportJob(db(), 'second'), id);
      const job = await processImportJob(db(), id, { workerId: 'second' });
      assert.equal(job.status, 'Completed');
      assert.equal(job.successCount, 2100);
      const appliedBy = await run<{ seq: number; applied_by: string }>(db(), 'select seq, applied_by from import_job_chunks where job_id = ? order by seq', [id]);
      assert.deepEqual(appliedBy.map((r) => r.applied_by), ['first', 'second', 'second']);
      assert.equal(await scalar('select count(*) from indicators where owner_id = ? and summary like ?', [ownerId, `${tag}-%`]), 2100);

      // A worker stopping (its signal aborted) releases the job after the chunk in flight.
      const other = await queue(hosts(2100, fresh('stop')));
      const stopping = new AbortController();
      const released = await processImportJob(db(), other, { workerId: 'third', groupItems: 0, signal: stopping.signal, onProgress: () => stopping.abort() });
      assert.equal(released.status, 'Running');
      assert.equal(released.successCount, 1000);
      assert.equal(await claimNextImportJob(db(), 'fourth'), other);
      await releaseImportJob(db(), other, 'fourth');
      assert.equal((await processImportJob(db(), other, { workerId: 'fifth' })).successCount, 2100);
    });

    it('a chunk that cannot be applied fails its items with 0x1004, and the job goes on', async () => {
      const tag = fresh('broken');
      const id = await createImportJob(db(), { ownerId, userId, format: 'tc-batch', origin: 'cli', settings: DEFAULT_SETTINGS });
      await storeImportChunk(db(), id, 0, hosts(3, tag) as ImportItem[]);
      await run(db(), 'insert into import_job_chunks (job_id, seq, item_count, items) values (?, ?, ?, ?)', [id, 1, 2, Buffer.from('[{"kind": broken')]);
      await storeImportChunk(db(), id, 2, hosts(4, `${tag}-b`) as ImportItem[]);
      await queueImportJob(db(), id, { itemCount: 9, chunkCount: 3, uploadSize: 1 });
      const job = await processImportJob(db(), id, { workerId: 'w' });
      assert.equal(job.status, 'Completed');
      assert.equal(job.successCount, 7);
      assert.equal(job.errorCount, 2);
      const problems = await listImportProblems(db(), id, { limit: 10 });
      assert.deepEqual(problems.map((p) => [p.index, p.code]), [[3, '0x1004'], [4, '0x1004']]);
      assert.match(problems[0]!.reason, /could not be written: .*JSON/);
    });

    it('a job with no upload yet is refused; claimNext takes the oldest queued job', async () => {
      const created = await createImportJob(db(), { ownerId, userId, format: 'tc-batch', origin: 'cli', settings: DEFAULT_SETTINGS });
      await assert.rejects(processImportJob(db(), created, { workerId: 'w' }), /has no upload yet/);
      const first = await queue(hosts(3, fresh('q1')));
      const second = await queue(hosts(3, fresh('q2')));
      assert.equal(await claimNextImportJob(db(), 'w'), first);
      assert.equal(await claimNextImportJob(db(), 'w'), second);
      await processImportJob(db(), first, { workerId: 'w' });
      await processImportJob(db(), second, { workerId: 'w' });
    });
  });

  describe(`the import worker job (${dialect})`, () => {
    let server: TestServer;
    before(async () => { server = await startTestServer(dialect, { env: { CAIRN_IMPORT_POLL_MS: '20' } }); });
    after(async () => server.close());

    it('processes a queued job in the background of the server', async () => {
      const db = server.services.store.db;
      const ownerId = server.bootstrap.organization.id;
      const id = await createImportJob(db, { ownerId, userId: server.bootstrap.apiUser.id, format: 'tc-batch', origin: 'cli', settings: DEFAULT_SETTINGS });
      await storeImportChunk(db, id, 0, [{ kind: 'indicator', type: 'Host', summary: `worker-${dialect}.example.com` }]);
      await queueImportJob(db, id, { itemCount: 1, chunkCount: 1, uploadSize: 10 });
      let status = '';
      for (let i = 0; i < 500 && status !== 'Completed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        status = String((await run<{ status: string }>(db, 'select status from import_jobs where id = ?', [id]))[0]!.status);
      }
      assert.equal(status, 'Completed');
      const answer = await server.client().request('GET', `/v3/indicators/worker-${dialect}.example.com`);
      assert.equal(answer.status, 200);
    });
  });
}
