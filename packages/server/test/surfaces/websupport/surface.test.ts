import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

// The server runs in this process: a child must be awaited, never run synchronously.
const run = promisify(execFile);
import { nowSeconds, rawRequest, tcHeaders, websupportHeaders } from '../../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';

for (const dialect of testDialects()) {
  describe(`Websupport surface v1 (${dialect})`, () => {
    let server: TestServer;
    let key: string;
    let secret: string;
    const get = (target: string, headers: Record<string, string>) => rawRequest(server.baseUrl, 'GET', target, headers);
    const signed = (target: string, extra: Record<string, string> = {}, timestamp = nowSeconds(), date?: string) =>
      get(target, { ...websupportHeaders(key, secret, 'GET', target.split('?')[0]!, timestamp, date), ...extra });

    before(async () => {
      server = await startTestServer(dialect);
      ({ accessId: key, secret } = server.bootstrap.apiUser);
    });
    after(() => server.close());

    it('GET /v1/user/self answers the documented fields', async () => {
      const response = await signed('/v1/user/self');
      assert.equal(response.status, 200, response.body);
      const user = JSON.parse(response.body);
      assert.equal(user.id, server.bootstrap.apiUser.id);
      assert.equal(typeof user.id, 'number');
      assert.equal(user.login, key);
      assert.equal(user.parentId, null);
      assert.equal(user.active, true);
      assert.equal(typeof user.createTime, 'number');
      for (const field of ['group', 'email', 'phone', 'sknicHandle', 'contactPerson', 'resellerToken', 'credit', 'verifyUrl', 'billing', 'market']) assert.ok(field in user, field);
      assert.deepEqual(Object.keys(user.market), ['name', 'identifier', 'currency']);
      assert.equal(user.billing[0].name, 'Exemplary Organization');
    });

    it('accepts every Date format real clients send, and X-Date', async () => {
      const t = nowSeconds();
      const iso = new Date(t * 1000).toISOString();
      const formats = [
        iso.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, ''),   // 20190123T094657Z (seed shell, PHP)
        iso.replace(/\.\d{3}Z$/, 'Z'),                           // extended Z (JD)
        iso.replace(/\.\d{3}Z$/, '+00:00'),                      // Python isoformat with tz (seed Python 3)
        iso.replace(/\.\d{3}Z$/, '+0000'),                       // acme.sh
        iso.replace(/\.(\d{3})Z$/, '.$1123+00:00'),              // microseconds (XP)
        new Date(t * 1000).toUTCString(),                        // HTTP-date
        new Date((t + 3600) * 1000).toISOString().slice(0, 19), // naive local time in UTC+1 (seed PowerShell / Python 2)
      ];
      for (const date of formats) {
        const response = await signed('/v1/user/self', {}, t, date);
        assert.equal(response.status, 200, `${date}: ${response.body}`);
      }
      const { Authorization } = websupportHeaders(key, secret, 'GET', '/v1/user/self', t);
      assert.equal((await get('/v1/user/self', { Authorization, 'X-Date': formats[0]! })).status, 200);
    });

    it('verifies the bare path, and also the documented path+query form', async () => {
      const t = nowSeconds();
      assert.equal((await get('/v1/user?page=1&pagesize=5', websupportHeaders(key, secret, 'GET', '/v1/user', t))).status, 200);
      assert.equal((await get('/v1/user?page=1&pagesize=5', websupportHeaders(key, secret, 'GET', '/v1/user?page=1&pagesize=5', t))).status, 200);
    });

    it('GET /v1/user lists the organization\'s users in {items, pager}', async () => {
      const body = JSON.parse((await signed('/v1/user')).body);
      assert.ok(body.items.some((u: { login: string }) => u.login === key));
      assert.deepEqual(Object.keys(body.pager), ['page', 'pagesize', 'items']);
      assert.equal(body.pager.items, body.items.length);
    });

    it('another user id is not found', async () => {
      const response = await signed('/v1/user/424242');
      assert.equal(response.status, 404);
      assert.deepEqual(JSON.parse(response.body), { code: 404, message: 'User not found' });
    });

    it('a missing date: 400 "Missing date header."', async () => {
      const { Authorization } = websupportHeaders(key, secret, 'GET', '/v1/user/self');
      const response = await get('/v1/user/self', { Authorization });
      assert.equal(response.status, 400);
      assert.deepEqual(JSON.parse(response.body), { code: 400, message: 'Missing date header.' });
    });

    it('a bad key or signature: 401 "Incorrect api key or signature."', async () => {
      for (const headers of [
        websupportHeaders(key, 'wrong-secret', 'GET', '/v1/user/self'),
        websupportHeaders('no-such-key', secret, 'GET', '/v1/user/self'),
        websupportHeaders(key, secret, 'GET', '/v1/user', nowSeconds()),
        { Authorization: 'Basic !!!notbase64', Date: '20190123T094657Z' },
        {},
      ]) {
        const response = await get('/v1/user/self', headers);
        assert.equal(response.status, 401, JSON.stringify(headers));
        assert.deepEqual(JSON.parse(response.body), { code: 401, message: 'Incorrect api key or signature.' });
      }
    });

    it('an unparseable or far-off date gets a clear message', async () => {
      const bad = await signed('/v1/user/self', {}, nowSeconds(), 'next tuesday');
      assert.equal(bad.status, 400);
      assert.match(JSON.parse(bad.body).message, /not a date/);
      const far = await signed('/v1/user/self', {}, nowSeconds() - 3600);
      assert.equal(far.status, 401);
      assert.match(JSON.parse(far.body).message, /seconds away from the server time/);
    });

    it('unknown routes: 404 The system is unable to find the requested action', async () => {
      const response = await signed('/v1/nothing/here');
      assert.equal(response.status, 404);
      assert.deepEqual(JSON.parse(response.body), { code: 404, message: 'The system is unable to find the requested action "/v1/nothing/here".' });
    });

    it('Accept-Language picks the language of errors and validation messages', async () => {
      const english = JSON.parse((await signed('/v1/user?page=0')).body);
      assert.equal(english.code, 400);
      assert.ok(english.errors.page.length > 0);
      const seen = new Set<string>();
      for (const lang of ['en_us', 'sk', 'cs_cz', 'hu']) {
        const response = await signed('/v1/user?page=0', { 'Accept-Language': lang });
        assert.equal(response.status, 400);
        const body = JSON.parse(response.body);
        seen.add(body.errors.page[0]);
        const { Authorization } = websupportHeaders(key, secret, 'GET', '/v1/user/self');
        const missing = JSON.parse((await get('/v1/user/self', { Authorization, 'Accept-Language': lang })).body);
        if (lang === 'en_us') assert.equal(missing.message, 'Missing date header.');
        else assert.notEqual(missing.message, 'Missing date header.', lang);
      }
      assert.equal(seen.size, 4, 'four languages give four different validation messages');
    });

    it('any scheme works on this surface: a TC-signed request reads /v1/user/self', async () => {
      const response = await get('/v1/user/self', tcHeaders(key, secret, 'GET', '/v1/user/self'));
      assert.equal(response.status, 200);
    });

    it('a signature made in the second before its Date (the seed\'s shell example reads the clock twice) is accepted; two seconds before is not', async () => {
      const now = nowSeconds();
      const dated = (signedAt: number) => websupportHeaders(key, secret, 'GET', '/v1/user/self', signedAt, new Date(now * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, ''));
      assert.equal((await get('/v1/user/self', dated(now - 1))).status, 200);
      assert.equal((await get('/v1/user/self', dated(now - 2))).status, 401);
      assert.equal((await get('/v1/user/self', dated(now + 1))).status, 401);
    });

    it('the seed document\'s shell example (openssl dgst + curl) runs as written', async () => {
      const script = `#!/bin/bash
function hash_hmac {
  digest="$1"
  data="$2"
  key="$3"
  shift 3
  echo -n "$data" | openssl dgst "-$digest" -hmac "$key" "$@"
}
method="GET"
path="/v1/user/self"
api="$1"
query=""
apiKey="$2"
secret="$3"
signature=$(hash_hmac "sha1" "\${method} \${path} $(date +%s)" "\${secret}")
curl "\${api}\${path}\${query}" -u "\${apiKey}:$(echo $signature | cut -d " " -f2)" -H "Date: $(date +%Y%m%dT%H%M%SZ --utc)" -H "Accept: application/json" -H "Content-Type: application/json"`;
      const { stdout: output } = await run('bash', ['-c', script, 'ws', server.baseUrl, key, secret], { encoding: 'utf8' });
      assert.equal(JSON.parse(output).login, key);
    });

    it('the seed document\'s Python signers (timezone-aware and naive local time) are accepted', async () => {
      const program = `
import hmac, hashlib, time, base64, sys, json, urllib.request
from datetime import datetime, timezone
api, apiKey, secret, naive = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "naive"
method = "GET"
path = "/v1/user/self"
timestamp = int(time.time())
query = ""
canonicalRequest = "%s %s %s" % (method, path, timestamp)
signature = hmac.new(bytes(secret, 'UTF-8'), bytes(canonicalRequest, 'UTF-8'), hashlib.sha1).hexdigest()
date = datetime.fromtimestamp(timestamp).isoformat() if naive else datetime.fromtimestamp(timestamp, timezone.utc).isoformat()
headers = {"Content-Type": "application/json", "Accept": "application/json", "Date": date,
           "Authorization": "Basic " + base64.b64encode(("%s:%s" % (apiKey, signature)).encode()).decode()}
print(urllib.request.urlopen(urllib.request.Request("%s%s%s" % (api, path, query), headers=headers)).read().decode())
`;
      for (const [mode, tz] of [['aware', 'UTC'], ['naive', 'Europe/Bratislava'], ['naive', 'Asia/Kolkata'], ['naive', 'America/Los_Angeles']] as const) {
        const { stdout: output } = await run('python3', ['-c', program, server.baseUrl, key, secret, mode], { encoding: 'utf8', env: { ...process.env, TZ: tz } });
        assert.equal(JSON.parse(output).login, key, `${mode} ${tz}`);
      }
    });
  });

  describe(`Websupport login window, opt-in per API user (${dialect})`, () => {
    let server: TestServer;
    let shift = 0; // seconds added to the server's clock
    before(async () => { server = await startTestServer(dialect, { now: () => nowSeconds() + shift }); });
    after(() => server.close());

    it('a signature of GET /v1/user/self is taken on any request for 59 s once switched on, as the websupportsk client sends it', async () => {
      const user = await server.services.tenancy.createApiUser('Exemplary Organization', 'websupportsk');
      const ts0 = nowSeconds();
      // What websupportsk's client.py does: sign GET /v1/user/self at ts0 once, then send it everywhere.
      const login = websupportHeaders(user.accessId, user.secret, 'GET', '/v1/user/self', ts0, new Date(ts0 * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00'));
      const send = (target: string) => rawRequest(server.baseUrl, 'GET', target, login);

      assert.equal((await send('/v1/user/self')).status, 200);
      assert.equal((await send('/v1/user')).status, 401, 'off (the default): the signature is for /v1/user/self only');

      await server.services.tenancy.setWebsupportLoginWindow(user.accessId, true);
      server.services.credentials.invalidate();
      assert.equal((await send('/v1/user')).status, 401, 'the window opens with a verified request, not before');
      assert.equal((await send('/v1/user/self')).status, 200);
      for (const target of ['/v1/user', '/v1/user?page=1']) assert.equal((await send(target)).status, 200, target);
      assert.equal((await send('/api/v2/owners')).status, 401, 'the login window is the Websupport surface\'s only');
      const other = websupportHeaders(user.accessId, 'not-the-secret', 'GET', '/v1/user/self', ts0);
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v1/user', other)).status, 401, 'only the verified signature opens it');

      shift = 40;
      assert.equal((await send('/v1/user/self')).status, 200, 'using it again does not extend the window');
      shift = 60;
      assert.equal((await send('/v1/user')).status, 401, 'closed after 59 s');
      shift = 0;
    });

    it('a rotation closes an open window', async () => {
      const user = await server.services.tenancy.createApiUser('Exemplary Organization', 'websupportsk-rotated');
      await server.services.tenancy.setWebsupportLoginWindow(user.accessId, true);
      server.services.credentials.invalidate();
      const login = websupportHeaders(user.accessId, user.secret, 'GET', '/v1/user/self');
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v1/user/self', login)).status, 200);
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v1/user', login)).status, 200);
      await server.services.tenancy.rotateSecret(user.accessId);
      server.services.credentials.invalidate();
      assert.equal((await rawRequest(server.baseUrl, 'GET', '/v1/user', login)).status, 401);
    });
  });
}
