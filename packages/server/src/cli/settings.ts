/** `cairn settings list|set`: the system settings, and with `--owner NAME` that owner's settings. */
import type { Command } from 'commander';
import { OWNER_SETTINGS, readBooleanSetting, readOwnerSetting, SYSTEM_SETTINGS, writeOwnerSetting, writeSetting, type OwnerSettingName, type SettingName } from '../core/settings.js';
import { withServices } from './command.js';
import { print, table } from './output.js';

export function registerSettingsCommands(program: Command): void {
  const settings = program.command('settings').description('system settings, and per-owner settings with --owner');
  settings.command('list').description('list the settings and their values')
    .option('--owner <name>', 'the settings of this organization or community (e.g. taxiiWritable)')
    .action(async (options: { owner?: string }, command: Command) => {
      await withServices(command, async (services) => {
        if (options.owner !== undefined) {
          const owner = await services.tenancy.findOwner(options.owner);
          const rows = await Promise.all(Object.entries(OWNER_SETTINGS).map(async ([name, def]) => ({
            owner: owner.name, name, value: await readOwnerSetting(services.store.db, owner.id, name as OwnerSettingName), description: def.description,
          })));
          return print(command, rows, table(rows));
        }
        const rows = await Promise.all(Object.entries(SYSTEM_SETTINGS).map(async ([name, def]) => ({
          name, value: await readBooleanSetting(services.store.db, name as SettingName), description: def.description,
        })));
        print(command, rows, table(rows));
      });
    });
  settings.command('set <name> <value>').description('change a setting, e.g. `settings set v3ApiBulkDeleteAllowed true` or `settings set taxiiWritable true --owner "My Org"`')
    .option('--owner <name>', 'set this organization\'s or community\'s setting')
    .action(async (name: string, value: string, options: { owner?: string }, command: Command) => {
      await withServices(command, async (services) => {
        if (options.owner !== undefined) {
          const owner = await services.tenancy.findOwner(options.owner);
          const result = await writeOwnerSetting(services.store.db, owner.id, name, value);
          return print(command, { owner: owner.name, ...result }, `${owner.name}: ${result.name} = ${result.value}`);
        }
        const result = await writeSetting(services.store.db, name, value);
        print(command, result, `${result.name} = ${result.value}`);
      });
    });
}
