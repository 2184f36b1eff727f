/**
 * What a Websupport-scheme signature covers depends on the surface: on the Websupport surface
 * (`/v1`) the bare path or path+query, and the opt-in login window; everywhere else the path and
 * the query exactly as sent, and no login window — so a captured signature of
 * `DELETE /api/v3/cases` is not good for `DELETE /api/v3/cases?tql=id>0`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeSetting } from '../../src/core/settings.js';
import { nowSeconds, rawRequest, tcHeaders, websupportHeaders } from '../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../support/server.js';

for (const dialect of testDialects()) {
  describe(`Websupport signatures outside the Websupport surface (${dialect})`, () => {
    let server: TestServer;
    let key: string;
    let secret: string;
    before(async () => {
      server = await startTestServer(dialect);
      ({ accessId: key, secret } = server.bootstrap.apiUser);
    });
    after(() => server.close());

    const countCases = async () => (await server.services.store.db.selectFrom('cases').select('id').execute()).length;

    it('a path-only signature does not cover a query: 401 in the ThreatConnect envelope, nothing deleted', async () => {
      await writeSetting(server.services.store.db, 'v3ApiBulkDeleteAllowed', 'true');
      const created = await server.client().request('POST', '/v3/cases', { body: { name: 'survives a replay', severity: 'Low', status: 'Open' } });
      assert.equal(created.status, 201, await created.text());
      const before = await countCases();
      // Signed for DELETE /api/v3/cases, sent with a query the signature never covered.
      const captured = websupportHeaders(key, secret, 'DELETE', '/api/v3/cases');
      const replayed = await rawRequest(server.baseUrl, 'DELETE', '/api/v3/cases?tql=id%3E0', captured);
      assert.equal(replayed.status, 401, replayed.body);
      assert.deepEqual(JSON.parse(replayed.body), { errCode: '0x1002', message: 'Signature data did not match expected result', status: 'Error' });
      assert.equal(await countCases(), before, 'no case was deleted');
      const read = await rawRequest(server.baseUrl, 'GET', '/api/v3/cases?tql=id%3E0', websupportHeaders(key, secret, 'GET', '/api/v3/cases'));
      assert.equal(read.status, 401, read.body);
      const v2 = await rawRequest(server.baseUrl, 'GET', '/api/v2/owners?resultLimit=1', websupportHeaders(key, secret, 'GET', '/api/v2/owners'));
      assert.equal(v2.status, 401, v2.body);
      assert.deepEqual(JSON.parse(v2.body), { status: 'Failure', message: 'Signature data did not match expected result' });
    });

    it('a signature of the path and the query as sent is accepted', async () => {
      const target = '/api/v3/cases?tql=id%3E0&resultLimit=5';
      const answer = await rawRequest(server.baseUrl, 'GET', target, websupportHeaders(key, secret, 'GET', target));
      assert.equal(answer.status, 200, answer.body);
      assert.equal(JSON.parse(answer.body).status, 'Success');
      const v2 = await rawRequest(server.baseUrl, 'GET', '/api/v2/owners?resultLimit=1', websupportHeaders(key, secret, 'GET', '/api/v2/owners?resultLimit=1'));
      assert.equal(v2.status, 200, v2.body);
      const bare = await rawRequest(server.baseUrl, 'GET', '/api/v2/owners', websupportHeaders(key, secret, 'GET', '/api/v2/owners'));
      assert.equal(bare.status, 200, 'no query: the path is the whole target');
    });

    it('@cairn/client signs path and query with the Websupport scheme, good on every surface', async () => {
      const client = server.client('websupport');
      for (const target of ['/api/v3/cases?tql=id%3E0&resultLimit=2', '/api/v2/owners?resultLimit=1', '/v1/user?page=1&pagesize=5', '/v1/user/self']) {
        const response = await client.request('GET', target);
        assert.equal(response.status, 200, `${target}: ${await response.text()}`);
      }
    });

    it('on the Websupport surface the bare path is still enough, and path+query too', async () => {
      const t = nowSeconds();
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v1/user?page=1', websupportHeaders(key, secret, 'GET', '/v1/user', t))).status, 200);
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v1/user?page=1', websupportHeaders(key, secret, 'GET', '/v1/user?page=1', t))).status, 200);
      // TC HMAC always covered the query, on every surface.
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v1/user?page=1', tcHeaders(key, secret, 'GET', '/v1/user?page=1'))).status, 200);
    });

    it('the login window neither opens nor applies outside /v1', async () => {
      const user = await server.services.tenancy.createApiUser('Exemplary Organization', `login window ${dialect}`);
      await server.services.tenancy.setWebsupportLoginWindow(user.accessId, true);
      server.services.credentials.invalidate();
      // A verified signature on another surface opens no window…
      const elsewhere = websupportHeaders(user.accessId, user.secret, 'GET', '/api/v2/owners');
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/api/v2/owners', elsewhere)).status, 200);
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v1/user', elsewhere)).status, 401, 'no window was opened by /api/v2/owners');
      // …and a window opened on /v1 is good on /v1 only.
      const login = websupportHeaders(user.accessId, user.secret, 'GET', '/v1/user/self', nowSeconds() - 1);
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v1/user/self', login)).status, 200);
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v1/user', login)).status, 200, 'the window is open on /v1');
      const outside = await rawRequest(server.baseUrl, 'GET', '/api/v2/owners', login);
      assert.equal(outside.status, 401);
      assert.equal(JSON.parse(outside.body).status, 'Failure');
      assert.equal((await rawRequest(server.baseUrl, 'DELETE', '/api/v3/cases?tql=id%3E0', login)).status, 401);
    });
  });
}
