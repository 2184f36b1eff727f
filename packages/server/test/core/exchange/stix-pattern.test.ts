/**
 * STIX patterns (core/exchange/stix/pattern.ts): the pattern of every Cairn indicator type reads
 * back as the same indicator (property-tested over generated values, alone and OR-ed), the
 * documented forms map, every other form is left to be kept as text, and no text makes the
 * parser throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { indicatorPattern, indicatorsOfPattern, parsesAsPattern, stixString } from '../../../src/core/exchange/stix/pattern.js';
import { indicatorTypeNamed, readIndicatorValue } from '../../../src/core/intel/indicator-types.js';

type Slots = Partial<Record<'value1' | 'value2' | 'value3', string>>;

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?$/);
const host = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,8}$/)).map(([l, tld]) => [...l, tld].join('.'));
const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${length}}$`));
/** Free text with the characters a pattern must escape. */
const text = fc.string({ minLength: 1, maxLength: 40, unit: fc.constantFrom('a', 'B', ' ', "'", '\\', '"', ']', '[', 'é', '=', ':', 'O', 'R') }).filter((t) => t.trim() === t && t.trim() !== '');

/** An indicator of a generated type and value: its type and its value slots as a client gives them. */
const indicator: fc.Arbitrary<{ type: string; slots: Slots }> = fc.oneof(
  ipv4.map((v) => ({ type: 'Address', slots: { value1: v } })),
  fc.ipV6().map((v) => ({ type: 'Address', slots: { value1: v } })),
  fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([v, p]) => ({ type: 'CIDR', slots: { value1: `${v}/${p}` } })),
  host.map((v) => ({ type: 'Host', slots: { value1: v } })),
  fc.webUrl().map((v) => ({ type: 'URL', slots: { value1: v } })),
  fc.emailAddress().map((v) => ({ type: 'EmailAddress', slots: { value1: v } })),
  fc.integer({ min: 0, max: 4_294_967_295 }).map((n) => ({ type: 'ASN', slots: { value1: `AS${n}` } })),
  fc.record({ value1: fc.option(hex(32), { nil: undefined }), value2: fc.option(hex(40), { nil: undefined }), value3: fc.option(hex(64), { nil: undefined }) })
    .filter((s) => s.value1 !== undefined || s.value2 !== undefined || s.value3 !== undefined)
    .map((s) => ({ type: 'File', slots: Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as Slots })),
  text.map((v) => ({ type: 'Mutex', slots: { value1: v } })),
  text.map((v) => ({ type: 'User Agent', slots: { value1: v } })),
  text.map((v) => ({ type: 'Email Subject', slots: { value1: v } })),
  fc.stringMatching(/^#?[a-z0-9_'\\]{1,20}$/).map((v) => ({ type: 'Hashtag', slots: { value1: v } })),
  fc.tuple(fc.constantFrom('HKLM', 'HKEY_CURRENT_USER', 'hkcu'), fc.array(fc.stringMatching(/^[A-Za-z0-9 ']{1,10}$/), { maxLength: 3 }), text, fc.constantFrom('REG_SZ', 'reg_dword', 'REG_BINARY'))
    .map(([hive, path, name, type]) => ({ type: 'Registry Key', slots: { value1: [hive, ...path].join('\\'), value2: name, value3: type } })),
);

/** The stored form (as Cairn normalises it), or undefined when the generated value is not valid for Cairn. */
function stored(type: string, slots: Slots) {
  const read = readIndicatorValue(indicatorTypeNamed(type)!, (k) => (slots[k.slot] === undefined ? undefined : { name: k.v3Key, value: slots[k.slot] }));
  return 'value' in read ? read.value : undefined;
}

describe('STIX patterns of Cairn indicators', () => {
  it('read back as the same indicator, for every type', () => {
    fc.assert(fc.property(indicator, ({ type, slots }) => {
      const value = stored(type, slots);
      fc.pre(value !== undefined);
      const pattern = indicatorPattern(type, value!);
      assert.ok(pattern, type);
      assert.deepEqual(indicatorsOfPattern(pattern!), { indicators: [{ type, summary: value!.summary }], problems: [] }, pattern);
    }), { numRuns: 2000 });
  });

  it('OR-ed inside one observation or between observations, read back as each indicator once', () => {
    fc.assert(fc.property(fc.array(indicator, { minLength: 1, maxLength: 6 }), fc.boolean(), (list, between) => {
      const valid = list.map(({ type, slots }) => ({ type, value: stored(type, slots) })).filter((i) => i.value !== undefined);
      fc.pre(valid.length > 0);
      const patterns = valid.map((i) => indicatorPattern(i.type, i.value!)!);
      const pattern = between ? patterns.join(' OR ') : `[${patterns.map((p) => p.slice(1, -1)).filter((p) => !p.includes(' AND ')).join(' OR ')}]`;
      const expected = valid.filter((_, n) => between || !patterns[n]!.includes(' AND '));
      fc.pre(expected.length > 0);
      const seen = new Set<string>();
      const unique = expected.filter((i) => { const key = `${i.type}|${i.value!.summary}`; if (seen.has(key)) return false; seen.add(key); return true; });
      assert.deepEqual(indicatorsOfPattern(pattern)?.indicators, unique.map((i) => ({ type: i.type, summary: i.value!.summary })), pattern);
    }), { numRuns: 500 });
  });

  it('never throw, whatever the text', () => {
    const soup = fc.array(fc.constantFrom('[', ']', '(', ')', "'", 'ipv4-addr', ':', 'value', '=', '!=', 'AND', 'OR', 'NOT', 'FOLLOWEDBY', 'WITHIN', '5', 'SECONDS', "'1.2.3.4'", '.', '*', 'file', 'hashes', "t'2020-01-01T00:00:00Z'", 'IN', ',', 'LIKE', 'REPEATS', 'TIMES', ' '), { maxLength: 30 }).map((t) => t.join(' '));
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ maxLength: 100, unit: 'binary' }), soup), (pattern) => {
      const result = indicatorsOfPattern(pattern);
      assert.ok(result === undefined || Array.isArray(result.indicators));
      assert.equal(typeof parsesAsPattern(pattern), 'boolean');
    }), { numRuns: 3000 });
  });

  it('map the documented forms', () => {
    const cases: [string, { type: string; summary: string }[]][] = [
      ["[ipv4-addr:value = '198.51.100.1']", [{ type: 'Address', summary: '198.51.100.1' }]],
      ["[ipv4-addr:value = '198.51.100.7/24']", [{ type: 'CIDR', summary: '198.51.100.0/24' }]],
      ["[ipv6-addr:value = '2001:DB8::0:1']", [{ type: 'Address', summary: '2001:db8::1' }]],
      ["[domain-name:value = 'Example.COM']", [{ type: 'Host', summary: 'example.com' }]],
      ["[url:value = 'HTTP://Example.com/a']", [{ type: 'URL', summary: 'http://example.com/a' }]],
      ["[email-addr:value = 'a@Example.com']", [{ type: 'EmailAddress', summary: 'a@example.com' }]],
      ['[autonomous-system:number = 64500]', [{ type: 'ASN', summary: 'ASN64500' }]],
      ["[mutex:name = 'Global\\\\x']", [{ type: 'Mutex', summary: 'Global\\x' }]],
      ["[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
        [{ type: 'File', summary: 'd41d8cd98f00b204e9800998ecf8427e : e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }]],
      ["[file:hashes.SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']", [{ type: 'File', summary: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' }]],
      ["[windows-registry-key:key = 'HKLM\\\\Software\\\\Run' AND windows-registry-key:values[*].name = 'evil' AND windows-registry-key:values[*].data_type = 'REG_SZ']",
        [{ type: 'Registry Key', summary: 'HKEY_LOCAL_MACHINE\\Software\\Run : evil : REG_SZ' }]],
      ["[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Mozilla/5.0']", [{ type: 'User Agent', summary: 'Mozilla/5.0' }]],
      ["([domain-name:value = 'a.example'] OR [domain-name:value = 'b.example'])", [{ type: 'Host', summary: 'a.example' }, { type: 'Host', summary: 'b.example' }]],
      ["[domain-name:value = 'a.example' OR (url:value = 'http://b.example/')]", [{ type: 'Host', summary: 'a.example' }, { type: 'URL', summary: 'http://b.example/' }]],
    ];
    for (const [pattern, expected] of cases) assert.deepEqual(indicatorsOfPattern(pattern), { indicators: expected, problems: [] }, pattern);
  });

  it('leave every other form to be kept as text', () => {
    for (const pattern of [
      "[file:name = 'evil.exe']",
      "[domain-name:value = 'a.example'] AND [domain-name:value = 'b.example']",
      "[domain-name:value = 'a.example'] FOLLOWEDBY [url:value = 'http://a.example/']",
      "[ipv4-addr:value = '198.51.100.1'] WITHIN 300 SECONDS",
      "[ipv4-addr:value = '198.51.100.1'] REPEATS 5 TIMES",
      "[ipv4-addr:value = '198.51.100.1'] START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00Z'",
      "[ipv4-addr:value != '198.51.100.1']",
      "[ipv4-addr:value NOT = '198.51.100.1']",
      "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
      "[domain-name:value LIKE '%.example']",
      "[domain-name:value IN ('a.example', 'b.example')]",
      "[windows-registry-key:key = 'HKLM\\\\Software']",
      "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:hashes.MD5 = '00000000000000000000000000000000']",
      "[domain-name:value = 'a.example' AND url:value = 'http://a.example/']",
      "[x-acme-thing:value = 'x']",
      'not a pattern',
      "[domain-name:value = 'unterminated]",
    ]) assert.equal(indicatorsOfPattern(pattern), undefined, pattern);
    assert.equal(parsesAsPattern("[file:name = 'evil.exe'] WITHIN 5 SECONDS"), true);
    assert.equal(parsesAsPattern("[file:name = 'evil.exe'"), false);
  });

  it('name invalid values as problems, keeping the valid alternatives', () => {
    assert.deepEqual(indicatorsOfPattern("[ipv4-addr:value = '999.1.1.1' OR domain-name:value = 'ok.example']")?.indicators, [{ type: 'Host', summary: 'ok.example' }]);
    assert.equal(indicatorsOfPattern("[ipv4-addr:value = '999.1.1.1' OR domain-name:value = 'ok.example']")?.problems.length, 1);
    assert.equal(indicatorsOfPattern("[domain-name:value = 'localhost']")?.indicators.length, 0);
  });

  it('escape quotes and backslashes in string literals', () => {
    assert.equal(stixString("it's a \\ path"), "'it\\'s a \\\\ path'");
  });
});
