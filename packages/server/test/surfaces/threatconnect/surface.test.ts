import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

// The server runs in this process: a child must be awaited, never run synchronously.
const run = promisify(execFile);
import { nowSeconds, rawRequest, tcHeaders } from '../../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';

const SEED_OWNERS_JSON = {
  status: 'Success',
  data: {
    resultCount: 2,
    owner: [
      { id: 0, name: 'Exemplary Organization', type: 'Organization' },
      { id: 1, name: 'Common Community', type: 'Community' },
    ],
  },
};

// Verbatim from the seed document (001), apart from the trailing newline the builder adds.
const SEED_OWNERS_XML = `<ownersResponse>
 <Status>Success</Status>
 <Data xsi:type="ownerListResponseData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Owner xsi:type="organization">
   <Id>0</Id>
   <Name>Exemplary Organization</Name>
   <Type>Organization</Type>
  </Owner>
  <Owner xsi:type="community">
   <Id>1</Id>
   <Name>Common Community</Name>
   <Type>Community</Type>
  </Owner>
 </Data>
</ownersResponse>`;

for (const dialect of testDialects()) {
  describe(`ThreatConnect surface v2 owners and HMAC (${dialect})`, () => {
    let server: TestServer;
    let id: string;
    let secret: string;
    const get = (target: string, headers: Record<string, string> = {}) => rawRequest(server.baseUrl, 'GET', target, headers);
    const signedGet = (target: string, extra: Record<string, string> = {}) => get(target, { ...tcHeaders(id, secret, 'GET', target), ...extra });

    before(async () => {
      server = await startTestServer(dialect);
      ({ accessId: id, secret } = server.bootstrap.apiUser);
    });
    after(() => server.close());

    for (const base of ['', '/api']) {
      it(`GET ${base}/v2/owners answers the seed's JSON with Content-Type exactly application/json`, async () => {
        const response = await signedGet(`${base}/v2/owners`);
        assert.equal(response.status, 200, response.body);
        assert.equal(response.headers['content-type'], 'application/json');
        assert.deepEqual(JSON.parse(response.body), SEED_OWNERS_JSON);
      });
    }

    it('answers the seed\'s XML when Accept asks for application/xml', async () => {
      const response = await signedGet('/api/v2/owners', { Accept: 'application/xml' });
      assert.equal(response.status, 200);
      assert.equal(response.headers['content-type'], 'application/xml');
      assert.equal(response.body.trim(), SEED_OWNERS_XML);
    });

    it('answers JSON for Accept: */* and for JSON ranked above XML', async () => {
      for (const accept of ['*/*', 'application/json, application/xml;q=0.5']) {
        const response = await signedGet('/v2/owners', { Accept: accept });
        assert.equal(response.headers['content-type'], 'application/json', accept);
      }
    });

    it('signs the raw target: an encoded query and repeated keys verify as sent', async () => {
      const response = await signedGet('/api/v2/owners?owner=Common%20Community&resultLimit=10000&createActivityLog=False');
      assert.equal(response.status, 200, response.body);
    });

    it('pages the owners with resultStart/resultLimit and keeps resultCount the total', async () => {
      const body = JSON.parse((await signedGet('/v2/owners?resultStart=1&resultLimit=1')).body);
      assert.deepEqual(body.data, { resultCount: 2, owner: [{ id: 1, name: 'Common Community', type: 'Community' }] });
    });

    it('rejects resultLimit above 10000 with a Failure envelope', async () => {
      const response = await signedGet('/v2/owners?resultLimit=10001');
      assert.equal(response.status, 400);
      const body = JSON.parse(response.body);
      assert.equal(body.status, 'Failure');
      assert.match(body.message, /resultLimit/);
    });

    it('GET /v2/owners/mine and /v2/owners/{id} answer one owner', async () => {
      assert.deepEqual(JSON.parse((await signedGet('/v2/owners/mine')).body), { status: 'Success', data: { resultCount: 1, owner: { id: 0, name: 'Exemplary Organization', type: 'Organization' } } });
      assert.deepEqual(JSON.parse((await signedGet('/api/v2/owners/1')).body).data.owner, { id: 1, name: 'Common Community', type: 'Community' });
      const xml = await signedGet('/v2/owners/1', { Accept: 'application/xml' });
      assert.match(xml.body, /^<ownerResponse>\s*<Status>Success<\/Status>\s*<Data xsi:type="ownerResponseData"[^>]*>\s*<Owner xsi:type="community">/);
    });

    it('hides owners the caller may not see, and rejects non-numeric ids', async () => {
      const other = await server.services.tenancy.createOrganization(`Other ${dialect}`);
      const hidden = await signedGet(`/v2/owners/${other.id}`);
      assert.equal(hidden.status, 404);
      assert.deepEqual(JSON.parse(hidden.body), { status: 'Failure', message: 'The requested owner was not found' });
      const list = JSON.parse((await signedGet('/v2/owners')).body);
      assert.equal(list.data.owner.some((o: { id: number }) => o.id === other.id), false);
      const bad = await signedGet('/v2/owners/abc');
      assert.equal(bad.status, 400);
      assert.equal(JSON.parse(bad.body).status, 'Failure');
    });

    it('GET /v2/whoami describes the API user', async () => {
      const body = JSON.parse((await signedGet('/api/v2/whoami')).body);
      assert.equal(body.status, 'Success');
      assert.equal(body.data.user.userName, id);
      assert.equal(body.data.user.role, 'Api User');
    });

    describe('authentication failures', () => {
      const failure = async (target: string, headers: Record<string, string>, status: number, message: string) => {
        const response = await get(target, headers);
        assert.equal(response.status, status, response.body);
        assert.equal(response.headers['content-type'], 'application/json');
        assert.deepEqual(JSON.parse(response.body), { status: 'Failure', message });
      };

      it('a wrong signature: "Signature data did not match expected result"', async () => {
        await failure('/v2/owners', tcHeaders(id, 'not-the-secret', 'GET', '/v2/owners'), 401, 'Signature data did not match expected result');
      });
      it('a signature over another path (without /api) does not verify on /api/…', async () => {
        await failure('/api/v2/owners', tcHeaders(id, secret, 'GET', '/v2/owners'), 401, 'Signature data did not match expected result');
      });
      it('a signature over the decoded query does not verify', async () => {
        const headers = tcHeaders(id, secret, 'GET', '/v2/owners?owner=Common Community');
        await failure('/v2/owners?owner=Common%20Community', headers, 401, 'Signature data did not match expected result');
      });
      it('another method does not verify', async () => {
        await failure('/v2/owners', tcHeaders(id, secret, 'POST', '/v2/owners'), 401, 'Signature data did not match expected result');
      });
      it('a timestamp outside ±300 s: "Timestamp out of acceptable time range"', async () => {
        await failure('/v2/owners', tcHeaders(id, secret, 'GET', '/v2/owners', nowSeconds() - 301), 401, 'Timestamp out of acceptable time range');
        await failure('/v2/owners', tcHeaders(id, secret, 'GET', '/v2/owners', nowSeconds() + 400), 401, 'Timestamp out of acceptable time range');
      });
      it('a non-numeric or missing timestamp: "Invalid timestamp"', async () => {
        await failure('/v2/owners', { ...tcHeaders(id, secret, 'GET', '/v2/owners'), Timestamp: 'yesterday' }, 401, 'Invalid timestamp');
        await failure('/v2/owners', { ...tcHeaders(id, secret, 'GET', '/v2/owners'), Timestamp: '1.5e9' }, 401, 'Invalid timestamp');
        const { Authorization } = tcHeaders(id, secret, 'GET', '/v2/owners');
        await failure('/v2/owners', { Authorization }, 401, 'Invalid timestamp');
      });
      it('an unknown access id, no header, a malformed header or an unknown scheme: "Access Denied"', async () => {
        await failure('/v2/owners', tcHeaders('99999999999999999999', secret, 'GET', '/v2/owners'), 401, 'Access Denied');
        await failure('/v2/owners', {}, 401, 'Access Denied');
        await failure('/v2/owners', { Authorization: 'TC missing-colon', Timestamp: String(nowSeconds()) }, 401, 'Access Denied');
        await failure('/v2/owners', { Authorization: 'Bearer abc.def', Timestamp: String(nowSeconds()) }, 401, 'Access Denied');
        await failure('/v2/owners', { Authorization: `TC ${id}:${'A'.repeat(5000)}` }, 401, 'Access Denied');
      });
      it('v3 routes answer auth failures in the v3 error envelope', async () => {
        const response = await rawRequest(server.baseUrl, 'POST', '/api/v3/security/tokens', tcHeaders(id, 'wrong', 'POST', '/api/v3/security/tokens'));
        assert.equal(response.status, 401);
        assert.deepEqual(JSON.parse(response.body), { errCode: '0x1002', message: 'Signature data did not match expected result', status: 'Error' });
      });
    });

    describe('routes and bodies', () => {
      it('/api/v1/… is gone: Failure envelope and 404, even unauthenticated', async () => {
        const response = await get('/api/v1/owners');
        assert.equal(response.status, 404);
        const body = JSON.parse(response.body);
        assert.equal(body.status, 'Failure');
        assert.match(body.message, /no longer available/);
      });
      it('unknown routes: Failure envelope 404', async () => {
        for (const target of ['/api/v2/nothing-here', '/v2/owners/1/nothing', '/nothing']) {
          const response = await signedGet(target);
          assert.equal(response.status, 404, target);
          assert.deepEqual(JSON.parse(response.body), { status: 'Failure', message: 'The requested resource was not found' });
        }
      });
      it('malformed JSON: 400 in the v3 envelope, not a 500', async () => {
        const target = '/api/v3/security/tokens';
        const response = await rawRequest(server.baseUrl, 'POST', target, { ...tcHeaders(id, secret, 'POST', target), 'Content-Type': 'application/json' }, '{"broken":');
        assert.equal(response.status, 400);
        const body = JSON.parse(response.body);
        assert.equal(body.status, 'Error');
        assert.equal(body.errCode, '0x2005');
        assert.match(body.message, /not valid JSON/);
      });
      it('an oversize body: 413 with a message naming the limit', async () => {
        const target = '/api/v3/security/tokens';
        const response = await rawRequest(server.baseUrl, 'POST', target, { ...tcHeaders(id, secret, 'POST', target), 'Content-Type': 'application/json' }, `{"a":"${'x'.repeat(2_100_000)}"}`);
        assert.equal(response.status, 413);
        assert.match(JSON.parse(response.body).message, /2000000 bytes/);
      });
      it('oversize headers: 431 with the Failure envelope', async () => {
        const response = await rawRequest(server.baseUrl, 'GET', '/v2/owners', { ...tcHeaders(id, secret, 'GET', '/v2/owners'), 'X-Padding': 'x'.repeat(20_000) });
        assert.equal(response.status, 431);
        assert.equal(JSON.parse(response.body).status, 'Failure');
      });
      it('an empty JSON body on GET (jQuery, tcex) is accepted', async () => {
        const response = await rawRequest(server.baseUrl, 'GET', '/v2/owners', { ...tcHeaders(id, secret, 'GET', '/v2/owners'), 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': '0' }, '');
        assert.equal(response.status, 200);
      });
    });

    describe('CORS', () => {
      it('answers a preflight before auth and before any route, echoing the origin (also null)', async () => {
        for (const origin of ['null', 'https://console.example']) {
          const response = await rawRequest(server.baseUrl, 'OPTIONS', '/api/v2/owners', { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization,timestamp' });
          assert.equal(response.status, 204);
          assert.equal(response.headers['access-control-allow-origin'], origin);
          const allowed = String(response.headers['access-control-allow-headers']).toLowerCase().split(',');
          for (const h of ['authorization', 'timestamp', 'date', 'x-date', 'api-key', 'content-type', 'x-requested-with', 'accept', 'accept-language']) assert.ok(allowed.includes(h), h);
          assert.match(String(response.headers['access-control-allow-methods']), /PUT/);
        }
      });
      it('sends Access-Control-Allow-Origin on answers and failures', async () => {
        assert.equal((await signedGet('/v2/owners', { Origin: 'null' })).headers['access-control-allow-origin'], 'null');
        assert.equal((await get('/v2/owners', { Origin: 'https://a.example' })).headers['access-control-allow-origin'], 'https://a.example');
      });
      it('echoes the origin on failures past authentication (unknown route, unparsable body) and on none without one', async () => {
        const missing = await rawRequest(server.baseUrl, 'GET', '/api/v3/nowhere', { ...tcHeaders(id, secret, 'GET', '/api/v3/nowhere'), Origin: 'https://b.example' });
        assert.equal(missing.status, 404);
        assert.equal(missing.headers['access-control-allow-origin'], 'https://b.example');
        assert.equal(missing.headers.vary, 'Origin');
        const broken = await rawRequest(server.baseUrl, 'POST', '/api/v3/cases', { ...tcHeaders(id, secret, 'POST', '/api/v3/cases'), Origin: 'null', 'Content-Type': 'application/json' }, '{"name":');
        assert.equal(broken.status, 400);
        assert.equal(broken.headers['access-control-allow-origin'], 'null');
        const plain = await signedGet('/v2/owners');
        assert.equal(plain.headers['access-control-allow-origin'], undefined);
        assert.equal(plain.headers.vary, undefined);
      });
    });

    describe('TC-Token', () => {
      it('a signed POST issues a short-lived token that authenticates, in either header case', async () => {
        const target = '/api/v3/security/tokens';
        const issued = await rawRequest(server.baseUrl, 'POST', target, tcHeaders(id, secret, 'POST', target));
        assert.equal(issued.status, 201, issued.body);
        const { data } = JSON.parse(issued.body);
        assert.equal(data.expiresIn, 900);
        assert.ok(Date.parse(data.expires) > Date.now());
        assert.equal((await get('/v2/owners', { Authorization: `TC-Token ${data.token}` })).status, 200);
        assert.equal((await get('/v2/owners', { authorization: `TC-Token ${data.token}`, Timestamp: String(nowSeconds()) })).status, 200);
        const again = await rawRequest(server.baseUrl, 'POST', target, { Authorization: `TC-Token ${data.token}` });
        assert.equal(again.status, 403);
        const tampered = data.token.slice(0, -2) + (data.token.endsWith('AA') ? 'BB' : 'AA');
        assert.deepEqual(JSON.parse((await get('/v2/owners', { Authorization: `TC-Token ${tampered}` })).body), { status: 'Failure', message: 'Unauthorized' });
      });
    });

    it('the seed documents\' bash + openssl pipeline signs a request Cairn accepts', async () => {
      const url = `${server.baseUrl}/api/v2/owners`;
      const script = [
        'set -euo pipefail',
        'API_URL="$1"; ACCESS_ID="$2"; SECRET="$3"; METHOD=GET',
        'TS=$(date +%s)',
        'API_PATH="/$(echo $API_URL | cut -d/ -f4-)"',
        'SIG=$(echo -n "${API_PATH}:${METHOD}:${TS}" | openssl dgst -binary -sha256 -hmac "$SECRET" | base64)',
        'curl -s -i -H "Timestamp: ${TS}" -H "Authorization: TC ${ACCESS_ID}:${SIG}" -X ${METHOD} "${API_URL}"',
      ].join('\n');
      const { stdout: output } = await run('bash', ['-c', script, 'tc', url, id, secret], { encoding: 'utf8' });
      assert.match(output, /^HTTP\/1\.1 200/);
      assert.deepEqual(JSON.parse(output.slice(output.indexOf('\r\n\r\n') + 4)), SEED_OWNERS_JSON);
    });
  });
}
