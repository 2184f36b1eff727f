/**
 * Bulk indicator reports over a real server on both databases: the status, the JSON report with
 * attributes and tags, the CSV report with its quoting, many thousands of rows read in keyset pages
 * and streamed, and never another organization's indicators.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CairnClient } from '@cairn/client';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { BULK_PAGE_SIZE, csvField, csvLine } from '../../../src/core/intel/bulk-export.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call, type Json } from '../../support/v3.js';

/** Parses RFC 4180 CSV text (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else field += ch;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

describe('bulk CSV fields', () => {
  it('round-trips any text through a CSV reader', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 2, maxLength: 2 }), ([type, summary]) => {
      const line = csvLine({ type: type!, summary: summary!, rating: 2.5, confidence: 10 });
      assert.deepEqual(parseCsv(line), [[type, summary, '2.50', '10']]);
    }));
  });

  it('quotes only what needs it', () => {
    assert.equal(csvField('example.com'), 'example.com');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvLine({ type: 'Host', summary: 'example.com' }), 'Host,example.com,,\n');
  });
});

for (const dialect of testDialects()) {
  describe(`v2 bulk reports (${dialect})`, () => {
    let server: TestServer;
    let mine: CairnClient;
    let theirs: CairnClient;
    let orgName: string;
    const FOREIGN = `Foreign bulk org ${dialect}`;
    /** Indicators written straight to the tables: more than two pages of the export. */
    const MANY = BULK_PAGE_SIZE * 2 + 345;
    const me = (method: string, target: string, body?: unknown) => call(mine, method, target, body);

    before(async () => {
      server = await startTestServer(dialect);
      mine = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      orgName = server.bootstrap.organization.name;
      const foreign = await server.services.tenancy.createOrganization(FOREIGN);
      const user = await server.services.tenancy.createApiUser(FOREIGN);
      theirs = new CairnClient({ baseUrl: `${server.baseUrl}/api`, accessId: user.accessId, secret: user.secret, scheme: 'threatconnect' });
      const created = async (client: CairnClient, body: unknown) => {
        const answer = await call(client, 'POST', '/v3/indicators', body);
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        return answer.body.data as Json;
      };
      await created(mine, {
        type: 'URL', text: 'https://example.com/a,b?q="x"', rating: 3, confidence: 55,
        tags: { data: [{ name: 'Phish, "Kit"' }] }, attributes: { data: [{ type: 'Description', value: 'A bad page' }] },
      });
      await created(mine, { type: 'Host', hostName: 'bulk.example.com' });
      // Inactive: left out of the reports, as out of every indicator list (spec §4.4, §7.3).
      await created(mine, { type: 'Host', hostName: 'retired.example.com', active: false });
      await created(theirs, { type: 'Host', hostName: 'their-bulk.example.com', rating: 5 });
      // Many more, inserted in one statement per chunk (the HTTP path is not what this measures).
      const db = server.services.store.db as unknown as import('kysely').Kysely<any>;
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const rows = Array.from({ length: MANY }, (_, i) => ({
        owner_id: server.bootstrap.organization.id, type: 'Address', summary: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        value1: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, rating: i % 6, confidence: i % 101, date_added: now, last_modified: now,
      }));
      for (let i = 0; i < rows.length; i += 500) await db.insertInto('indicators').values(rows.slice(i, i + 500)).execute();
      void foreign;
    });
    after(() => server.close());

    it('gives the report status of the organization, no envelope', async () => {
      const { status, body } = await me('GET', '/v2/indicators/bulk');
      assert.equal(status, 200);
      assert.deepEqual(Object.keys(body), ['bulkStatus']);
      assert.equal(body.bulkStatus.name, orgName);
      assert.equal(body.bulkStatus.status, 'Complete');
      assert.equal(body.bulkStatus.csvEnabled, true);
      assert.equal(body.bulkStatus.jsonEnabled, true);
      assert.match(body.bulkStatus.lastRun, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const named = await me('GET', `/v2/indicators/bulk?owner=${encodeURIComponent(orgName).replace(/%20/g, '+')}`);
      assert.equal(named.body.bulkStatus.name, orgName);
      const response = await mine.request('GET', '/v2/indicators/bulk', { headers: { Accept: 'application/xml' } });
      const xml = new XMLParser().parse(await response.text()) as Json;
      assert.equal(xml.BulkStatus.Name, orgName);
      assert.equal(xml.BulkStatus.Status, 'Complete');
    });

    it('streams the JSON report: every indicator of the organization once, with attributes and tags', async () => {
      const response = await mine.request('GET', '/v2/indicators/bulk/json');
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/json');
      const body = JSON.parse(await response.text()) as Json;
      assert.deepEqual(Object.keys(body), ['indicator']);
      const items = body.indicator as Json[];
      assert.equal(items.length, MANY + 2);
      assert.equal(new Set(items.map((i) => i.id)).size, items.length, 'no indicator twice across pages');
      assert.ok(items.every((i, n) => n === 0 || i.id > items[n - 1].id), 'in id order');
      assert.ok(items.every((i) => i.ownerName === orgName));
      assert.ok(!items.some((i) => i.summary === 'their-bulk.example.com'));
      assert.ok(!items.some((i) => i.summary === 'retired.example.com'), 'inactive indicators are left out');
      const url = items.find((i) => i.type === 'URL');
      assert.equal(url.summary, 'https://example.com/a,b?q="x"');
      assert.equal(url.rating, 3);
      assert.deepEqual(url.tag.map((t: Json) => t.name), ['Phish, "Kit"']);
      assert.deepEqual(url.attribute.map((a: Json) => [a.type, a.value]), [['Description', 'A bad page']]);
      const host = items.find((i) => i.summary === 'bulk.example.com');
      assert.deepEqual([host.tag, host.attribute], [[], []]);
    });

    it('streams the CSV report: a header, one quoted line per indicator, an empty cell where unset', async () => {
      const response = await mine.request('GET', '/v2/indicators/bulk/csv');
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/csv');
      const rows = parseCsv(await response.text());
      assert.deepEqual(rows[0], ['Type', 'Value', 'Rating', 'Confidence']);
      assert.equal(rows.length, MANY + 3);
      assert.ok(rows.slice(1).every((r) => r.length === 4));
      assert.deepEqual(rows.find((r) => r[0] === 'URL'), ['URL', 'https://example.com/a,b?q="x"', '3.00', '55']);
      assert.deepEqual(rows.find((r) => r[1] === 'bulk.example.com'), ['Host', 'bulk.example.com', '', '']);
      assert.deepEqual(rows.find((r) => r[1] === '10.0.0.7'), ['Address', '10.0.0.7', '1.00', '7']);
      assert.ok(!rows.some((r) => r[1] === 'their-bulk.example.com'));
    });

    it('gives another organization only its own report, and refuses to name ours', async () => {
      const csv = await (await theirs.request('GET', '/v2/indicators/bulk/csv')).text();
      assert.deepEqual(parseCsv(csv).slice(1), [['Host', 'their-bulk.example.com', '5.00', '']]);
      for (const target of ['/v2/indicators/bulk', '/v2/indicators/bulk/json', '/v2/indicators/bulk/csv']) {
        const answer = await call(theirs, 'GET', `${target}?owner=${encodeURIComponent(orgName)}`);
        assert.equal(answer.status, 403, target);
        assert.deepEqual(answer.body, { status: 'Failure', message: 'The requested owner was not found' });
      }
    });

    it('stops reading when the client goes away, and keeps serving', async () => {
      const controller = new AbortController();
      const response = await fetch(`${server.baseUrl}/api/v2/indicators/bulk/json`, {
        headers: Object.fromEntries(Object.entries(await mine.signatureHeaders('GET', new URL(`${server.baseUrl}/api/v2/indicators/bulk/json`), 'threatconnect'))),
        signal: controller.signal,
      });
      assert.equal(response.status, 200);
      const reader = response.body!.getReader();
      const first = await reader.read();
      assert.ok(first.value && first.value.byteLength > 0);
      controller.abort();
      await reader.read().catch(() => undefined);
      const after = await me('GET', '/v2/indicators/bulk');
      assert.equal(after.status, 200);
      const csv = await (await mine.request('GET', '/v2/indicators/bulk/csv')).text();
      assert.equal(parseCsv(csv).length, MANY + 3, 'a later report is whole');
    });

    it('is about one owner at a time', async () => {
      const { status, body } = await me('GET', `/v2/indicators/bulk/csv?owner=${encodeURIComponent(orgName)}&owner=${encodeURIComponent(server.bootstrap.community.name)}`);
      assert.equal(status, 400);
      assert.match(body.message, /one owner/);
    });
  });
}
