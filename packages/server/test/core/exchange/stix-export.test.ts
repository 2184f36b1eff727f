/**
 * STIX export (core/exchange/stix/export.ts) of intelligence written over the v3 API on a real
 * server and database, both dialects: the bundle's shape and deterministic ids, every indicator
 * type's pattern, groups with their fields, relationships and report references, TLP markings, the
 * same bytes on a second export, TQL selections through the engine, owner isolation, and the
 * bundle read back by the importer into the same items.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { CairnClient } from '@cairn/client';
import { stixBundleChunks, writeStixBundle, type StixSelection } from '../../../src/core/exchange/stix/export.js';
import { readWholeStixBundle } from '../../../src/core/exchange/stix/import.js';
import { groupStixId, identityStixId, indicatorStixId, TLP_MARKINGS } from '../../../src/core/exchange/stix/render.js';
import { ownerReadPrincipal, tqlSelectionIds } from '../../../src/resources/exchange-selection.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call, type Json } from '../../support/v3.js';
import { writeStixFixtures } from './stix-fixtures.js';

/** Collects what is written. */
class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void { this.text += chunk.toString(); callback(); }
}

for (const dialect of testDialects()) {
  describe(`STIX export (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    let db: Kysely<any>;
    let ownerId: number;
    let ownerName: string;
    const ok = async (method: string, target: string, body?: unknown): Promise<Json> => {
      const answer = await call(api, method, target, body);
      assert.ok(answer.status === 200 || answer.status === 201, `${method} ${target}: ${JSON.stringify(answer.body).slice(0, 400)}`);
      return answer.body.data;
    };
    const exportText = async (selection: Partial<StixSelection> = {}) => {
      const sink = new Sink();
      const summary = await writeStixBundle(db, { ownerId, over: 'both', ...selection }, sink);
      assert.equal(summary.bytes, Buffer.byteLength(sink.text));
      return { text: sink.text, summary, bundle: JSON.parse(sink.text) as { type: string; id: string; objects: Json[] } };
    };
    const ids: Record<string, number> = {};

    before(async () => {
      server = await startTestServer(dialect);
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      db = server.services.store.db as Kysely<any>;
      ownerId = server.bootstrap.organization.id;
      ownerName = server.bootstrap.organization.name;
      Object.assign(ids, await writeStixFixtures(ok));
      // Another organization's intelligence, never in this owner's bundle.
      await server.services.tenancy.createOrganization('STIX Other Org');
      const user = await server.services.tenancy.createApiUser('STIX Other Org');
      const other = new CairnClient({ baseUrl: `${server.baseUrl}/api`, accessId: user.accessId, secret: user.secret, scheme: 'threatconnect' });
      const theirs = await call(other, 'POST', '/v3/indicators', { type: 'Host', hostName: 'theirs.example.org' });
      assert.equal(theirs.status, 201);
      ids.theirs = theirs.body.data.id;
    });
    after(() => server.close());

    it('writes one bundle: the owner\'s identity, its active indicators, its groups, the TLP markings used, a content-named id', async () => {
      const { bundle, summary, text } = await exportText();
      assert.equal(bundle.type, 'bundle');
      assert.match(bundle.id, /^bundle--[0-9a-f-]{36}$/);
      assert.ok(text.startsWith('{"type":"bundle","objects":['));
      assert.deepEqual(bundle.objects[0], { type: 'identity', spec_version: '2.1', id: identityStixId(ownerName), created: '1970-01-01T00:00:00.000Z', modified: '1970-01-01T00:00:00.000Z', name: ownerName, identity_class: 'organization' });
      assert.equal(summary.indicators, 13);
      assert.equal(summary.groups, 19);
      assert.equal(summary.objects, bundle.objects.length);
      const byId = new Map(bundle.objects.map((o) => [o.id, o]));
      assert.equal(byId.size, bundle.objects.length, 'ids are unique');
      assert.deepEqual(bundle.objects.slice(-2), [TLP_MARKINGS['TLP:RED'], TLP_MARKINGS['TLP:AMBER']], 'the markings used, by id');
      assert.ok(!text.includes('retired.example.net'), 'inactive indicators are not exported');
      assert.ok(!text.includes('theirs.example.org'), 'another owner\'s indicator is not exported');
      for (const object of bundle.objects) {
        assert.equal(object.spec_version, '2.1');
        if (object.type !== 'marking-definition') assert.match(object.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        if (!['identity', 'marking-definition'].includes(object.type)) assert.equal(object.created_by_ref, identityStixId(ownerName));
        for (const ref of [object.source_ref, object.target_ref, ...(object.object_refs ?? [])].filter(Boolean)) assert.ok(byId.has(ref), `${object.id} → ${ref} is in the bundle`);
      }
    });

    it('gives every indicator type its pattern, with its metadata', async () => {
      const { bundle } = await exportText({ over: 'indicators' });
      const patterns = Object.fromEntries(bundle.objects.filter((o) => o.type === 'indicator').map((o) => [o.name, o.pattern]));
      assert.deepEqual(patterns, {
        '192.0.2.44': "[ipv4-addr:value = '192.0.2.44']",
        '2001:db8::44': "[ipv6-addr:value = '2001:db8::44']",
        'c2.example.net': "[domain-name:value = 'c2.example.net']",
        'http://c2.example.net/gate.php': "[url:value = 'http://c2.example.net/gate.php']",
        'phish@example.net': "[email-addr:value = 'phish@example.net']",
        'd41d8cd98f00b204e9800998ecf8427e : e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855':
          "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
        ASN64511: '[autonomous-system:number = 64511]',
        '198.51.100.0/24': "[ipv4-addr:value = '198.51.100.0/24']",
        "Global\\it's-me": "[mutex:name = 'Global\\\\it\\'s-me']",
        'HKEY_LOCAL_MACHINE\\Software\\Run : evil : REG_SZ': "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\Run' AND windows-registry-key:values[*].name = 'evil' AND windows-registry-key:values[*].data_type = 'REG_SZ']",
        'EvilBot/2.0': "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'EvilBot/2.0']",
        'Your invoice': "[email-message:subject = 'Your invoice']",
        '#stix': "[x-cairn-hashtag:value = '#stix']",
      });
      const extras = Object.fromEntries(bundle.objects.filter((o) => o.x_cairn_fields).map((o) => [o.name, o.x_cairn_fields]));
      assert.deepEqual(extras, {
        'c2.example.net': { dnsActive: true, firstSeen: '2024-02-01T00:00:00Z', lastSeen: '2024-02-03T00:00:00Z' },
        'd41d8cd98f00b204e9800998ecf8427e : e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855': { size: 1024 },
      });
      const address = bundle.objects.find((o) => o.name === '192.0.2.44')!;
      assert.equal(address.id, indicatorStixId(ownerName, 'Address', '192.0.2.44'));
      assert.deepEqual({ ...address, created: undefined, modified: undefined, valid_from: undefined }, {
        type: 'indicator', spec_version: '2.1', id: address.id, created_by_ref: identityStixId(ownerName), created: undefined, modified: undefined,
        name: '192.0.2.44', description: 'A C2 server', labels: ['botnet', 'c2'],
        external_references: [{ source_name: 'External ID', external_id: 'EXT-1' }, { source_name: 'Reference Link', url: 'https://ref.example/1' }],
        object_marking_refs: [TLP_MARKINGS['TLP:AMBER']!.id], x_cairn_attributes: [{ type: 'Source', value: 'feed' }],
        pattern: "[ipv4-addr:value = '192.0.2.44']", pattern_type: 'stix', pattern_version: '2.1', valid_from: undefined, confidence: 70, x_cairn_rating: 3,
      });
      assert.equal(address.valid_from, address.created);
      const relationships = bundle.objects.filter((o) => o.type === 'relationship');
      assert.deepEqual(relationships.map((r) => [r.source_ref, r.relationship_type, r.target_ref, r.x_cairn_association_type]).sort(), [
        [address.id, 'indicates', groupStixId(ownerName, 'Adversary', (await groupXid(ids['g:adversary']!))), undefined],
        [address.id, 'related-to', groupStixId(ownerName, 'Report', (await groupXid(ids['g:report']!))), undefined],
        [indicatorStixId(ownerName, 'URL', 'http://c2.example.net/gate.php'), 'related-to', indicatorStixId(ownerName, 'Host', 'c2.example.net'), 'URL Host'],
      ].sort());
    });

    async function groupXid(id: number): Promise<string> {
      return String((await db.selectFrom('groups').select('xid').where('id', '=', id).executeTakeFirstOrThrow()).xid);
    }

    it('gives every group its SDO, fields and references', async () => {
      const { bundle } = await exportText({ over: 'groups' });
      const byName = new Map(bundle.objects.filter((o) => o.name).map((o) => [o.name, o]));
      assert.equal(byName.get('Sandstorm').type, 'threat-actor');
      assert.deepEqual(byName.get('Sandstorm').aliases, ['Dune']);
      assert.equal(byName.get('Sandstorm').description, 'An actor');
      assert.deepEqual(byName.get('Sandstorm').labels, ['apt']);
      assert.equal(byName.get('Operation Tide').first_seen, '2024-03-01T00:00:00.000Z');
      assert.deepEqual([byName.get('Breach 7').type, byName.get('Breach 7').x_cairn_fields], ['incident', { eventDate: '2024-04-01T00:00:00Z', status: 'Open' }]);
      const report = byName.get('Q2 threat report');
      assert.equal(report.published, '2024-06-30T00:00:00.000Z');
      assert.deepEqual(report.object_refs, [groupStixId(ownerName, 'Adversary', await groupXid(ids['g:adversary']!)), indicatorStixId(ownerName, 'Address', '192.0.2.44')].sort());
      assert.deepEqual(report.x_cairn_fields, { fileName: 'q2.pdf' });
      assert.deepEqual(byName.get('Empty report').object_refs, [identityStixId(ownerName)]);
      assert.deepEqual([byName.get('Exe seen twice').type, byName.get('Exe seen twice').pattern, byName.get('Exe seen twice').pattern_type], ['indicator', "[file:name = 'evil.exe'] REPEATS 2 TIMES", 'stix']);
      assert.deepEqual([byName.get('Snort rule').pattern_type, byName.get('Snort rule').x_cairn_fields], ['snort', { fileName: 'r.rules' }]);
      assert.deepEqual([byName.get('Lure').type, byName.get('Lure').x_cairn_type, byName.get('Lure').x_cairn_fields], ['x-cairn-group', 'Email', { body: 'Click', from: undefined, header: 'From: a', subject: 'Hi' }].map((v) => (typeof v === 'object' ? JSON.parse(JSON.stringify(v)) : v)));
      assert.equal(byName.get('Wiper').is_family, true);
      assert.deepEqual([byName.get('Dropper sample').type, byName.get('Dropper sample').x_cairn_type, byName.get('Dropper sample').x_cairn_fields], ['x-cairn-group', 'Document', { fileName: 'dropper.zip', malware: true, password: 'infected' }]);
      assert.deepEqual(byName.get('Beacon seen').x_cairn_fields, { eventDate: '2024-05-01T00:00:00Z', eventType: 'Detection', status: 'Escalated' });
      assert.deepEqual(byName.get('Block the C2').x_cairn_fields, { dueDate: '2024-05-02T00:00:00Z' });
      assert.deepEqual(['Ransomware wave', 'Initial Access', 'Patch', 'CVE-2021-44228', 'Spearphishing', 'Set Nine'].map((n) => byName.get(n).type),
        ['x-cairn-group', 'x-mitre-tactic', 'course-of-action', 'vulnerability', 'attack-pattern', 'intrusion-set']);
      assert.deepEqual(byName.get('CVE-2021-44228').external_references, [{ source_name: 'External ID', external_id: 'cve:CVE-2021-44228' }]);
      assert.equal(byName.get('Set Nine').last_seen, '2024-06-01T00:00:00.000Z');
      assert.equal(byName.get('Imported tool').id, 'tool--6b0b5c8e-2a47-4f5e-9d8c-0a1b2c3d4e5f', 'a group whose xid is a STIX id keeps it');
      const groupLinks = bundle.objects.filter((o) => o.type === 'relationship');
      assert.equal(groupLinks.length, 2, 'each group ↔ group association once');
      for (const link of groupLinks) assert.ok(link.source_ref < link.target_ref);
    });

    it('writes the same bytes again for the same data', async () => {
      const first = await exportText();
      const second = await exportText();
      assert.equal(second.text, first.text);
      assert.equal(second.summary.bundleId, first.summary.bundleId);
    });

    it('exports a TQL selection through the engine (owner-scoped), in pages', async () => {
      const principal = ownerReadPrincipal({ id: ownerId, name: ownerName, type: 'Organization', uuid: server.bootstrap.organization.uuid });
      const hosts = await exportText({ over: 'indicators', ids: tqlSelectionIds(server.services.resources, principal, ownerName, 'typeName = "Host"') });
      assert.deepEqual(hosts.bundle.objects.filter((o) => o.type === 'indicator').map((o) => o.name), ['c2.example.net']);
      const adversaries = await exportText({ over: 'groups', ids: tqlSelectionIds(server.services.resources, principal, ownerName, 'typeName = "Adversary"') });
      assert.deepEqual(adversaries.bundle.objects.filter((o) => o.type !== 'relationship' && o.type !== 'identity').map((o) => o.name), ['Sandstorm']);
      const all = await exportText({ ids: tqlSelectionIds(server.services.resources, principal, ownerName, undefined) });
      assert.equal(all.text, (await exportText()).text, 'the engine\'s selection of everything is the default selection');
    });

    it('never exports another owner\'s items, even when a selection names them', async () => {
      const { text, summary } = await exportText({ over: 'indicators', ids: async () => ({ ids: [ids.theirs!, ids.host!] }) });
      assert.equal(summary.indicators, 1);
      assert.ok(!text.includes('theirs.example.org'));
      await assert.rejects(exportText({ ownerId: 999_999 }), /Owner 999999 was not found/);
    });

    it('streams: one chunk per page, and a consumer that stops early stops the reads', async () => {
      const { chunks } = stixBundleChunks(db, { ownerId, over: 'both' });
      const first = await chunks.next();
      assert.ok(String(first.value).startsWith('{"type":"bundle"'));
      await chunks.return(undefined);
    });

    it('reads back into the items the owner holds', async () => {
      const { text } = await exportText();
      const { items, problems } = await readWholeStixBundle(Readable.from([text]), { maxBytes: 10_000_000 });
      assert.deepEqual(problems, []);
      const indicators = items.filter((i) => i.kind === 'indicator').map((i) => i.kind === 'indicator' && `${i.type}|${i.summary}`).sort();
      const stored = (await db.selectFrom('indicators').select(['type', 'summary']).where('owner_id', '=', ownerId).where('active', '=', 1).execute()).map((r) => `${r.type}|${r.summary}`).sort();
      assert.deepEqual(indicators, stored);
      const groups = items.filter((i) => i.kind === 'group').map((i) => i.kind === 'group' && `${i.type}|${i.name}`).sort();
      const storedGroups = (await db.selectFrom('groups').select(['type', 'name']).where('owner_id', '=', ownerId).execute()).map((r) => `${r.type}|${r.name}`).sort();
      assert.deepEqual(groups, storedGroups);
      const address = items.find((i) => i.kind === 'indicator' && i.summary === '192.0.2.44');
      assert.deepEqual(address && { ...address, created: undefined, modified: undefined }, {
        kind: 'indicator', type: 'Address', summary: '192.0.2.44', tags: ['botnet', 'c2'], securityLabels: ['TLP:AMBER'], confidence: 70, rating: 3,
        created: undefined, modified: undefined,
        attributes: [{ type: 'Description', value: 'A C2 server' }, { type: 'External ID', value: 'EXT-1' }, { type: 'Reference Link', value: 'https://ref.example/1' }, { type: 'Source', value: 'feed' }],
      });
      assert.equal(items.filter((i) => i.kind === 'association').length, 2 + 2 + 1, 'indicator → group, group ↔ group, URL → Host (the report\'s refs repeat links already made)');
    });
  });
}
