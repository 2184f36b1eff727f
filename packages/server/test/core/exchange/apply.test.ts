/**
 * The applier (core/exchange/apply.ts) on a real server and database, both dialects: items are
 * applied in a transaction as the import worker applies a chunk, and read back over /v3 as a
 * client would: every write type, File merge and hash-collision modes, groups by xid,
 * associations by xid / value / id, deletes, bad items and duplicates, haltOnError, and the same
 * item applied here and POSTed to /v3 reading the same.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { CairnClient } from '@cairn/client';
import { applyItems, readSummary, SeenItems } from '../../../src/core/exchange/apply.js';
import { run } from '../../../src/core/exchange/bulk-sql.js';
import { DEFAULT_SETTINGS, type ImportItem, type ImportSettings } from '../../../src/core/exchange/items.js';
import { indicatorTypeNamed } from '../../../src/core/intel/indicator-types.js';
import { toStoredTime } from '../../../src/store/database.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call, type Json } from '../../support/v3.js';

const hex = (n: number, seed: string) => {
  let out = '';
  let i = 0;
  while (out.length < n) out += Buffer.from(`${seed}:${i++}`).toString('hex');
  return out.slice(0, n);
};

describe('readSummary (property)', () => {
  const file = indicatorTypeNamed('File')!;
  it('reads a File summary in any order, case and spacing as the hashes it names, idempotently', () => {
    const hexString = (n: number) => fc.array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: n, maxLength: n }).map((a) => a.join(''));
    fc.assert(fc.property(
      fc.option(hexString(32), { nil: undefined }), fc.option(hexString(40), { nil: undefined }), fc.option(hexString(64), { nil: undefined }), fc.boolean(),
      (md5, sha1, sha256, reverse) => {
        const parts = [md5, sha1, sha256].filter((p): p is string => p !== undefined);
        fc.pre(parts.length > 0);
        const text = (reverse ? [...parts].reverse() : parts).join(reverse ? ' :  ' : ' : ');
        const read = readSummary(file, text);
        assert.ok('value' in read, JSON.stringify(read));
        assert.deepEqual([...read.value.addressing].sort(), parts.map((p) => p.toLowerCase()).sort());
        const again = readSummary(file, read.value.summary);
        assert.ok('value' in again);
        assert.deepEqual(again.value, read.value);
      },
    ));
  });
  it('never throws on any text, for every type: a value or problems', () => {
    fc.assert(fc.property(fc.constantFrom('Address', 'Host', 'URL', 'File', 'EmailAddress', 'ASN', 'CIDR', 'Registry Key', 'Mutex'), fc.string({ maxLength: 200 }), (name, text) => {
      const read = readSummary(indicatorTypeNamed(name)!, text);
      assert.ok('value' in read || read.problems.length > 0);
    }));
  });
});

for (const dialect of testDialects()) {
  describe(`applyItems (${dialect})`, () => {
    let server: TestServer;
    let client: CairnClient;
    let ownerId: number;
    let userId: number;
    let n = 0;
    const fresh = (prefix: string) => `${prefix}-${dialect}-${++n}`;
    const host = () => `${fresh('h')}.example.com`;

    async function apply(items: unknown[], settings: Partial<ImportSettings> = {}, extra: { firstIndex?: number; seen?: SeenItems; owner?: number } = {}) {
      return server.services.store.db.transaction().execute((trx) => applyItems(trx, {
        ownerId: extra.owner ?? ownerId, userId, settings: { ...DEFAULT_SETTINGS, ...settings }, now: toStoredTime(new Date()), firstIndex: extra.firstIndex ?? 0, seen: extra.seen,
      }, items as ImportItem[]));
    }
    const get = async (target: string) => {
      const answer = await call(client, 'GET', target);
      assert.equal(answer.status, 200, `${target}: ${JSON.stringify(answer.body).slice(0, 300)}`);
      return answer.body.data as Json;
    };
    const indicator = (summary: string) => get(`/v3/indicators/${encodeURIComponent(summary)}?fields=tags&fields=attributes&fields=securityLabels&fields=associatedGroups&fields=associatedIndicators`);
    const tagsOf = (data: Json) => (data.tags?.data ?? []).map((t: Json) => t.name).sort();
    const attrsOf = (data: Json) => (data.attributes?.data ?? []).map((a: Json) => `${a.type}=${a.value}`).sort();
    const labelsOf = (data: Json) => (data.securityLabels?.data ?? []).map((l: Json) => l.name).sort();
    const count = async (table: string, where: string, params: unknown[]) =>
      Number((await run<{ n: unknown }>(server.services.store.db, `select count(*) as n from ${table} where ${where}`, params))[0]!.n);

    before(async () => {
      server = await startTestServer(dialect, { env: { CAIRN_IMPORT_POLL_MS: '600000' } });
      client = server.client();
      ownerId = server.bootstrap.organization.id;
      userId = server.bootstrap.apiUser.id;
    });
    after(async () => server.close());

    it('creates indicators of every common type with tags, attributes and labels, as /v3 shows them', async () => {
      const h = host();
      const md5 = hex(32, fresh('md5'));
      const items = [
        { kind: 'indicator', type: 'Host', summary: h.toUpperCase(), rating: 3, confidence: 60, dnsActive: true, tags: ['Phishing ', 'APT'], attributes: [{ type: 'Description', value: 'a host' }, { type: 'Source', value: 'feed' }], securityLabels: ['TLP:AMBER'] },
        { kind: 'indicator', type: 'Address', summary: '2001:DB8::0:1', tags: ['apt'] },
        { kind: 'indicator', type: 'URL', summary: `HTTP://${h.toUpperCase()}/Path` },
        { kind: 'indicator', type: 'EmailAddress', summary: `x@${h}` },
        { kind: 'indicator', type: 'File', summary: md5.toUpperCase(), size: 10, fileOccurrences: [{ fileName: 'a.exe', date: '2024-01-02T03:04:05Z' }] },
      ];
      const outcome = await apply(items);
      assert.deepEqual({ ...outcome, problems: outcome.problems.length }, { created: 5, updated: 0, deleted: 0, failed: 0, unchanged: 0, problems: 0 });
      const hostData = await indicator(h);
      assert.equal(hostData.hostName, h);
      assert.equal(hostData.rating, 3);
      assert.equal(hostData.confidence, 60);
      assert.equal(hostData.dnsActive, true);
      assert.equal(hostData.description, 'a host');
      assert.equal(hostData.source, 'feed');
      assert.deepEqual(tagsOf(hostData), ['APT', 'Phishing']);
      assert.deepEqual(attrsOf(hostData), ['Description=a host', 'Source=feed']);
      assert.deepEqual(labelsOf(hostData), ['TLP:AMBER']);
      // "apt" found the tag "APT" made by the first item (names are unique ignoring case).
      assert.deepEqual(tagsOf(await indicator('2001:db8::1')), ['APT']);
      assert.equal((await indicator(`http://${h}/Path`)).text, `http://${h}/Path`);
      const file = await indicator(md5);
      assert.equal(file.md5, md5);
      assert.equal(file.size, 10);
      const occurrences = await call(client, 'GET', `/v2/indicators/files/${md5}/fileOccurrences`);
      assert.equal(occurrences.body.data.fileOccurrence[0].fileName, 'a.exe');
    });

    it('security labels on an attribute itself', async () => {
      const h = host();
      const outcome = await apply([{ kind: 'indicator', type: 'Host', summary: h, attributes: [{ type: 'Description', value: 'marked', securityLabels: ['TLP:RED', 'TLP:RED'] }, { type: 'Source', value: 'plain' }] }]);
      assert.equal(outcome.created, 1);
      const attributes = (await indicator(h)).attributes.data as Json[];
      const marked = attributes.find((a) => a.value === 'marked');
      const plain = attributes.find((a) => a.value === 'plain');
      assert.deepEqual(labelsOf(await get(`/v3/indicatorAttributes/${marked.id}?fields=securityLabels`)), ['TLP:RED']);
      assert.deepEqual(labelsOf(await get(`/v3/indicatorAttributes/${plain.id}?fields=securityLabels`)), []);
      const unknown = await apply([{ kind: 'indicator', type: 'Host', summary: `u.${h}`, attributes: [{ type: 'Description', value: 'x', securityLabels: ['TLP:NOPE'] }] }]);
      assert.match(unknown.problems[0]!.reason, /attribute 1: no security label named "TLP:NOPE"/);
    });

    it('the same item through applyItems and through a v3 POST reads the same', async () => {
      const a = host();
      const b = host();
      const attrs = [{ type: 'Description', value: 'same' }, { type: 'External ID', value: 'x-1' }];
      await apply([{ kind: 'indicator', type: 'Host', summary: a, rating: 2.5, confidence: 10, active: true, whoisActive: true, firstSeen: '2024-05-01T00:00:00Z', tags: ['Same Tag', 'T1566'], attributes: attrs, securityLabels: ['TLP:GREEN'] }]);
      const posted = await call(client, 'POST', '/v3/indicators', {
        type: 'Host', hostName: b, rating: 2.5, confidence: 10, active: true, whoisActive: true, firstSeen: '2024-05-01T00:00:00Z',
        tags: { data: [{ name: 'Same Tag' }, { name: 'T1566' }] }, attributes: { data: attrs }, securityLabels: { data: [{ name: 'TLP:GREEN' }] },
      });
      assert.equal(posted.status, 201, JSON.stringify(posted.body));
      const strip = (data: Json, name: string) => {
        const copy = JSON.parse(JSON.stringify(data).replaceAll(name, 'NAME'));
        for (const key of ['id', 'dateAdded', 'lastModified', 'webLink', 'legacyLink']) delete copy[key];
        for (const c of ['tags', 'attributes', 'securityLabels']) for (const item of copy[c]?.data ?? []) for (const key of ['id', 'dateAdded', 'lastModified', 'lastUsed', 'indicatorId']) delete item[key];
        return copy;
      };
      const fields = '?fields=tags&fields=attributes&fields=securityLabels';
      assert.deepEqual(strip(await get(`/v3/indicators/${a}${fields}`), a), strip(await get(`/v3/indicators/${b}${fields}`), b));
    });

    it('updates a stored indicator by its value; attributeWriteType Append, Replace, Singleton, Static', async () => {
      const base = { kind: 'indicator', type: 'Host' };
      const start = [{ type: 'Description', value: 'one' }, { type: 'Source', value: 's1' }];
      const cases: [ImportSettings['attributeWriteType'], string[]][] = [
        ['Append', ['Description=one', 'Description=two', 'Source=s1']],
        ['Replace', ['Description=two']],
        ['Singleton', ['Description=two', 'Source=s1']],
        ['Static', ['Description=one', 'Source=s1']],
      ];
      for (const [mode, expected] of cases) {
        const h = host();
        await apply([{ ...base, summary: h, attributes: start }]);
        const outcome = await apply([{ ...base, summary: h, rating: 4, attributes: [{ type: 'Description', value: 'two' }, { type: 'Description', value: 'one' }].slice(0, mode === 'Append' ? 2 : 1) }], { attributeWriteType: mode });
        assert.equal(outcome.updated, 1, mode);
        const data = await indicator(h);
        assert.deepEqual(attrsOf(data), expected, mode);
        assert.equal(data.rating, 4);
        // The description follows the first Description attribute still there.
        assert.equal(data.description, expected.find((e) => e.startsWith('Description='))!.slice('Description='.length), mode);
      }
      // An item without attributes leaves them as they are, whatever the write type.
      const h = host();
      await apply([{ ...base, summary: h, attributes: start }]);
      await apply([{ ...base, summary: h, confidence: 5 }], { attributeWriteType: 'Replace' });
      assert.deepEqual(attrsOf(await indicator(h)), ['Description=one', 'Source=s1']);
    });

    it('tagWriteType and securityLabelWriteType Append and Replace', async () => {
      const h = host();
      await apply([{ kind: 'indicator', type: 'Host', summary: h, tags: ['a1', 'a2'], securityLabels: ['TLP:RED'] }]);
      await apply([{ kind: 'indicator', type: 'Host', summary: h, tags: ['a3'], securityLabels: ['TLP:WHITE'] }], { tagWriteType: 'Append', securityLabelWriteType: 'Append' });
      let data = await indicator(h);
      assert.deepEqual(tagsOf(data), ['a1', 'a2', 'a3']);
      assert.deepEqual(labelsOf(data), ['TLP:RED', 'TLP:WHITE']);
      await apply([{ kind: 'indicator', type: 'Host', summary: h, tags: ['A2'], securityLabels: ['TLP:GREEN'] }], { tagWriteType: 'Replace', securityLabelWriteType: 'Replace' });
      data = await indicator(h);
      assert.deepEqual(tagsOf(data), ['a2']);
      assert.deepEqual(labelsOf(data), ['TLP:GREEN']);
    });

    it('Files: hashes arriving apart fill one file; merge modes and hash collisions', async () => {
      const [md5, sha1, sha256] = [hex(32, fresh('a')), hex(40, fresh('b')), hex(64, fresh('c'))];
      await apply([{ kind: 'indicator', type: 'File', summary: md5 }]);
      const filled = await apply([{ kind: 'indicator', type: 'File', summary: `${md5} : ${sha1}`, tags: ['f'] }], { tagWriteType: 'Append' });
      assert.equal(filled.updated, 1);
      const file = await indicator(sha1);
      assert.equal(file.md5, md5);
      assert.equal(file.sha1, sha1);
      assert.deepEqual(tagsOf(file), ['f']);

      // Two files, each holding one of the item's hashes.
      const other = await apply([{ kind: 'indicator', type: 'File', summary: sha256, tags: ['g'] }]);
      assert.equal(other.created, 1);
      const distributed = await apply([{ kind: 'indicator', type: 'File', summary: `${md5} : ${sha256}`, tags: ['both'] }], { fileMergeMode: 'Distribute', tagWriteType: 'Append' });
      assert.equal(distributed.problems[0]!.code, '0x2003');
      assert.deepEqual(tagsOf(await indicator(md5)), ['both', 'f']);
      assert.deepEqual(tagsOf(await indicator(sha256)), ['both', 'g']);
      assert.notEqual((await indicator(md5)).id, (await indicator(sha256)).id);
      const merged = await apply([{ kind: 'indicator', type: 'File', summary: `${md5} : ${sha256}` }], { fileMergeMode: 'Merge' });
      assert.equal(merged.updated, 1);
      const one = await indicator(sha256);
      assert.equal(one.id, (await indicator(md5)).id);
      assert.equal(one.summary, `${md5} : ${sha1} : ${sha256}`);
      assert.deepEqual(tagsOf(one), ['both', 'f', 'g']);

      // A collision: the stored file has another SHA1.
      const collide = async (mode: ImportSettings['hashCollisionMode']) => {
        const [m, s1, s2] = [hex(32, fresh('m')), hex(40, fresh('s')), hex(40, fresh('t'))];
        await apply([{ kind: 'indicator', type: 'File', summary: `${m} : ${s1}` }]);
        const outcome = await apply([{ kind: 'indicator', type: 'File', summary: `${m} : ${s2}`, tags: ['incoming'] }], { hashCollisionMode: mode });
        assert.equal(outcome.problems[0]?.code, '0x2003', mode);
        assert.equal(outcome.problems[0]?.severity, 'Warning');
        const stored = await indicator(m);
        const incoming = await call(client, 'GET', `/v3/indicators/${s2}?fields=tags`);
        return { outcome, stored, incoming };
      };
      let r = await collide('FavorExisting');
      assert.equal(r.incoming.status, 404);
      assert.deepEqual(tagsOf(r.stored), ['incoming']);
      r = await collide('FavorIncoming');
      assert.equal(r.incoming.body.data.id, r.stored.id);
      r = await collide('IgnoreIncoming');
      assert.equal(r.outcome.unchanged, 1);
      assert.deepEqual(tagsOf(r.stored), []);
      r = await collide('IgnoreExisting');
      assert.equal(r.incoming.status, 200);
      assert.notEqual(r.incoming.body.data.id, r.stored.id);
      assert.deepEqual(tagsOf(r.stored), []);
      r = await collide('Split');
      assert.notEqual(r.incoming.body.data.id, r.stored.id);
      assert.deepEqual(tagsOf(r.stored), ['incoming']);
      assert.deepEqual(tagsOf(r.incoming.body.data), ['incoming']);
    });

    it('groups by xid: created, updated by the xid, a generated xid when none; another type with the xid fails', async () => {
      const xid = fresh('xid');
      const created = await apply([
        { kind: 'group', type: 'Incident', name: 'First', xid, fields: { eventDate: '2024-01-01T00:00:00Z', status: 'open' }, tags: ['g1'], attributes: [{ type: 'Description', value: 'd' }] },
        { kind: 'group', type: 'Adversary', name: 'No xid' },
      ]);
      assert.equal(created.created, 2);
      const updated = await apply([{ kind: 'group', type: 'Incident', name: 'Renamed', xid, tags: ['g2'] }], { tagWriteType: 'Append' });
      assert.equal(updated.updated, 1);
      const list = await get(`/v3/groups?tql=${encodeURIComponent(`xid EQ "${xid}"`)}&fields=tags`);
      assert.equal(list.length, 1);
      assert.equal(list[0].name, 'Renamed');
      assert.equal(list[0].status, 'Open');
      assert.equal(await count('"groups"', 'xid = ? and description = ?', [xid, 'd']), 1, 'the description column follows the Description attribute');
      assert.deepEqual(tagsOf(list[0]), ['g1', 'g2']);
      const noXid = await get(`/v3/groups?tql=${encodeURIComponent('name EQ "No xid"')}`);
      assert.match(noXid[0].xid, /^[0-9a-f-]{36}$/);
      const wrong = await apply([{ kind: 'group', type: 'Adversary', name: 'x', xid }]);
      assert.equal(wrong.failed, 1);
      assert.equal(wrong.problems[0]!.code, '0x1006');
      assert.match(wrong.problems[0]!.reason, /names a Incident group/);
      const missing = await apply([{ kind: 'group', type: 'Incident', name: 'no date' }]);
      assert.match(missing.problems[0]!.reason, /eventDate is required/);
    });

    it('associations by xid, by value and by id; a missing end is 0x1009 naming which end', async () => {
      const gx = fresh('gx');
      const h = host();
      const url = `http://${h}/x`;
      const outcome = await apply([
        { kind: 'indicator', type: 'Host', summary: h, associatedGroups: [gx] },
        { kind: 'group', type: 'Adversary', name: 'Assoc', xid: gx },
        { kind: 'indicator', type: 'URL', summary: url },
        { kind: 'association', from: { indicator: { type: 'URL', summary: url } }, to: { indicator: { type: 'Host', summary: h } } },
        { kind: 'association', from: { group: { xid: gx } }, to: { indicator: { type: 'URL', summary: url } } },
        { kind: 'association', from: { group: { xid: 'nope' } }, to: { indicator: { type: 'URL', summary: url } } },
        { kind: 'association', from: { indicator: { type: 'URL', summary: url } }, to: { indicator: { type: 'Host', summary: `missing.${h}` } } },
      ]);
      assert.equal(outcome.failed, 2, JSON.stringify(outcome.problems));
      assert.deepEqual(outcome.problems.map((p) => [p.index, p.code, p.kind]), [[5, '0x1009', 'association'], [6, '0x1009', 'association']]);
      assert.match(outcome.problems[0]!.reason, /first end \(group xid "nope"\)/);
      assert.match(outcome.problems[1]!.reason, /second end \(Host missing\./);
      const hostData = await indicator(h);
      assert.equal(hostData.associatedGroups.data[0].xid, gx);
      assert.equal(hostData.associatedIndicators.data[0].text, url);
      const urlData = await indicator(url);
      assert.equal(urlData.associatedGroups.data[0].xid, gx);
      // By id; another organization's object is not found.
      const other = await server.services.tenancy.createOrganization(fresh('Other org'));
      await apply([{ kind: 'group', type: 'Adversary', name: 'theirs', xid: 'their-x' }], {}, { owner: other.id });
      const [theirs] = await run<{ id: number }>(server.services.store.db, 'select id from "groups" where owner_id = ?', [other.id]);
      const byId = await apply([
        { kind: 'association', from: { indicator: { id: hostData.id } }, to: { group: { id: Number(theirs!.id) } } },
        { kind: 'association', from: { indicator: { id: hostData.id } }, to: { indicator: { id: urlData.id } } },
      ]);
      assert.equal(byId.failed, 1);
      assert.match(byId.problems[0]!.reason, /second end \(group \d+\) is not in this upload or this owner/);
      // A pair no association type allows.
      const pair = await apply([{ kind: 'association', from: { indicator: { type: 'Host', summary: h } }, to: { indicator: { type: 'Host', summary: h } } }]);
      assert.equal(pair.problems[0]!.code, '0x1009');
      assert.match(pair.problems[0]!.reason, /cannot be applied/);
    });

    it('action Delete deletes the named indicators and groups and records deleted indicators', async () => {
      const h = host();
      const xid = fresh('del');
      await apply([{ kind: 'indicator', type: 'Host', summary: h }, { kind: 'group', type: 'Adversary', name: 'gone', xid }]);
      const outcome = await apply([
        { kind: 'indicator', type: 'Host', summary: h.toUpperCase() },
        { kind: 'group', type: 'Adversary', xid },
        { kind: 'indicator', type: 'Host', summary: `never.${h}` },
      ], { action: 'Delete' });
      assert.equal(outcome.deleted, 2);
      assert.equal(outcome.problems[0]!.code, '0x1007');
      assert.equal((await call(client, 'GET', `/v3/indicators/${h}`)).status, 404);
      assert.equal(await count('deleted_indicators', 'owner_id = ? and summary = ?', [ownerId, h]), 1);
      assert.equal(await count('"groups"', 'owner_id = ? and xid = ?', [ownerId, xid]), 0);
    });

    it('bad items each get a clear problem and the good ones still land', async () => {
      const good = host();
      const items: unknown[] = [
        { kind: 'indicator', type: 'Host', summary: 'bad host name' },
        { kind: 'indicator', type: 'Nope', summary: 'x' },
        { kind: 'indicator', type: 'Address', summary: '1.2.3.4', rating: 9 },
        { kind: 'indicator', type: 'Host', summary: good, tags: ['ok'] },
        { kind: 'indicator', type: 'Host', summary: `l.${good}`, securityLabels: ['TLP:UNKNOWN'] },
        { kind: 'indicator', type: 'Host', summary: `a.${good}`, attributes: [{ type: 'Motivation', value: 'x' }] },
        { kind: 'group', type: 'Adversary' },
        { kind: 'mystery' },
        null,
        { kind: 'indicator', type: 'Address', summary: '10.0.0.1', size: 3 },
      ];
      const outcome = await apply(items, {}, { firstIndex: 100 });
      assert.equal(outcome.created, 1);
      assert.equal(outcome.failed, 9);
      const byIndex = new Map(outcome.problems.map((p) => [p.index, p]));
      assert.match(byIndex.get(100)!.reason, /Host "bad host name" is not valid: hostName/);
      assert.equal(byIndex.get(100)!.code, '0x1005');
      assert.match(byIndex.get(101)!.reason, /Unknown indicator type "Nope"/);
      assert.match(byIndex.get(102)!.reason, /rating must be a number from 0 to 5/);
      assert.match(byIndex.get(104)!.reason, /no security label named "TLP:UNKNOWN"/);
      assert.equal(byIndex.get(104)!.code, '0x1007');
      assert.match(byIndex.get(105)!.reason, /"Motivation" does not apply to indicators/);
      assert.match(byIndex.get(106)!.reason, /needs a name/);
      assert.equal(byIndex.get(106)!.code, '0x1006');
      assert.match(byIndex.get(107)!.reason, /Unknown item kind "mystery"/);
      assert.match(byIndex.get(108)!.reason, /must be an object/);
      assert.match(byIndex.get(109)!.reason, /size applies to File indicators only/);
      for (const p of outcome.problems) assert.ok(p.source.length <= 500);
      assert.deepEqual(tagsOf(await indicator(good)), ['ok']);
    });

    it('duplicates in one upload: 0x100A for each repeat, in a chunk and across chunks', async () => {
      const h = host();
      const xid = fresh('dup');
      const seen = new SeenItems();
      const first = await apply([
        { kind: 'indicator', type: 'Host', summary: h, tags: ['first'] },
        { kind: 'indicator', type: 'Host', summary: h.toUpperCase(), tags: ['second'] },
        { kind: 'group', type: 'Adversary', name: 'g', xid },
        { kind: 'group', type: 'Adversary', name: 'g again', xid },
        { kind: 'indicator', type: 'Host', summary: `${h}.`, tags: ['third'] },
      ], {}, { seen });
      assert.deepEqual(first.problems.map((p) => [p.index, p.code]), [[1, '0x100A'], [3, '0x100A'], [4, '0x100A']]);
      assert.match(first.problems[0]!.reason, /Duplicate Item Error: Host .* is item 1 of this upload/);
      assert.deepEqual(tagsOf(await indicator(h)), ['first']);
      // The next chunk of the same job.
      const second = await apply([{ kind: 'indicator', type: 'Host', summary: h, tags: ['later'] }, { kind: 'indicator', type: 'Host', summary: `new.${h}` }], {}, { seen, firstIndex: 1000 });
      assert.deepEqual(second.problems.map((p) => [p.index, p.code]), [[1000, '0x100A']]);
      assert.equal(second.created, 1);
      // Another job (no shared memory) updates it.
      const another = await apply([{ kind: 'indicator', type: 'Host', summary: h, tags: ['later'] }]);
      assert.equal(another.updated, 1);
    });

    it('two imports of the same new values at once: one indicator each, the later import updates it', async () => {
      const shared = Array.from({ length: 50 }, () => host());
      const db = server.services.store.db;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => { release = resolve; });
      let firstApplied!: () => void;
      const applied = new Promise<void>((resolve) => { firstApplied = resolve; });
      const settings = { ...DEFAULT_SETTINGS, tagWriteType: 'Append' as const };
      const ctx = () => ({ ownerId, userId, settings, now: toStoredTime(new Date()), firstIndex: 0 });
      const first = db.transaction().execute(async (trx) => {
        const outcome = await applyItems(trx, ctx(), shared.map((summary) => ({ kind: 'indicator', type: 'Host', summary, tags: ['first'] })));
        firstApplied();
        await gate;
        return outcome;
      });
      await applied;
      const second = db.transaction().execute((trx) => applyItems(trx, ctx(), shared.map((summary) => ({ kind: 'indicator', type: 'Host', summary, tags: ['second'] }))));
      if (dialect === 'postgres') {
        // The second's value claims wait for the first's uncommitted ones; then the first commits.
        for (let i = 0; i < 500; i++) {
          const waiting = await run<{ n: unknown }>(db, "select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()", []);
          if (Number(waiting[0]!.n) > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
      release();
      const [a, b] = await Promise.all([first, second]);
      assert.equal(a.created, 50);
      assert.equal(b.created + b.updated, 50);
      assert.equal(b.updated, 50, 'the second import found (or lost its claims to) the first one\'s indicators');
      for (const summary of shared.slice(0, 5)) assert.deepEqual(tagsOf(await indicator(summary)), ['first', 'second']);
      assert.equal(await count('indicators', `owner_id = ? and summary in (${shared.map(() => '?').join(',')})`, [ownerId, ...shared]), 50);
    });

    it('haltOnError: the items from the first failure on are not applied', async () => {
      const [a, b] = [host(), host()];
      const outcome = await apply([
        { kind: 'indicator', type: 'Host', summary: a },
        { kind: 'indicator', type: 'Host', summary: 'not a host' },
        { kind: 'indicator', type: 'Host', summary: b },
      ], { haltOnError: true }, { firstIndex: 10 });
      assert.equal(outcome.haltedAt, 11);
      assert.equal(outcome.created, 1);
      assert.equal(outcome.failed, 1);
      assert.equal(outcome.problems.length, 1);
      assert.equal((await call(client, 'GET', `/v3/indicators/${a}`)).status, 200);
      assert.equal((await call(client, 'GET', `/v3/indicators/${b}`)).status, 404);
    });
  });
}
