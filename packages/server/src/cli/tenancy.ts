/** `cairn orgs|communities|api-users …`: organizations, communities and API users. */
import { Option, type Command } from 'commander';
import type { CairnServices } from '../services.js';
import { withServices } from './command.js';
import { print, table } from './output.js';

export function registerTenancyCommands(program: Command): void {
  registerOrganizationCommands(program);
  registerCommunityCommands(program);
  registerApiUserCommands(program);
}

function registerOrganizationCommands(program: Command): void {
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
}

function registerCommunityCommands(program: Command): void {
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
}

/** Per-API-user switches: `<name> <id> --state on|off`. */
const USER_SWITCHES = [
  {
    name: 'reject-replay', label: 'Replay rejection',
    description: 'refuse a repeated signature from this API user within the clock window',
    set: (services: CairnServices, id: string, on: boolean) => services.tenancy.setRejectReplay(id, on),
  },
  {
    name: 'websupport-login-window', label: 'The Websupport login window',
    description: 'accept this API user\'s verified Websupport signature on any request for 59 s, as the websupportsk Python client and certbot plugin expect',
    set: (services: CairnServices, id: string, on: boolean) => services.tenancy.setWebsupportLoginWindow(id, on),
  },
] as const;

function registerApiUserCommands(program: Command): void {
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
  for (const { name, label, description, set } of USER_SWITCHES) {
    apiUsers.command(`${name} <id>`).description(`${description} (id or access id)`)
      .addOption(new Option('--state <state>', 'on or off').choices(['on', 'off']).makeOptionMandatory())
      .action(async (id: string, options: { state: 'on' | 'off' }, command: Command) => {
        await withServices(command, async (services) => {
          const user = await set(services, id, options.state === 'on');
          print(command, user, `${label} is ${options.state} for ${user.userName}.`);
        });
      });
  }
}
