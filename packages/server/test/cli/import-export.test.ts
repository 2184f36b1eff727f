/**
 * `cairn import` and `cairn export` as a user runs them: the real bin/cairn.js in child processes,
 * on SQLite and (CAIRN_TEST_PG_URL) PostgreSQL in a fresh schema. Each format imported from files
 * (format detected from the content), the summary in text and --json, the plain progress lines
 * when stderr is no terminal, one-line errors (missing file, unknown owner, undetectable format)
 * that import nothing, and exports (CSV, STIX) that import back into another organization and
 * export again to the same text.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/database.js';
import { testDialects, type TestDialect } from '../support/server.js';
import { oneLineFailure, removeTempDirs, runCairn, tempDir, type CommandResult } from '../support/cli.js';

after(removeTempDirs);

const EVENT_UUID = '0b5c2f7e-8d1a-4c3e-9f60-3a2b1c0d9e8f';
const MISP_EVENT = {
  Event: {
    id: '4242', uuid: EVENT_UUID, info: 'Phishing wave against finance', date: '2025-06-02', Orgc: { name: 'CIRCL' },
    Attribute: [
      { type: 'domain', value: 'login-bank.example.com', to_ids: true, Tag: [{ name: 'phishing' }] },
      { type: 'ip-dst', value: '203.0.113.50', to_ids: true, comment: 'landing page' },
      { type: 'text', value: 'not an indicator' },
    ],
    Object: [{ name: 'file', Attribute: [{ type: 'sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }, { type: 'filename', value: 'invoice.pdf.exe' }] }],
    Galaxy: [{ name: 'Threat Actor', GalaxyCluster: [{ value: 'FIN7' }] }],
    Tag: [{ name: 'tlp:amber' }],
  },
};

/** A Cairn data directory with its database (SQLite in it, or a fresh PostgreSQL schema), driven by the CLI. */
interface Instance {
  cairn(...args: string[]): Promise<CommandResult>;
  ok(...args: string[]): Promise<CommandResult>;
  store: Store;
  close(): Promise<void>;
}

async function newInstance(dialect: TestDialect): Promise<Instance> {
  const dir = tempDir();
  let env: Record<string, string> = {};
  let dropSchema = async () => {};
  let openIt = () => openStore({ sqlitePath: path.join(dir, 'cairn.sqlite') });
  if (dialect === 'postgres') {
    const url = process.env.CAIRN_TEST_PG_URL!;
    const schema = `cairn_cli_${crypto.randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const separator = url.includes('?') ? '&' : '?';
    env = { DATABASE_URL: `${url}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}` };
    dropSchema = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    };
    openIt = () => openStore({ databaseUrl: url, pgSchema: schema });
  }
  const cairn = (...args: string[]) => runCairn(['--data-dir', dir, ...args], { CAIRN_PROGRESS_INTERVAL_MS: '0', ...env });
  const ok = async (...args: string[]) => {
    const result = await cairn(...args);
    assert.equal(result.code, 0, `cairn ${args.join(' ')}: ${result.stderr}${result.stdout}`);
    return result;
  };
  // The CLI makes the database (migrations) before the test opens it.
  await ok('migrate');
  const store = openIt();
  return {
    cairn, ok, store,
    async close() {
      await store.close();
      await dropSchema();
    },
  };
}

for (const dialect of testDialects()) {
  describe(`cairn import and export (${dialect})`, { concurrency: false }, () => {
    let files: string;
    let instance: Instance;
    let store: Store;
    const org = `Import Org ${dialect}`;
    const other = `Second Org ${dialect}`;
    const cairn = (...args: string[]): Promise<CommandResult> => instance.cairn(...args);
    const ok = (...args: string[]): Promise<CommandResult> => instance.ok(...args);
    const write = (name: string, content: string | object) => {
      const file = path.join(files, name);
      fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    };
    const db = () => store.db as unknown as Kysely<any>;
    const jobCount = async () => Number((await db().selectFrom('import_jobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

    before(async () => {
      files = tempDir('cairn-import-files-');
      instance = await newInstance(dialect);
      store = instance.store;
      await ok('orgs', 'create', org);
      await ok('api-users', 'create', '--org', org);
      await ok('orgs', 'create', other);
      await ok('api-users', 'create', '--org', other);
    });
    after(async () => {
      await instance?.close();
    });

    test('imports a CSV file: a summary of created and failed items with the line of each failure, and progress lines', async () => {
      const file = write('feed.csv', [
        'Type,Value,Rating,Confidence,Tags',
        'Host,Bad-Host.example.com,3,80,phishing;wave 1',
        'Address,192.0.2.10,,,',
        'Frob,whatever,,,',
        'URL,http://bad.example.com/login?x=1,5,100,phishing',
        '',
      ].join('\n'));
      const result = await cairn('import', file, '--owner', org);
      assert.equal(result.code, 2, `some items failed: exit 2\n${result.stderr}`);
      const lines = result.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(csv, job \\d+\\): 3 created, 0 updated, 1 failed\\.$`));
      assert.equal(lines[1], 'Problems:');
      assert.match(lines[2]!, /^ {2}item 2 error 0x1005: Line 4: "Frob" is not an indicator type/);
      // Not a terminal: plain lines on stderr, reading then importing.
      assert.match(result.stderr, /^read .*feed\.csv: started$/m);
      assert.match(result.stderr, /^import .*feed\.csv: started$/m);
      assert.match(result.stderr, /^import .*feed\.csv: 3\/3 items \(100%\), \d+ items\/s, done in \d+\.\d s$/m);
      assert.doesNotMatch(result.stderr, /\u001b\[/, 'no terminal escapes');
    });

    test('imports the same file again as updates, and --json lists every failure', async () => {
      const file = path.join(files, 'feed.csv');
      const result = await cairn('--json', 'import', file, '--owner', org, '--no-progress');
      assert.equal(result.code, 2);
      assert.equal(result.stderr, '');
      const summary = JSON.parse(result.stdout);
      assert.equal(summary.files.length, 1);
      const [one] = summary.files;
      assert.equal(one.format, 'csv');
      assert.equal(one.status, 'Completed');
      assert.equal(one.created, 0);
      assert.equal(one.updated, 3);
      assert.equal(one.failed, 1);
      assert.equal(one.failures.length, 1);
      assert.equal(one.failures[0].code, '0x1005');
    });

    test('exports the owner\'s indicators as CSV, which imports into another organization and exports the same', async () => {
      const first = await ok('export', '--owner', org, '--format', 'csv');
      const lines = first.stdout.trimEnd().split('\n');
      assert.equal(lines[0], 'Type,Value,Rating,Confidence,Tags');
      assert.ok(lines.includes('Host,bad-host.example.com,3,80,phishing;wave 1'), first.stdout);
      assert.ok(lines.includes('Address,192.0.2.10,,,'), first.stdout);
      const file = path.join(files, 'export.csv');
      const written = await ok('export', '--owner', org, '--format', 'csv', '-o', file);
      assert.equal(written.stdout, '');
      assert.equal(fs.readFileSync(file, 'utf8'), first.stdout);
      const imported = await cairn('import', file, '--owner', other, '--no-progress');
      assert.equal(imported.code, 0, imported.stdout + imported.stderr);
      assert.match(imported.stdout, /: 3 created, 0 updated, 0 failed\.$/m);
      const again = await ok('export', '--owner', other, '--format', 'csv');
      assert.equal(again.stdout, first.stdout);
    });

    test('exports a TQL selection only, and refuses a bad TQL in one line without writing the file', async () => {
      const hosts = await ok('export', '--owner', org, '--format', 'csv', '--tql', 'typeName = "Host"');
      assert.deepEqual(hosts.stdout.trimEnd().split('\n'), ['Type,Value,Rating,Confidence,Tags', 'Host,bad-host.example.com,3,80,phishing;wave 1']);
      const file = path.join(files, 'never.csv');
      const line = oneLineFailure(await cairn('export', '--owner', org, '--format', 'csv', '--tql', 'typeName ===', '-o', file));
      assert.match(line, /^cairn: --tql: /);
      assert.equal(fs.existsSync(file), false);
      assert.deepEqual(fs.readdirSync(files).filter((f) => f.endsWith('.part')), []);
      assert.match(oneLineFailure(await cairn('export', '--owner', org, '--format', 'csv', '--over', 'groups')), /CSV export holds indicators/);
    });

    test('imports a MISP event: an Event group with its indicators, TLP and galaxy tags, and the attribute it cannot map', async () => {
      const file = write('event.json', MISP_EVENT);
      const result = await cairn('--json', 'import', file, '--owner', org, '--no-progress');
      assert.equal(result.code, 2, result.stderr);
      const [one] = JSON.parse(result.stdout).files;
      assert.equal(one.format, 'misp', 'detected from the content');
      assert.equal(one.created, 4, 'the group and three indicators');
      assert.equal(one.failed, 1);
      assert.match(one.failures[0].reason, /MISP type "text" has no Cairn indicator type/);
      const group = await db().selectFrom('groups').innerJoin('owners', 'owners.id', 'groups.owner_id')
        .select(['groups.id', 'groups.name', 'groups.type']).where('groups.xid', '=', EVENT_UUID).where('owners.name', '=', org).executeTakeFirstOrThrow();
      assert.equal(group.type, 'Event');
      assert.equal(group.name, 'Phishing wave against finance');
      const exported = await ok('export', '--owner', org, '--format', 'csv', '--tql', 'summary = "login-bank.example.com"');
      assert.equal(exported.stdout.trimEnd().split('\n')[1], 'Host,login-bank.example.com,,,phishing');
    });

    test('imports tc-batch bodies, V2 with a group and an association and V1 as an array, each detected from its content', async () => {
      const v2 = write('batch-v2.json', {
        indicator: [
          { type: 'Host', summary: 'batch-v2.example.com', rating: 2, confidence: 40, tag: [{ name: 'batch' }], associatedGroups: [{ groupXid: 'cli-batch-campaign' }] },
          { type: 'Address', summary: '198.51.100.77' },
          { type: 'Nope', summary: 'x' },
        ],
        group: [{ type: 'Campaign', name: 'CLI batch campaign', xid: 'cli-batch-campaign' }],
      });
      const result = await cairn('--json', 'import', v2, '--owner', org, '--no-progress');
      assert.equal(result.code, 2, result.stderr);
      const [one] = JSON.parse(result.stdout).files;
      assert.equal(one.format, 'tc-batch');
      assert.equal(one.failed, 1);
      assert.equal(one.created, 4, 'two indicators, the group and the association');
      const linked = await db().selectFrom('indicator_groups').innerJoin('groups', 'groups.id', 'indicator_groups.group_id')
        .innerJoin('indicators', 'indicators.id', 'indicator_groups.indicator_id').select(['indicators.summary']).where('groups.xid', '=', 'cli-batch-campaign').execute();
      assert.deepEqual(linked, [{ summary: 'batch-v2.example.com' }]);
      const v1 = write('batch-v1.json', [{ type: 'URL', summary: 'https://batch-v1.example.com/a', rating: 1 }]);
      const text = await cairn('import', v1, '--owner', org, '--no-progress');
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /batch-v1\.json \(tc-batch, job \d+\): 1 created, 0 updated, 0 failed\.$/m);
    });

    test('exports a STIX bundle that imports (detected) into another Cairn\'s owner of the same name and exports there byte for byte', async () => {
      const bundleFile = path.join(files, 'bundle.json');
      await ok('export', '--owner', org, '--format', 'stix', '-o', bundleFile);
      const text = fs.readFileSync(bundleFile, 'utf8');
      const bundle = JSON.parse(text) as { type: string; id: string; objects: { type: string; name?: string; pattern?: string }[] };
      assert.equal(bundle.type, 'bundle');
      assert.match(bundle.id, /^bundle--/);
      const types = new Set(bundle.objects.map((o) => o.type));
      for (const type of ['identity', 'indicator', 'relationship']) assert.ok(types.has(type), `a ${type} in ${[...types].join(', ')}`);
      assert.ok(bundle.objects.some((o) => o.type === 'indicator' && /bad-host\.example\.com/.test(o.pattern ?? '')), 'the CSV\'s host');
      const onStdout = await ok('export', '--owner', org, '--format', 'stix');
      assert.equal(onStdout.stdout, text, 'stdout and -o write the same bundle');

      const elsewhere = await newInstance(dialect);
      try {
        await elsewhere.ok('orgs', 'create', org);
        await elsewhere.ok('api-users', 'create', '--org', org);
        const imported = await elsewhere.cairn('--json', 'import', bundleFile, '--owner', org, '--no-progress');
        assert.equal(imported.code, 0, imported.stdout + imported.stderr);
        const [one] = JSON.parse(imported.stdout).files;
        assert.equal(one.format, 'stix');
        assert.equal(one.failed, 0);
        assert.ok(one.created > 0);
        const again = await elsewhere.ok('export', '--owner', org, '--format', 'stix');
        assert.equal(again.stdout, text);
      } finally {
        await elsewhere.close();
      }
    });

    test('exports a TQL selection of groups as STIX', async () => {
      const events = await ok('export', '--owner', org, '--format', 'stix', '--over', 'groups', '--tql', 'typeName = "Event"');
      const bundle = JSON.parse(events.stdout) as { objects: { type: string; name?: string }[] };
      const named = bundle.objects.filter((o) => o.name !== undefined && o.type !== 'identity' && o.type !== 'marking-definition').map((o) => o.name);
      assert.deepEqual(named, ['Phishing wave against finance']);
      assert.ok(bundle.objects.some((o) => o.type === 'marking-definition' && o.name === 'TLP:AMBER'), 'the MISP event\'s TLP');
    });

    test('--halt-on-error stops a file at its first failed item and says so; the rest is left unprocessed', async () => {
      const file = write('halting.csv', 'Type,Value\nHost,first.example.net\nHost,first.example.net\nHost,third.example.net\n');
      const result = await cairn('--json', 'import', file, '--owner', org, '--halt-on-error', '--no-progress');
      assert.equal(result.code, 2, result.stderr);
      const [one] = JSON.parse(result.stdout).files;
      assert.equal(one.created, 1);
      assert.equal(one.failed, 1);
      assert.equal(one.unprocessed, 1);
      assert.equal(typeof one.halted, 'string');
      assert.match(one.failures[0].reason, /Duplicate Item Error/);
      const text = await cairn('import', write('halting2.csv', 'Type,Value\nHost,fourth.example.net\nHost,fourth.example.net\nHost,fifth.example.net\n'), '--owner', org, '--halt-on-error', '--no-progress');
      assert.match(text.stdout, /: 1 created, 0 updated, 1 failed, 1 not processed\.\nHalted: /);
    });

    test('acts as --as USER, and refuses a user who cannot see the owner', async () => {
      const users = JSON.parse((await ok('--json', 'api-users', 'list', '--org', other)).stdout) as { userName: string }[];
      const file = write('as.csv', 'Type,Value\nHost,as-user.example.net\n');
      assert.match(oneLineFailure(await cairn('import', file, '--owner', org, '--as', users[0]!.userName)), /^cairn: .* cannot see "Import Org/);
      assert.match(oneLineFailure(await cairn('import', file, '--owner', org, '--as', 'nobody-at-all')), /^cairn: No user with id or access id "nobody-at-all"\.$/);
      const imported = await cairn('--json', 'import', file, '--owner', other, '--as', users[0]!.userName, '--no-progress');
      assert.equal(imported.code, 0, imported.stderr);
      const [one] = JSON.parse(imported.stdout).files;
      const job = await db().selectFrom('import_jobs').innerJoin('users', 'users.id', 'import_jobs.user_id').select(['users.user_name', 'import_jobs.origin'])
        .where('import_jobs.id', '=', one.jobId).executeTakeFirstOrThrow();
      assert.deepEqual(job, { user_name: users[0]!.userName, origin: 'cli' });
    });

    test('fails in one line, importing nothing, for a missing file, an unknown owner and an undetectable format', async () => {
      const good = write('good.csv', 'Type,Value\nHost,good.example.org\n');
      const before = await jobCount();
      assert.match(oneLineFailure(await cairn('import', good, path.join(files, 'missing.csv'), '--owner', org)), /^cairn: No file .*missing\.csv\.$/);
      assert.match(oneLineFailure(await cairn('import', good, '--owner', 'No Such Org')), /^cairn: No owner named or numbered "No Such Org"\.$/);
      const prose = write('notes.txt', 'just some words\nand more\n');
      assert.match(oneLineFailure(await cairn('import', prose, '--owner', org)), /^cairn: Cannot tell the format of .*notes\.txt: .*Pass --format tc-batch\|stix\|misp\|csv\.$/);
      const odd = write('odd.json', { hello: 'world' });
      assert.match(oneLineFailure(await cairn('import', odd, '--owner', org)), /^cairn: Cannot tell the format of .*odd\.json: a JSON object with the keys hello/);
      assert.equal(await jobCount(), before, 'no job was created');
    });
  });
}
