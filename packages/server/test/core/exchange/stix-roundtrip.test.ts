/**
 * The STIX round trip, end to end on real servers and databases (both dialects): intelligence
 * written over the v3 API on one Cairn is exported, the bundle imported into an owner of the same
 * name on a second Cairn (staged into an import job, processed by that server's import worker),
 * and exported there again: the same bundle, byte for byte. Imported a second time, nothing
 * changes; imported into an owner of another name, the same objects under that owner's ids.
 */
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { DEFAULT_SETTINGS } from '../../../src/core/exchange/items.js';
import { findImportJob, listImportProblems } from '../../../src/core/exchange/jobs.js';
import { writeStixBundle } from '../../../src/core/exchange/stix/export.js';
import { stageStixImport } from '../../../src/core/exchange/stix/stage.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call, type Json } from '../../support/v3.js';
import { writeStixFixtures } from './stix-fixtures.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void { this.text += chunk.toString(); callback(); }
}

async function exportOf(server: TestServer, ownerId: number): Promise<string> {
  const sink = new Sink();
  await writeStixBundle(server.services.store.db as Kysely<any>, { ownerId, over: 'both' }, sink);
  return sink.text;
}

/** Stages `text` into an import job of `ownerId` on `server` and waits for its worker to complete it; the job and its problems. */
async function importInto(server: TestServer, ownerId: number, text: string, userId = server.bootstrap.apiUser.id) {
  const db = server.services.store.db as Kysely<any>;
  const staged = await stageStixImport(db, { ownerId, userId, origin: 'cli', settings: DEFAULT_SETTINGS }, Readable.from([Buffer.from(text)]), { maxBytes: 50_000_000 });
  let job = await findImportJob(db, staged.jobId, [ownerId]);
  for (let i = 0; i < 1500 && job?.status !== 'Completed'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    job = await findImportJob(db, staged.jobId, [ownerId]);
  }
  assert.equal(job?.status, 'Completed', `job ${staged.jobId} completes`);
  return { job: job!, problems: await listImportProblems(db, staged.jobId, { limit: 100 }) };
}

for (const dialect of testDialects()) {
  describe(`STIX round trip between two Cairns (${dialect})`, () => {
    let source: TestServer;
    let target: TestServer;

    before(async () => {
      source = await startTestServer(dialect);
      target = await startTestServer(dialect, { env: { CAIRN_IMPORT_POLL_MS: '20' } });
      const api = source.client('threatconnect', { baseUrl: `${source.baseUrl}/api` });
      await writeStixFixtures(async (method, target, body) => {
        const answer = await call(api, method, target, body);
        assert.ok(answer.status === 200 || answer.status === 201, `${method} ${target}: ${JSON.stringify(answer.body).slice(0, 300)}`);
        return answer.body.data as Json;
      });
    });
    after(async () => { await source.close(); await target.close(); });

    it('export → import into an owner of the same name elsewhere → export gives the same bundle', async () => {
      assert.equal(target.bootstrap.organization.name, source.bootstrap.organization.name, 'both organizations have one name');
      const first = await exportOf(source, source.bootstrap.organization.id);
      const { job, problems } = await importInto(target, target.bootstrap.organization.id, first);
      assert.deepEqual(problems, []);
      assert.equal(job.errorCount, 0);
      assert.equal(job.successCount, job.itemCount);
      const second = await exportOf(target, target.bootstrap.organization.id);
      assert.equal(second, first);
    });

    it('imported again, changes nothing', async () => {
      const first = await exportOf(source, source.bootstrap.organization.id);
      const { problems } = await importInto(target, target.bootstrap.organization.id, first);
      assert.deepEqual(problems, []);
      assert.equal(await exportOf(target, target.bootstrap.organization.id), first);
    });

    it('a round trip across many chunks keeps the order and the bytes', async () => {
      // 2,500 indicators and 1,200 groups (with an association each) first land in a community of the source by an import.
      const objects: Json[] = [];
      for (let i = 0; i < 2500; i++) objects.push({ type: 'indicator', spec_version: '2.1', id: `indicator--${String(i).padStart(8, '0')}-bbbb-4bbb-8bbb-bbbbbbbbbbbb`, created: '2025-01-01T00:00:00.000Z', modified: '2025-01-02T00:00:00.000Z', pattern: `[domain-name:value = 'n${i}.bulk.example']`, pattern_type: 'stix', valid_from: '2025-01-01T00:00:00Z', labels: [`t${i % 13}`] });
      for (let i = 0; i < 1200; i++) objects.push({ type: i % 2 ? 'malware' : 'campaign', spec_version: '2.1', id: `${i % 2 ? 'malware' : 'campaign'}--${String(i).padStart(8, '0')}-cccc-4ccc-8ccc-cccccccccccc`, created: '2025-02-01T00:00:00.000Z', modified: '2025-02-01T00:00:00.000Z', name: `Group ${i}`, is_family: true });
      for (let i = 0; i < 1200; i++) objects.push({ type: 'relationship', spec_version: '2.1', id: `relationship--${String(i).padStart(8, '0')}-dddd-4ddd-8ddd-dddddddddddd`, relationship_type: 'indicates', source_ref: objects[i * 2]!.id, target_ref: objects[2500 + i]!.id });
      const community = source.bootstrap.community.id;
      const seeded = await importInto(source, community, JSON.stringify({ type: 'bundle', id: 'bundle--bbbbbbbb-0000-4000-8000-000000000000', objects }));
      assert.deepEqual(seeded.problems, []);
      assert.equal(seeded.job.chunkCount, 5);
      const first = await exportOf(source, community);
      const targetCommunity = target.bootstrap.community;
      assert.equal(targetCommunity.name, source.bootstrap.community.name);
      const { problems } = await importInto(target, targetCommunity.id, first);
      assert.deepEqual(problems, []);
      assert.equal(await exportOf(target, targetCommunity.id), first);
    });

    it('a foreign bundle with bad objects: the good ones land, each bad one is an error of the job', async () => {
      const actor = 'threat-actor--aaaaaaaa-0000-4000-8000-000000000001';
      const ind = 'indicator--aaaaaaaa-0000-4000-8000-000000000002';
      const bundle = JSON.stringify({ type: 'bundle', id: 'bundle--aaaaaaaa-0000-4000-8000-000000000000', objects: [
        { type: 'relationship', id: 'relationship--aaaaaaaa-0000-4000-8000-000000000003', relationship_type: 'indicates', source_ref: ind, target_ref: actor },
        { type: 'indicator', id: ind, pattern: "[domain-name:value = 'foreign.example' OR ipv4-addr:value = '300.0.0.1']", pattern_type: 'stix', labels: ['foreign'], created: '2023-03-03T03:03:03.000Z', modified: '2023-03-04T03:03:03.000Z' },
        { type: 'threat-actor', id: actor, name: 'Foreign actor', object_marking_refs: ['marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da'] },
        { type: 'location', id: 'location--aaaaaaaa-0000-4000-8000-000000000004', country: 'FR' },
        { type: 'relationship', id: 'relationship--aaaaaaaa-0000-4000-8000-000000000005', source_ref: ind, target_ref: 'campaign--aaaaaaaa-0000-4000-8000-000000000006' },
        { type: 'tool', id: 'tool--aaaaaaaa-0000-4000-8000-000000000007', name: 'x'.repeat(600) },
      ] });
      const ownerId = target.bootstrap.organization.id;
      const { job, problems } = await importInto(target, ownerId, bundle);
      const reasons = problems.map((p) => `${p.kind} ${p.severity}: ${p.reason}`);
      // Read: the bad address (a warning: the pattern's host landed), the location. Applied: the campaign not found, the name too long.
      assert.equal(problems.length, 4, reasons.join("\n"));
      assert.ok(reasons.some((r) => /indicator Warning: .*300\.0\.0\.1|indicator Warning: .*IPv4/.test(r)), reasons.join('\n'));
      assert.ok(reasons.some((r) => /location .* was not imported/.test(r)), reasons.join('\n'));
      assert.ok(reasons.some((r) => /^association Error/.test(r)), reasons.join('\n'));
      assert.ok(reasons.some((r) => /^group Error/.test(r) && !/location/.test(r)), reasons.join('\n'));
      assert.equal(job.status, 'Completed');
      const db = target.services.store.db as Kysely<any>;
      const host = await db.selectFrom('indicators').select(['id', 'date_added', 'last_modified']).where('owner_id', '=', ownerId).where('summary', '=', 'foreign.example').executeTakeFirstOrThrow();
      assert.deepEqual([host.date_added, host.last_modified], ['2023-03-03T03:03:03Z', '2023-03-04T03:03:03Z']);
      const group = await db.selectFrom('groups').select(['id', 'type', 'name']).where('owner_id', '=', ownerId).where('xid', '=', actor).executeTakeFirstOrThrow();
      assert.deepEqual([group.type, group.name], ['Adversary', 'Foreign actor']);
      const linked = await db.selectFrom('indicator_groups').select('group_id').where('indicator_id', '=', host.id).execute();
      assert.deepEqual(linked.map((l) => Number(l.group_id)), [Number(group.id)]);
      const labels = await db.selectFrom('group_labels').innerJoin('security_labels', 'security_labels.id', 'group_labels.label_id').select('security_labels.name').where('group_labels.group_id', '=', group.id).execute();
      assert.deepEqual(labels.map((l) => l.name), ['TLP:GREEN']);
    });

    it('into an owner of another name: the same objects, under that owner\'s ids', async () => {
      const first = await exportOf(source, source.bootstrap.organization.id);
      const elsewhere = await target.services.tenancy.createOrganization('STIX Elsewhere');
      const user = await target.services.tenancy.createApiUser(elsewhere.name);
      const { problems } = await importInto(target, elsewhere.id, first, user.id);
      assert.deepEqual(problems, []);
      const other = JSON.parse(await exportOf(target, elsewhere.id)) as { objects: Json[] };
      const original = JSON.parse(first) as { objects: Json[] };
      assert.equal(other.objects.length, original.objects.length);
      const shape = (objects: Json[]) => objects.map((o) => `${o.type}|${o.name ?? ''}|${o.pattern ?? ''}`).sort();
      assert.deepEqual(shape(other.objects).filter((s) => !s.startsWith('identity')), shape(original.objects).filter((s) => !s.startsWith('identity')));
      const otherIds = new Set(other.objects.map((o) => o.id));
      // What has an identity of its own keeps its id: the groups (their xid is their STIX id after an import, and the
      // Signatures' too), the relationships between two of them and the TLP markings; the indicators take the owner's name.
      const isGroup = (o: Json) => !['identity', 'relationship', 'indicator', 'marking-definition'].includes(o.type) || (o.type === 'indicator' && o.pattern.includes('REPEATS')) || (o.type === 'indicator' && o.pattern_type !== 'stix');
      for (const object of original.objects) {
        if (isGroup(object) || object.type === 'marking-definition') assert.ok(otherIds.has(object.id), `${object.type} ${object.name ?? object.id} keeps its id`);
        if (object.type === 'indicator' && !isGroup(object)) assert.ok(!otherIds.has(object.id), `the indicator ${object.name} takes the owner's name in its id`);
      }
    });
  });
}
