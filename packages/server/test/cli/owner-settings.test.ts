/**
 * `cairn settings … --owner NAME`: the per-owner settings (TAXII's `taxiiWritable`), as a user runs
 * them: the real `bin/cairn.js` in a child process on a fresh SQLite data directory.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { oneLineFailure, removeTempDirs, runCairn, tempDir } from '../support/cli.js';

after(removeTempDirs);

describe('cairn settings --owner', { concurrency: false }, () => {
  let dataDir: string;
  const cairn = (...args: string[]) => runCairn(['--data-dir', dataDir, ...args]);

  before(async () => {
    dataDir = tempDir();
    assert.equal((await cairn('migrate')).code, 0);
    assert.equal((await cairn('orgs', 'create', 'Feed Partner')).code, 0);
  });

  test('an owner\'s taxiiWritable is false until set, then true; the system settings are untouched', async () => {
    const listed = await cairn('--json', 'settings', 'list', '--owner', 'Feed Partner');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((r: { name: string; value: boolean }) => [r.name, r.value]), [['taxiiWritable', false]]);
    const set = await cairn('settings', 'set', 'taxiiWritable', 'true', '--owner', 'Feed Partner');
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), 'Feed Partner: taxiiWritable = true');
    const after = await cairn('--json', 'settings', 'list', '--owner', 'Feed Partner');
    assert.equal(JSON.parse(after.stdout)[0].value, true);
    const system = await cairn('--json', 'settings', 'list');
    assert.deepEqual(JSON.parse(system.stdout).map((r: { name: string }) => r.name), ['v3ApiBulkDeleteAllowed']);
  });

  test('an unknown owner or owner setting, or a value that is not a boolean, is a one-line error', async () => {
    assert.match(oneLineFailure(await cairn('settings', 'set', 'taxiiWritable', 'true', '--owner', 'Nobody')), /No owner named or numbered "Nobody"/);
    assert.match(oneLineFailure(await cairn('settings', 'set', 'frobnicate', 'true', '--owner', 'Feed Partner')), /Unknown owner setting "frobnicate"; known: taxiiWritable/);
    assert.match(oneLineFailure(await cairn('settings', 'set', 'taxiiWritable', 'maybe', '--owner', 'Feed Partner')), /takes true or false/);
  });
});
