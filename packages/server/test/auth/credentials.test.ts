/**
 * Credentials across processes and schemes: encrypted at rest, rotated and disabled from the
 * CLI while the server runs, opt-in replay rejection. Every route × every scheme × a foreign
 * owner: test/security/route-matrix.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { nowSeconds, rawRequest, tcHeaders } from '../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../support/server.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/cairn.js');

for (const dialect of testDialects()) {
  describe(`credentials (${dialect})`, () => {
    let server: TestServer;
    before(async () => { server = await startTestServer(dialect); });
    after(() => server.close());

    it('secrets are encrypted at rest: the database holds no plaintext secret or API key', async () => {
      const users = await server.services.store.db.selectFrom('users').select(['secret_enc']).execute();
      const owners = await server.services.store.db.selectFrom('owners').select(['api_key_enc']).execute();
      const stored = JSON.stringify([users, owners]);
      assert.ok(!stored.includes(server.bootstrap.apiUser.secret));
      assert.ok(!stored.includes(server.bootstrap.organization.contrastApiKey));
      assert.ok(!stored.includes(server.bootstrap.admin.serviceKey));
      assert.match(users[0]!.secret_enc, /^v1:/);
    });

    it('the bootstrap file is mode 0600 and the master key file too', () => {
      assert.equal(fs.statSync(path.join(server.dataDir, 'bootstrap-credentials.json')).mode & 0o777, 0o600);
      assert.equal(fs.statSync(path.join(server.dataDir, 'master.key')).mode & 0o777, 0o600);
    });

    it('rotation issues a new secret; the old one stops working, also through the credential cache', async () => {
      const user = await server.services.tenancy.createApiUser('Exemplary Organization', 'rotating');
      const ok = await rawRequest(server.baseUrl, 'GET', '/v2/owners', tcHeaders(user.accessId, user.secret, 'GET', '/v2/owners'));
      assert.equal(ok.status, 200);
      // Rotated by "another process": this server's cache only learns of it through the epoch row.
      const { secret } = await server.services.tenancy.rotateSecret(user.accessId);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', tcHeaders(user.accessId, user.secret, 'GET', '/v2/owners'))).status, 401);
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', tcHeaders(user.accessId, secret, 'GET', '/v2/owners'))).status, 200);
    });

    it('a signature verified before a rotation is not accepted again after it', async () => {
      const user = await server.services.tenancy.createApiUser('Exemplary Organization', 'verified-cache');
      const headers = tcHeaders(user.accessId, user.secret, 'GET', '/v2/owners');
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', headers)).status, 200);
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', headers)).status, 200);
      await server.services.tenancy.rotateSecret(user.accessId);
      server.services.credentials.invalidate();
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', headers)).status, 401);
    });

    it('a verified signature is taken again only for the request it signed', async () => {
      const user = await server.services.tenancy.createApiUser('Exemplary Organization', 'verified-reuse');
      const headers = tcHeaders(user.accessId, user.secret, 'GET', '/v2/owners');
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', headers)).status, 200);
      // Same Authorization header, another request: each must be verified afresh, and fail.
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners/mine', headers)).status, 401, 'another path');
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners?resultLimit=1', headers)).status, 401, 'another query');
      assert.equal((await rawRequest(server.baseUrl, 'HEAD', '/v2/owners', headers)).status, 401, 'another method');
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', { ...headers, Timestamp: String(Number(headers.Timestamp) - 1) })).status, 401, 'another Timestamp');
      const noTimestamp: Record<string, string> = { Authorization: headers.Authorization! };
      const missing = await rawRequest(server.baseUrl, 'GET', '/v2/owners', noTimestamp);
      assert.equal(missing.status, 401, 'no Timestamp');
      assert.match(JSON.parse(missing.body).message, /timestamp/i);
      // …and the signed request itself still passes afterwards.
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', headers)).status, 200);
      await server.services.tenancy.setDisabled(user.accessId, true);
      server.services.credentials.invalidate();
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', headers)).status, 401, 'disabled');
    });

    it('/v2/owners shows a new community membership on the next request after the cache learns of it', async () => {
      const organization = await server.services.tenancy.createOrganization(`Joining ${dialect}`);
      const user = await server.services.tenancy.createApiUser(organization.name, 'joiner');
      const names = async () => {
        const answer = await rawRequest(server.baseUrl, 'GET', '/v2/owners', tcHeaders(user.accessId, user.secret, 'GET', '/v2/owners'));
        assert.equal(answer.status, 200);
        return (JSON.parse(answer.body).data.owner as { name: string }[]).map((o) => o.name);
      };
      assert.deepEqual(await names(), [organization.name]);
      assert.deepEqual(await names(), [organization.name]);
      const community = await server.services.tenancy.createCommunity(`Sharing circle ${dialect}`);
      await server.services.tenancy.addCommunityMember(community.name, organization.name);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // the epoch poll, as for another process
      assert.deepEqual((await names()).sort(), [organization.name, community.name].sort());
    });

    it('with reject-replay on, a repeated signature is refused; off (default), it is accepted', async () => {
      const user = await server.services.tenancy.createApiUser('Exemplary Organization', 'replay');
      const headers = tcHeaders(user.accessId, user.secret, 'GET', '/v2/owners');
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', headers)).status, 200);
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', headers)).status, 200);
      await server.services.tenancy.setRejectReplay(user.accessId, true);
      server.services.credentials.invalidate();
      const fresh = tcHeaders(user.accessId, user.secret, 'GET', '/v2/owners', nowSeconds() - 1);
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v2/owners', fresh)).status, 200);
      const replayed = await rawRequest(server.baseUrl, 'GET', '/v2/owners', fresh);
      assert.equal(replayed.status, 401);
      assert.match(JSON.parse(replayed.body).message, /already been used/);
    });

    if (dialect === 'sqlite') {
      it('the CLI rotates and disables an API user of a running server (effective within a second)', async () => {
        const cli = (...args: string[]) => run(process.execPath, [CLI, '--data-dir', server.dataDir, ...args, '--json'], { env: { ...process.env, CAIRN_LOG_LEVEL: 'silent' } });
        const created = JSON.parse((await cli('api-users', 'create', '--org', 'Exemplary Organization', '--name', 'cli user')).stdout);
        assert.match(created.accessId, /^\d{20}$/);
        assert.equal(created.apiKey, server.bootstrap.organization.contrastApiKey);
        const signed = (secret: string) => rawRequest(server.baseUrl, 'GET', '/v2/owners', tcHeaders(created.accessId, secret, 'GET', '/v2/owners'));
        assert.equal((await signed(created.secret)).status, 200);
        const rotated = JSON.parse((await cli('api-users', 'rotate', created.accessId)).stdout);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        assert.equal((await signed(created.secret)).status, 401);
        assert.equal((await signed(rotated.secret)).status, 200);
        await cli('api-users', 'disable', String(created.id));
        await new Promise((resolve) => setTimeout(resolve, 1100));
        assert.equal((await signed(rotated.secret)).status, 401);
      });
    }
  });
}
