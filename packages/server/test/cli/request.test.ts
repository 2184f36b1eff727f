/**
 * `cairn request` against a `cairn serve` child process: it signs with the bootstrap API user (or
 * `--as` an API user read from the database) in each scheme, prints the answer's body, exits 0 for
 * 2xx and 1 otherwise, and fails in one line when it cannot send at all.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, oneLineFailure, removeTempDirs, runCairn, startCairnServe, tempDir, type CairnProcess, type CommandResult } from '../support/cli.js';

after(removeTempDirs);

describe('cairn request', { concurrency: false }, () => {
  let dir: string;
  let server: CairnProcess;
  let port: number;
  let bootstrap: { apiUser: { accessId: string } };
  /** `cairn request …` with the data directory and the server's port, as a shell with CAIRN_PORT set runs it. */
  const request = (...args: string[]): Promise<CommandResult> => runCairn(['--data-dir', dir, 'request', ...args], { CAIRN_PORT: String(port) });
  const ok = async (...args: string[]): Promise<any> => {
    const result = await request(...args);
    assert.equal(result.code, 0, `cairn request ${args.join(' ')}: ${result.stderr}${result.stdout}`);
    assert.equal(result.stderr, '');
    return JSON.parse(result.stdout);
  };

  before(async () => {
    dir = tempDir();
    ({ server, port } = await startCairnServe(dir));
    bootstrap = JSON.parse(fs.readFileSync(path.join(dir, 'bootstrap-credentials.json'), 'utf8'));
  });
  after(async () => {
    await server?.stop();
  });

  test('signs as the bootstrap API user and pretty-prints the JSON answer', async () => {
    const result = await request('GET', '/api/v2/owners');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\{\n {2}"status": "Success",\n/);
    const body = JSON.parse(result.stdout);
    assert.deepEqual(body.data.owner.map((o: { name: string }) => o.name), ['Exemplary Organization', 'Common Community']);
    assert.equal((await ok('GET', '/api/v2/whoami')).data.user.userName, bootstrap.apiUser.accessId);
  });

  test('--data sends a JSON body, inline or @file; a TQL query may be written unencoded', async () => {
    const created = await ok('POST', '/api/v3/cases?fields=tags', '--data', '{"name":"Inline case","severity":"Low","status":"Open","tags":{"data":[{"name":"cli"}]}}');
    assert.equal(created.data.name, 'Inline case');
    assert.deepEqual(created.data.tags.data.map((t: { name: string }) => t.name), ['cli']);
    const file = path.join(dir, 'case.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'Case from a file', severity: 'High', status: 'Open' }));
    assert.equal((await ok('POST', '/api/v3/cases', '--data', `@${file}`)).data.severity, 'High');
    const found = await ok('get', '/api/v3/cases?tql=name = "Case from a file" or hasTag(name = "cli")&sorting=id asc');
    assert.deepEqual(found.data.map((c: { name: string }) => c.name), ['Inline case', 'Case from a file']);
  });

  test('a non-2xx answer is printed and exits 1 with the status on stderr', async () => {
    const result = await request('GET', '/api/v2/owners/999');
    assert.equal(result.code, 1);
    assert.equal(JSON.parse(result.stdout).status, 'Failure');
    assert.equal(result.stderr, 'cairn: HTTP 404 Not Found\n');
    const bad = await request('GET', '/api/v3/cases?tql=name ==');
    assert.equal(bad.code, 1);
    assert.equal(JSON.parse(bad.stdout).errCode, '0x2001');
    assert.equal(bad.stderr, 'cairn: HTTP 400 Bad Request\n');
  });

  test('--scheme websupport and --scheme contrast sign in those schemes', async () => {
    assert.equal((await ok('GET', '/v1/user/self', '--scheme', 'websupport')).login, bootstrap.apiUser.accessId);
    const organizations = await ok('GET', '/Contrast/api/ng/profile/organizations', '--scheme', 'contrast');
    assert.equal(organizations.success, true);
    assert.match(oneLineFailure(await request('GET', '/v1/user/self', '--scheme', 'hmac')), /Allowed choices are tc, websupport, contrast/);
  });

  test('--as signs as another API user of the installation, its secret read from the database', async () => {
    const created = await runCairn(['--data-dir', dir, '--json', 'api-users', 'create', '--org', 'Exemplary Organization', '--name', 'second']);
    assert.equal(created.code, 0, created.stderr);
    const { accessId } = JSON.parse(created.stdout) as { accessId: string };
    assert.equal((await ok('GET', '/api/v2/whoami', '--as', accessId)).data.user.userName, accessId);
    assert.equal((await ok('GET', '/v1/user/self', '--as', accessId, '--scheme', 'websupport')).login, accessId);

    assert.equal(oneLineFailure(await request('GET', '/api/v2/whoami', '--as', '12345678901234567890')), 'cairn: No API user with access id "12345678901234567890".');
    // A person is not an API user.
    assert.equal(oneLineFailure(await request('GET', '/api/v2/whoami', '--as', 'admin')), 'cairn: No API user with access id "admin".');
  });

  test('--url names the server instead of CAIRN_HOST/CAIRN_PORT', async () => {
    const result = await runCairn(['--data-dir', dir, 'request', 'GET', '/api/v2/whoami', '--url', `http://127.0.0.1:${port}/`], { CAIRN_PORT: '1' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).data.user.userName, bootstrap.apiUser.accessId);
  });

  test('one-line errors: bad --data, a missing --data file, a bad PATH, no bootstrap file, server unreachable', async () => {
    const closedPort = await freePort();
    const [badJson, missingFile, badPath, badUrl, noBootstrap, unreachable] = await Promise.all([
      request('POST', '/api/v3/cases', '--data', '{"name":'),
      request('POST', '/api/v3/cases', '--data', `@${path.join(dir, 'nope.json')}`),
      request('GET', 'api/v2/owners'),
      request('GET', '/api/v2/owners', '--url', 'ftp://example.com'),
      runCairn(['--data-dir', tempDir(), 'request', 'GET', '/api/v2/owners'], { CAIRN_PORT: String(port) }),
      runCairn(['--data-dir', dir, 'request', 'GET', '/api/v2/owners'], { CAIRN_PORT: String(closedPort) }),
    ]);
    assert.match(oneLineFailure(badJson), /^cairn: --data is not valid JSON: /);
    assert.match(oneLineFailure(missingFile), /^cairn: Cannot read the --data file ".*nope\.json": ENOENT\.$/);
    assert.match(oneLineFailure(badPath), /^cairn: PATH must start with "\/"/);
    assert.match(oneLineFailure(badUrl), /^cairn: --url must be an http\(s\) URL/);
    assert.match(oneLineFailure(noBootstrap), /^cairn: No bootstrap credentials at .*bootstrap-credentials\.json: start `cairn serve` once .* or pass --as ACCESS_ID\.$/);
    assert.equal(oneLineFailure(unreachable),
      `cairn: Cannot reach the server at http://127.0.0.1:${closedPort} (ECONNREFUSED); is \`cairn serve\` running there? Set --url, or CAIRN_HOST and CAIRN_PORT.`);
    const json = await runCairn(['--data-dir', dir, '--json', 'request', 'GET', '/api/v2/owners'], { CAIRN_PORT: String(closedPort) });
    assert.equal(json.code, 1);
    assert.match(JSON.parse(json.stdout).error, /^Cannot reach the server at /);
  });
});
