/**
 * The indicator value normalisers and the type catalogue (core/intel): normalising is
 * idempotent, valid values round-trip to the documented canonical forms, invalid ones are
 * refused with a message and never throw, summaries and addressing values per type.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  normalizeAddress, normalizeAsn, normalizeCidr, normalizeEmailAddress, normalizeHashtag, normalizeHost, normalizeMd5, normalizeMutex,
  normalizeRegistryKeyName, normalizeRegistryValueType, normalizeSha256, normalizeUrl, type ValueNormalizer,
} from '../../../src/core/intel/indicator-values.js';
import {
  describeIndicatorType, describeValue, INDICATOR_TYPE_NAMES, INDICATOR_TYPES, indicatorTypeNamed, indicatorTypeOfBranch, readIndicatorValue, valuesNamedBy,
} from '../../../src/core/intel/indicator-types.js';

const NORMALIZERS: [string, ValueNormalizer][] = INDICATOR_TYPES.flatMap((t) => t.keys.map((k) => [`${t.name}.${k.v3Key}`, k.normalize] as [string, ValueNormalizer]));

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
const ipv6 = fc.ipV6();
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const host = fc.tuple(fc.array(label, { minLength: 1, maxLength: 4 }), fc.stringMatching(/^[a-z]{2,10}$/)).map(([labels, tld]) => [...labels, tld].join('.'));
const mixedCase = (s: string, flips: boolean[]) => [...s].map((c, i) => (flips[i % Math.max(flips.length, 1)] ? c.toUpperCase() : c)).join('');

describe('indicator value normalisers', () => {
  it('are idempotent and never throw, whatever the text', () => {
    const anyText = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ maxLength: 100, unit: 'grapheme' }), fc.string({ maxLength: 100, unit: 'binary' }));
    fc.assert(fc.property(anyText, fc.constantFrom(...NORMALIZERS), (text, [name, normalize]) => {
      const once = normalize(text);
      if ('problem' in once) {
        assert.equal(typeof once.problem, 'string', name);
        assert.ok(once.problem.length > 0, name);
        return;
      }
      assert.deepEqual(normalize(once.value), once, `${name}: ${JSON.stringify(text)}`);
    }), { numRuns: 3000 });
  });

  it('are idempotent on valid values of every kind', () => {
    const samples = fc.oneof(ipv4, ipv6, host, fc.emailAddress(), fc.webUrl(), fc.integer({ min: 0, max: 4_294_967_295 }).map(String),
      fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([a, b]) => `${a}/${b}`), fc.tuple(ipv6, fc.integer({ min: 0, max: 128 })).map(([a, b]) => `${a}/${b}`));
    fc.assert(fc.property(samples, fc.constantFrom(...NORMALIZERS), (text, [name, normalize]) => {
      const once = normalize(text);
      if ('value' in once) assert.deepEqual(normalize(once.value), once, `${name}: ${text}`);
    }), { numRuns: 3000 });
  });

  it('keeps IPv4 addresses and gives IPv6 its RFC 5952 form', () => {
    fc.assert(fc.property(ipv4, (ip) => assert.deepEqual(normalizeAddress(ip), { value: ip })));
    fc.assert(fc.property(ipv6, (ip) => {
      const result = normalizeAddress(ip.toUpperCase());
      assert.ok('value' in result, ip);
      assert.equal(result.value, result.value.toLowerCase());
      assert.ok(!/(^|:)0[0-9a-f]/.test(result.value.replace(/\d+\.\d+\.\d+\.\d+$/, '')), `no leading zeros: ${result.value}`);
    }));
    assert.deepEqual(normalizeAddress('2001:0DB8:0000:0000:0000:0000:0000:0001'), { value: '2001:db8::1' });
    for (const bad of ['256.1.1.1', '1.2.3', '010.0.0.1', '0x7f.0.0.1', 'fe80::1%eth0', '', 'example.com']) assert.ok('problem' in normalizeAddress(bad), bad);
  });

  it('gives CIDR blocks their network address; IPv6 uncompressed without leading zeros', () => {
    assert.deepEqual(normalizeCidr('10.1.2.3/8'), { value: '10.0.0.0/8' });
    assert.deepEqual(normalizeCidr('2001:DB8::5/32'), { value: '2001:db8:0:0:0:0:0:0/32' });
    assert.deepEqual(normalizeCidr('::/0'), { value: '0:0:0:0:0:0:0:0/0' });
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '2001:db8::/129', 'x/8', '10.0.0.0/-1']) assert.ok('problem' in normalizeCidr(bad), bad);
  });

  it('lower-cases host names, converts Unicode to punycode and checks labels', () => {
    fc.assert(fc.property(host, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (name, flips) => {
      assert.deepEqual(normalizeHost(`${mixedCase(name, flips)}.`), { value: name });
    }));
    assert.deepEqual(normalizeHost('Bücher.Example'), { value: 'xn--bcher-kva.example' });
    for (const bad of ['localhost', '-bad.example.com', 'a..b.com', 'spa ce.com', `${'a'.repeat(64)}.com`, '10.0.0.1', 'a/b.com']) assert.ok('problem' in normalizeHost(bad), bad);
  });

  it('lower-cases the domain of an email address and bounds it', () => {
    assert.deepEqual(normalizeEmailAddress(' Bad.Guy@Example.COM '), { value: 'Bad.Guy@example.com' });
    fc.assert(fc.property(fc.emailAddress(), (email) => {
      const result = normalizeEmailAddress(email);
      if ('value' in result) assert.equal(result.value.split('@').pop(), result.value.split('@').pop()!.toLowerCase());
    }));
    for (const bad of ['no-at', '@example.com', 'a@', 'a b@example.com', `${'a'.repeat(65)}@example.com`, 'a@localhost']) assert.ok('problem' in normalizeEmailAddress(bad), bad);
  });

  it('lower-cases only the scheme and host of a URL', () => {
    assert.deepEqual(normalizeUrl('HTTPS://User@WWW.Example.COM:8443/A/B?C=D#E'), { value: 'https://User@www.example.com:8443/A/B?C=D#E' });
    assert.deepEqual(normalizeUrl('http://[2001:DB8::1]/x'), { value: 'http://[2001:db8::1]/x' });
    fc.assert(fc.property(fc.webUrl(), (url) => {
      const result = normalizeUrl(url);
      if ('value' in result) assert.deepEqual(normalizeUrl(result.value), result);
    }));
    for (const bad of ['example.com', 'http://', 'http://exa mple.com', `http://example.com/${'a'.repeat(2000)}`, 'http://[zz]/', 'http://example.com:99999/']) assert.ok('problem' in normalizeUrl(bad), bad);
  });

  it('writes AS numbers as ASN12345', () => {
    for (const text of ['ASN12345', 'AS12345', 'asn 12345', '12345', ' as12345 ']) assert.deepEqual(normalizeAsn(text), { value: 'ASN12345' }, text);
    assert.deepEqual(normalizeAsn('ASN0012'), { value: 'ASN12' });
    for (const bad of ['ASN', 'ASN-1', 'ASN4294967296', 'X12']) assert.ok('problem' in normalizeAsn(bad), bad);
  });

  it('checks hashes, registry keys, hashtags and free text', () => {
    assert.deepEqual(normalizeMd5('D41D8CD98F00B204E9800998ECF8427E'), { value: 'd41d8cd98f00b204e9800998ecf8427e' });
    assert.ok('problem' in normalizeSha256('d41d8cd98f00b204e9800998ecf8427e'));
    assert.deepEqual(normalizeRegistryKeyName('hkcu\\Software\\X'), { value: 'HKEY_CURRENT_USER\\Software\\X' });
    assert.ok('problem' in normalizeRegistryKeyName('HKEY_NOWHERE\\X'));
    assert.deepEqual(normalizeRegistryValueType('reg_dword'), { value: 'REG_DWORD' });
    assert.deepEqual(normalizeHashtag('phishing'), { value: '#phishing' });
    assert.ok('problem' in normalizeHashtag('#'));
    assert.ok('problem' in normalizeMutex('a'.repeat(501)));
    assert.ok('problem' in normalizeMutex('bad\u0000mutex'));
  });
});

describe('the indicator type catalogue', () => {
  it('lists every type once, with v2 branches for all but Email Subject and Hashtag', () => {
    assert.deepEqual(INDICATOR_TYPES.map((t) => t.name), [...INDICATOR_TYPE_NAMES]);
    assert.deepEqual(INDICATOR_TYPES.filter((t) => !t.v2).map((t) => t.name), ['Email Subject', 'Hashtag']);
    assert.equal(indicatorTypeOfBranch('cidrBlocks')?.name, 'CIDR');
    assert.equal(indicatorTypeOfBranch('address')?.name, 'Address');
    assert.equal(indicatorTypeNamed('registry key')?.name, 'Registry Key');
    assert.equal(indicatorTypeNamed('Email Address')?.name, 'EmailAddress');
    for (const type of INDICATOR_TYPES) {
      for (const k of type.keys) assert.doesNotThrow(() => new RegExp(k.regex), `${type.name} ${k.label}`);
    }
  });

  it('describes each type as /v2/types/indicatorTypes shows it', () => {
    assert.deepEqual(describeIndicatorType(indicatorTypeNamed('Address')!), {
      name: 'Address', custom: 'false', parsable: 'true', apiBranch: 'addresses', apiEntity: 'address', casePreference: 'lower',
      value1Label: 'IP', keys: { key1: 'ip' }, regexes: [indicatorTypeNamed('Address')!.keys[0]!.regex],
    });
    const key = describeIndicatorType(indicatorTypeNamed('Registry Key')!);
    assert.deepEqual(key.keys, { key1: 'Key Name', key2: 'Value Name', key3: 'Value Type' });
    assert.equal(key.value3Label, 'Value Type');
    assert.equal(describeIndicatorType(indicatorTypeNamed('Hashtag')!).apiBranch, null);
  });

  it('shows a file\'s hashes as "MD5 : SHA1 : SHA256" and addresses it by each', () => {
    const file = indicatorTypeNamed('File')!;
    const md5 = 'a'.repeat(32);
    const sha256 = 'b'.repeat(64);
    const read = readIndicatorValue(file, (k) => (k.v3Key === 'md5' ? { name: 'md5', value: md5.toUpperCase() } : k.v3Key === 'sha256' ? { name: 'sha256', value: sha256 } : undefined));
    assert.ok('value' in read);
    assert.equal(read.value.summary, `${md5} : ${sha256}`);
    assert.deepEqual(read.value.addressing, [md5, sha256]);
    assert.deepEqual(valuesNamedBy(file, `${md5} : ${sha256}`), [md5, sha256]);
    assert.deepEqual(valuesNamedBy(file, sha256.toUpperCase()), [sha256]);
    const none = readIndicatorValue(file, () => undefined);
    assert.ok('problems' in none);
  });

  it('names a registry key by its three parts, and other types by their summary', () => {
    const key = indicatorTypeNamed('Registry Key')!;
    const value = describeValue(key, { value1: 'HKEY_USERS\\X', value2: 'Run', value3: 'REG_SZ' });
    assert.equal(value.summary, 'HKEY_USERS\\X : Run : REG_SZ');
    assert.deepEqual(value.addressing, [value.summary]);
    assert.deepEqual(valuesNamedBy(key, 'hku\\X : Run : reg_sz'), [value.summary]);
    assert.equal(valuesNamedBy(key, 'HKEY_USERS\\X'), undefined);
    assert.deepEqual(valuesNamedBy(indicatorTypeNamed('Host')!, 'BadGuy.com'), ['badguy.com']);
    assert.equal(valuesNamedBy(indicatorTypeNamed('Address')!, 'badguy.com'), undefined);
  });

  it('reads a summary back to the same addressing values for every valid value', () => {
    fc.assert(fc.property(fc.oneof(ipv4, ipv6, host, fc.webUrl(), fc.emailAddress()), (text) => {
      for (const type of INDICATOR_TYPES) {
        if (type.keys.length !== 1) continue;
        const read = readIndicatorValue(type, () => ({ name: type.keys[0]!.v3Key, value: text }));
        if ('value' in read) assert.deepEqual(valuesNamedBy(type, read.value.summary), read.value.addressing, `${type.name}: ${text}`);
      }
    }), { numRuns: 500 });
  });
});
