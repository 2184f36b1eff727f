/**
 * CSV of indicators (core/exchange/csv.ts): generated indicators written by the export read back
 * as the same items (property), any text whatever never throws and yields only items and problems,
 * header spellings (TC's bulk report too), a file without a header, a problem per bad row naming
 * its line, malformed CSV, tags with escaped separators.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { csvExport, csvIndicatorType, parseCsvIndicators, tagsCell, tagsOfCell, type CsvExportIndicator } from '../../../src/core/exchange/csv.js';
import type { IndicatorItem } from '../../../src/core/exchange/items.js';
import type { ParsedEntry } from '../../../src/core/exchange/upload.js';

async function entries(text: string | string[]): Promise<ParsedEntry[]> {
  const out: ParsedEntry[] = [];
  for await (const entry of parseCsvIndicators(Array.isArray(text) ? text : [text])) out.push(entry);
  return out;
}
const items = (list: ParsedEntry[]) => list.filter((e): e is { item: IndicatorItem } => 'item' in e).map((e) => e.item);
const problems = (list: ParsedEntry[]) => list.filter((e) => 'problem' in e).map((e) => (e as { problem: { reason: string; kind: string; severity: string } }).problem);

async function exported(indicators: CsvExportIndicator[], pageSize = 3): Promise<string> {
  async function* pages() {
    for (let i = 0; i < indicators.length; i += pageSize) yield indicators.slice(i, i + pageSize);
  }
  let text = '';
  for await (const chunk of csvExport(pages())) text += chunk;
  return text;
}

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?$/);
const host = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,6}$/)).map(([l, tld]) => [...l, tld].join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const printable = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => /^[^\x00-\x1f\x7f]+$/.test(s) && s.trim() === s && !s.includes(' : '));
const value = fc.oneof(
  ipv4.map((v) => ({ type: 'Address', summary: v })),
  host.map((v) => ({ type: 'Host', summary: v })),
  host.map((v) => ({ type: 'URL', summary: `https://${v}/a,b"c?d=1` })),
  fc.tuple(hex(32), hex(40)).map(([a, b]) => ({ type: 'File', summary: `${a} : ${b}` })),
  hex(64).map((v) => ({ type: 'File', summary: v })),
  printable.map((v) => ({ type: 'Mutex', summary: v })),
  printable.map((v) => ({ type: 'User Agent', summary: v })),
  fc.nat(99999).map((n) => ({ type: 'ASN', summary: `ASN${n}` })),
  fc.tuple(printable).map(([v]) => ({ type: 'Registry Key', summary: `HKEY_LOCAL_MACHINE\\Software\\x : ${v} : REG_SZ` })),
);
const tag = fc.string({ minLength: 1, maxLength: 30 }).filter((t) => t.trim() === t && /^[^\x00-\x1f\x7f]+$/.test(t));
const indicator = fc.record({
  value,
  rating: fc.option(fc.integer({ min: 0, max: 20 }).map((n) => n / 4), { nil: null }),
  confidence: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  tags: fc.uniqueArray(tag, { maxLength: 4 }),
}).map(({ value: v, rating, confidence, tags }): CsvExportIndicator => ({ ...v, rating, confidence, tags }));

describe('CSV of indicators', () => {
  it('reads back what the export wrote: the same type, value, rating, confidence and tags (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(indicator, { maxLength: 12 }), fc.integer({ min: 1, max: 5 }), async (list, pageSize) => {
      const read = await entries(await exported(list, pageSize));
      assert.deepEqual(problems(read), []);
      assert.deepEqual(items(read), list.map((i) => ({
        kind: 'indicator', type: i.type, summary: i.summary,
        ...(i.rating === null ? {} : { rating: i.rating }), ...(i.confidence === null ? {} : { confidence: i.confidence }), tags: i.tags,
      })));
    }), { numRuns: 200 });
  });

  it('never throws on any text, and yields only items and problems with a reason', async () => {
    const anyText = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.string({ maxLength: 200, unit: 'binary' }),
      fc.array(fc.constantFrom('Host', 'Type', 'Value', ',', '"', '\n', '\r\n', ';', 'example.com', '1.2.3.4', '3', ' ', '\\', '\u0000'), { maxLength: 60 }).map((p) => p.join('')),
      fc.array(fc.constantFrom('Host', 'Type', 'Value', ',', '"', '\n', ';', 'example.com', '9', '"'), { maxLength: 60 }).map((p) => `Type,Value,Rating,Confidence,Tags\n${p.join('')}`),
    );
    await fc.assert(fc.asyncProperty(anyText, fc.integer({ min: 1, max: 7 }), async (text, split) => {
      const parts = [text.slice(0, split), text.slice(split)];
      for (const entry of await entries(parts)) {
        if ('item' in entry) {
          assert.equal(entry.item.kind, 'indicator');
        } else {
          assert.equal(typeof entry.problem.reason, 'string');
          assert.ok(entry.problem.reason.length > 0);
          assert.ok(entry.problem.source.length <= 500);
        }
      }
    }), { numRuns: 500 });
  });

  it('takes header names in any case and spacing, ThreatConnect\'s bulk report as it is, and ignores other columns with a warning', async () => {
    const tc = await entries('Type,Value,Rating,Confidence\nHost,bad.example.com,3.00,80\nAddress,192.0.2.1,,\n');
    assert.deepEqual(problems(tc), []);
    assert.deepEqual(items(tc), [
      { kind: 'indicator', type: 'Host', summary: 'bad.example.com', rating: 3, confidence: 80 },
      { kind: 'indicator', type: 'Address', summary: '192.0.2.1' },
    ]);
    const odd = await entries('\uFEFF TAGS ,summary,Indicator Type,colour\r\n"x;y",evil.example.org,host,red\r\n');
    assert.deepEqual(items(odd), [{ kind: 'indicator', type: 'Host', summary: 'evil.example.org', tags: ['x', 'y'] }]);
    const [warning] = problems(odd);
    assert.equal(warning!.severity, 'Warning');
    assert.match(warning!.reason, /^Line 1: columns ignored: colour/);
  });

  it('reads a file without a header in the export\'s column order', async () => {
    const read = await entries('Host,example.com\nemail address,a@example.com,1,2,t1\n');
    assert.deepEqual(items(read), [
      { kind: 'indicator', type: 'Host', summary: 'example.com' },
      { kind: 'indicator', type: 'EmailAddress', summary: 'a@example.com', rating: 1, confidence: 2, tags: ['t1'] },
    ]);
  });

  it('reports each bad row with its line, and keeps the good rows around it', async () => {
    const read = await entries([
      'Type,Value,Rating,Confidence,Tags\n',
      'Host,good.example.com,,,\n',
      'Hots,x.example.com,,,\n',
      '\n',
      'Host,not a host,,,\n',
      'Address,192.0.2.9,6,,\n',
      'Address,192.0.2.9,1,50.5,\n',
      'Address,,1,,\n',
      'URL,"http://x.example/unclosed\n',
    ]);
    assert.deepEqual(items(read).map((i) => i.summary), ['good.example.com']);
    const reasons = problems(read).map((p) => p.reason);
    assert.equal(reasons.length, 6);
    assert.match(reasons[0]!, /^Line 3: "Hots" is not an indicator type/);
    assert.match(reasons[1]!, /^Line 5: "not a host" is not a valid Host value/);
    assert.match(reasons[2]!, /^Line 6: Rating "6" is not a number from 0 to 5/);
    assert.match(reasons[3]!, /^Line 7: Confidence "50.5" is not a whole number from 0 to 100/);
    assert.match(reasons[4]!, /^Line 8: the Value of an Address is empty/);
    assert.match(reasons[5]!, /^Line 9: malformed CSV \(Quote Not Closed/);
  });

  it('refuses a header without Type and Value, and a first row that is neither header nor indicator', async () => {
    const [noValue] = problems(await entries('Type,Rating\nHost,3\n'));
    assert.match(noValue!.reason, /^Line 1: the header needs a Type and a Value column/);
    assert.equal(noValue!.kind, 'file');
    const [noHeader] = problems(await entries('hello,world\nHost,example.com\n'));
    assert.match(noHeader!.reason, /no header row/);
  });

  it('escapes ; and \\ inside tags, and reads them back', () => {
    const tags = ['a;b', 'back\\slash', 'plain'];
    assert.equal(tagsCell(tags), 'a\\;b;back\\\\slash;plain');
    assert.deepEqual(tagsOfCell(tagsCell(tags)), tags);
    assert.deepEqual(tagsOfCell(' x ; ;y'), ['x', 'y']);
  });

  it('names types as Cairn, its v2 branches and entities do, in any case', () => {
    assert.equal(csvIndicatorType('registry key')?.name, 'Registry Key');
    assert.equal(csvIndicatorType('RegistryKey')?.name, 'Registry Key');
    assert.equal(csvIndicatorType('user_agent')?.name, 'User Agent');
    assert.equal(csvIndicatorType('hosts')?.name, 'Host');
    assert.equal(csvIndicatorType('cidrBlock')?.name, 'CIDR');
    assert.equal(csvIndicatorType('nothing'), undefined);
  });
});
