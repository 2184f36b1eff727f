/**
 * The import worker: looks for import jobs waiting for a worker (queued, or left by a worker
 * whose lease ended) every `CAIRN_IMPORT_POLL_MS`, and processes them one at a time
 * (core/exchange/process.ts), going straight on to the next while there are more. On stop it
 * finishes the chunk in flight and releases its job, so another worker (or this one restarted)
 * takes it up at once.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { claimNextImportJob, processImportJob } from '../core/exchange/process.js';
import type { Job } from './job.js';

/** This process's worker id: host, pid and a random part (a restarted process is another worker). */
export const importWorkerId = (): string => `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;

export const importJobs: Job = {
  name: 'import',
  start({ services, log }) {
    const db = services.store.db;
    const workerId = importWorkerId();
    const { importPollMs: pollMs, importLeaseMs: leaseMs } = services.config;
    const stopping = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;

    const work = async () => {
      while (!stopping.signal.aborted) {
        const jobId = await claimNextImportJob(db, workerId, leaseMs);
        if (jobId === undefined) return;
        log.info({ job: 'import', importJob: jobId, worker: workerId }, 'processing import job');
        try {
          const done = await processImportJob(db, jobId, { workerId, leaseMs, signal: stopping.signal });
          log.info({ job: 'import', importJob: jobId, status: done.status, success: done.successCount, errors: done.errorCount }, done.status === 'Completed' ? 'import job completed' : 'import job released');
        } catch (error) {
          log.error({ job: 'import', importJob: jobId, err: error }, 'import job stopped with an error');
        }
      }
    };
    const tick = () => {
      timer = undefined;
      running = work()
        .catch((error: unknown) => log.error({ job: 'import', err: error }, 'looking for import jobs failed'))
        .finally(() => {
          running = undefined;
          if (!stopping.signal.aborted) {
            timer = setTimeout(tick, pollMs);
            timer.unref();
          }
        });
    };
    timer = setTimeout(tick, 0);
    timer.unref();
    log.info({ job: 'import', worker: workerId, pollMs, leaseMs }, 'looking for import jobs');
    return async () => {
      stopping.abort();
      if (timer) clearTimeout(timer);
      await running;
    };
  },
};
