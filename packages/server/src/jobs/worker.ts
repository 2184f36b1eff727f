/**
 * The worker: starts a list of jobs and stops them again. `cairn serve` runs one beside the HTTP
 * server; `cairn worker` runs one on its own. Jobs start in list order and stop in reverse order,
 * each stop awaited, so a job never outlives what it depends on.
 */
import { credentialWatch } from './credential-watch.js';
import { importJobs } from './import.js';
import type { Job, JobContext, StopJob } from './job.js';

/** Every job a worker runs; the webhook delivery and batch-import jobs join this list. */
export const JOBS: readonly Job[] = [credentialWatch, importJobs];

export class Worker {
  readonly #running: { name: string; stop: StopJob }[] = [];

  constructor(
    private readonly context: JobContext,
    private readonly jobs: readonly Job[] = JOBS,
  ) {}

  /** The names of the jobs running now, in start order. */
  get running(): string[] {
    return this.#running.map((job) => job.name);
  }

  /** Starts every job; when one fails to start, the ones already started are stopped and the error thrown. */
  async start(): Promise<void> {
    for (const job of this.jobs) {
      try {
        this.#running.push({ name: job.name, stop: await job.start(this.context) });
      } catch (error) {
        this.context.log.error({ job: job.name, err: error }, 'job failed to start');
        await this.stop();
        throw error;
      }
      this.context.log.info({ job: job.name }, 'job started');
    }
  }

  /** Stops the running jobs in reverse start order; a stop that fails is logged and the others still stop. */
  async stop(): Promise<void> {
    while (this.#running.length > 0) {
      const { name, stop } = this.#running.pop()!;
      try {
        await stop();
        this.context.log.info({ job: name }, 'job stopped');
      } catch (error) {
        this.context.log.error({ job: name, err: error }, 'job did not stop cleanly');
      }
    }
  }
}
