/** What every command shares: the global options, the config they make, services opened and closed. */
import type { Command } from 'commander';
import { loadConfig, type CairnConfig } from '../config.js';
import { createServices, type CairnServices, type ServiceOptions } from '../services.js';

export interface GlobalOptions { dataDir?: string; databaseUrl?: string; json?: boolean }

/** A failure a command reports in one line (`cairn: …`, or `{"error":…,"code":…}` with --json). */
export class CommandError extends Error {
  constructor(message: string, readonly code = 'error') {
    super(message);
  }
}

/** The config from the environment, the global flags and a command's own flags (same names as the variables). */
export function configFrom(command: Command, extra: Record<string, string | undefined> = {}): CairnConfig {
  const options = command.optsWithGlobals<GlobalOptions>();
  return loadConfig(process.env, { CAIRN_DATA_DIR: options.dataDir, DATABASE_URL: options.databaseUrl, ...extra });
}

/** Runs a command against the services, always closing the database. */
export async function withServices<T>(command: Command, work: (services: CairnServices) => Promise<T>, options: ServiceOptions = {}): Promise<T> {
  const services = await createServices(configFrom(command), options);
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}
