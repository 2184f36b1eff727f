import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { contrastHeaders, rawRequest, tcHeaders } from '../../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';

for (const dialect of testDialects()) {
  describe(`Contrast surface (${dialect})`, () => {
    let server: TestServer;
    let user: string;
    let key: string;
    let apiKey: string;
    const get = (target: string, headers: Record<string, string>) => rawRequest(server.baseUrl, 'GET', target, headers);

    before(async () => {
      server = await startTestServer(dialect);
      ({ accessId: user, secret: key } = server.bootstrap.apiUser);
      apiKey = server.bootstrap.organization.contrastApiKey;
    });
    after(() => server.close());

    it('GET /Contrast/api/ng/profile/organizations lists the caller\'s organization', async () => {
      const response = await get('/Contrast/api/ng/profile/organizations', contrastHeaders(user, key, apiKey));
      assert.equal(response.status, 200, response.body);
      assert.equal(response.headers['content-type'], 'application/json');
      const body = JSON.parse(response.body);
      assert.equal(body.success, true);
      assert.deepEqual(body.messages, []);
      assert.equal(body.organizations.length, 1);
      assert.equal(body.organizations[0].organization_uuid, server.bootstrap.organization.uuid);
      assert.equal(body.organizations[0].name, 'Exemplary Organization');
    });

    it('GET …/organizations/default answers the default organization', async () => {
      const body = JSON.parse((await get('/Contrast/api/ng/profile/organizations/default', contrastHeaders(user, key, apiKey))).body);
      assert.equal(body.success, true);
      assert.equal(body.organization.organization_uuid, server.bootstrap.organization.uuid);
    });

    it('GET /Contrast/s/api/version answers a version string', async () => {
      const response = await get('/Contrast/s/api/version', contrastHeaders(user, key, apiKey));
      assert.equal(response.status, 200);
      assert.match(response.body, /^\d+\.\d+\.\d+$/);
    });

    it('a Basic prefix on the token is tolerated', async () => {
      const headers = contrastHeaders(user, key, apiKey);
      assert.equal((await get('/Contrast/api/ng/profile/organizations', { ...headers, Authorization: `Basic ${headers.Authorization}` })).status, 200);
    });

    it('mismatches get 401 {"success":false,"messages":[…],"errors":[…]}', async () => {
      const cases: Record<string, string>[] = [
        contrastHeaders(user, 'wrong-key', apiKey),
        contrastHeaders(user, key, 'wrong-org-key'),
        contrastHeaders('unknown-user', key, apiKey),
        { Authorization: 'not base64 at all!', 'API-Key': apiKey },
        { 'API-Key': apiKey },
        { Authorization: contrastHeaders(user, key, apiKey).Authorization },
      ];
      for (const headers of cases) {
        const response = await get('/Contrast/api/ng/profile/organizations', headers);
        assert.equal(response.status, 401, JSON.stringify(headers));
        const body = JSON.parse(response.body);
        assert.equal(body.success, false);
        assert.equal(body.messages.length, 1);
        assert.match(body.messages[0], /^Authorization failure/);
        assert.ok(Array.isArray(body.errors));
      }
    });

    it('another organization\'s API-Key does not open this organization', async () => {
      const other = await server.services.tenancy.createOrganization(`Other org ${dialect}`);
      assert.equal((await get('/Contrast/api/ng/profile/organizations', contrastHeaders(user, key, other.apiKey))).status, 401);
    });

    it('unknown routes get 404 in the Contrast envelope', async () => {
      const response = await get('/Contrast/api/ng/nothing', contrastHeaders(user, key, apiKey));
      assert.equal(response.status, 404);
      assert.equal(JSON.parse(response.body).success, false);
    });

    it('servicekey answers the documented shape; rotate issues a new key and the old one stops working in every scheme', async () => {
      const current = JSON.parse((await get('/Contrast/api/ng/profile/servicekey', contrastHeaders(user, key, apiKey))).body);
      assert.deepEqual(Object.keys(current).sort(), ['api_key', 'messages', 'service_key', 'success', 'token', 'user_uid']);
      assert.equal(current.service_key, key);
      assert.equal(current.api_key, apiKey);
      assert.equal(current.token, contrastHeaders(user, key, apiKey).Authorization);

      const rotated = await rawRequest(server.baseUrl, 'PUT', '/Contrast/api/ng/profile/servicekey/rotate', contrastHeaders(user, key, apiKey));
      assert.equal(rotated.status, 200, rotated.body);
      const fresh = JSON.parse(rotated.body).service_key as string;
      assert.notEqual(fresh, key);
      assert.equal((await get('/Contrast/api/ng/profile/organizations', contrastHeaders(user, key, apiKey))).status, 401);
      assert.equal((await get('/v2/owners', tcHeaders(user, key, 'GET', '/v2/owners'))).status, 401);
      assert.equal((await get('/Contrast/api/ng/profile/organizations', contrastHeaders(user, fresh, apiKey))).status, 200);
      assert.equal((await get('/v2/owners', tcHeaders(user, fresh, 'GET', '/v2/owners'))).status, 200);
      key = fresh;
    });

    it('a TC-Token may not read or rotate the service key', async () => {
      const target = '/api/v3/security/tokens';
      const { data } = JSON.parse((await rawRequest(server.baseUrl, 'POST', target, tcHeaders(user, key, 'POST', target))).body);
      const response = await get('/Contrast/api/ng/profile/servicekey', { Authorization: `TC-Token ${data.token}` });
      assert.equal(response.status, 403);
    });

    it('a disabled user gets 401 on every surface', async () => {
      await server.services.tenancy.setDisabled(user, true);
      server.services.credentials.invalidate();
      try {
        assert.equal((await get('/Contrast/api/ng/profile/organizations', contrastHeaders(user, key, apiKey))).status, 401);
        assert.equal((await get('/v2/owners', tcHeaders(user, key, 'GET', '/v2/owners'))).status, 401);
      } finally {
        await server.services.tenancy.setDisabled(user, false);
        server.services.credentials.invalidate();
      }
    });
  });
}
