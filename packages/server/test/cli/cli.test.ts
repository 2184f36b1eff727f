/**
 * The `cairn` CLI as a user runs it: the real `bin/cairn.js` in a child process, against a fresh
 * SQLite data directory per group. Covers output shapes (text and --json), one-line errors
 * without stack traces, secrets kept out of the database file and out of the server log, and a
 * signed request against a `cairn serve` child process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CairnProcess, freePort, oneLineFailure, removeTempDirs, runCairn, tempDir, type CommandResult } from '../support/cli.js';

after(removeTempDirs);

function cairn(dataDir: string, ...args: string[]): Promise<CommandResult> {
  return runCairn(['--data-dir', dataDir, ...args]);
}

/** Runs a command that must succeed with --json and returns its parsed output. */
async function cairnJson<T = any>(dataDir: string, ...args: string[]): Promise<T> {
  const result = await cairn(dataDir, '--json', ...args);
  assert.equal(result.code, 0, `cairn ${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

/** A failure: exit 1, exactly one line on stderr starting `cairn: `, no stack trace. Returns that line. */
async function cairnFails(dataDir: string, ...args: string[]): Promise<string> {
  return oneLineFailure(await cairn(dataDir, ...args));
}

/** A failure with --json: exit 1, stdout is one JSON object with `error` and `code`. */
async function cairnFailsJson(dataDir: string, ...args: string[]): Promise<{ error: string; code: string }> {
  const result = await cairn(dataDir, '--json', ...args);
  assert.equal(result.code, 1, `expected exit 1 from cairn --json ${args.join(' ')}`);
  assert.doesNotMatch(result.stdout + result.stderr, / {4}at /, 'no stack trace');
  const body = JSON.parse(result.stdout) as { error: string; code: string };
  assert.equal(typeof body.error, 'string');
  assert.ok(body.error.length > 0);
  assert.equal(typeof body.code, 'string');
  return body;
}

// The groups below use separate data directories, so they run side by side (each CLI start costs ~1 s);
// the tests inside a group run in order.
describe('cairn CLI', { concurrency: true }, () => {
describe('cairn --version', () => {
  test('prints the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await runCairn(['--version']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `${version}\n`);
  });
});

describe('cairn migrate', { concurrency: false }, () => {
  test('applies the migrations on an empty directory, then reports the database up to date', async () => {
    const dir = tempDir();
    const first = await cairnJson<{ applied: string[] }>(dir, 'migrate');
    assert.ok(Array.isArray(first.applied));
    assert.ok(first.applied.length > 0, 'an empty database gets migrations applied');
    assert.equal(first.applied[0], '0001_foundation');
    assert.ok(fs.existsSync(path.join(dir, 'cairn.sqlite')));

    const text = await cairn(dir, 'migrate');
    assert.equal(text.code, 0);
    assert.match(text.stdout, /up to date/);
  });
});

describe('cairn orgs and communities', { concurrency: false }, () => {
  let dir: string;
  before(() => { dir = tempDir(); });

  test('orgs create prints id, name, uuid and a 32-character Contrast API key', async () => {
    const org = await cairnJson(dir, 'orgs', 'create', 'Acme Corp');
    assert.equal(typeof org.id, 'number');
    assert.equal(org.name, 'Acme Corp');
    assert.match(org.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(org.apiKey, /^[A-Za-z0-9]{32}$/);

    const text = await cairn(dir, 'orgs', 'create', 'Globex');
    assert.equal(text.code, 0);
    assert.match(text.stdout, /Globex/);
    assert.match(text.stdout, /Contrast API-Key: [A-Za-z0-9]{32}/);

    const listText = await cairn(dir, '--json', 'orgs', 'list');
    assert.equal(listText.code, 0);
    assert.ok(!listText.stdout.includes(org.apiKey), 'orgs list does not print API keys');
    const list = JSON.parse(listText.stdout) as Array<{ id: number; name: string; type: string }>;
    assert.deepEqual(list.map((o) => o.name), ['Acme Corp', 'Globex']);
    assert.ok(list.every((o) => o.type === 'Organization'));
    assert.ok(list.some((o) => o.id === org.id));
  });

  test('creating the same name again fails with one line', async () => {
    assert.equal(await cairnFails(dir, 'orgs', 'create', 'Acme Corp'), 'cairn: An owner named "Acme Corp" already exists.');
  });

  test('bad names: empty, longer than 100 characters, control characters', async () => {
    const [empty, long, control] = await Promise.all([
      cairnFails(dir, 'orgs', 'create', ''),
      cairnFailsJson(dir, 'communities', 'create', 'y'.repeat(101)),
      cairnFails(dir, 'orgs', 'create', 'bad\tname'),
    ]);
    assert.equal(empty, 'cairn: An organization name must be 1 to 100 characters long.');
    assert.equal(long.error, 'A community name must be 1 to 100 characters long.');
    assert.equal(long.code, 'validation');
    assert.match(control, /must not contain control characters/);
  });

  test('communities create, add-member (added, then already a member), list', async () => {
    const community = await cairnJson(dir, 'communities', 'create', 'Sharing Circle');
    assert.equal(community.name, 'Sharing Circle');
    assert.equal(community.type, 'Community');
    assert.equal(typeof community.id, 'number');

    const first = await cairnJson(dir, 'communities', 'add-member', 'Sharing Circle', '--org', 'Acme Corp');
    assert.equal(first.added, true);
    assert.equal(first.community.name, 'Sharing Circle');
    assert.equal(first.organization.name, 'Acme Corp');

    const [second, notCommunity, listText] = await Promise.all([
      cairnJson(dir, 'communities', 'add-member', 'Sharing Circle', '--org', 'Acme Corp'),
      cairnFails(dir, 'communities', 'add-member', 'Globex', '--org', 'Acme Corp'),
      cairn(dir, 'communities', 'list'),
    ]);
    assert.equal(second.added, false);
    assert.match(notCommunity, /"Globex" is an organization, not a community/);
    assert.equal(listText.code, 0);
    assert.match(listText.stdout, /^id +name +type +uuid\n\d+ +Sharing Circle +Community +[0-9a-f-]{36}\n$/);
  });
});

describe('cairn api-users', { concurrency: false }, () => {
  let dir: string;
  let org: { id: number; name: string; apiKey: string };
  let user: { id: number; accessId: string; secret: string; apiKey: string; name: string; organization: string };

  before(async () => {
    dir = tempDir();
    org = await cairnJson(dir, 'orgs', 'create', 'Initech');
  });

  test('create prints a 20-digit access id, a 40-character secret and the organization API key', async () => {
    user = await cairnJson(dir, 'api-users', 'create', '--org', 'Initech', '--name', 'ingest bot');
    assert.match(user.accessId, /^\d{20}$/);
    assert.match(user.secret, /^[A-Za-z0-9]{40}$/);
    assert.equal(user.apiKey, org.apiKey);
    assert.equal(user.name, 'ingest bot');
    assert.equal(user.organization, 'Initech');
  });

  test('the secret is not in the SQLite file in plaintext', () => {
    for (const file of ['cairn.sqlite', 'cairn.sqlite-wal']) {
      const full = path.join(dir, file);
      if (!fs.existsSync(full)) continue;
      const bytes = fs.readFileSync(full);
      assert.equal(bytes.indexOf(user.secret), -1, `secret found in ${file}`);
      assert.equal(bytes.indexOf(org.apiKey), -1, `organization API key found in ${file}`);
    }
  });

  test('list shows the user without any secret', async () => {
    const raw = await cairn(dir, '--json', 'api-users', 'list');
    assert.equal(raw.code, 0);
    assert.ok(!raw.stdout.includes(user.secret), 'the secret value is not printed');
    const rows = JSON.parse(raw.stdout) as Array<Record<string, unknown>>;
    const row = rows.find((r) => r.id === user.id);
    assert.ok(row, 'the new user is listed');
    assert.equal(row.userName, user.accessId);
    assert.equal(row.organization, 'Initech');
    assert.equal(row.disabled, false);
    assert.equal(row.rejectReplay, false);
    for (const r of rows) for (const key of Object.keys(r)) assert.doesNotMatch(key, /secret|password|key/i, `field ${key}`);
  });

  test('rotate issues a different secret', async () => {
    const rotated = await cairnJson(dir, 'api-users', 'rotate', user.accessId);
    assert.equal(rotated.accessId, user.accessId);
    assert.match(rotated.secret, /^[A-Za-z0-9]{40}$/);
    assert.notEqual(rotated.secret, user.secret);
  });

  test('disable and enable toggle disabled; reject-replay sets rejectReplay', async () => {
    assert.equal((await cairnJson(dir, 'api-users', 'disable', user.accessId)).disabled, true);
    const [enabled, on] = await Promise.all([
      cairnJson(dir, 'api-users', 'enable', String(user.id)),
      cairnJson(dir, 'api-users', 'reject-replay', user.accessId, '--state', 'on'),
    ]);
    assert.equal(enabled.disabled, false);
    assert.equal(on.rejectReplay, true);
  });

  test('websupport-login-window switches the compatibility mode; it and reject-replay exclude each other', async () => {
    // reject-replay is on from the test above.
    const refused = await cairnFailsJson(dir, 'api-users', 'websupport-login-window', user.accessId, '--state', 'on');
    assert.equal(refused.code, 'conflict');
    assert.match(refused.error, /reject-replay off first/);
    await cairnJson(dir, 'api-users', 'reject-replay', user.accessId, '--state', 'off');
    const on = await cairnJson(dir, 'api-users', 'websupport-login-window', user.accessId, '--state', 'on');
    assert.equal(on.websupportLoginWindow, true);
    assert.match((await cairnFailsJson(dir, 'api-users', 'reject-replay', user.accessId, '--state', 'on')).error, /login window on/);
    assert.equal((await cairnJson(dir, 'api-users', 'websupport-login-window', user.accessId, '--state', 'off')).websupportLoginWindow, false);
  });

  test('reject-replay and websupport-login-window need --state on|off; without it nothing changes', async () => {
    const [replay, window, replayJson, bad] = await Promise.all([
      cairnFails(dir, 'api-users', 'reject-replay', user.accessId),
      cairnFails(dir, 'api-users', 'websupport-login-window', user.accessId),
      cairnFailsJson(dir, 'api-users', 'reject-replay', user.accessId),
      cairnFails(dir, 'api-users', 'reject-replay', user.accessId, '--state', 'yes'),
    ]);
    assert.match(replay, /^cairn: required option '--state <state>' not specified/);
    assert.match(window, /^cairn: required option '--state <state>' not specified/);
    assert.equal(replayJson.code, 'usage');
    assert.match(bad, /Allowed choices are on, off/);
    const rows = await cairnJson<Array<{ userName: string; rejectReplay: boolean; websupportLoginWindow: boolean }>>(dir, 'api-users', 'list');
    const row = rows.find((r) => r.userName === user.accessId)!;
    assert.equal(row.rejectReplay, false);
    assert.equal(row.websupportLoginWindow, false);
  });

  test('unknown user id or organization fails with one line', async () => {
    const [unknownUser, unknownJson, unknownOrg] = await Promise.all([
      cairnFails(dir, 'api-users', 'rotate', '99999'),
      cairnFailsJson(dir, 'api-users', 'disable', '12345678901234567890'),
      cairnFails(dir, 'api-users', 'create', '--org', 'Umbrella'),
    ]);
    assert.match(unknownUser, /^cairn: No user .*"99999"/);
    assert.match(unknownJson.error, /^No user .*"12345678901234567890"/);
    assert.equal(unknownJson.code, 'not-found');
    assert.match(unknownOrg, /^cairn: No owner .*"Umbrella"/);
  });
});

function tcHeaders(accessId: string, secret: string, pathAndQuery: string, method: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = crypto.createHmac('sha256', secret).update(`${pathAndQuery}:${method}:${timestamp}`).digest('base64');
  return { Authorization: `TC ${accessId}:${signature}`, Timestamp: timestamp };
}

describe('cairn serve', { concurrency: false }, () => {
  let child: CairnProcess | undefined;

  after(async () => {
    await child?.stop();
  });

  test('bootstraps an empty directory, keeps secrets out of the log and answers signed requests', async () => {
    const dir = tempDir();
    const port = await freePort();
    child = new CairnProcess(['serve', '--port', String(port), '--data-dir', dir]);
    const running = child;

    const file = path.join(dir, 'bootstrap-credentials.json');
    // The file may exist a moment before it is completely written; wait until it parses.
    const credentials = await running.waitFor('the bootstrap credentials', () => {
      try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return undefined; }
    });
    await running.waitForLog('Cairn is ready');

    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    // The database and its WAL are readable by Cairn's user only.
    for (const name of ['cairn.sqlite', 'cairn.sqlite-wal', 'master.key']) {
      const stored = path.join(dir, name);
      if (fs.existsSync(stored)) assert.equal(fs.statSync(stored).mode & 0o077, 0, `${name} is private`);
    }
    assert.equal(credentials.organization.name, 'Exemplary Organization');
    assert.match(credentials.organization.contrastApiKey, /^[A-Za-z0-9]{32}$/);
    assert.equal(credentials.community.name, 'Common Community');
    assert.equal(credentials.admin.userName, 'admin');
    assert.equal(typeof credentials.admin.password, 'string');
    assert.ok(credentials.admin.password.length >= 16);
    assert.match(credentials.apiUser.accessId, /^\d{20}$/);
    assert.match(credentials.apiUser.secret, /^[A-Za-z0-9]{40}$/);

    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok', version: '0.1.0', surfaces: ['threatconnect', 'contrast', 'websupport', 'taxii'] });

    const owners = await fetch(`${base}/api/v2/owners`, { headers: tcHeaders(credentials.apiUser.accessId, credentials.apiUser.secret, '/api/v2/owners', 'GET') });
    const body = await owners.text();
    assert.equal(owners.status, 200, body);
    const parsed = JSON.parse(body) as { status: string; data: { resultCount: number; owner: Array<{ id: number; name: string; type: string }> } };
    assert.equal(parsed.status, 'Success');
    assert.equal(parsed.data.resultCount, 2);
    assert.deepEqual(parsed.data.owner.map((o) => [o.id, o.name, o.type]), [
      [0, 'Exemplary Organization', 'Organization'],
      [1, 'Common Community', 'Community'],
    ]);

    // A wrong signature is refused.
    const forged = await fetch(`${base}/api/v2/owners`, { headers: tcHeaders(credentials.apiUser.accessId, 'x'.repeat(40), '/api/v2/owners', 'GET') });
    assert.equal(forged.status, 401);
    await forged.arrayBuffer();

    // The log names the file but none of the secrets in it.
    const { output } = running;
    assert.ok(output.includes(file), `the log mentions ${file}`);
    for (const secret of [credentials.apiUser.secret, credentials.admin.password, credentials.admin.serviceKey, credentials.organization.contrastApiKey]) {
      assert.ok(!output.includes(secret), 'a secret was logged');
    }
    assert.doesNotMatch(output, / {4}at /);

    assert.equal(await running.stop('SIGTERM'), 0, running.output);
    assert.match(running.output, /shutting down/);
  });

  test('an invalid --port exits 1 naming CAIRN_PORT', async () => {
    const line = await cairnFails(tempDir(), 'serve', '--port', 'abc');
    assert.match(line, /CAIRN_PORT/);
  });
});
});
