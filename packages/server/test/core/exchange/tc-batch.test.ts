/**
 * The v2 batch formats (core/exchange/tc-batch.ts), property-tested: any list of items written as a
 * V2 (or V1) body reads back as the same items however the bytes are cut; garbage never throws and
 * gives problems, never an invented item; settings take tcex's strings and refuse everything else
 * with the field's name and choices.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CairnError } from '../../../src/core/errors.js';
import { DEFAULT_SETTINGS, type AssociationItem, type GroupItem, type ImportItem, type IndicatorItem } from '../../../src/core/exchange/items.js';
import { parseImportSettings, readTcBatch, type TcBatchEvent } from '../../../src/core/exchange/tc-batch.js';

async function read(chunks: (string | Buffer)[]): Promise<TcBatchEvent[]> {
  const events: TcBatchEvent[] = [];
  for await (const event of readTcBatch(chunks)) events.push(event);
  return events;
}

/** Cuts `bytes` at the given (sorted, deduplicated) places. */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const places = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const place of places) { pieces.push(bytes.subarray(start, place)); start = place; }
  pieces.push(bytes.subarray(start));
  return pieces;
}

// ---- Generators of items, and how tcex writes them -------------------------------------------------

const word = fc.string({ unit: fc.constantFrom(...Array.from('abcdefghijklmnopqrstuvwxyz0123456789-_ .:/é"\\{}[],ü€😀')), minLength: 1, maxLength: 24 })
  .map((s) => s.trim()).filter((s) => s.length > 0);
const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: length, maxLength: length });
const isoDate = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z'));

const indicatorSummary = fc.oneof(
  fc.record({ type: fc.constant('Host'), summary: word.map((w) => `${w.replace(/[^a-z0-9]/g, 'x')}.example.com`) }),
  fc.record({ type: fc.constant('Address'), summary: fc.ipV4() }),
  fc.record({ type: fc.constant('URL'), summary: word.map((w) => `http://example.com/${encodeURIComponent(w)}`) }),
  fc.record({ type: fc.constant('File'), summary: fc.tuple(hex(32), fc.option(hex(40), { nil: undefined })).map(([md5, sha1]) => (sha1 ? `${md5} : ${sha1}` : md5)) }),
  fc.record({ type: fc.constant('Mutex'), summary: word }),
  fc.record({ type: fc.constant('Registry Key'), summary: fc.tuple(word, word).map(([k, v]) => `HKEY_LOCAL_MACHINE\\${k.replace(/ : /g, '')} : ${v.replace(/:/g, '')} : REG_SZ`) }),
);

const indicator: fc.Arbitrary<IndicatorItem> = fc.record({
  value: indicatorSummary,
  rating: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  confidence: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  active: fc.option(fc.boolean(), { nil: undefined }),
  tags: fc.option(fc.uniqueArray(word, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  securityLabels: fc.option(fc.uniqueArray(fc.constantFrom('TLP:RED', 'TLP:AMBER', 'TLP:GREEN'), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  attributes: fc.option(fc.array(fc.record({ type: fc.constantFrom('Description', 'Source', 'Additional Analysis and Context'), value: word, displayed: fc.boolean() }).map((a) => ({ ...a })), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  firstSeen: fc.option(isoDate, { nil: undefined }),
}).map(({ value, ...rest }) => {
  const item: IndicatorItem = { kind: 'indicator', type: value.type, summary: value.summary };
  for (const [key, v] of Object.entries(rest)) if (v !== undefined) (item as unknown as Record<string, unknown>)[key] = v;
  return item;
});

const group: fc.Arbitrary<GroupItem> = fc.record({
  type: fc.constantFrom('Adversary', 'Campaign', 'Incident', 'Intrusion Set', 'Malware', 'Threat', 'Tool', 'Vulnerability'),
  name: word,
  xid: fc.uuid(),
  tags: fc.option(fc.uniqueArray(word, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  eventDate: isoDate,
}).map(({ type, name, xid, tags, eventDate }) => {
  const item: GroupItem = { kind: 'group', type, name, xid };
  if (type === 'Incident') item.fields = { eventDate };
  if (tags) item.tags = tags;
  return item;
});

const association: fc.Arbitrary<AssociationItem> = fc.record({
  from: fc.oneof(fc.uuid().map((xid) => ({ group: { xid } })), fc.integer({ min: 1, max: 1e9 }).map((id) => ({ group: { id } }))),
  to: fc.oneof(indicatorSummary.map((v) => ({ indicator: { type: v.type, summary: v.summary } })), fc.integer({ min: 1, max: 1e9 }).map((id) => ({ indicator: { id } }))),
  associationType: fc.option(fc.constantFrom('URL Host', 'Host to Indicators'), { nil: undefined }),
}).map(({ from, to, associationType }) => (associationType ? { kind: 'association', from, to, associationType } : { kind: 'association', from, to }) as AssociationItem);

/** An item as tcex's batch writer puts it in a V2 file. */
function tcexIndicator(item: IndicatorItem): Record<string, unknown> {
  const entry: Record<string, unknown> = { summary: item.summary, type: item.type, xid: `tcex-${item.summary.length}` };
  if (item.rating !== undefined) entry.rating = item.rating;
  if (item.confidence !== undefined) entry.confidence = item.confidence;
  if (item.active !== undefined) entry.active = item.active;
  if (item.firstSeen) entry.firstSeen = item.firstSeen;
  if (item.tags) entry.tag = item.tags.map((name) => ({ name }));
  if (item.securityLabels) entry.securityLabel = item.securityLabels.map((name) => ({ name }));
  if (item.attributes) entry.attribute = item.attributes.map((a) => ({ type: a.type, value: a.value, displayed: a.displayed }));
  return entry;
}

function tcexGroup(item: GroupItem): Record<string, unknown> {
  const entry: Record<string, unknown> = { name: item.name, type: item.type, xid: item.xid, ...item.fields };
  if (item.tags) entry.tag = item.tags.map((name) => ({ name }));
  return entry;
}

function tcexAssociation(item: AssociationItem): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  for (const [n, ref] of [[1, item.from], [2, item.to]] as const) {
    if ('group' in ref) {
      if ('xid' in ref.group) entry[`ref_${n}`] = ref.group.xid;
      else entry[`id_${n}`] = ref.group.id;
    } else if ('summary' in ref.indicator) {
      entry[`ref_${n}`] = ref.indicator.summary;
      entry[`type_${n}`] = ref.indicator.type;
    } else {
      entry[`id_${n}`] = ref.indicator.id;
      entry[`type_${n}`] = 'Address';
    }
  }
  if (item.associationType) entry.associationType = item.associationType;
  return entry;
}

/** What reading gives back for an association written with an indicator id: its type is Address (written so above). */
const items = (events: TcBatchEvent[]): ImportItem[] => events.flatMap((e) => ('item' in e ? [e.item] : []));
const problems = (events: TcBatchEvent[]) => events.flatMap((e) => ('problem' in e ? [e.problem] : []));

describe('v2 batch bodies (core/exchange/tc-batch)', () => {
  it('any V2 body as tcex writes it reads back as its items, however the bytes are cut', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(indicator, { maxLength: 12 }), fc.array(group, { maxLength: 6 }), fc.array(association, { maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(),
      async (indicators, groups, associations, at, pretty) => {
        const body = { indicator: indicators.map(tcexIndicator), group: groups.map(tcexGroup), association: associations.map(tcexAssociation) };
        const bytes = Buffer.from(JSON.stringify(body, null, pretty ? 2 : undefined));
        const events = await read(cut(bytes, at));
        assert.deepEqual(problems(events), []);
        assert.deepEqual(items(events), [...indicators, ...groups, ...associations]);
      },
    ), { numRuns: 150 });
  });

  it('any V1 body (an array of indicators, the JS SDK\'s) reads back as its indicators', async () => {
    await fc.assert(fc.asyncProperty(fc.array(indicator, { maxLength: 15 }), fc.array(fc.nat(), { maxLength: 5 }), async (indicators, at) => {
      const events = await read(cut(Buffer.from(JSON.stringify(indicators.map(tcexIndicator))), at));
      assert.deepEqual(problems(events), []);
      assert.deepEqual(items(events), indicators);
    }), { numRuns: 100 });
  });

  it('garbage never throws: it gives problems with codes and reasons, and items only for what is well formed', async () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    await fc.assert(fc.asyncProperty(
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
        json.map((v) => JSON.stringify(v)),
        fc.record({ indicator: fc.array(json, { maxLength: 5 }), group: fc.array(json, { maxLength: 5 }), association: fc.array(json, { maxLength: 5 }) }).map((v) => JSON.stringify(v)),
        fc.array(json, { maxLength: 6 }).map((v) => JSON.stringify(v)),
        fc.tuple(fc.array(indicator, { minLength: 1, maxLength: 4 }), fc.nat()).map(([list, n]) => { const t = JSON.stringify(list.map(tcexIndicator)); return t.slice(0, n % t.length); }),
      ),
      fc.array(fc.nat(), { maxLength: 4 }),
      async (text, at) => {
        const events = await read(cut(Buffer.from(text, 'utf8'), at));
        for (const event of events) {
          if ('problem' in event) {
            assert.match(event.problem.code, /^0x(100[1-9A-B]|200[1-3])$/);
            assert.ok(event.problem.reason.length > 0);
            assert.ok(event.problem.source.length <= 500);
          } else {
            assert.ok(['indicator', 'group', 'association'].includes(event.item.kind));
          }
        }
        // However the bytes are cut, the same items and problems (a break's character position aside).
        const whole = await read([Buffer.from(text, 'utf8')]);
        assert.deepEqual(items(events), items(whole));
        assert.deepEqual(problems(events).map((p) => [p.index, p.kind, p.code, p.reason.replace(/near character \d+/, '')]), problems(whole).map((p) => [p.index, p.kind, p.code, p.reason.replace(/near character \d+/, '')]));
        // Exactly what JSON.parse refuses is refused (with one file problem at the end).
        let valid = true;
        try { JSON.parse(text.replace(/^\uFEFF/, '')); } catch { valid = false; }
        const fileProblems = problems(events).filter((p) => p.kind === 'file' && p.code === '0x1003');
        if (!valid || text.trim() === '') assert.equal(fileProblems.length, 1, `one file problem for ${JSON.stringify(text).slice(0, 80)}`);
      },
    ), { numRuns: 400 });
  });

  it('reads tcex\'s spellings: value keys for summary, flag1/flag2/intValue1, associatedGroups after every item, description and source', async () => {
    const body = {
      indicator: [
        { type: 'File', md5: 'A'.repeat(32), sha256: 'b'.repeat(64), summary: 'ignored', intValue1: 1024, fileOccurrence: { fileName: 'a.exe', date: '2024-01-02T03:04:05Z' }, associatedGroups: [{ groupXid: 'g-1' }] },
        { type: 'Host', hostName: 'bad.example.com', flag1: 'true', flag2: false, rating: '2.5', confidence: '40' },
        { type: 'Registry Key', 'Key Name': 'HKLM\\Run', 'Value Name': 'x', 'Value Type': 'REG_SZ' },
        { type: 'Email Address', address: 'a@example.com' },
      ],
      group: [{ type: 'Incident', name: 'I', xid: 'g-1', eventDate: '2024-08-04T00:00:00Z', status: 'New', associatedGroupXid: ['g-2'], associatedIndicators: [{ indicatorType: 'Host', summary: 'bad.example.com' }], attribute: [{ type: 'Description', value: 'd', securityLabel: [{ name: 'TLP:AMBER' }] }] }],
    };
    const events = await read([JSON.stringify(body)]);
    assert.deepEqual(problems(events), []);
    assert.deepEqual(items(events), [
      { kind: 'indicator', type: 'File', summary: `${'A'.repeat(32)} : ${'b'.repeat(64)}`, size: 1024, fileOccurrences: [{ fileName: 'a.exe', date: '2024-01-02T03:04:05Z' }] },
      { kind: 'indicator', type: 'Host', summary: 'bad.example.com', rating: 2.5, confidence: 40, dnsActive: true, whoisActive: false },
      { kind: 'indicator', type: 'Registry Key', summary: 'HKLM\\Run : x : REG_SZ' },
      { kind: 'indicator', type: 'EmailAddress', summary: 'a@example.com' },
      { kind: 'group', type: 'Incident', name: 'I', xid: 'g-1', fields: { eventDate: '2024-08-04T00:00:00Z', status: 'New' }, attributes: [{ type: 'Description', value: 'd', securityLabels: ['TLP:AMBER'] }] },
      { kind: 'association', from: { indicator: { type: 'File', summary: `${'A'.repeat(32)} : ${'b'.repeat(64)}` } }, to: { group: { xid: 'g-1' } } },
      { kind: 'association', from: { group: { xid: 'g-1' } }, to: { group: { xid: 'g-2' } } },
      { kind: 'association', from: { group: { xid: 'g-1' } }, to: { indicator: { type: 'Host', summary: 'bad.example.com' } } },
    ]);
    const v1 = items(await read([JSON.stringify([{ summary: 'a.example.com', type: 'Host', description: 'A malicious domain', source: 'feed', tag: [{ name: 'x' }] }])]));
    assert.deepEqual(v1, [{ kind: 'indicator', type: 'Host', summary: 'a.example.com', attributes: [{ type: 'Description', value: 'A malicious domain', displayed: true }, { type: 'Source', value: 'feed', displayed: true }], tags: ['x'] }]);
  });

  it('names each bad entry with its path, code and source, and keeps reading', async () => {
    const events = await read([JSON.stringify({
      indicator: [{ type: 'Nope', summary: 'x' }, { summary: 'a.example.com' }, 'text', { type: 'Host', summary: 'ok.example.com', rating: 9 }, { type: 'Host', summary: 'fine.example.com' }],
      group: [{ type: 'Adversary', name: 'no xid' }, { type: 'Spaceship', name: 'n', xid: 'x' }],
      association: [{ ref_1: 'x' }, { ref_1: 'a', type_1: 'Gizmo', ref_2: 'b' }],
    })]);
    assert.deepEqual(items(events), [{ kind: 'indicator', type: 'Host', summary: 'fine.example.com' }]);
    assert.deepEqual(problems(events).map((p) => [p.index, p.kind, p.code, p.reason.split(':')[0]]), [
      [0, 'indicator', '0x1005', 'indicator[0]'], [1, 'indicator', '0x1005', 'indicator[1]'], [2, 'indicator', '0x1003', 'indicator[2]'], [3, 'indicator', '0x1005', 'indicator[3]'],
      [5, 'group', '0x1006', 'group[0]'], [6, 'group', '0x1006', 'group[1]'], [7, 'association', '0x1009', 'association[0]'], [8, 'association', '0x1009', 'association[1]'],
    ]);
    assert.match(problems(events)[0]!.reason, /Unknown indicator type "Nope"/);
    assert.match(problems(events)[3]!.reason, /rating must be a number from 0 to 5/);
    assert.equal(problems(events)[0]!.source, '{"type":"Nope","summary":"x"}');
  });

  it('other top-level keys are checked and skipped (tcex\'s "file"), within a bound; a section that is no array is a file problem', async () => {
    const events = await read([JSON.stringify({ file: { 'doc-1': { fileContent: 'x', nested: [1, { a: '"]}' }] } }, indicator: [{ summary: 'a.example.com', type: 'Host' }], group: 'none' })]);
    assert.deepEqual(items(events), [{ kind: 'indicator', type: 'Host', summary: 'a.example.com' }]);
    assert.deepEqual(problems(events).map((p) => [p.kind, p.code, p.reason]), [['file', '0x1003', '"group" must be an array; its value was skipped.']]);
    const huge = await read([`{"indicator":[{"summary":"b.example.com","type":"Host"}],"file":"${'x'.repeat(1_100_000)}","group":[]}`]);
    assert.deepEqual(items(huge), [{ kind: 'indicator', type: 'Host', summary: 'b.example.com' }]);
    assert.match(problems(huge)[0]!.reason, /^The value of a key other than indicator, group and association is larger than 1048576 characters/);
  });

  it('malformed JSON: what came before the break stands, and one file problem says where it broke', async () => {
    const good = Array.from({ length: 40 }, (_, i) => ({ summary: `h${i}.example.com`, type: 'Host' }));
    const text = `${JSON.stringify(good).slice(0, -1)}, {"summary": "broken.example.com", "type" "Host"}]`;
    const events = await read([text]);
    const read40 = items(events);
    // Every entry before the broken one, exactly.
    assert.deepEqual(read40, good.map((g) => ({ kind: 'indicator', ...g })));
    const [problem] = problems(events);
    assert.equal(problem!.kind, 'file');
    assert.equal(problem!.code, '0x1003');
    // The path names the last entry read: the reason is exact about what was kept.
    assert.match(problem!.reason, new RegExp(`not valid JSON .*last known JSON path: '\\$\\[${read40.length - 1}\\]'`));
  });
});

describe('v2 batch job settings (parseImportSettings)', () => {
  const choices = {
    action: ['Create', 'Delete'], attributeWriteType: ['Append', 'Replace', 'Singleton', 'Static'], tagWriteType: ['Append', 'Replace'],
    securityLabelWriteType: ['Append', 'Replace'], fileMergeMode: ['Distribute', 'Merge'], hashCollisionMode: ['Split', 'IgnoreIncoming', 'IgnoreExisting', 'FavorIncoming', 'FavorExisting'],
  } as const;
  const anyCase = (s: string) => fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

  it('takes every choice in any case, tcex\'s string booleans, and defaults what is absent (no version: V1)', () => {
    fc.assert(fc.property(
      fc.record(Object.fromEntries(Object.entries(choices).map(([k, v]) => [k, fc.option(fc.constantFrom(...v).chain(anyCase), { nil: undefined })])) as Record<string, fc.Arbitrary<string | undefined>>),
      fc.option(fc.constantFrom(true, false, 'true', 'false', 'TRUE', 'False'), { nil: undefined }),
      fc.option(fc.constantFrom('V1', 'V2', 'v2'), { nil: undefined }),
      (picked, halt, version) => {
        const body: Record<string, unknown> = { owner: 'Whatever', playbookTriggersEnabled: 'false', ...picked, haltOnError: halt, version };
        const settings = parseImportSettings(body);
        assert.equal(settings.version, version === undefined ? 'V1' : version.toUpperCase());
        assert.equal(settings.haltOnError, halt === undefined ? DEFAULT_SETTINGS.haltOnError : String(halt).toLowerCase() === 'true');
        for (const [key, allowed] of Object.entries(choices)) {
          const given = picked[key];
          assert.equal((settings as unknown as Record<string, string>)[key], given === undefined ? (DEFAULT_SETTINGS as unknown as Record<string, string>)[key] : allowed.find((a) => a.toLowerCase() === given.toLowerCase()));
        }
      },
    ));
  });

  it('refuses a value outside the choices with a 400 naming the field and its choices', () => {
    fc.assert(fc.property(fc.constantFrom(...Object.keys(choices), 'version', 'haltOnError'), fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant([])), (field, value) => {
      const allowed = field === 'version' ? ['V1', 'V2'] : field === 'haltOnError' ? ['true', 'false'] : [...(choices as Record<string, readonly string[]>)[field]!];
      fc.pre(value !== '' && !(typeof value === 'string' && allowed.some((a) => a.toLowerCase() === value.trim().toLowerCase())));
      assert.throws(() => parseImportSettings({ [field]: value }), (error: unknown) => {
        assert.ok(error instanceof CairnError);
        assert.equal(error.code, 'bad-request');
        assert.match(error.message, new RegExp(`^${field} must be`));
        if (field !== 'haltOnError') for (const a of allowed) assert.ok(error.message.includes(a), `${error.message} names ${a}`);
        return true;
      });
    }));
    for (const body of [null, [], 'text', 5]) assert.throws(() => parseImportSettings(body), /must be a JSON object/);
  });
});
