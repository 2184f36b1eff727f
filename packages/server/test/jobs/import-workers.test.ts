/**
 * Several Cairn nodes on one database: two `cairn worker` processes share a queue of import
 * jobs. Each job is processed by exactly one worker (its log says which, and each chunk records
 * the worker whose transaction applied it), no chunk is applied twice (the rows are exact), and
 * no two workers hold one job at once (the intervals in which each worker held a job never
 * overlap for one job).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { run } from '../../src/core/exchange/bulk-sql.js';
import { CairnProcess, removeTempDirs } from '../support/cli.js';
import { bulkHosts, workerDatabase } from '../support/import-workers.js';
import { testDialects } from '../support/server.js';

after(removeTempDirs);

/** The import job log lines (pino JSON) of a worker: which job, when, what. */
function jobLines(output: string): { importJob: number; time: number; msg: string; worker?: string }[] {
  return output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.job === 'import' && typeof line.importJob === 'number')
    .map((line) => ({ importJob: line.importJob as number, time: line.time as number, msg: String(line.msg), worker: line.worker as string | undefined }));
}

for (const dialect of testDialects()) {
  describe(`two import workers on one database (${dialect})`, () => {
    it('each job is processed by exactly one worker at a time, and every chunk once', async () => {
      const database = await workerDatabase(dialect);
      const env = { ...database.env, CAIRN_IMPORT_POLL_MS: '20', CAIRN_IMPORT_LEASE_MS: '30000' };
      const workers = [new CairnProcess(['worker', '--data-dir', database.dataDir], env), new CairnProcess(['worker', '--data-dir', database.dataDir], env)];
      try {
        await Promise.all(workers.map((w) => w.waitForLog('Cairn worker is ready', 60_000)));
        const jobs: { id: number; valid: number; errors: number; chunks: number }[] = [];
        for (let j = 0; j < 6; j++) {
          const { items, valid, invalid, duplicates } = bulkHosts(3000, `two-${dialect}-${j}`);
          jobs.push({ id: await database.queue(items), valid, errors: invalid + duplicates, chunks: 3 });
        }
        const completed = () => database.scalar("select count(*) from import_jobs where status = 'Completed'");
        for (let i = 0; i < 12_000 && await completed() < jobs.length; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.equal(await completed(), jobs.length);
        await Promise.all(workers.map((w) => w.stop('SIGTERM')));

        const lines = workers.map((w) => jobLines(w.output));
        const workerIds = lines.map((l) => l.find((line) => line.msg === 'processing import job')?.worker);
        for (const job of jobs) {
          const holders = lines.map((l) => l.filter((line) => line.importJob === job.id && line.msg === 'processing import job').length);
          assert.deepEqual(holders.filter((h) => h > 0).length, 1, `job ${job.id} was taken by exactly one worker (${holders.join(', ')})`);
          const holder = holders.findIndex((h) => h > 0);
          const chunks = await run<{ applied_by: string }>(database.services.store.db, 'select applied_by from import_job_chunks where job_id = ? order by seq', [job.id]);
          assert.deepEqual(chunks.map((c) => c.applied_by), Array(job.chunks).fill(workerIds[holder]), `job ${job.id}: every chunk applied by its one worker`);
          const [row] = await run<Record<string, unknown>>(database.services.store.db, 'select * from import_jobs where id = ?', [job.id]);
          assert.equal(Number(row!.success_count), job.valid);
          assert.equal(Number(row!.error_count), job.errors);
          assert.equal(await database.scalar('select count(*) from import_job_errors where job_id = ?', [job.id]), job.errors);
        }
        // On PostgreSQL (the several-node deployment) both nodes did work. SQLite's one write lock is
        // not fair: a worker waiting in its busy handler may find the other one's next chunk
        // transaction begun each time it retries, so on a loaded machine one worker can do every
        // job; correct, and not a property to assert there.
        if (dialect === 'postgres') assert.ok(lines.every((l) => l.some((line) => line.msg === 'processing import job')), 'both workers processed jobs');
        // The rows are exact: no chunk was applied twice.
        const total = jobs.reduce((sum, job) => sum + job.valid, 0);
        assert.equal(await database.scalar('select count(*) from indicators where owner_id = ?', [database.ownerId]), total);
        assert.equal(await database.scalar('select count(*) from indicator_attributes where owner_id = ?', [database.ownerId]), total);
        assert.equal(await database.scalar('select count(*) from indicator_tags', []), 2 * total);
      } finally {
        await Promise.all(workers.map((w) => (w.running ? w.stop('SIGKILL').catch(() => undefined) : undefined)));
        await database.close();
      }
    });
  });
}
