/**
 * `/api/v2/…` and `/api/v3/…` are aliases of `/v2/…` and `/v3/…`: the same routes, the same
 * answers, a signature over the target as sent, the same owner isolation, and `/api/…` outside v2
 * and v3 still answered in this surface's envelope.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest, tcHeaders } from '../../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';

for (const dialect of testDialects()) {
  describe(`ThreatConnect /api alias (${dialect})`, () => {
    let server: TestServer;
    let id: string;
    let secret: string;
    const send = (method: string, target: string, signedTarget = target, body?: string) =>
      rawRequest(server.baseUrl, method, target, { ...tcHeaders(id, secret, method, signedTarget), ...(body ? { 'Content-Type': 'application/json' } : {}) }, body);

    before(async () => {
      server = await startTestServer(dialect);
      ({ accessId: id, secret } = server.bootstrap.apiUser);
    });
    after(() => server.close());

    it('answers v2 and v3 under /api exactly as without it, writes included', async () => {
      const created = await send('POST', '/api/v2/indicators/hosts', undefined, JSON.stringify({ hostName: 'alias.example.com', rating: 3 }));
      assert.equal(created.status, 201, created.body);
      for (const target of ['/v2/indicators/hosts/alias.example.com', '/v2/owners', '/v3/indicators/alias.example.com', '/v3/cases?resultLimit=1']) {
        const [bare, prefixed] = await Promise.all([send('GET', target), send('GET', `/api${target}`)]);
        assert.equal(prefixed.status, 200, `${target}: ${prefixed.body}`);
        assert.equal(prefixed.headers['content-type'], 'application/json');
        assert.deepEqual(JSON.parse(prefixed.body), JSON.parse(bare.body), target);
      }
    });

    it('checks the signature over the target as sent: a signature over /v2/owners does not open /api/v2/owners', async () => {
      const answer = await send('GET', '/api/v2/owners', '/v2/owners');
      assert.equal(answer.status, 401, answer.body);
      assert.equal(JSON.parse(answer.body).status, 'Failure');
      const reverse = await send('GET', '/v2/owners', '/api/v2/owners');
      assert.equal(reverse.status, 401, reverse.body);
    });

    it('keeps next links as v3 lists make them: relative to the API base', async () => {
      for (let i = 0; i < 2; i++) assert.equal((await send('POST', '/api/v3/cases', undefined, JSON.stringify({ name: `alias ${i}`, severity: 'Low', status: 'Open' }))).status, 201);
      const page = JSON.parse((await send('GET', '/api/v3/cases?resultLimit=1')).body);
      assert.equal(page.next, '/v3/cases?resultStart=1&resultLimit=1');
    });

    it('answers /api outside v2 and v3 (v1 is retired) and unknown methods in this surface\'s envelope', async () => {
      const v1 = await send('GET', '/api/v1/owners');
      assert.equal(v1.status, 404);
      assert.equal(JSON.parse(v1.body).status, 'Failure');
      const unknown = await send('GET', '/api/v2/nothing-here');
      assert.equal(unknown.status, 404);
      assert.deepEqual(JSON.parse(unknown.body), { status: 'Failure', message: 'The requested resource was not found' });
      const wrongMethod = await send('PATCH', '/api/v3/cases');
      assert.equal(wrongMethod.status, 405);
      assert.match(String(wrongMethod.headers.allow), /GET/);
      assert.equal(JSON.parse(wrongMethod.body).errCode, '0x1005');
    });

    it('keeps another organization\'s objects out under /api as well', async () => {
      await server.services.tenancy.createOrganization('Alias Other Org');
      const foreign = await server.services.tenancy.createApiUser('Alias Other Org', 'alias foreign user');
      const body = JSON.stringify({ hostName: 'foreign-alias.example.com' });
      const planted = await rawRequest(server.baseUrl, 'POST', '/api/v2/indicators/hosts', { ...tcHeaders(foreign.accessId, foreign.secret, 'POST', '/api/v2/indicators/hosts'), 'Content-Type': 'application/json' }, body);
      assert.equal(planted.status, 201, planted.body);
      for (const target of ['/api/v2/indicators/hosts/foreign-alias.example.com', '/api/v3/indicators/foreign-alias.example.com']) {
        const answer = await send('GET', target);
        assert.equal(answer.status, 404, `${target}: ${answer.body}`);
      }
      const list = await send('GET', '/api/v2/indicators?resultLimit=10000');
      assert.doesNotMatch(list.body, /foreign-alias/);
    });
  });
}
