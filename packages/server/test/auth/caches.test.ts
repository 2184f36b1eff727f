/**
 * The authentication caches are bounded LRUs: a flood of distinct signatures or unknown access
 * ids pushes out the least recently used entries, never every client's at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CredentialStore } from '../../src/auth/credential-store.js';
import { ReplayGuard } from '../../src/auth/replay-guard.js';
import { MAX_VERIFIED_SIGNATURES } from '../../src/auth/schemes/threatconnect-hmac.js';
import { rawRequest, tcHeaders } from '../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../support/server.js';

for (const dialect of testDialects()) {
  describe(`authentication caches under a flood (${dialect})`, () => {
    let server: TestServer;
    before(async () => { server = await startTestServer(dialect); });
    after(() => server.close());

    it('a flood of distinct valid signatures from another credential does not flush a client\'s verified signature', async () => {
      const { accessId, secret } = server.bootstrap.apiUser;
      const other = await server.services.tenancy.createApiUser('Exemplary Organization', `flooder ${dialect}`);
      const legitimate = tcHeaders(accessId, secret, 'GET', '/v2/owners');
      const hits = () => server.services.authenticator.cacheStats()['threatconnect-hmac']!.hits;
      const repeat = async () => {
        await server.services.credentials.byUserName(accessId); // the epoch was checked just now: the cache may answer
        const answer = await rawRequest(server.baseUrl, 'GET', '/v2/owners', legitimate);
        assert.equal(answer.status, 200, answer.body);
      };
      await repeat(); // verified once, remembered
      const before = hits();
      let repeats = 0;
      const flood = MAX_VERIFIED_SIGNATURES + 2_000;
      for (let i = 0; i < flood; i++) {
        const rawUrl = `/v2/owners?flood=${i}`;
        const principal = await server.services.authenticator.authenticate({ method: 'GET', rawUrl, headers: lowerCased(tcHeaders(other.accessId, other.secret, 'GET', rawUrl)) });
        assert.equal(principal.userName, other.accessId);
        if (i % 1_000 === 999) {
          await repeat();
          repeats++;
        }
      }
      assert.ok(server.services.authenticator.cacheStats()['threatconnect-hmac']!.entries <= MAX_VERIFIED_SIGNATURES, 'bounded');
      assert.equal(hits() - before, repeats, 'every repeat of the client\'s request was answered from the cache');
    });

    it('a flood of unknown access ids does not push out a known credential', async () => {
      const store = new CredentialStore(server.services.store.db, server.services.secrets, { maxEntries: 50 });
      const { accessId } = server.bootstrap.apiUser;
      const known = await store.byUserName(accessId);
      assert.ok(known);
      for (let i = 0; i < 120; i++) assert.equal(await store.byUserName(`no-such-user-${i}`), undefined);
      await store.byUserName('no-such-user-119'); // the epoch was checked just now: peek may answer
      assert.equal(store.peek(accessId), known, 'the known credential is still cached, the same object');
      assert.equal(store.peek('no-such-user-119'), null, 'a recent unknown name is remembered as unknown');
    });
  });
}

/** Header names as Node hands them to the server. */
function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

describe('replay guard', () => {
  it('when full, forgets the least recently seen signature, not the ones still being replayed', () => {
    const guard = new ReplayGuard(3);
    const now = 1_000;
    for (const key of ['a', 'b', 'c']) assert.equal(guard.remember(key, now + 300, now), true);
    assert.equal(guard.remember('a', now + 300, now), false, 'a replay of a is refused (and a is now the most recent)');
    assert.equal(guard.remember('d', now + 300, now), true);
    assert.equal(guard.remember('a', now + 300, now), false, 'a is still remembered');
    assert.equal(guard.remember('b', now + 300, now), true, 'b, the least recently seen, was the one forgotten');
  });

  it('an expired signature may be used again', () => {
    const guard = new ReplayGuard(10);
    assert.equal(guard.remember('a', 1_300, 1_000), true);
    assert.equal(guard.remember('a', 1_600, 1_301), true);
  });
});
