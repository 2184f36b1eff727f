/** `cairn worker`: the background jobs without the HTTP server, with the same flags, logs and graceful stop. */
import type { Command } from 'commander';
import { pino } from 'pino';
import { Worker } from '../jobs/worker.js';
import { createServices } from '../services.js';
import { configFrom } from './command.js';
import { stopOnSignals } from './shutdown.js';

export function registerWorkerCommand(program: Command): void {
  program.command('worker')
    .description('run the background jobs without the HTTP server, until SIGTERM or SIGINT')
    .action(async (_options: unknown, command: Command) => {
      const config = configFrom(command);
      const log = pino({ level: config.logLevel });
      const services = await createServices(config);
      const worker = new Worker({ services, log });
      try {
        await worker.start();
      } catch (error) {
        await services.close();
        throw error;
      }
      // Jobs keep their timers unreferenced; this keeps the process alive until a signal stops it.
      const alive = setInterval(() => undefined, 2 ** 30);
      log.info({ jobs: worker.running, database: services.store.dialect }, 'Cairn worker is ready');
      stopOnSignals(log, async () => {
        clearInterval(alive);
        await worker.stop();
        await services.close();
        log.info({ database: services.store.dialect }, 'closed the database');
      });
    });
}
