/** `cairn migrate`: applies pending migrations and says which. */
import type { Command } from 'commander';
import { migrateToLatest } from '../store/migrate.js';
import { withServices } from './command.js';
import { print } from './output.js';

export function registerMigrateCommand(program: Command): void {
  program.command('migrate')
    .description('apply pending database migrations')
    .action(async (_options: unknown, command: Command) => {
      // Opened without the automatic migration, so the report lists what this command applied.
      await withServices(command, async (services) => {
        const report = await migrateToLatest(services.store);
        print(command, report, report.applied.length ? `Applied ${report.applied.join(', ')}.` : 'The database is up to date.');
      }, { migrate: false });
    });
}
