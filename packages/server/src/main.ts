/**
 * The `cairn` CLI: `serve`, `migrate`, and the tenancy commands. Every command takes `--json`
 * for scripts; errors print one line (or `{"error":…}`) and exit 1, never a stack trace.
 */
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type CairnConfig } from './config.js';
import { CairnError } from './core/errors.js';
import { readBooleanSetting, SYSTEM_SETTINGS, writeSetting } from './core/settings.js';
import { bootstrapIfEmpty } from './core/tenancy/bootstrap.js';
import { createServices, type CairnServices, type ServiceOptions } from './services.js';
import { migrateToLatest } from './store/migrate.js';

// Everything Cairn writes (database, WAL, master key, credentials) is for its own user only.
process.umask(0o077);

interface GlobalOptions { dataDir?: string; databaseUrl?: string; json?: boolean }

const program = new Command('cairn')
  .description('Cairn: self-hosted security intelligence speaking ThreatConnect-, Contrast- and Websupport-style APIs.')
  .option('--data-dir <dir>', 'data directory (SQLite database, master key, bootstrap credentials) [env CAIRN_DATA_DIR, default ./data]')
  .option('--database-url <url>', 'postgres:// URL to use PostgreSQL instead of SQLite [env DATABASE_URL]')
  .option('--json', 'print machine-readable JSON')
  .showHelpAfterError();

function configFrom(command: Command, extra: Record<string, string | undefined> = {}): CairnConfig {
  const options = command.optsWithGlobals<GlobalOptions>();
  return loadConfig(process.env, { CAIRN_DATA_DIR: options.dataDir, DATABASE_URL: options.databaseUrl, ...extra });
}

function print(command: Command, json: unknown, text: string): void {
  console.log(command.optsWithGlobals<GlobalOptions>().json ? JSON.stringify(json, null, 2) : text);
}

/** Runs a command against the services, always closing the database, and turns errors into one line. */
async function withServices(command: Command, work: (services: CairnServices) => Promise<void>, options: ServiceOptions = {}): Promise<void> {
  const services = await createServices(configFrom(command), options);
  try {
    await work(services);
  } finally {
    await services.close();
  }
}

function table(rows: object[]): string {
  if (rows.length === 0) return '(none)';
  const keys = Object.keys(rows[0]!);
  const cell = (r: object, k: string) => String((r as Record<string, unknown>)[k]);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r, k).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(keys), ...rows.map((r) => line(keys.map((k) => cell(r, k))))].join('\n');
}

program.command('serve')
  .description('start the HTTP server (migrates the database and bootstraps an empty one first)')
  .option('--port <port>', 'port to listen on [env CAIRN_PORT, default 8080]')
  .option('--host <host>', 'address to listen on [env CAIRN_HOST, default 127.0.0.1]')
  .action(async (options: { port?: string; host?: string }, command: Command) => {
    const config = configFrom(command, { CAIRN_PORT: options.port, CAIRN_HOST: options.host });
    const services = await createServices(config);
    // Loaded here, not at the top: the HTTP stack is half of every other command's start-up time.
    const { buildApp } = await import('./http/app.js');
    const app = await buildApp(services);
    if (services.masterKeyGenerated) app.log.warn({ file: services.masterKeyGenerated }, 'generated a new master key for secrets at rest; back it up with the database');
    const address = await app.listen({ port: config.port, host: config.host });
    const baseUrl = config.publicUrl ?? address;
    const bootstrap = await bootstrapIfEmpty(services.tenancy, config.dataDir, baseUrl);
    if (bootstrap) app.log.warn({ file: bootstrap.file }, 'first start: organization, community, admin and API user created; their credentials are in this file (mode 0600)');
    app.log.info({ url: baseUrl, database: services.store.dialect }, 'Cairn is ready');
    const stop = async (signal: string) => {
      app.log.info({ signal }, 'shutting down');
      await app.close();
      await services.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program.command('migrate')
  .description('apply pending database migrations')
  .action(async (_options: unknown, command: Command) => {
    // Opened without the automatic migration, so the report lists what this command applied.
    await withServices(command, async (services) => {
      const report = await migrateToLatest(services.store);
      print(command, report, report.applied.length ? `Applied ${report.applied.join(', ')}.` : 'The database is up to date.');
    }, { migrate: false });
  });

const orgs = program.command('orgs').description('organizations');
orgs.command('create <name>').description('create an organization (prints its Contrast API key)')
  .action(async (name: string, _options: unknown, command: Command) => {
    await withServices(command, async (services) => {
      const org = await services.tenancy.createOrganization(name);
      print(command, org, `Created organization ${org.id} "${org.name}".\nContrast API-Key: ${org.apiKey}\nOrganization UUID: ${org.uuid}`);
    });
  });
orgs.command('list').description('list organizations')
  .action(async (_options: unknown, command: Command) => {
    await withServices(command, async (services) => {
      const rows = (await services.tenancy.listOwners()).filter((o) => o.type === 'Organization');
      print(command, rows, table(rows));
    });
  });

const communities = program.command('communities').description('communities');
communities.command('create <name>').description('create a community')
  .action(async (name: string, _options: unknown, command: Command) => {
    await withServices(command, async (services) => {
      const community = await services.tenancy.createCommunity(name);
      print(command, community, `Created community ${community.id} "${community.name}".`);
    });
  });
communities.command('add-member <community>').description('make an organization a member of a community')
  .requiredOption('--org <organization>', 'organization name or id')
  .action(async (community: string, options: { org: string }, command: Command) => {
    await withServices(command, async (services) => {
      const result = await services.tenancy.addCommunityMember(community, options.org);
      print(command, { community: result.community, organization: result.organization, added: result.added },
        result.added ? `"${result.organization.name}" is now a member of "${result.community.name}".` : `"${result.organization.name}" was already a member of "${result.community.name}".`);
    });
  });
communities.command('list').description('list communities')
  .action(async (_options: unknown, command: Command) => {
    await withServices(command, async (services) => {
      const rows = (await services.tenancy.listOwners()).filter((o) => o.type === 'Community');
      print(command, rows, table(rows));
    });
  });

const apiUsers = program.command('api-users').description('API users (machine credentials)');
apiUsers.command('create').description('create an API user; prints its access id, secret and the organization\'s Contrast API key')
  .requiredOption('--org <organization>', 'organization name or id')
  .option('--name <name>', 'a name to recognise it by')
  .action(async (options: { org: string; name?: string }, command: Command) => {
    await withServices(command, async (services) => {
      const user = await services.tenancy.createApiUser(options.org, options.name);
      print(command, user, [
        `Created API user ${user.id} "${user.name}" in "${user.organization}". The secret is shown only now.`,
        `accessId: ${user.accessId}`, `secret:   ${user.secret}`, `apiKey:   ${user.apiKey}   (Contrast API-Key of the organization)`,
      ].join('\n'));
    });
  });
apiUsers.command('list').description('list API users')
  .option('--org <organization>', 'only this organization')
  .action(async (options: { org?: string }, command: Command) => {
    await withServices(command, async (services) => {
      const rows = await services.tenancy.listUsers({ kind: 'api', organization: options.org });
      print(command, rows, table(rows.map((u) => ({ id: u.id, accessId: u.userName, name: u.displayName, organization: u.organization, disabled: u.disabled, rejectReplay: u.rejectReplay, websupportLoginWindow: u.websupportLoginWindow }))));
    });
  });
apiUsers.command('rotate <id>').description('issue a new secret (id or access id); the old one stops working within a second')
  .action(async (id: string, _options: unknown, command: Command) => {
    await withServices(command, async (services) => {
      const { user, secret } = await services.tenancy.rotateSecret(id);
      print(command, { id: user.id, accessId: user.userName, secret }, `New secret for ${user.userName}: ${secret}`);
    });
  });
for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
  apiUsers.command(`${name} <id>`).description(`${name} an API user (id or access id)`)
    .action(async (id: string, _options: unknown, command: Command) => {
      await withServices(command, async (services) => {
        const user = await services.tenancy.setDisabled(id, disabled);
        print(command, user, `${user.userName} is ${disabled ? 'disabled' : 'enabled'}.`);
      });
    });
}
/** Per-API-user switches: `<name> <id> [--state on|off]`. */
const USER_SWITCHES = [
  {
    name: 'reject-replay', label: 'Replay rejection',
    description: 'refuse a repeated signature from this API user within the clock window (on|off)',
    set: (services: CairnServices, id: string, on: boolean) => services.tenancy.setRejectReplay(id, on),
  },
  {
    name: 'websupport-login-window', label: 'The Websupport login window',
    description: 'accept this API user\'s verified Websupport signature on any request for 59 s, as the websupportsk Python client and certbot plugin expect (on|off)',
    set: (services: CairnServices, id: string, on: boolean) => services.tenancy.setWebsupportLoginWindow(id, on),
  },
] as const;
for (const { name, label, description, set } of USER_SWITCHES) {
  apiUsers.command(`${name} <id>`).description(description)
    .addOption(new Option('--state <state>', 'on or off').choices(['on', 'off']).default('on'))
    .action(async (id: string, options: { state: 'on' | 'off' }, command: Command) => {
      await withServices(command, async (services) => {
        const user = await set(services, id, options.state === 'on');
        print(command, user, `${label} is ${options.state} for ${user.userName}.`);
      });
    });
}

const settings = program.command('settings').description('system settings');
settings.command('list').description('list the settings and their values')
  .action(async (_options: unknown, command: Command) => {
    await withServices(command, async (services) => {
      const rows = await Promise.all(Object.entries(SYSTEM_SETTINGS).map(async ([name, def]) => ({
        name, value: await readBooleanSetting(services.store.db, name as keyof typeof SYSTEM_SETTINGS), description: def.description,
      })));
      print(command, rows, table(rows));
    });
  });
settings.command('set <name> <value>').description('change a setting, e.g. `settings set v3ApiBulkDeleteAllowed true`')
  .action(async (name: string, value: string, _options: unknown, command: Command) => {
    await withServices(command, async (services) => {
      const result = await writeSetting(services.store.db, name, value);
      print(command, result, `${result.name} = ${result.value}`);
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const known = error instanceof CairnError || error instanceof ConfigError;
  const message = known ? (error as Error).message : `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  if (process.argv.includes('--json')) console.log(JSON.stringify({ error: message, code: error instanceof CairnError ? error.code : 'error' }));
  else console.error(`cairn: ${message}`);
  process.exitCode = 1;
}
