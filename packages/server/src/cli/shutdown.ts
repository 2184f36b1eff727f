/**
 * Graceful stop of the long-running commands (`serve`, `worker`): the first SIGTERM or SIGINT
 * runs the stop steps and exits 0 (1 when a step failed); a second signal exits 1 at once.
 */
import type { JobLog } from '../jobs/job.js';

export function stopOnSignals(log: JobLog, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop().then(() => process.exit(0), (error: unknown) => {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
