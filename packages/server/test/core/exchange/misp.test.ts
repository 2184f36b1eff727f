/**
 * MISP event import (core/exchange/misp.ts): the event as an Event group and its attributes as
 * indicators by MISP type, tags (TLP → labels, galaxies → their cluster values), file objects
 * merged into one File, the three document shapes, every attribute accounted for (an item or a
 * problem, never dropped: property), any bytes never throw, and the file read in small chunks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { GroupItem, IndicatorItem } from '../../../src/core/exchange/items.js';
import { MISP_TYPE_MAP, mispTag, parseMispEvents } from '../../../src/core/exchange/misp.js';
import type { ParsedEntry } from '../../../src/core/exchange/upload.js';

/** The entries of a document fed in chunks of `chunk` characters (each pass re-reads it). */
async function entries(document: unknown, chunk = 37): Promise<ParsedEntry[]> {
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  const open = () => {
    const parts: string[] = [];
    for (let i = 0; i < text.length; i += chunk) parts.push(text.slice(i, i + chunk));
    return parts;
  };
  const out: ParsedEntry[] = [];
  for await (const entry of parseMispEvents(open)) out.push(entry);
  return out;
}
const itemsOf = (list: ParsedEntry[]) => list.filter((e): e is { item: IndicatorItem | GroupItem } => 'item' in e && e.item.kind !== 'association').map((e) => e.item);
const allItemsOf = (list: ParsedEntry[]) => list.filter((e) => 'item' in e).map((e) => (e as { item: unknown }).item);
const indicatorsOf = (list: ParsedEntry[]) => itemsOf(list).filter((i): i is IndicatorItem => i.kind === 'indicator');
const problemsOf = (list: ParsedEntry[]) => list.filter((e) => 'problem' in e).map((e) => (e as { problem: { reason: string; kind: string; severity: string; code: string } }).problem);

const EVENT_UUID = '5e6f7a8b-1111-4222-8333-944455556666';
const event = (extra: Record<string, unknown> = {}) => ({
  id: '12', uuid: EVENT_UUID, info: 'OSINT - phishing wave', date: '2024-03-01', threat_level_id: '2', Orgc: { name: 'CIRCL' },
  Attribute: [
    { type: 'ip-dst', category: 'Network activity', value: '203.0.113.7', to_ids: true, comment: 'C2 server', Tag: [{ name: 'tlp:amber' }, { name: 'kill-chain:c2' }] },
    { type: 'ip-src|port', value: '198.51.100.1|443', to_ids: false },
    { type: 'domain|ip', value: 'bad.example.com|192.0.2.1', to_ids: true },
    { type: 'text', value: 'free text' },
    { type: 'filename|md5', value: 'evil.exe|d41d8cd98f00b204e9800998ecf8427e' },
    { type: 'AS', value: '64500' },
    { type: 'regkey', value: 'HKLM\\Software\\Evil' },
    { type: 'url', value: 'http://bad.example.com/x', deleted: true },
    { type: 'ip-dst', value: '10.0.0.0/8' },
  ],
  Object: [{
    name: 'file', comment: 'dropper', Attribute: [
      { type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427f', to_ids: true },
      { type: 'sha1', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709', to_ids: true },
      { type: 'filename', value: 'drop.dll' },
      { type: 'size-in-bytes', value: '1234' },
      { type: 'url', value: 'http://dl.example.net/drop.dll' },
    ],
  }],
  Galaxy: [{ name: 'Threat Actor', GalaxyCluster: [{ type: 'threat-actor', value: 'APT29' }] }],
  Tag: [{ name: 'tlp:green' }, { name: 'misp-galaxy:threat-actor="APT29"' }, { name: 'osint' }],
  ...extra,
});

describe('MISP event import', () => {
  it('makes the event an Event group with its tags and TLP, emitted before its indicators', async () => {
    const list = await entries({ Event: event() });
    const [first] = itemsOf(list);
    assert.deepEqual(first, {
      kind: 'group', type: 'Event', name: 'OSINT - phishing wave', xid: EVENT_UUID, fields: { eventDate: '2024-03-01T00:00:00Z' },
      attributes: [{ type: 'Source', value: 'MISP event 12 (CIRCL)' }], tags: ['APT29', 'osint'], securityLabels: ['TLP:GREEN'],
    });
  });

  it('maps attributes by MISP type, with to_ids, comments, tags and the event\'s TLP', async () => {
    const indicators = indicatorsOf(await entries({ Event: event() }));
    const by = (summary: string) => indicators.find((i) => i.summary === summary);
    assert.deepEqual(by('203.0.113.7'), {
      kind: 'indicator', type: 'Address', summary: '203.0.113.7', active: true, attributes: [{ type: 'Description', value: 'C2 server' }],
      tags: ['kill-chain:c2'], securityLabels: ['TLP:AMBER'], associatedGroups: [EVENT_UUID],
    });
    assert.equal(by('198.51.100.1')?.active, false);
    assert.deepEqual(by('198.51.100.1')?.securityLabels, ['TLP:GREEN'], 'the event\'s TLP marks an attribute without its own');
    assert.equal(by('bad.example.com')?.type, 'Host');
    assert.equal(by('192.0.2.1')?.type, 'Address');
    assert.deepEqual(by('d41d8cd98f00b204e9800998ecf8427e')?.fileOccurrences, [{ fileName: 'evil.exe' }]);
    assert.equal(by('64500')?.type, 'ASN');
    assert.equal(by('HKLM\\Software\\Evil : (Default) : REG_NONE')?.type, 'Registry Key');
    assert.equal(by('10.0.0.0/8')?.type, 'CIDR');
    const file = by('d41d8cd98f00b204e9800998ecf8427f : da39a3ee5e6b4b0d3255bfef95601890afd80709');
    assert.equal(file?.type, 'File', 'a file object\'s hashes make one File');
    assert.equal(file?.size, 1234);
    assert.deepEqual(file?.fileOccurrences, [{ fileName: 'drop.dll' }]);
    assert.deepEqual(file?.attributes, [{ type: 'Description', value: 'dropper' }]);
    assert.equal(by('http://dl.example.net/drop.dll')?.type, 'URL');
    assert.ok(indicators.every((i) => i.associatedGroups?.[0] === EVENT_UUID));
  });

  it('names each attribute it cannot import, and skips deleted ones with a warning', async () => {
    const problems = problemsOf(await entries({ Event: event() }));
    assert.deepEqual(problems.map((p) => [p.severity, p.reason]), [
      ['Error', 'Event 1 attribute 4: MISP type "text" has no Cairn indicator type; not imported'],
      ['Warning', 'Event 1 attribute 8: deleted in MISP; not imported'],
    ]);
  });

  it('reads a list of events and restSearch\'s answer, and tags come from anywhere in the event', async () => {
    const second = { ...event(), uuid: 'a6ef17d6-91cb-4a05-b10b-2f045daf874c', Attribute: [{ type: 'mutex', value: 'Global\\evil' }], Object: [] };
    // Tag before the attributes in one, after in the other.
    const { Tag, ...rest } = second;
    const reordered = { Tag, ...rest };
    for (const document of [[{ Event: event() }, { Event: reordered }], { response: [{ Event: event() }, { Event: reordered }] }]) {
      const items = itemsOf(await entries(document, 11));
      const groups = items.filter((i) => i.kind === 'group');
      assert.deepEqual(groups.map((g) => (g as GroupItem).xid), [EVENT_UUID, 'a6ef17d6-91cb-4a05-b10b-2f045daf874c']);
      const mutex = items.find((i) => i.kind === 'indicator' && i.type === 'Mutex') as IndicatorItem;
      assert.deepEqual(mutex.associatedGroups, ['a6ef17d6-91cb-4a05-b10b-2f045daf874c']);
      assert.deepEqual(mutex.securityLabels, ['TLP:GREEN']);
    }
  });

  it('makes a value named twice one indicator: a later attribute only associates it with its own event, with a warning', async () => {
    const first = { ...event(), Attribute: [{ type: 'ip-src', value: '192.0.2.44' }, { type: 'ip-dst', value: '192.0.2.44', Tag: [{ name: 'c2' }] }], Object: [] };
    const second = { ...event(), uuid: 'a6ef17d6-91cb-4a05-b10b-2f045daf874c', Attribute: [{ type: 'ip-dst', value: '192.0.2.44' }], Object: [] };
    const list = await entries([{ Event: first }, { Event: second }]);
    const items = allItemsOf(list);
    assert.equal(indicatorsOf(list).length, 1);
    assert.deepEqual(items.filter((i) => (i as { kind: string }).kind === 'association'), [
      { kind: 'association', from: { indicator: { type: 'Address', summary: '192.0.2.44' } }, to: { group: { xid: 'a6ef17d6-91cb-4a05-b10b-2f045daf874c' } } },
    ]);
    assert.deepEqual(problemsOf(list).map((p) => [p.severity, p.reason.replace(/;.*/, '')]), [
      ['Warning', 'Event 1 attribute 2: Address 192.0.2.44 is an earlier attribute\'s value'],
      ['Warning', 'Event 2 attribute 1: Address 192.0.2.44 is an earlier attribute\'s value'],
    ]);
  });

  it('reports malformed JSON, a document without events, and an event without a date', async () => {
    const [broken] = problemsOf(await entries('{"Event": {"uuid": "x", "Attribute": [1,'));
    assert.match(broken!.reason, /^Malformed JSON/);
    assert.equal(broken!.kind, 'file');
    const [none] = problemsOf(await entries({ something: 'else' }));
    assert.match(none!.reason, /^No MISP event in the file/);
    const list = await entries({ Event: { ...event(), date: 'someday' } });
    const [dateless] = problemsOf(list);
    assert.match(dateless!.reason, /^Event 1: event .* has no valid date/);
    assert.ok(indicatorsOf(list).length > 0, 'its attributes still import');
    assert.ok(indicatorsOf(list).every((i) => i.associatedGroups === undefined));
  });

  it('accounts for every attribute: at least one item or one problem each (property)', async () => {
    const types = [...Object.keys(MISP_TYPE_MAP), 'text', 'comment', 'sha512', 'attachment', ''];
    const attribute = fc.record({
      type: fc.constantFrom(...types),
      value: fc.oneof(fc.constantFrom('203.0.113.9', 'bad.example.com', 'a|b', '', 'x'), fc.string({ maxLength: 30 })),
      to_ids: fc.boolean(),
    });
    await fc.assert(fc.asyncProperty(fc.array(attribute, { maxLength: 20 }), fc.integer({ min: 1, max: 50 }), async (attributes, chunk) => {
      const list = await entries({ Event: { ...event(), Attribute: attributes, Object: [] } }, chunk);
      const located = new Set<number>();
      for (const e of list) {
        if ('problem' in e) {
          const m = /^Event 1 attribute (\d+):/.exec(e.problem.reason);
          if (m) located.add(Number(m[1]));
        }
      }
      const indicators = indicatorsOf(list).length;
      assert.ok(indicators + located.size >= attributes.length, `${attributes.length} attributes, ${indicators} indicators, ${located.size} problems`);
    }), { numRuns: 150 });
  });

  it('never throws on any text', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.json({ maxDepth: 4 }),
      fc.array(fc.constantFrom('{', '}', '[', ']', '"Event"', ':', ',', '"Attribute"', '"response"', '"x"', '1', 'null', '"Tag"'), { maxLength: 40 }).map((p) => p.join('')),
    );
    await fc.assert(fc.asyncProperty(text, fc.integer({ min: 1, max: 9 }), async (document, chunk) => {
      for (const e of await entries(document, chunk)) {
        if ('problem' in e) assert.ok(e.problem.reason.length > 0);
        else assert.ok(['indicator', 'group', 'association'].includes(e.item.kind));
      }
    }), { numRuns: 400 });
  });

  it('turns TLP tags into labels and galaxy tags into their cluster values', () => {
    assert.deepEqual(mispTag('tlp:clear'), { label: 'TLP:WHITE' });
    assert.deepEqual(mispTag('TLP:AMBER+STRICT'), { label: 'TLP:AMBER' });
    assert.deepEqual(mispTag('misp-galaxy:mitre-attack-pattern="Spearphishing Link - T1566.002"'), { tag: 'Spearphishing Link - T1566.002' });
    assert.deepEqual(mispTag('admiralty-scale:source-reliability="b"'), { tag: 'admiralty-scale:source-reliability="b"' });
    assert.equal(mispTag('  '), undefined);
  });
});
