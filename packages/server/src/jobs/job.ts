/**
 * What a background job is: a name and a start that returns its stop. A job owns its timers or
 * loops; its stop stops taking new work and resolves once work in flight is finished or released
 * (handed back for another worker to pick up), so a graceful shutdown loses nothing.
 */
import type { CairnServices } from '../services.js';

/** The part of a pino logger (Fastify's `app.log` is one) that jobs write to. */
export interface JobLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface JobContext {
  services: CairnServices;
  log: JobLog;
}

/** Stops a started job; resolves when its work in flight is finished or released. */
export type StopJob = () => Promise<void>;

export interface Job {
  /** Kebab-case, as it appears in the logs (`{"job":"credential-watch"}`). */
  readonly name: string;
  start(context: JobContext): StopJob | Promise<StopJob>;
}
