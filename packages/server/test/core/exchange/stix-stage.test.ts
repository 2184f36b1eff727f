/**
 * Staging a STIX bundle into an import job (core/exchange/stix/stage.ts) on a real database, both
 * dialects: the items stored in chunks in upload order, the problems recorded with the job and
 * counted by kind, the job queued with its totals; a bundle that is no bundle is a job with one
 * file problem and no items.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { DEFAULT_SETTINGS, type ImportItem } from '../../../src/core/exchange/items.js';
import { findImportJob, ITEMS_PER_CHUNK, listImportProblems } from '../../../src/core/exchange/jobs.js';
import { stageStixImport } from '../../../src/core/exchange/stix/stage.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';

for (const dialect of testDialects()) {
  describe(`Staging a STIX bundle into an import job (${dialect})`, () => {
    let server: TestServer;
    let db: Kysely<any>;
    let ownerId: number;
    let userId: number;

    before(async () => {
      server = await startTestServer(dialect);
      db = server.services.store.db as Kysely<any>;
      ownerId = server.bootstrap.organization.id;
      userId = server.bootstrap.apiUser.id;
    });
    after(() => server.close());

    const stage = (text: string, maxBytes = 10_000_000) =>
      stageStixImport(db, { ownerId, userId, origin: 'cli', settings: DEFAULT_SETTINGS }, Readable.from([Buffer.from(text)]), { maxBytes });

    it('stores the items in chunks, records the problems, and queues the job with its totals', async () => {
      const count = ITEMS_PER_CHUNK + 5;
      const objects: unknown[] = Array.from({ length: count }, (_, i) => ({ type: 'ipv4-addr', id: `ipv4-addr--${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`, value: `10.1.${i >> 8}.${i & 255}` }));
      objects.push({ type: 'location', id: 'location--00000000-0000-4000-8000-000000000001' }, { type: 'ipv4-addr', id: 'ipv4-addr--00000000-0000-4000-8000-00000000ffff', value: 'bad' });
      const text = JSON.stringify({ type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000000', objects });
      const staged = await stage(text);
      assert.deepEqual(staged, { jobId: staged.jobId, itemCount: count, chunkCount: 2, parseErrors: { indicator: 1, group: 1, association: 0, file: 0 }, uploadSize: Buffer.byteLength(text) });
      const job = await findImportJob(db, staged.jobId, [ownerId]);
      assert.equal(job?.status, 'Queued');
      assert.equal(job?.format, 'stix');
      assert.deepEqual([job?.itemCount, job?.chunkCount, job?.errorCount, job?.errorIndicatorCount, job?.errorGroupCount, job?.unprocessedCount], [count, 2, 2, 1, 1, count]);
      const chunks = await db.selectFrom('import_job_chunks').select(['seq', 'item_count', 'items']).where('job_id', '=', staged.jobId).orderBy('seq').execute();
      assert.deepEqual(chunks.map((c) => Number(c.item_count)), [ITEMS_PER_CHUNK, 5]);
      const first = JSON.parse(Buffer.from(chunks[0]!.items).toString()) as ImportItem[];
      assert.deepEqual(first[0], { kind: 'indicator', type: 'Address', summary: '10.1.0.0' });
      const problems = await listImportProblems(db, staged.jobId, { limit: 10 });
      assert.deepEqual(problems.map((p) => [p.index, p.kind]), [[count, 'group'], [count + 1, 'indicator']]);
      assert.equal(await findImportJob(db, staged.jobId, [ownerId + 1000]), undefined, 'another owner does not see the job');
    });

    it('an input that fails part way (a client gone) leaves no job behind', async () => {
      const before = Number((await db.selectFrom('import_jobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const objects = Array.from({ length: ITEMS_PER_CHUNK + 10 }, (_, i) => JSON.stringify({ type: 'domain-name', id: `domain-name--${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`, value: `gone${i}.example` }));
      const failing = Readable.from((async function* () {
        yield Buffer.from(`{"type":"bundle","objects":[${objects.join(',')},`);
        throw new Error('the client went away');
      })());
      await assert.rejects(stageStixImport(db, { ownerId, userId, origin: 'taxii', settings: DEFAULT_SETTINGS }, failing, { maxBytes: 10_000_000 }), /the client went away/);
      const after = Number((await db.selectFrom('import_jobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      assert.equal(after, before);
      assert.equal(Number((await db.selectFrom('import_job_chunks').select((eb) => eb.fn.countAll().as('n')).innerJoin('import_jobs', 'import_jobs.id', 'import_job_chunks.job_id').where('import_jobs.status', '=', 'Created').executeTakeFirstOrThrow()).n), 0);
    });

    it('a text that is no bundle is a job with one file problem and no items', async () => {
      const staged = await stage('{"hello": "world"}');
      assert.deepEqual([staged.itemCount, staged.chunkCount, staged.parseErrors.file], [0, 0, 1]);
      const problems = await listImportProblems(db, staged.jobId, { limit: 10 });
      assert.equal(problems.length, 1);
      assert.match(problems[0]!.reason, /not a STIX bundle/);
    });
  });
}
