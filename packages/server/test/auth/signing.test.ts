/**
 * The client package's canonical strings and signers, against the spec's known vectors, node's
 * own HMAC, and properties over random input.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  base64ToText,
  formatContrastAuthorization,
  formatWebsupportDate,
  parseBasicAuthorization,
  parseContrastAuthorization,
  parseThreatConnectAuthorization,
  signThreatConnect,
  signWebsupport,
  threatConnectCanonical,
  webCryptoHmac,
  websupportCanonical,
  type HmacFunction,
} from '@cairn/client/signing';

const nodeHmac: HmacFunction = (algorithm, key, message) =>
  new Uint8Array(crypto.createHmac(algorithm === 'SHA-256' ? 'sha256' : 'sha1', key).update(message).digest());

describe('ThreatConnect signing', () => {
  // Spec §2.1: secret "test-secret".
  const vectors: [string, string][] = [
    ['/api/v2/owners', 'Bg+DpD6nlQQyyGKVNhmz7ecn6VFaN7AzgWMzRH5Fa74='],
    ['/v2/owners', 'hlbqqV8Whasuot2Mteu5aRlaXKDsI7IBVtMCn+PDyrs='],
    ['/api/v2/indicators?resultLimit=5&owner=Example+Community', 'FZ2C4jH4FfsXaWfVUQ3mzv3wTdgtmPRrI5eQ5WJy4IE='],
  ];
  for (const [pathAndQuery, signature] of vectors) {
    for (const [name, hmac] of [['WebCrypto', webCryptoHmac], ['node:crypto', nodeHmac]] as const) {
      it(`${pathAndQuery} signs to the spec's vector (${name})`, async () => {
        const headers = await signThreatConnect({ accessId: '12345678901234567890', secret: 'test-secret' }, { pathAndQuery, method: 'get', timestamp: 1700000000 }, hmac);
        assert.equal(headers.Authorization, `TC 12345678901234567890:${signature}`);
        assert.equal(headers.Timestamp, '1700000000');
      });
    }
  }

  it('the canonical string is path[?query]:METHOD:timestamp', () => {
    assert.equal(threatConnectCanonical({ pathAndQuery: '/v2/indicators/hosts/example.com?Owner=Common%20Community', method: 'GET', timestamp: 1513703787 }),
      '/v2/indicators/hosts/example.com?Owner=Common%20Community:GET:1513703787');
  });

  it('property: WebCrypto and node:crypto agree and the header parses back', async () => {
    await fc.assert(fc.asyncProperty(
      fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\s:]/.test(s)),
      fc.string({ minLength: 1, maxLength: 64 }),
      fc.webPath(),
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      fc.integer({ min: 0, max: 4_000_000_000 }),
      async (accessId, secret, path, method, timestamp) => {
        const input = { pathAndQuery: path || '/', method, timestamp };
        const a = await signThreatConnect({ accessId, secret }, input, webCryptoHmac);
        const b = await signThreatConnect({ accessId, secret }, input, nodeHmac);
        assert.deepEqual(a, b);
        const parsed = parseThreatConnectAuthorization(a.Authorization);
        assert.equal(parsed?.accessId, accessId);
        assert.equal(parsed?.signature, crypto.createHmac('sha256', secret).update(threatConnectCanonical(input)).digest('base64'));
      }), { numRuns: 200 });
  });

  it('property: the parser never throws and rejects what is not TC id:sig', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => {
      const parsed = parseThreatConnectAuthorization(text);
      if (parsed) assert.ok(text.trim().startsWith('TC '));
    }));
  });
});

describe('Websupport signing', () => {
  it('matches the seed PHP/Python example: hex HMAC-SHA1 of "GET /v1/user/self <ts>"', async () => {
    const secret = 'ajvkeo3y82ndsu2smvxy3o36496dcascksldncsq';
    const headers = await signWebsupport({ apiKey: 'ak48l3h7-ak5d-qn4t-p8gc-b6fs8c3l', secret }, { method: 'GET', path: '/v1/user/self', timestamp: 1548240417 }, webCryptoHmac);
    const expected = crypto.createHmac('sha1', secret).update('GET /v1/user/self 1548240417').digest('hex');
    assert.equal(headers.Authorization, `Basic ${Buffer.from(`ak48l3h7-ak5d-qn4t-p8gc-b6fs8c3l:${expected}`).toString('base64')}`);
    assert.equal(headers.Date, '20190123T104657Z');
    assert.equal(websupportCanonical({ method: 'get', path: '/v1/some/url?attributes=123&some=aaa', timestamp: 1548240417 }), 'GET /v1/some/url?attributes=123&some=aaa 1548240417');
  });

  it('property: the Date format is ISO 8601 basic in GMT and round-trips', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), (t) => {
      const text = formatWebsupportDate(t);
      assert.match(text, /^\d{8}T\d{6}Z$/);
      const iso = `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 11)}:${text.slice(11, 13)}:${text.slice(13)}`;
      assert.equal(Date.parse(iso) / 1000, t);
    }));
  });

  it('property: Basic credentials round-trip for any key and password (colons allowed in the password)', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 50 }).filter((s) => !s.includes(':')), fc.string({ maxLength: 80 }), (user, password) => {
      const header = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      assert.deepEqual(parseBasicAuthorization(header), { user, password });
    }));
  });
});

describe('Contrast key pair', () => {
  it('is base64(user:service key) with no scheme word, and parses back (Basic tolerated)', () => {
    assert.equal(formatContrastAuthorization('test_user', 'test'), 'dGVzdF91c2VyOnRlc3Q=');
    assert.deepEqual(parseContrastAuthorization('dGVzdF91c2VyOnRlc3Q='), { user: 'test_user', password: 'test' });
    assert.deepEqual(parseContrastAuthorization('Basic dGVzdF91c2VyOnRlc3Q='), { user: 'test_user', password: 'test' });
  });

  it('property: base64ToText never throws and returns null for non-base64', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => {
      const decoded = base64ToText(text);
      if (decoded !== null) assert.equal(typeof decoded, 'string');
    }));
  });
});
