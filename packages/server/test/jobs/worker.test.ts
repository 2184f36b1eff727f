/**
 * The worker's lifecycle over a real services container: jobs start in order and stop in reverse,
 * a stop waits for the job's work in flight, a job that fails to start stops the ones already
 * started, and a stop that fails is logged while the others still stop.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import type { Job, JobLog } from '../../src/jobs/job.js';
import { JOBS, Worker } from '../../src/jobs/worker.js';
import { createServices, type CairnServices } from '../../src/services.js';

/** A log that keeps what it is given. */
function recordingLog(): JobLog & { lines: Array<{ level: string; details: Record<string, unknown>; message: string }> } {
  const lines: Array<{ level: string; details: Record<string, unknown>; message: string }> = [];
  const at = (level: string) => (details: object, message: string) => { lines.push({ level, details: details as Record<string, unknown>, message }); };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** A job that records its start and stop in `events`; its stop resolves only when `release` is called. */
function recordingJob(name: string, events: string[], options: { failStart?: boolean; failStop?: boolean } = {}): Job & { release(): void } {
  let release = () => {};
  const released = new Promise<void>((resolve) => { release = resolve; });
  return {
    name,
    release: () => release(),
    start() {
      if (options.failStart) throw new Error(`${name} cannot start`);
      events.push(`start ${name}`);
      return async () => {
        events.push(`stopping ${name}`);
        await released;
        if (options.failStop) throw new Error(`${name} cannot stop`);
        events.push(`stopped ${name}`);
      };
    },
  };
}

describe('Worker', () => {
  let dataDir: string;
  let services: CairnServices;
  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-worker-'));
    services = await createServices(loadConfig({ CAIRN_DATA_DIR: dataDir, CAIRN_LOG_LEVEL: 'silent' }));
  });
  after(async () => {
    await services.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('runs the credential watcher and the import worker by default', () => {
    assert.deepEqual(JOBS.map((job) => job.name), ['credential-watch', 'import']);
  });

  test('starts jobs in order, stops them in reverse, each stop awaited until its work in flight is done', async () => {
    const events: string[] = [];
    const [a, b] = [recordingJob('a', events), recordingJob('b', events)];
    const log = recordingLog();
    const worker = new Worker({ services, log }, [a, b]);
    await worker.start();
    assert.deepEqual(worker.running, ['a', 'b']);
    assert.deepEqual(events, ['start a', 'start b']);

    const stopped = worker.stop();
    await Promise.resolve();
    assert.deepEqual(events, ['start a', 'start b', 'stopping b'], 'a is not stopped while b still has work in flight');
    b.release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(events.slice(3), ['stopped b', 'stopping a']);
    a.release();
    await stopped;
    assert.deepEqual(events.slice(5), ['stopped a']);
    assert.deepEqual(worker.running, []);
    assert.deepEqual(log.lines.map((l) => `${l.message} ${l.details.job}`), ['job started a', 'job started b', 'job stopped b', 'job stopped a']);
  });

  test('a job that fails to start stops the ones already started, and the error reaches the caller', async () => {
    const events: string[] = [];
    const first = recordingJob('first', events);
    first.release();
    const log = recordingLog();
    const worker = new Worker({ services, log }, [first, recordingJob('broken', events, { failStart: true }), recordingJob('never', events)]);
    await assert.rejects(worker.start(), /broken cannot start/);
    assert.deepEqual(events, ['start first', 'stopping first', 'stopped first']);
    assert.deepEqual(worker.running, []);
    assert.ok(log.lines.some((l) => l.level === 'error' && l.details.job === 'broken' && l.message === 'job failed to start'));
  });

  test('a stop that fails is logged and the other jobs still stop', async () => {
    const events: string[] = [];
    const jobs = [recordingJob('steady', events), recordingJob('stuck', events, { failStop: true })];
    for (const job of jobs) job.release();
    const log = recordingLog();
    const worker = new Worker({ services, log }, jobs);
    await worker.start();
    await worker.stop();
    assert.deepEqual(events, ['start steady', 'start stuck', 'stopping stuck', 'stopping steady', 'stopped steady']);
    const failure = log.lines.find((l) => l.level === 'error');
    assert.equal(failure?.details.job, 'stuck');
    assert.equal(failure?.message, 'job did not stop cleanly');
  });
});
