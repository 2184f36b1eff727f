import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { contrastHeaders, rawRequest, tcHeaders, websupportHeaders } from '../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../support/server.js';

for (const dialect of testDialects()) {
  describe(`a method a path does not offer: 405 with Allow, in the surface's envelope (${dialect})`, () => {
    let server: TestServer;
    let id: string;
    let secret: string;
    const tc = (method: string, target: string) => rawRequest(server.baseUrl, method, target, tcHeaders(id, secret, method, target));

    before(async () => {
      server = await startTestServer(dialect);
      ({ accessId: id, secret } = server.bootstrap.apiUser);
    });
    after(() => server.close());

    it('ThreatConnect v2: PATCH /v2/owners and /api/v2/owners/mine', async () => {
      for (const target of ['/v2/owners', '/api/v2/owners/mine']) {
        const response = await tc('PATCH', target);
        assert.equal(response.status, 405, response.body);
        assert.equal(response.headers.allow, 'GET, HEAD');
        assert.equal(response.headers['content-type'], 'application/json');
        assert.deepEqual(JSON.parse(response.body), { status: 'Failure', message: `The method PATCH is not allowed for ${target}; it offers GET, HEAD.` });
      }
    });

    it('ThreatConnect v3: PATCH on an item, PUT on a collection, writes on a read-only resource (errCode 0x1005)', async () => {
      const expectations: [string, string, string][] = [
        ['PATCH', '/api/v3/cases/1', 'GET, HEAD, PUT, DELETE'],
        ['PUT', '/v3/cases', 'GET, HEAD, POST, DELETE, OPTIONS'],
        ['PUT', '/v3/artifactTypes', 'GET, HEAD, OPTIONS'],
        ['POST', '/v3/artifactTypes', 'GET, HEAD, OPTIONS'],
        ['DELETE', '/v3/artifactTypes/1', 'GET, HEAD'],
        ['DELETE', '/v3/tags?tql=id%3E0', 'GET, HEAD, POST, OPTIONS'],
        ['GET', '/v3/security/tokens', 'POST'],
      ];
      for (const [method, target, allow] of expectations) {
        const response = await tc(method, target);
        assert.equal(response.status, 405, `${method} ${target}: ${response.body}`);
        assert.equal(response.headers.allow, allow, `${method} ${target}`);
        const body = JSON.parse(response.body);
        assert.equal(body.errCode, '0x1005');
        assert.equal(body.status, 'Error');
        assert.match(body.message, new RegExp(`^The method ${method} is not allowed`));
      }
    });

    it('Websupport: PATCH /v1/user/self, worded in the language asked for', async () => {
      const headers = websupportHeaders(id, secret, 'PATCH', '/v1/user/self');
      const english = await rawRequest(server.baseUrl, 'PATCH', '/v1/user/self', headers);
      assert.equal(english.status, 405);
      assert.equal(english.headers.allow, 'GET, HEAD');
      assert.deepEqual(JSON.parse(english.body), { code: 405, message: 'The method PATCH is not allowed for "/v1/user/self".' });
      const slovak = await rawRequest(server.baseUrl, 'PATCH', '/v1/user/self', { ...headers, 'Accept-Language': 'sk' });
      assert.deepEqual(JSON.parse(slovak.body), { code: 405, message: 'Metóda PATCH nie je pre "/v1/user/self" povolená.' });
    });

    it('Contrast: POST on a GET route and GET on the rotate route', async () => {
      const headers = contrastHeaders(id, secret, server.bootstrap.organization.contrastApiKey);
      const post = await rawRequest(server.baseUrl, 'POST', '/Contrast/api/ng/profile/organizations', headers);
      assert.equal(post.status, 405);
      assert.equal(post.headers.allow, 'GET, HEAD');
      assert.deepEqual(JSON.parse(post.body), { success: false, messages: ['The method POST is not allowed for /Contrast/api/ng/profile/organizations; it offers GET, HEAD.'], errors: [] });
      const get = await rawRequest(server.baseUrl, 'GET', '/Contrast/api/ng/profile/servicekey/rotate', headers);
      assert.equal(get.status, 405);
      assert.equal(get.headers.allow, 'PUT');
    });

    it('a service route outside every surface: POST /healthz', async () => {
      const response = await rawRequest(server.baseUrl, 'POST', '/healthz');
      assert.equal(response.status, 405);
      assert.equal(response.headers.allow, 'GET, HEAD');
      assert.equal(JSON.parse(response.body).status, 'Failure');
    });

    it('an unknown path stays 404, whatever the method', async () => {
      for (const [method, target] of [['PATCH', '/v2/nothing'], ['PATCH', '/api/v3/nothing/here'], ['PUT', '/nope']]) {
        const response = await tc(method!, target!);
        assert.equal(response.status, 404, `${method} ${target}`);
        assert.equal(response.headers.allow, undefined);
      }
      const websupport = await rawRequest(server.baseUrl, 'PATCH', '/v1/nothing', websupportHeaders(id, secret, 'PATCH', '/v1/nothing'));
      assert.equal(websupport.status, 404);
      assert.equal(JSON.parse(websupport.body).code, 404);
    });
  });
}
