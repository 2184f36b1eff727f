/**
 * Crash safety of import jobs with real processes, on a SQLite file and on PostgreSQL: a
 * `cairn worker` is killed (SIGKILL) in the middle of a big job; a new one takes the job over
 * once the lease ends and completes it. Every item is applied exactly once: the counts are
 * exact, no row is doubled (indicators, values, tag links, attributes) and no error is recorded
 * twice.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { run } from '../../src/core/exchange/bulk-sql.js';
import { CairnProcess, removeTempDirs } from '../support/cli.js';
import { bulkHosts, workerDatabase } from '../support/import-workers.js';
import { testDialects } from '../support/server.js';

after(removeTempDirs);

for (const dialect of testDialects()) {
  describe(`import jobs survive kill -9 (${dialect})`, () => {
    it('a job interrupted by SIGKILL completes on restart with every item applied once', async () => {
      const database = await workerDatabase(dialect);
      const workerEnv = { ...database.env, CAIRN_IMPORT_POLL_MS: '50', CAIRN_IMPORT_LEASE_MS: '2000' };
      let worker: CairnProcess | undefined;
      try {
        const prefix = `crash-${dialect}`;
        const { items, valid, invalid, duplicates } = bulkHosts(30_000, prefix);
        const id = await database.queue(items);
        const done = () => database.scalar('select count(*) from import_job_chunks where job_id = ? and done_at is not null', [id]);

        worker = new CairnProcess(['worker', '--data-dir', database.dataDir], workerEnv);
        await worker.waitForLog('Cairn worker is ready', 60_000);
        for (let i = 0; i < 6000 && await done() < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        worker.child.kill('SIGKILL');
        assert.equal(await worker.exited(), null, 'killed by the signal');
        const before = await done();
        assert.ok(before >= 3 && before < 30, `killed mid-way (${before} of 30 chunks done)`);
        const job = await database.scalar("select count(*) from import_jobs where id = ? and status = 'Running'", [id]);
        assert.equal(job, 1, 'left Running, claimed by the dead worker');

        worker = new CairnProcess(['worker', '--data-dir', database.dataDir], workerEnv);
        await worker.waitFor('the job to complete', () => (worker!.output.includes('import job completed') ? true : undefined), 120_000);
        assert.equal(await worker.stop('SIGTERM'), 0, worker.output);

        const [counts] = await run<Record<string, unknown>>(database.services.store.db, 'select * from import_jobs where id = ?', [id]);
        assert.equal(counts!.status, 'Completed');
        assert.equal(Number(counts!.success_count), valid);
        assert.equal(Number(counts!.created_count), valid);
        assert.equal(Number(counts!.error_count), invalid + duplicates);
        assert.equal(Number(counts!.unprocessed_count), 0);
        assert.equal(await database.scalar('select count(*) from import_job_errors where job_id = ?', [id]), invalid + duplicates, 'no error recorded twice');
        assert.equal(await database.scalar('select count(distinct item_index) from import_job_errors where job_id = ?', [id]), invalid + duplicates);
        assert.equal(await database.scalar('select count(*) from indicators where owner_id = ?', [database.ownerId]), valid);
        assert.equal(await database.scalar('select count(*) from indicator_values where owner_id = ?', [database.ownerId]), valid);
        assert.equal(await database.scalar('select count(*) from indicator_attributes where owner_id = ?', [database.ownerId]), valid, 'no attribute written twice');
        assert.equal(await database.scalar('select count(*) from indicator_tags', []), 2 * valid);
        assert.equal(await database.scalar('select count(*) from tags where owner_id = ?', [database.ownerId]), 2);
        assert.equal(await database.scalar('select count(*) from import_job_chunks where job_id = ? and done_at is null', [id]), 0);
      } finally {
        if (worker?.running) await worker.stop('SIGKILL').catch(() => undefined);
        await database.close();
      }
    });
  });
}
