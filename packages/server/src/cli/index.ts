/**
 * The `cairn` CLI program: the global options and one file per command group. Every command takes
 * `--json` for scripts; errors print one line (or `{"error":…,"code":…}` with --json) and exit 1,
 * never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { CairnError } from '../core/errors.js';
import { CAIRN_VERSION } from '../version.js';
import { CommandError } from './command.js';
import { registerExportCommand } from './export.js';
import { registerImportCommand } from './import.js';
import { registerMigrateCommand } from './migrate.js';
import { registerRequestCommand } from './request.js';
import { registerServeCommand } from './serve.js';
import { registerSettingsCommands } from './settings.js';
import { registerTenancyCommands } from './tenancy.js';
import { registerWorkerCommand } from './worker.js';

// Everything Cairn writes (database, WAL, master key, credentials) is for its own user only.
process.umask(0o077);

const program = new Command('cairn')
  .description('Cairn: self-hosted security intelligence speaking ThreatConnect-, Contrast- and Websupport-style APIs.')
  .version(CAIRN_VERSION, '-V, --version', 'print the version')
  .option('--data-dir <dir>', 'data directory (SQLite database, master key, bootstrap credentials) [env CAIRN_DATA_DIR, default ./data]')
  .option('--database-url <url>', 'postgres:// URL to use PostgreSQL instead of SQLite [env DATABASE_URL]')
  .option('--json', 'print machine-readable JSON')
  // Commander's own errors (unknown option, missing argument) go through the one-line report below;
  // subcommands inherit these settings, so they are made before the commands.
  .exitOverride()
  .configureOutput({ outputError: () => undefined });

registerServeCommand(program);
registerWorkerCommand(program);
registerMigrateCommand(program);
registerTenancyCommands(program);
registerSettingsCommands(program);
registerRequestCommand(program);
registerImportCommand(program);
registerExportCommand(program);

// No top-level await: the compiled CLI is a CommonJS bundle (bin/cairn.js loads it with a V8 code cache).
program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError && ['commander.version', 'commander.help', 'commander.helpDisplayed'].includes(error.code)) {
    process.exitCode = error.exitCode;
  } else {
    report(error);
    process.exitCode = 1;
  }
});

function report(error: unknown): void {
  const usage = error instanceof CommanderError;
  const known = usage || error instanceof CairnError || error instanceof ConfigError || error instanceof CommandError;
  let message = known ? (error as Error).message : `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  if (usage) message = `${message.replace(/^error: /, '')} (see --help)`;
  const code = error instanceof CairnError || error instanceof CommandError ? error.code : usage ? 'usage' : 'error';
  if (process.argv.includes('--json')) console.log(JSON.stringify({ error: message, code }));
  else console.error(`cairn: ${message}`);
}
