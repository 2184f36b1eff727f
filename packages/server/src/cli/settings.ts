/** `cairn settings list|set`: the system settings. */
import type { Command } from 'commander';
import { readBooleanSetting, SYSTEM_SETTINGS, writeSetting, type SettingName } from '../core/settings.js';
import { withServices } from './command.js';
import { print, table } from './output.js';

export function registerSettingsCommands(program: Command): void {
  const settings = program.command('settings').description('system settings');
  settings.command('list').description('list the settings and their values')
    .action(async (_options: unknown, command: Command) => {
      await withServices(command, async (services) => {
        const rows = await Promise.all(Object.entries(SYSTEM_SETTINGS).map(async ([name, def]) => ({
          name, value: await readBooleanSetting(services.store.db, name as SettingName), description: def.description,
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
}
