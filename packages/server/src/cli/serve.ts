/**
 * `cairn serve`: the HTTP server and a worker beside it. On SIGTERM/SIGINT it stops taking
 * requests (new ones get 503 while those in flight finish, for at most SHUTDOWN_GRACE_MS), stops
 * the worker's jobs, closes the database and exits 0.
 */
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { bootstrapIfEmpty } from '../core/tenancy/bootstrap.js';
import { Worker } from '../jobs/worker.js';
import { createServices } from '../services.js';
import { configFrom } from './command.js';
import { stopOnSignals } from './shutdown.js';

/** How long requests in flight may run on after a stop signal before their connections are closed. */
export const SHUTDOWN_GRACE_MS = 10_000;

export function registerServeCommand(program: Command): void {
  program.command('serve')
    .description('start the HTTP server and the background jobs (migrates the database and bootstraps an empty one first)')
    .option('--port <port>', 'port to listen on [env CAIRN_PORT, default 8080]')
    .option('--host <host>', 'address to listen on [env CAIRN_HOST, default 127.0.0.1]')
    .action(async (options: { port?: string; host?: string }, command: Command) => {
      const config = configFrom(command, { CAIRN_PORT: options.port, CAIRN_HOST: options.host });
      const services = await createServices(config);
      let worker: Worker | undefined;
      let app: FastifyInstance | undefined;
      try {
        // Loaded here, not at the top: the HTTP stack is half of every other command's start-up time.
        const { buildApp } = await import('../http/app.js');
        app = await buildApp(services);
        if (services.masterKeyGenerated) app.log.warn({ file: services.masterKeyGenerated }, 'generated a new master key for secrets at rest; back it up with the database');
        worker = new Worker({ services, log: app.log });
        await worker.start();
        const address = await app.listen({ port: config.port, host: config.host });
        const baseUrl = config.publicUrl ?? address;
        const bootstrap = await bootstrapIfEmpty(services.tenancy, config.dataDir, baseUrl);
        if (bootstrap) app.log.warn({ file: bootstrap.file }, 'first start: organization, community, admin and API user created; their credentials are in this file (mode 0600)');
        app.log.info({ url: baseUrl, database: services.store.dialect }, 'Cairn is ready');
      } catch (error) {
        await app?.close();
        await worker?.stop();
        await services.close();
        throw error;
      }
      const running = { app, worker };
      stopOnSignals(app.log, async () => {
        await closeWithinGrace(running.app);
        await running.worker.stop();
        await services.close();
        running.app.log.info({ database: services.store.dialect }, 'closed the database');
      });
    });
}

/** Stops taking requests and waits for those in flight, closing their connections after the grace period. */
async function closeWithinGrace(app: FastifyInstance): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'grace over'>((resolve) => { timer = setTimeout(() => resolve('grace over'), SHUTDOWN_GRACE_MS); });
  const closed = app.close();
  const first = await Promise.race([closed.then(() => 'closed' as const), graceOver]);
  clearTimeout(timer);
  if (first === 'grace over') {
    app.log.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'requests still in flight after the grace period; closing their connections');
    app.server.closeAllConnections();
    await closed;
  }
  app.log.info({}, 'stopped taking requests');
}
