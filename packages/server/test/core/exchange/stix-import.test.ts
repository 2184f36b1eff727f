/**
 * Reading STIX 2.1 bundles (core/exchange/stix/import.ts): each SDO and SCO mapping, patterns kept
 * as Signatures, relationships and report references resolved whatever their order, metadata
 * (labels, TLP markings, confidence, dates, attributes), per-object problems for what Cairn does
 * not take, file problems for what is no bundle, and a bundle of 5,000 objects read as a stream.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isItemProblem, looksLikeStixBundle, readStixBundle, readWholeStixBundle } from '../../../src/core/exchange/stix/import.js';
import type { GroupItem, ImportItem, IndicatorItem, ItemProblem } from '../../../src/core/exchange/items.js';
import { ingestItem } from '../../../../../bench/support/ingest-items.js';
import { ingestStixBundle } from '../../../../../bench/support/ingest-stix.js';

let counter = 0;
/** A fresh STIX id of `type` (a v4-shaped UUID, deterministic per run). */
const sid = (type: string) => `${type}--${String(++counter).padStart(8, '0')}-0000-4000-8000-000000000000`;
const bundleText = (objects: unknown[]) => JSON.stringify({ type: 'bundle', id: sid('bundle'), objects });
const read = (objects: unknown[], options: { maxBytes?: number; maxObjectBytes?: number } = {}) =>
  readWholeStixBundle(Readable.from([bundleText(objects)]), { maxBytes: options.maxBytes ?? 10_000_000, ...(options.maxObjectBytes ? { maxObjectBytes: options.maxObjectBytes } : {}) });
const readText = (text: string, maxBytes = 10_000_000) => readWholeStixBundle(Readable.from([text]), { maxBytes });
const TLP_AMBER = 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82';
const TLP_RED = 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed';
const indicators = (items: ImportItem[]) => items.filter((i): i is IndicatorItem => i.kind === 'indicator');
const groups = (items: ImportItem[]) => items.filter((i): i is GroupItem => i.kind === 'group');

describe('STIX import: SDOs to groups', () => {
  const cases: [string, string][] = [
    ['threat-actor', 'Adversary'], ['intrusion-set', 'Intrusion Set'], ['campaign', 'Campaign'], ['malware', 'Malware'], ['tool', 'Tool'],
    ['attack-pattern', 'Attack Pattern'], ['course-of-action', 'Course of Action'], ['vulnerability', 'Vulnerability'], ['x-mitre-tactic', 'Tactic'],
  ];
  for (const [stixType, cairnType] of cases) {
    it(`${stixType} → ${cairnType}, its xid the STIX id`, async () => {
      const id = sid(stixType);
      const { items, problems } = await read([{ type: stixType, spec_version: '2.1', id, name: `The ${stixType}`, created: '2024-01-02T03:04:05.678Z', modified: '2024-02-03T04:05:06Z' }]);
      assert.deepEqual(problems, []);
      assert.deepEqual(items, [{ kind: 'group', type: cairnType, name: `The ${stixType}`, xid: id, created: '2024-01-02T03:04:05Z', modified: '2024-02-03T04:05:06Z' }]);
    });
  }

  it('carries labels, TLP markings, confidence, description, aliases, references and Cairn\'s own attributes and fields', async () => {
    const id = sid('intrusion-set');
    const { items, problems } = await read([{
      type: 'intrusion-set', id, name: 'APT-X', labels: ['apt', 'apt', ' espionage '], object_marking_refs: [TLP_AMBER, 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1'],
      confidence: 85, description: 'A set.', aliases: ['X1', 'X2'], first_seen: '2020-01-01T00:00:00Z',
      external_references: [{ source_name: 'mitre-attack', external_id: 'G0001', url: 'https://attack.example/G0001' }, { source_name: 'External ID', external_id: 'abc' }],
      x_cairn_attributes: [{ type: 'Motivation', value: 'money' }, { type: 42 }],
      x_cairn_fields: { status: 'ignored: not a field of the type' },
    }]);
    assert.deepEqual(problems, []);
    assert.deepEqual(items[0], {
      kind: 'group', type: 'Intrusion Set', name: 'APT-X', xid: id, fields: { firstSeen: '2020-01-01T00:00:00Z' },
      tags: ['apt', 'espionage'], securityLabels: ['TLP:AMBER', 'TLP:RED'], confidence: 85,
      attributes: [
        { type: 'Description', value: 'A set.' }, { type: 'Aliases', value: 'X1' }, { type: 'Aliases', value: 'X2' },
        { type: 'Reference Link', value: 'https://attack.example/G0001' }, { type: 'External ID', value: 'mitre-attack:G0001' }, { type: 'External ID', value: 'abc' },
        { type: 'Motivation', value: 'money' },
      ],
    });
  });

  it('an incident takes its event date from first_seen or created, unless Cairn\'s fields name one', async () => {
    const { items } = await read([
      { type: 'incident', id: sid('incident'), name: 'I1', created: '2024-05-05T00:00:00Z' },
      { type: 'incident', id: sid('incident'), name: 'I2', created: '2024-05-05T00:00:00Z', x_cairn_fields: { eventDate: '2023-01-01T00:00:00Z', status: 'Open' } },
    ]);
    assert.deepEqual(groups(items).map((g) => g.fields), [{ eventDate: '2024-05-05T00:00:00Z' }, { eventDate: '2023-01-01T00:00:00Z', status: 'Open' }]);
  });

  it('x-cairn-group is the group type it names; without one it is a problem', async () => {
    const { items, problems } = await read([
      { type: 'x-cairn-group', id: sid('x-cairn-group'), name: 'E', x_cairn_type: 'Email', x_cairn_fields: { subject: 's', header: 'h', body: 'b' } },
      { type: 'x-cairn-group', id: sid('x-cairn-group'), name: 'Q', x_cairn_type: 'Quest' },
    ]);
    assert.deepEqual(groups(items).map((g) => [g.type, g.fields]), [['Email', { subject: 's', header: 'h', body: 'b' }]]);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.index, 1);
    assert.match(problems[0]!.reason, /names no Cairn group type/);
  });

  it('a report becomes a Report with its object_refs as associations, whatever the order', async () => {
    const actor = sid('threat-actor');
    const ip = sid('ipv4-addr');
    const report = sid('report');
    const { items, problems } = await read([
      { type: 'report', id: report, name: 'Q3 report', published: '2024-07-01T00:00:00Z', object_refs: [actor, ip, sid('identity'), report] },
      { type: 'threat-actor', id: actor, name: 'Actor' },
      { type: 'ipv4-addr', id: ip, value: '192.0.2.10' },
    ]);
    assert.deepEqual(problems, []);
    assert.deepEqual(groups(items)[0], { kind: 'group', type: 'Report', name: 'Q3 report', xid: report, fields: { publishDate: '2024-07-01T00:00:00Z', fileName: 'Q3 report' } });
    assert.deepEqual(items.filter((i) => i.kind === 'association'), [
      { kind: 'association', from: { group: { xid: report } }, to: { group: { xid: actor } } },
      { kind: 'association', from: { group: { xid: report } }, to: { indicator: { type: 'Address', summary: '192.0.2.10' } } },
    ]);
  });

  it('an SDO without a name is a problem of that object', async () => {
    const { items, problems } = await read([{ type: 'malware', id: sid('malware') }, { type: 'tool', id: sid('tool'), name: 'ok' }]);
    assert.equal(items.length, 1);
    assert.deepEqual(problems.map((p) => [p.index, p.kind, p.code, p.severity]), [[0, 'group', '0x1006', 'Error']]);
  });
});

describe('STIX import: indicators and observables', () => {
  it('a supported pattern becomes its indicators, with the object\'s metadata; a name other than the value a Title', async () => {
    const { items, problems } = await read([{
      type: 'indicator', id: sid('indicator'), name: 'C2 servers', pattern: "[ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.2']", pattern_type: 'stix',
      labels: ['c2'], object_marking_refs: [TLP_RED], confidence: 60, x_cairn_rating: 4, created: '2024-01-01T00:00:00Z', revoked: true,
    }]);
    assert.deepEqual(problems, []);
    const common = { tags: ['c2'], securityLabels: ['TLP:RED'], confidence: 60, created: '2024-01-01T00:00:00Z', attributes: [{ type: 'Title', value: 'C2 servers' }], rating: 4, active: false };
    assert.deepEqual(items, [
      { kind: 'indicator', type: 'Address', summary: '192.0.2.1', ...common },
      { kind: 'indicator', type: 'Address', summary: '192.0.2.2', ...common },
    ]);
  });

  it('Cairn\'s own fields of an indicator come back from x_cairn_fields, on the types that have them', async () => {
    const fields = { dnsActive: true, whoisActive: true, size: 10, firstSeen: '2024-01-01T00:00:00Z', lastSeen: 'not a date' };
    const { items } = await read([
      { type: 'indicator', id: sid('indicator'), pattern: "[domain-name:value = 'f.example']", pattern_type: 'stix', x_cairn_fields: fields },
      { type: 'indicator', id: sid('indicator'), pattern: "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", pattern_type: 'stix', x_cairn_fields: fields },
    ]);
    assert.deepEqual(items.map((i) => ({ ...i, kind: undefined, type: undefined, summary: undefined })), [
      { kind: undefined, type: undefined, summary: undefined, dnsActive: true, whoisActive: true, firstSeen: '2024-01-01T00:00:00Z' },
      { kind: undefined, type: undefined, summary: undefined, size: 10, firstSeen: '2024-01-01T00:00:00Z' },
    ]);
  });

  it('another STIX pattern is kept whole as a Signature of type STIX Pattern; other pattern types as their Signature', async () => {
    const stixId = sid('indicator');
    const snortId = sid('indicator');
    const { items, problems } = await read([
      { type: 'indicator', id: stixId, name: 'Exe', pattern: "[file:name = 'evil.exe'] WITHIN 60 SECONDS", pattern_type: 'stix', labels: ['x'] },
      { type: 'indicator', id: snortId, pattern: 'alert tcp any any -> any 80 (msg:"x";)', pattern_type: 'snort' },
      { type: 'indicator', id: sid('indicator'), pattern: 'rule', pattern_type: 'acme-rules' },
      { type: 'indicator', id: sid('indicator'), pattern_type: 'stix' },
    ]);
    assert.deepEqual(groups(items), [
      { kind: 'group', type: 'Signature', name: 'Exe', xid: stixId, fields: { fileName: `${stixId.slice(11)}.stix`, fileType: 'STIX Pattern', fileText: "[file:name = 'evil.exe'] WITHIN 60 SECONDS" }, tags: ['x'] },
      { kind: 'group', type: 'Signature', name: `STIX indicator ${snortId.slice(11)}`, xid: snortId, fields: { fileName: `${snortId.slice(11)}.snort`, fileType: 'Snort', fileText: 'alert tcp any any -> any 80 (msg:"x";)' } },
    ]);
    assert.deepEqual(problems.map((p) => [p.index, p.code]), [[2, '0x1005'], [3, '0x1005']]);
    assert.match(problems[0]!.reason, /pattern_type acme-rules/);
  });

  it('reads a STIX 2.0 bundle too (spec_version on the bundle, no pattern_type: a STIX pattern)', async () => {
    const { items, problems } = await readText(JSON.stringify({ type: 'bundle', id: sid('bundle'), spec_version: '2.0', objects: [
      { type: 'indicator', id: sid('indicator'), created: '2017-01-01T00:00:00.000Z', modified: '2017-01-01T00:00:00.000Z', labels: ['malicious-activity'], pattern: "[url:value = 'http://old.example/']", valid_from: '2017-01-01T00:00:00Z' },
    ] }));
    assert.deepEqual(problems, []);
    assert.deepEqual(items, [{ kind: 'indicator', type: 'URL', summary: 'http://old.example/', tags: ['malicious-activity'], created: '2017-01-01T00:00:00Z', modified: '2017-01-01T00:00:00Z' }]);
  });

  it('invalid values in a pattern are problems; the valid alternatives still land (a Warning)', async () => {
    const { items, problems } = await read([
      { type: 'indicator', id: sid('indicator'), pattern: "[ipv4-addr:value = '300.1.1.1' OR domain-name:value = 'good.example']", pattern_type: 'stix' },
      { type: 'indicator', id: sid('indicator'), pattern: "[domain-name:value = 'nodot']", pattern_type: 'stix' },
    ]);
    assert.deepEqual(indicators(items).map((i) => i.summary), ['good.example']);
    assert.deepEqual(problems.map((p) => [p.index, p.code, p.severity]), [[0, '0x2001', 'Warning'], [1, '0x1005', 'Error']]);
  });

  const observables: [string, Record<string, unknown>, string, string][] = [
    ['ipv4-addr', { value: '198.51.100.3' }, 'Address', '198.51.100.3'],
    ['ipv4-addr', { value: '198.51.100.3/16' }, 'CIDR', '198.51.0.0/16'],
    ['ipv6-addr', { value: '2001:db8:0::5' }, 'Address', '2001:db8::5'],
    ['domain-name', { value: 'Mail.Example.org' }, 'Host', 'mail.example.org'],
    ['url', { value: 'https://Example.org/x?y=1' }, 'URL', 'https://example.org/x?y=1'],
    ['email-addr', { value: 'bob@example.org' }, 'EmailAddress', 'bob@example.org'],
    ['file', { hashes: { MD5: 'D41D8CD98F00B204E9800998ECF8427E', 'SHA-256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'SHA-512': 'ff' }, name: 'x' }, 'File',
      'd41d8cd98f00b204e9800998ecf8427e : e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['autonomous-system', { number: 64496 }, 'ASN', 'ASN64496'],
    ['mutex', { name: 'Global\\evil' }, 'Mutex', 'Global\\evil'],
    ['windows-registry-key', { key: 'hkcu\\Software\\Run', values: [{ name: 'evil', data: 'c:\\x.exe', data_type: 'REG_SZ' }] }, 'Registry Key', 'HKEY_CURRENT_USER\\Software\\Run : evil : REG_SZ'],
    ['network-traffic', { protocols: ['http'], extensions: { 'http-request-ext': { request_method: 'get', request_value: '/', request_header: { 'User-Agent': 'EvilBot/1.0' } } } }, 'User Agent', 'EvilBot/1.0'],
    ['email-message', { is_multipart: false, subject: 'Invoice overdue' }, 'Email Subject', 'Invoice overdue'],
    ['x-cairn-hashtag', { value: '#phish' }, 'Hashtag', '#phish'],
  ];
  for (const [stixType, properties, type, summary] of observables) {
    it(`the ${stixType} observable ${JSON.stringify(properties).slice(0, 60)} → ${type}`, async () => {
      const { items, problems } = await read([{ type: stixType, spec_version: '2.1', id: sid(stixType), object_marking_refs: [TLP_AMBER], ...properties }]);
      assert.deepEqual(problems, []);
      assert.deepEqual(items, [{ kind: 'indicator', type, summary, securityLabels: ['TLP:AMBER'] }]);
    });
  }

  it('observables Cairn has no indicator for, or with invalid values, are problems of their object', async () => {
    const { items, problems } = await read([
      { type: 'file', id: sid('file'), name: 'only-a-name.exe' },
      { type: 'windows-registry-key', id: sid('windows-registry-key'), key: 'HKLM\\Software' },
      { type: 'network-traffic', id: sid('network-traffic'), protocols: ['tcp'] },
      { type: 'mac-addr', id: sid('mac-addr'), value: '00:00:5e:00:53:01' },
      { type: 'ipv4-addr', id: sid('ipv4-addr'), value: 'not-an-ip' },
      { type: 'autonomous-system', id: sid('autonomous-system'), number: 'x' },
    ]);
    assert.deepEqual(items, []);
    assert.deepEqual(problems.map((p) => [p.index, p.kind, p.code]), [0, 1, 2, 3, 4, 5].map((i) => [i, 'indicator', '0x1005']));
    assert.match(problems[0]!.reason, /MD5, SHA-1 or SHA-256/);
    assert.match(problems[1]!.reason, /value's name and data type/);
  });

  it('an observable an indicator also names is one item (the indicator\'s), in either order', async () => {
    const first = await read([
      { type: 'domain-name', id: sid('domain-name'), value: 'dup.example' },
      { type: 'indicator', id: sid('indicator'), pattern: "[domain-name:value = 'dup.example']", pattern_type: 'stix', labels: ['from-sdo'] },
    ]);
    const second = await read([
      { type: 'indicator', id: sid('indicator'), pattern: "[domain-name:value = 'DUP.example']", pattern_type: 'stix', labels: ['from-sdo'] },
      { type: 'domain-name', id: sid('domain-name'), value: 'dup.example' },
    ]);
    for (const { items } of [first, second]) assert.deepEqual(items, [{ kind: 'indicator', type: 'Host', summary: 'dup.example', tags: ['from-sdo'] }]);
  });
});

describe('STIX import: relationships', () => {
  it('become associations, typed for an indicator pair, whatever the order of the objects', async () => {
    const ind = sid('indicator');
    const actor = sid('threat-actor');
    const host = sid('domain-name');
    const ip = sid('ipv4-addr');
    const { items, problems } = await read([
      { type: 'relationship', id: sid('relationship'), relationship_type: 'indicates', source_ref: ind, target_ref: actor },
      { type: 'relationship', id: sid('relationship'), relationship_type: 'resolves-to', source_ref: host, target_ref: ip },
      { type: 'relationship', id: sid('relationship'), relationship_type: 'related-to', source_ref: actor, target_ref: ind },
      { type: 'indicator', id: ind, pattern: "[url:value = 'http://a.example/x']", pattern_type: 'stix' },
      { type: 'threat-actor', id: actor, name: 'A' },
      { type: 'domain-name', id: host, value: 'a.example' },
      { type: 'ipv4-addr', id: ip, value: '203.0.113.9' },
    ]);
    assert.deepEqual(problems, []);
    assert.deepEqual(items.filter((i) => i.kind === 'association'), [
      { kind: 'association', from: { indicator: { type: 'URL', summary: 'http://a.example/x' } }, to: { group: { xid: actor } } },
      { kind: 'association', from: { indicator: { type: 'Address', summary: '203.0.113.9' } }, to: { indicator: { type: 'Host', summary: 'a.example' } }, associationType: 'DNS PTR Record' },
    ]);
  });

  it('to a group outside the bundle names it by xid (the owner may hold it); to a missing observable, or an untyped pair, is a problem', async () => {
    const ip = sid('ipv4-addr');
    const outside = sid('campaign');
    const { items, problems } = await read([
      { type: 'ipv4-addr', id: ip, value: '203.0.113.10' },
      { type: 'ipv4-addr', id: sid('ipv4-addr'), value: '203.0.113.11' },
      { type: 'relationship', id: sid('relationship'), source_ref: ip, target_ref: outside },
      { type: 'relationship', id: sid('relationship'), source_ref: ip, target_ref: sid('domain-name') },
      { type: 'relationship', id: sid('relationship'), source_ref: ip, target_ref: `ipv4-addr--${'0'.repeat(8)}-0000-4000-8000-000000000000` },
      { type: 'relationship', id: sid('relationship'), source_ref: 'nonsense', target_ref: ip },
    ]);
    assert.deepEqual(items.filter((i) => i.kind === 'association'), [{ kind: 'association', from: { indicator: { type: 'Address', summary: '203.0.113.10' } }, to: { group: { xid: outside } } }]);
    assert.deepEqual(problems.map((p) => [p.index, p.kind, p.code]), [[5, 'association', '0x1009'], [3, 'association', '0x1007'], [4, 'association', '0x1007']]);
  });

  it('to an object that was not imported says so', async () => {
    const bad = sid('indicator');
    const actor = sid('threat-actor');
    const { items, problems } = await read([
      { type: 'indicator', id: bad, pattern: "[domain-name:value = 'nodot']", pattern_type: 'stix' },
      { type: 'threat-actor', id: actor, name: 'A' },
      { type: 'relationship', id: sid('relationship'), source_ref: bad, target_ref: actor },
    ]);
    assert.equal(items.length, 1);
    assert.deepEqual(problems.map((p) => [p.index, p.code]), [[0, '0x1005'], [2, '0x1007']]);
    assert.match(problems[1]!.reason, /was not imported \(see its own problem\)/);
  });

  it('an indicator pair of the same type has no association type: a problem naming both', async () => {
    const a = sid('ipv4-addr');
    const b = sid('ipv4-addr');
    const { problems } = await read([
      { type: 'ipv4-addr', id: a, value: '203.0.113.1' }, { type: 'ipv4-addr', id: b, value: '203.0.113.2' },
      { type: 'relationship', id: sid('relationship'), source_ref: a, target_ref: b },
    ]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.reason, /No association type links an Address and an Address indicator/);
  });
});

describe('STIX import: what Cairn does not take', () => {
  it('creator identities and TLP marking-definitions are read silently; other identities, markings and types are problems', async () => {
    const creator = sid('identity');
    const { items, problems } = await read([
      { type: 'identity', id: creator, name: 'Producer', identity_class: 'organization' },
      { type: 'identity', id: sid('identity'), name: 'Victim', identity_class: 'organization' },
      { type: 'marking-definition', id: TLP_AMBER, definition_type: 'tlp', definition: { tlp: 'amber' } },
      { type: 'marking-definition', id: sid('marking-definition'), definition_type: 'statement', definition: { statement: 'Copyright' } },
      { type: 'location', id: sid('location'), country: 'FR' },
      { type: 'sighting', id: sid('sighting'), sighting_of_ref: sid('indicator') },
      { type: 'acme-widget', id: sid('acme-widget') },
      { type: 'tool', id: sid('tool'), name: 'nmap', created_by_ref: creator },
      'a string',
      { name: 'no type' },
      { type: 'tool', id: 'tool--not-a-uuid', name: 'x' },
    ]);
    assert.deepEqual(items.map((i) => i.kind === 'group' && i.name), ['nmap']);
    assert.deepEqual(problems.map((p) => [p.index, p.kind, p.severity]).sort(), [
      [1, 'group', 'Error'], [10, 'group', 'Error'], [3, 'group', 'Warning'], [4, 'group', 'Error'], [5, 'association', 'Error'], [6, 'group', 'Error'], [8, 'group', 'Error'], [9, 'group', 'Error'],
    ].sort());
    for (const problem of problems) assert.ok(problem.reason.length > 10 && problem.source.length <= 500, problem.reason);
  });

  it('a TLP marking-definition of the bundle (custom id) marks the objects after it', async () => {
    const custom = sid('marking-definition');
    const { items } = await read([
      { type: 'marking-definition', id: custom, definition_type: 'tlp', definition: { tlp: 'green' } },
      { type: 'domain-name', id: sid('domain-name'), value: 'green.example', object_marking_refs: [custom] },
    ]);
    assert.deepEqual((items[0] as IndicatorItem).securityLabels, ['TLP:GREEN']);
  });

  it('no bundle, malformed JSON, a bundle over the limit: one problem of kind file', async () => {
    const file = async (text: string, maxBytes?: number) => {
      const { problems } = await readText(text, maxBytes);
      assert.ok(problems.length >= 1, text.slice(0, 40));
      const last = problems.find((p) => p.kind === 'file')!;
      assert.equal(last.code, '0x1003');
      return last.reason;
    };
    assert.match(await file('not json'), /not valid JSON/);
    assert.match(await file('[{"type":"indicator"}]'), /not a STIX bundle/);
    assert.match(await file('{"type":"report","objects":[]}'), /its type is "report"/);
    assert.match(await file('{"type":"bundle","objects":{"a":1}}'), /"objects" is not an array/);
    assert.match(await file('{"id":"x"}'), /not a STIX bundle/);
    assert.match(await file(bundleText(Array.from({ length: 50 }, () => ({ type: 'ipv4-addr', id: sid('ipv4-addr'), value: '192.0.2.1' }))), 2000), /larger than the limit of 2000 bytes/);
    assert.deepEqual(await readText('{"type":"bundle","id":"bundle--x","objects":[]}'), { items: [], problems: [] });
  });

  it('a truncated bundle keeps what was read before the break', async () => {
    const text = bundleText([{ type: 'domain-name', id: sid('domain-name'), value: 'kept.example' }, { type: 'domain-name', id: sid('domain-name'), value: 'lost.example' }]);
    const { items, problems } = await readText(text.slice(0, text.indexOf('lost.example')));
    assert.deepEqual(indicators(items).map((i) => i.summary), ['kept.example']);
    assert.deepEqual(problems.map((p) => p.kind), ['file']);
  });

  it('an object over the per-object limit is a problem and skipped; the next one is read', async () => {
    const { items, problems } = await read([
      { type: 'domain-name', id: sid('domain-name'), value: 'big.example', x_padding: ['x'.repeat(3000), { nested: [[1, 2], { a: 'b' }] }] },
      { type: 'domain-name', id: sid('domain-name'), value: 'small.example' },
    ], { maxObjectBytes: 1000 });
    assert.deepEqual(indicators(items).map((i) => i.summary), ['small.example']);
    assert.deepEqual(problems.map((p) => [p.index, p.kind]), [[0, 'group']]);
    assert.match(problems[0]!.reason, /larger than 1000 bytes/);
  });

  it('never throws, whatever the objects hold', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.oneof(fc.anything(), fc.record({ type: fc.constantFrom('indicator', 'ipv4-addr', 'relationship', 'report', 'file', 'threat-actor', 'windows-registry-key'), id: fc.string(), pattern: fc.string(), value: fc.anything(), name: fc.anything(), object_refs: fc.anything(), hashes: fc.anything(), source_ref: fc.string(), labels: fc.anything(), object_marking_refs: fc.anything(), external_references: fc.anything() }, { requiredKeys: ['type'] })), { maxLength: 10 }), async (objects) => {
      let text: string;
      try { text = bundleText(objects); } catch { return; }
      const { problems } = await readText(text);
      for (const problem of problems) assert.equal(typeof problem.reason, 'string');
    }), { numRuns: 300 });
  });
});

describe('STIX bundle detection', () => {
  it('recognises the start of a bundle, and nothing else', () => {
    assert.equal(looksLikeStixBundle('{"type": "bundle", "id": "bundle--x", "objects": ['), true);
    assert.equal(looksLikeStixBundle('\uFEFF  {\n "id": "bundle--x",\n "type":"bundle"'), true);
    assert.equal(looksLikeStixBundle('{"indicator":[{"type":"bundle"}]}'), true, 'a guess from the start: the reader decides');
    assert.equal(looksLikeStixBundle('[{"type":"bundle"}]'), false);
    assert.equal(looksLikeStixBundle('type,value\nHost,a.example'), false);
    assert.equal(looksLikeStixBundle('{"Event":{"info":"misp"}}'), false);
  });
});

describe('STIX import of a large bundle', () => {
  it('reads 5,000 objects as a stream, in small chunks, into the expected items', async () => {
    const objects = function* () {
      for (let i = 0; i < 2000; i++) yield { type: 'indicator', spec_version: '2.1', id: `indicator--${String(i).padStart(8, '0')}-1111-4111-8111-111111111111`, pattern: `[ipv4-addr:value = '10.${i >> 8}.${i & 255}.1']`, pattern_type: 'stix', labels: ['bulk'] };
      for (let i = 0; i < 1000; i++) yield { type: 'domain-name', spec_version: '2.1', id: `domain-name--${String(i).padStart(8, '0')}-2222-4222-8222-222222222222`, value: `host${i}.example` };
      for (let i = 0; i < 1000; i++) yield { type: 'malware', spec_version: '2.1', id: `malware--${String(i).padStart(8, '0')}-3333-4333-8333-333333333333`, name: `Family ${i}`, is_family: true };
      for (let i = 0; i < 1000; i++) yield { type: 'relationship', spec_version: '2.1', id: `relationship--${String(i).padStart(8, '0')}-4444-4444-8444-444444444444`, relationship_type: 'indicates', source_ref: `indicator--${String(i).padStart(8, '0')}-1111-4111-8111-111111111111`, target_ref: `malware--${String(i).padStart(8, '0')}-3333-4333-8333-333333333333` };
    };
    // The text is produced object by object, cut into 4 KiB chunks: the reader never sees it whole.
    const chunks = async function* () {
      let buffer = '{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[';
      let first = true;
      for (const object of objects()) {
        buffer += (first ? '' : ',') + JSON.stringify(object);
        first = false;
        while (buffer.length >= 4096) { yield buffer.slice(0, 4096); buffer = buffer.slice(4096); }
      }
      yield `${buffer}]}`;
    };
    const counts = { indicator: 0, group: 0, association: 0, problems: 0 };
    for await (const result of readStixBundle(Readable.from(chunks()), { maxBytes: 50_000_000 })) {
      if (isItemProblem(result)) counts.problems++;
      else counts[result.kind]++;
    }
    assert.deepEqual(counts, { indicator: 3000, group: 1000, association: 1000, problems: 0 });
  });

  it('bench:ingest --stix: its bundle reads as the items the batch upload of the bench holds', async () => {
    const { items, problems } = await readWholeStixBundle(Readable.from(ingestStixBundle(2000)), { maxBytes: 50_000_000 });
    assert.deepEqual(problems, []);
    assert.equal(items.length, 2000);
    items.forEach((item, i) => {
      const { created, modified, ...rest } = item as IndicatorItem;
      assert.deepEqual([created, modified], ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z']);
      const expected = ingestItem(i);
      assert.deepEqual({ ...rest, attributes: rest.attributes }, { ...expected, attributes: expected.attributes }, `item ${i}`);
    });
  });
});

export type { ItemProblem };
