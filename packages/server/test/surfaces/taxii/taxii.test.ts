/**
 * The TAXII 2.1 server over HTTP, with real HTTP Basic credentials, on both databases: discovery,
 * the API root, collections (one per readable owner; another organization's is 404), objects with
 * paging (`limit`/`next`, `added_after`), the match filters, one object, its versions, the
 * manifest, media types and the TAXII error format, POST into a writable collection → status →
 * imported objects readable over v3, and DELETE.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { decodeCursor, encodeCursor } from '../../../src/core/exchange/taxii.js';
import { stixBundleChunks } from '../../../src/core/exchange/stix/export.js';
import { TLP_MARKINGS } from '../../../src/core/exchange/stix/render.js';
import { CairnError } from '../../../src/core/errors.js';
import { checkAccept } from '../../../src/surfaces/taxii/media.js';
import type { FastifyRequest } from 'fastify';
import { rawRequest, tcHeaders, websupportHeaders, type RawResponse } from '../../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import type { Json } from '../../support/v3.js';

const TAXII = 'application/taxii+json;version=2.1';
const ROOT = '/taxii2/cairn';

interface Caller { accessId: string; secret: string }
interface Answer { status: number; body: Json; raw: RawResponse }

const basic = (caller: Caller) => `Basic ${Buffer.from(`${caller.accessId}:${caller.secret}`).toString('base64')}`;

describe('TAXII pieces (no server)', () => {
  it('property: a next token round-trips its key, and any other text is a 400, never another failure', () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), fc.constantFrom(-2, -1, 0, 1), fc.nat(), (at, kind, id) => {
      assert.deepEqual(decodeCursor(encodeCursor({ at, kind, id })), { at, kind, id });
    }));
    // A relationship's key has the ids of its link row.
    fc.assert(fc.property(fc.string({ maxLength: 30 }), fc.constantFrom(2, 3, 4), fc.nat(), fc.nat(), fc.nat(), (at, kind, id, id2, id3) => {
      assert.deepEqual(decodeCursor(encodeCursor({ at, kind, id, id2, id3 })), { at, kind, id, id2, id3 });
    }));
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (token) => {
      try {
        decodeCursor(token);
      } catch (error) {
        assert.ok(error instanceof CairnError && error.code === 'bad-request', String(error));
      }
    }));
  });

  it('property: any Accept header is either accepted or a 406, never another failure', () => {
    const accepts = (accept: string) => {
      try {
        checkAccept({ headers: { accept } } as unknown as FastifyRequest);
        return true;
      } catch (error) {
        assert.ok(error instanceof CairnError && error.code === 'not-acceptable', String(error));
        return false;
      }
    };
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (accept) => { accepts(accept); }));
    for (const ok of [TAXII, 'application/taxii+json', 'application/taxii+json; version=2.1', '*/*', 'application/*', 'text/html, application/taxii+json;version=2.1;q=0.5']) assert.equal(accepts(ok), true, ok);
    for (const refused of ['application/json', 'application/taxii+json;version=2.0', 'application/stix+json;version=2.1', 'text/html', `${TAXII};q=0`]) assert.equal(accepts(refused), false, refused);
  });
});

for (const dialect of testDialects()) {
  describe(`TAXII 2.1 server (${dialect})`, () => {
    let server: TestServer;
    /** An API user of a fresh organization holding exactly the objects made here. */
    let me: Caller;
    let myOrg: { id: number; name: string; uuid: string };
    /** Another organization's API user and collection. */
    let them: Caller;
    let theirOrg: { id: number; name: string; uuid: string };
    let disabled: Caller;
    const hosts: string[] = [];
    const groupNames: string[] = [];

    async function send(caller: Caller | undefined, method: string, target: string, options: { headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
      const headers: Record<string, string> = { Accept: TAXII, ...(caller ? { Authorization: basic(caller) } : {}), ...options.headers };
      if (options.body !== undefined) {
        headers['Content-Type'] ??= TAXII;
        headers['Content-Length'] = String(Buffer.byteLength(options.body));
      }
      const raw = await rawRequest(server.baseUrl, method, target, headers, options.body);
      assert.ok(raw.status < 500, `${method} ${target} → ${raw.status} ${raw.body.slice(0, 300)}`);
      if (raw.body !== '') assert.equal(raw.headers['content-type'], TAXII, `${method} ${target}: Content-Type`);
      return { status: raw.status, body: raw.body === '' ? undefined : JSON.parse(raw.body), raw };
    }
    const get = (target: string, headers?: Record<string, string>) => send(me, 'GET', target, { headers });
    const collection = (org = myOrg) => `${ROOT}/collections/${org.uuid}`;

    function expectError(answer: Answer, status: number, description?: RegExp): void {
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.equal(typeof answer.body.title, 'string');
      assert.equal(answer.body.http_status, String(status));
      if (description) assert.match(answer.body.description, description);
      assert.equal(answer.body.status, undefined, 'not the ThreatConnect envelope');
    }

    async function v3(caller: Caller, method: string, target: string, body?: unknown): Promise<Json> {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const raw = await rawRequest(server.baseUrl, method, target, { ...tcHeaders(caller.accessId, caller.secret, method, target), ...(payload ? { 'Content-Type': 'application/json' } : {}) }, payload);
      assert.ok(raw.status < 300, `${method} ${target}: ${raw.status} ${raw.body.slice(0, 300)}`);
      return JSON.parse(raw.body);
    }

    /** Every object of a paged listing, following `next` with the same filters. */
    async function allPages(path: string, query: string, limit: number): Promise<{ pages: Answer[]; objects: Json[] }> {
      const pages: Answer[] = [];
      const objects: Json[] = [];
      let next: string | undefined;
      for (let guard = 0; guard < 100; guard++) {
        const answer = await get(`${path}?limit=${limit}${query}${next === undefined ? '' : `&next=${encodeURIComponent(next)}`}`);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        pages.push(answer);
        objects.push(...(answer.body.objects ?? []));
        assert.ok((answer.body.objects ?? []).length <= limit);
        if (!answer.body.more) return { pages, objects };
        next = answer.body.next;
        assert.equal(typeof next, 'string');
      }
      throw new Error('paging did not end');
    }

    before(async () => {
      server = await startTestServer(dialect);
      const { tenancy } = server.services;
      const org = await tenancy.createOrganization(`TAXII ${dialect} home`);
      myOrg = { id: org.id, name: org.name, uuid: org.uuid };
      me = await tenancy.createApiUser(org.name, 'taxii reader');
      const other = await tenancy.createOrganization(`TAXII ${dialect} foreign`);
      theirOrg = { id: other.id, name: other.name, uuid: other.uuid };
      them = await tenancy.createApiUser(other.name, 'foreign taxii reader');
      disabled = await tenancy.createApiUser(org.name, 'disabled taxii reader');
      await tenancy.setDisabled(disabled.accessId, true);
      server.services.credentials.invalidate();
      for (let i = 0; i < 61; i++) {
        const host = `host${i}.taxii-${dialect}.example.com`;
        await v3(me, 'POST', '/api/v3/indicators', { type: 'Host', hostName: host, confidence: 50 });
        hosts.push(host);
      }
      for (let i = 0; i < 4; i++) {
        const name = `TAXII adversary ${i}`;
        await v3(me, 'POST', '/api/v3/groups', { type: 'Adversary', name });
        groupNames.push(name);
      }
      await v3(me, 'POST', '/api/v3/groups', { type: 'Malware', name: 'TAXII malware' });
      // One indicator with a tag and a TLP label: the objects served are the whole rendered rows.
      await v3(me, 'POST', '/api/v3/indicators', { type: 'Address', ip: '198.51.100.77', tags: { data: [{ name: 'taxii-tagged' }] }, securityLabels: { data: [{ name: 'TLP:AMBER' }] } });
      hosts.push('198.51.100.77');
      await v3(them, 'POST', '/api/v3/indicators', { type: 'Host', hostName: `secret.foreign-${dialect}.example.com` });
    });
    after(() => server.close());

    it('discovery names the one API root by absolute URL; the API root its version and max_content_length', async () => {
      const discovery = await get('/taxii2/');
      assert.equal(discovery.status, 200);
      assert.equal(discovery.body.title, 'Cairn TAXII 2.1');
      assert.deepEqual(discovery.body.api_roots, [`${server.baseUrl}/taxii2/cairn/`]);
      assert.equal(discovery.body.default, `${server.baseUrl}/taxii2/cairn/`);
      const root = await get(`${ROOT}/`);
      assert.equal(root.status, 200);
      assert.deepEqual(root.body.versions, [TAXII]);
      assert.equal(root.body.max_content_length, 10 * 1024 * 1024);
      assert.equal(typeof root.body.title, 'string');
    });

    it('collections: one per owner the caller may read, read-only unless the owner is set writable', async () => {
      const answer = await get(`${ROOT}/collections/`);
      assert.equal(answer.status, 200);
      const mine = answer.body.collections.find((c: Json) => c.id === myOrg.uuid);
      assert.deepEqual(mine, {
        id: myOrg.uuid, title: myOrg.name, description: mine.description, can_read: true, can_write: false, media_types: ['application/stix+json;version=2.1'],
      });
      assert.ok(!answer.raw.body.includes(theirOrg.uuid) && !answer.raw.body.includes(theirOrg.name), 'no foreign collection');
      const one = await get(`${collection()}/`);
      assert.equal(one.status, 200);
      assert.deepEqual(one.body, mine);
      const theirs = await send(them, 'GET', `${ROOT}/collections/`);
      assert.ok(!theirs.raw.body.includes(myOrg.uuid), 'the other organization does not see mine');
    });

    it('another organization\'s collection is 404 on every endpoint, and shows nothing of it', async () => {
      const foreign = collection(theirOrg);
      for (const target of [`${foreign}/`, `${foreign}/objects/`, `${foreign}/manifest/`, `${foreign}/objects/indicator--00000000-0000-5000-8000-000000000000/`, `${foreign}/objects/indicator--00000000-0000-5000-8000-000000000000/versions/`]) {
        const answer = await get(target);
        expectError(answer, 404, /No collection/);
        assert.ok(!answer.raw.body.includes('secret.foreign'), target);
      }
      expectError(await send(me, 'DELETE', `${foreign}/objects/indicator--00000000-0000-5000-8000-000000000000/`), 404);
      expectError(await send(me, 'POST', `${foreign}/objects/`, { body: JSON.stringify({ objects: [] }) }), 404);
      expectError(await get(`${ROOT}/collections/not-a-collection/`), 404);
    });

    it('objects: pages of `limit` by next, every object once, in date-added order, with the date headers', async () => {
      const { pages, objects } = await allPages(`${collection()}/objects/`, '', 7);
      // The owner's identity (every object's creator) first, dated 1970; then the indicators and groups.
      assert.deepEqual([objects[0].type, objects[0].name, objects[0].modified], ['identity', myOrg.name, '1970-01-01T00:00:00.000Z']);
      // Then the four TLP marking-definitions (dated 2017-01-20), then the indicators and groups.
      assert.deepEqual(objects.slice(1, 5).map((o) => o.id), Object.values(TLP_MARKINGS).map((m) => m.id).sort());
      assert.equal(objects.length, 1 + 4 + hosts.length + groupNames.length + 1);
      assert.equal(new Set(objects.map((o) => o.id)).size, objects.length, 'no object twice');
      assert.deepEqual(objects.filter((o) => o.type === 'indicator').map((o) => o.name).sort(), [...hosts].sort());
      // Every object names the owner's identity as its creator; patterns, tags and TLP markings are rendered.
      assert.ok(objects.slice(5).every((o) => o.created_by_ref === objects[0].id));
      const tagged = objects.find((o) => o.name === '198.51.100.77');
      assert.equal(tagged.pattern, "[ipv4-addr:value = '198.51.100.77']");
      assert.deepEqual(tagged.labels, ['taxii-tagged']);
      assert.deepEqual(tagged.object_marking_refs, ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82']);
      assert.equal(objects.find((o) => o.name === hosts[0]).pattern, `[domain-name:value = '${hosts[0]}']`);
      assert.deepEqual(objects.filter((o) => o.type === 'threat-actor').map((o) => o.name).sort(), [...groupNames].sort());
      assert.ok(pages.length >= 10);
      for (const page of pages) {
        const list: Json[] = page.body.objects;
        assert.equal(list.every((o) => o.spec_version === '2.1'), true);
        const first = page.raw.headers['x-taxii-date-added-first'];
        const last = page.raw.headers['x-taxii-date-added-last'];
        assert.match(String(first), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        assert.ok(String(first) <= String(last));
      }
      const added = (await allPages(`${collection()}/manifest/`, '', 5)).objects.map((r) => r.date_added);
      assert.deepEqual(added, [...added].sort(), 'manifest in date-added order');
      // The largest limit is served as the most a page holds; a limit below 1 is refused.
      const big = await get(`${collection()}/objects/?limit=100000`);
      assert.equal(big.status, 200);
      assert.equal(big.body.objects.length, objects.length);
      assert.equal(big.body.more, false);
      expectError(await get(`${collection()}/objects/?limit=0`), 400);
      expectError(await get(`${collection()}/objects/?next=bm90LWEtdG9rZW4`), 400, /next/);
    });

    it('an object changed while a client pages is served again after the cursor, as its new version; none is skipped', async () => {
      const db = server.services.store.db as unknown as Kysely<any>;
      const first = await get(`${collection()}/objects/?limit=10`);
      const seen: Json[] = [...first.body.objects];
      // An indicator of the first page changes (a later last_modified, as any write gives it).
      const changed = seen.find((o) => o.type === 'indicator')!;
      await db.updateTable('indicators').set({ last_modified: '2098-06-07T08:09:10Z' }).where('owner_id', '=', myOrg.id).where('summary', '=', changed.name).execute();
      let next: string | undefined = first.body.next;
      while (next !== undefined) {
        const page = await get(`${collection()}/objects/?limit=10&next=${encodeURIComponent(next)}`);
        seen.push(...(page.body.objects ?? []));
        next = page.body.more ? page.body.next : undefined;
      }
      const all = (await get(`${collection()}/objects/?limit=1000`)).body.objects as Json[];
      assert.deepEqual([...new Set(seen.map((o) => o.id))].sort(), all.map((o) => o.id).sort(), 'every object served');
      const versions = seen.filter((o) => o.id === changed.id).map((o) => o.modified);
      assert.deepEqual(versions, [changed.modified, '2098-06-07T08:09:10.000Z'], 'the old version, then the new one at the end');
      assert.equal(seen[seen.length - 1].id, changed.id);
      await db.updateTable('indicators').set({ last_modified: changed.modified.replace(/\.\d{3}Z$/, 'Z') }).where('owner_id', '=', myOrg.id).where('summary', '=', changed.name).execute();
    });

    it('added_after: only objects added (or changed) after the time, paged from there', async () => {
      const before = (await get(`${collection()}/objects/?limit=1000`)).body.objects as Json[];
      // Move five indicators to a later time, as a change would.
      const later = '2099-01-02T03:04:05Z';
      const moved = hosts.slice(0, 5);
      await (server.services.store.db as unknown as Kysely<any>).updateTable('indicators').set({ last_modified: later }).where('owner_id', '=', myOrg.id).where('summary', 'in', moved).execute();
      const { objects } = await allPages(`${collection()}/objects/`, '&added_after=2099-01-01T00:00:00.000Z', 2);
      assert.deepEqual(objects.map((o) => o.name).sort(), [...moved].sort());
      assert.ok(objects.every((o) => o.modified === '2099-01-02T03:04:05.000Z'));
      const none = await get(`${collection()}/objects/?added_after=2099-01-02T03:04:05.000Z`);
      assert.equal(none.status, 200);
      assert.equal(none.body.objects, undefined);
      assert.equal(none.body.more, false);
      assert.equal(none.raw.headers['x-taxii-date-added-first'], undefined);
      const manifest = await get(`${collection()}/manifest/?added_after=2099-01-01T00:00:00Z`);
      assert.equal(manifest.body.objects.length, 5);
      assert.ok(manifest.body.objects.every((r: Json) => r.date_added === '2099-01-02T03:04:05.000Z' && r.version === r.date_added && r.media_type === 'application/stix+json;version=2.1'));
      expectError(await get(`${collection()}/objects/?added_after=yesterday`), 400, /added_after/);
      assert.equal(before.length, 1 + 4 + hosts.length + groupNames.length + 1);
    });

    it('match[type], match[id], match[version] and match[spec_version]', async () => {
      const all = (await get(`${collection()}/objects/?limit=1000`)).body.objects as Json[];
      const indicators = await get(`${collection()}/objects/?limit=1000&match[type]=indicator`);
      assert.equal(indicators.body.objects.length, hosts.length);
      const actors = await get(`${collection()}/objects/?limit=1000&match[type]=threat-actor,malware`);
      assert.deepEqual(actors.body.objects.map((o: Json) => o.type).sort(), ['malware', 'threat-actor', 'threat-actor', 'threat-actor', 'threat-actor']);
      const identity = await get(`${collection()}/objects/?match[type]=identity`);
      assert.deepEqual(identity.body.objects.map((o: Json) => o.name), [myOrg.name]);
      assert.deepEqual((await get(`${collection()}/objects/${identity.body.objects[0].id}/`)).body.objects, identity.body.objects);
      const unknown = await get(`${collection()}/objects/?match[type]=sighting`);
      assert.equal(unknown.body.objects, undefined);
      const [a, b] = [all[6], all[all.length - 1]];
      const byId = await get(`${collection()}/objects/?match[id]=${a.id},${b.id}`);
      assert.deepEqual(byId.body.objects.map((o: Json) => o.id).sort(), [a.id, b.id].sort());
      const encoded = await get(`${collection()}/objects/?${encodeURIComponent('match[id]')}=${encodeURIComponent(a.id)}`);
      assert.deepEqual(encoded.body.objects.map((o: Json) => o.id), [a.id]);
      for (const version of ['first', 'last', 'all', a.modified]) {
        const answer = await get(`${collection()}/objects/${a.id}/?match[version]=${encodeURIComponent(version)}`);
        assert.deepEqual(answer.body.objects.map((o: Json) => o.id), [a.id], version);
      }
      const otherVersion = await get(`${collection()}/objects/${a.id}/?match[version]=2001-01-01T00:00:00.000Z`);
      assert.equal(otherVersion.status, 200);
      assert.equal(otherVersion.body.objects, undefined);
      assert.equal((await get(`${collection()}/objects/?match[spec_version]=2.0`)).body.objects, undefined);
      assert.equal((await get(`${collection()}/objects/?limit=1000&match[spec_version]=2.0,2.1`)).body.objects.length, all.length);
      expectError(await get(`${collection()}/objects/?match[version]=not-a-time`), 400, /match\[version\]/);
    });

    it('one object, its versions; an unknown object is 404', async () => {
      const [object] = (await get(`${collection()}/objects/?match[type]=threat-actor&limit=1`)).body.objects as Json[];
      const answer = await get(`${collection()}/objects/${object.id}/`);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { more: false, objects: [object] });
      assert.equal(answer.raw.headers['x-taxii-date-added-first'], object.modified);
      const versions = await get(`${collection()}/objects/${object.id}/versions/`);
      assert.equal(versions.status, 200);
      assert.deepEqual(versions.body, { more: false, versions: [object.modified] });
      expectError(await get(`${collection()}/objects/threat-actor--00000000-0000-5000-8000-000000000000/`), 404, /No object/);
      expectError(await get(`${collection()}/objects/not-an-id/versions/`), 404);
    });

    it('authentication: HTTP Basic with the access id and secret; failures are TAXII 401s with WWW-Authenticate', async () => {
      for (const [label, caller, headers] of [
        ['no credentials', undefined, {}],
        ['a wrong secret', { ...me, secret: `${me.secret}x` }, {}],
        ['an unknown access id', { accessId: 'nobody', secret: me.secret }, {}],
        ['a disabled user', disabled, {}],
        ['not base64', undefined, { Authorization: 'Basic %%%' }],
      ] as const) {
        const answer = await send(caller, 'GET', `${ROOT}/collections/`, { headers });
        expectError(answer, 401);
        assert.match(String(answer.raw.headers['www-authenticate']), /^Basic realm="Cairn TAXII"/, label);
      }
      // A TAXII client may send a Date with its Basic credentials: on /taxii2 Basic is always the access id and secret.
      for (const date of [new Date().toUTCString(), 'Thu, 01 Jan 1970 00:00:00 GMT']) {
        const dated = await send(me, 'GET', `${ROOT}/collections/`, { headers: { Date: date } });
        assert.equal(dated.status, 200, `Basic with Date: ${date}`);
        assert.ok(dated.body.collections.some((c: Json) => c.id === myOrg.uuid));
        expectError(await send({ ...me, secret: `${me.secret}x` }, 'GET', `${ROOT}/collections/`, { headers: { Date: date } }), 401);
        assert.equal((await send(me, 'GET', `${ROOT}/collections/`, { headers: { 'X-Date': date } })).status, 200, 'Basic with X-Date');
      }
      // So a Websupport HMAC (Basic <key>:<signature> with a Date) is not a credential here: a 401, not a 500.
      expectError(await send(undefined, 'GET', `${ROOT}/collections/`, { headers: websupportHeaders(me.accessId, me.secret, 'GET', `${ROOT}/collections/`) }), 401);
      // The other Cairn schemes work here too: one credential everywhere.
      const signed = await send(undefined, 'GET', `${ROOT}/collections/`, { headers: tcHeaders(me.accessId, me.secret, 'GET', `${ROOT}/collections/`) });
      assert.equal(signed.status, 200);
      // And HTTP Basic works on the ThreatConnect surface.
      const v3 = await rawRequest(server.baseUrl, 'GET', '/api/v3/indicators?resultLimit=1', { Authorization: basic(me) });
      assert.equal(v3.status, 200, v3.body);
    });

    it('media types: 406 for an Accept without TAXII 2.1, 415 for a POST that is not TAXII JSON; errors are TAXII error messages', async () => {
      expectError(await get(`${ROOT}/collections/`, { Accept: 'application/json' }), 406, /application\/taxii\+json;version=2.1/);
      expectError(await get(`${ROOT}/`, { Accept: 'application/taxii+json;version=2.0' }), 406);
      assert.equal((await get(`${ROOT}/`, { Accept: 'application/taxii+json' })).status, 200);
      assert.equal((await get(`${ROOT}/`, { Accept: '*/*' })).status, 200);
      await server.services.store.db.insertInto('system_settings').values({ key: `owner:${myOrg.id}:taxiiWritable`, value: 'true' })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: 'true' })).execute();
      const envelope = JSON.stringify({ objects: [] });
      expectError(await send(me, 'POST', `${collection()}/objects/`, { body: envelope, headers: { 'Content-Type': 'application/json' } }), 415, /application\/taxii\+json/);
      expectError(await send(me, 'POST', `${collection()}/objects/`, { body: '{"objects": [', headers: {} }), 400, /not valid JSON/);
      expectError(await send(me, 'POST', `${collection()}/objects/`, { body: '{"nothing": 1}' }), 400);
      expectError(await send(me, 'POST', `${collection()}/objects/`, { body: envelope }), 400, /no objects/);
      const huge = JSON.stringify({ objects: [{ type: 'note', content: 'x'.repeat(10 * 1024 * 1024) }] });
      expectError(await send(me, 'POST', `${collection()}/objects/`, { body: huge }), 413, /max_content_length of 10485760/);
      const route = await get(`${ROOT}/nothing-here/`);
      expectError(route, 404);
    });

    it('POST into a read-only collection is 403; into a writable one an import job whose status completes, its objects then readable over v3 and TAXII', async () => {
      await server.services.store.db.deleteFrom('system_settings').where('key', '=', `owner:${myOrg.id}:taxiiWritable`).execute();
      const objects = [
        { type: 'indicator', spec_version: '2.1', id: 'indicator--6b1b4a3c-3d2e-4f5a-8b7c-9d0e1f2a3b4c', created: '2026-01-01T00:00:00.000Z', modified: '2026-01-02T00:00:00.000Z', pattern: '[ipv4-addr:value = \'198.51.100.7\']', pattern_type: 'stix', valid_from: '2026-01-01T00:00:00Z' },
        { type: 'indicator', spec_version: '2.1', id: 'indicator--7c2c5b4d-4e3f-4a6b-9c8d-0e1f2a3b4c5d', created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', pattern: '[domain-name:value = \'posted.taxii.example.org\']', pattern_type: 'stix', valid_from: '2026-01-01T00:00:00Z' },
        { type: 'threat-actor', spec_version: '2.1', id: 'threat-actor--8d3d6c5e-5f4a-4b7c-8d9e-1f2a3b4c5d6e', created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', name: 'Posted actor' },
        { type: 'x-unknown-thing', spec_version: '2.1', id: 'x-unknown-thing--9e4e7d6f-6a5b-4c8d-9e0f-2a3b4c5d6e7f', created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z' },
      ];
      const body = JSON.stringify({ objects });
      expectError(await send(me, 'POST', `${collection()}/objects/`, { body }), 403, /read-only/);
      assert.equal((await get(`${collection()}/`)).body.can_write, false);
      await server.services.store.db.insertInto('system_settings').values({ key: `owner:${myOrg.id}:taxiiWritable`, value: 'true' }).execute();
      assert.equal((await get(`${collection()}/`)).body.can_write, true);

      const posted = await send(me, 'POST', `${collection()}/objects/`, { body });
      assert.equal(posted.status, 202, JSON.stringify(posted.body));
      const status = posted.body;
      assert.match(status.id, /^\d+$/);
      assert.ok(status.status === 'pending' || status.status === 'complete');
      assert.equal(status.total_count, status.success_count + status.failure_count + status.pending_count);
      // The other organization cannot read this status.
      expectError(await send(them, 'GET', `${ROOT}/status/${status.id}/`), 404);
      expectError(await get(`${ROOT}/status/999999999/`), 404);

      let final: Json = status;
      for (let polls = 0; final.status !== 'complete' && polls < 600; polls++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const answer = await get(`${ROOT}/status/${status.id}/`);
        assert.equal(answer.status, 200);
        final = answer.body;
        assert.equal(final.total_count, final.success_count + final.failure_count + final.pending_count);
      }
      assert.equal(final.status, 'complete', JSON.stringify(final));
      assert.equal(final.pending_count, 0);
      assert.equal(final.success_count, 3, JSON.stringify(final));
      assert.equal(final.failure_count, 1);
      assert.deepEqual(final.failures.map((f: Json) => f.id), ['x-unknown-thing--9e4e7d6f-6a5b-4c8d-9e0f-2a3b4c5d6e7f']);

      const address = await v3(me, 'GET', `/api/v3/indicators?tql=${encodeURIComponent('summary = "198.51.100.7"')}`);
      assert.equal(address.data.length, 1);
      const actor = await v3(me, 'GET', `/api/v3/groups?tql=${encodeURIComponent('name = "Posted actor"')}`);
      assert.equal(actor.data.length, 1);
      const served = await get(`${collection()}/objects/threat-actor--8d3d6c5e-5f4a-4b7c-8d9e-1f2a3b4c5d6e/`);
      assert.equal(served.status, 200);
      assert.equal(served.body.objects[0].name, 'Posted actor');
    });

    it('DELETE: 403 on a read-only collection; on a writable one the object is gone from TAXII and v3', async () => {
      const [object] = (await get(`${collection()}/objects/?match[type]=malware`)).body.objects as Json[];
      await server.services.store.db.deleteFrom('system_settings').where('key', '=', `owner:${myOrg.id}:taxiiWritable`).execute();
      expectError(await send(me, 'DELETE', `${collection()}/objects/${object.id}/`), 403);
      await server.services.store.db.insertInto('system_settings').values({ key: `owner:${myOrg.id}:taxiiWritable`, value: 'true' }).execute();
      const deleted = await send(me, 'DELETE', `${collection()}/objects/${object.id}/`);
      assert.equal(deleted.status, 200);
      expectError(await get(`${collection()}/objects/${object.id}/`), 404);
      const malware = await v3(me, 'GET', `/api/v3/groups?tql=${encodeURIComponent('typeName = "Malware"')}`);
      assert.equal(malware.data.length, 0);
      expectError(await send(me, 'DELETE', `${collection()}/objects/${object.id}/`), 404);
      const [identity] = (await get(`${collection()}/objects/?match[type]=identity`)).body.objects as Json[];
      expectError(await send(me, 'DELETE', `${collection()}/objects/${identity.id}/`), 403, /owner/);
    });

    it('associations are relationship objects: the export\'s objects under the same ids, listed, paged, found, filtered and dated by their ends', async () => {
      const db = server.services.store.db as unknown as Kysely<any>;
      const actor = await v3(me, 'POST', '/api/v3/groups', { type: 'Adversary', name: 'TAXII related actor' });
      await v3(me, 'POST', '/api/v3/groups', { type: 'Intrusion Set', name: 'TAXII related set', associatedGroups: { data: [{ id: actor.data.id }] } });
      const host = `related.taxii-${dialect}.example.com`;
      await v3(me, 'POST', '/api/v3/indicators', {
        type: 'Address', ip: '203.0.113.55', associatedGroups: { data: [{ id: actor.data.id }] }, associatedIndicators: { data: [{ type: 'Host', hostName: host }] },
      });
      // What `cairn export --format stix` writes for the owner.
      const { chunks } = stixBundleChunks(db, { ownerId: myOrg.id, over: 'both' });
      let text = '';
      for await (const chunk of chunks) text += chunk;
      const exported = (JSON.parse(text).objects as Json[]).filter((o) => o.type === 'relationship');
      assert.deepEqual(exported.map((o) => o.relationship_type).sort(), ['indicates', 'related-to', 'related-to'], JSON.stringify(exported));

      // Listed a page of one at a time, every relationship once, each the export's object.
      const { objects } = await allPages(`${collection()}/objects/`, '&match[type]=relationship', 1);
      const byId = (list: Json[]) => [...list].sort((x, y) => (x.id < y.id ? -1 : 1));
      assert.deepEqual(byId(objects), byId(exported));
      // In the unfiltered listing too, once each, and in the manifest, dated the later of both ends' last_modified.
      const everything = (await allPages(`${collection()}/objects/`, '', 9)).objects;
      assert.deepEqual(byId(everything.filter((o) => o.type === 'relationship')), byId(exported));
      const ends = new Map<string, string>();
      for (const o of everything) if (o.type !== 'relationship' && o.modified) ends.set(o.id, o.modified);
      const manifest = (await allPages(`${collection()}/manifest/`, '&match[type]=relationship', 2)).objects;
      assert.equal(manifest.length, exported.length);
      for (const record of manifest) {
        const object = exported.find((o) => o.id === record.id)!;
        const later = [ends.get(object.source_ref)!, ends.get(object.target_ref)!].sort()[1];
        assert.equal(record.date_added, later, record.id);
        assert.equal(record.version, object.modified, 'the version is the object\'s modified');
      }

      // One relationship by id, its versions, match[id] and match[version].
      const [one] = exported;
      const answer = await get(`${collection()}/objects/${one.id}/`);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { more: false, objects: [one] });
      assert.deepEqual((await get(`${collection()}/objects/${one.id}/versions/`)).body, { more: false, versions: [one.modified] });
      assert.deepEqual((await get(`${collection()}/objects/?match[id]=${one.id}&match[version]=${encodeURIComponent(one.modified)}`)).body.objects, [one]);
      assert.equal((await get(`${collection()}/objects/${one.id}/?match[version]=2001-01-01T00:00:00.000Z`)).body.objects, undefined);
      expectError(await get(`${collection()}/objects/relationship--00000000-0000-5000-8000-000000000000/`), 404, /No object/);
      for (const object of exported) assert.deepEqual((await get(`${collection()}/objects/?match[id]=${object.id}&match[type]=relationship`)).body.objects, [object]);
      // A relationship no listing has shown yet is found by its id too (looked up over the owner's associations).
      await v3(me, 'POST', '/api/v3/groups', { type: 'Campaign', name: 'TAXII late campaign', associatedGroups: { data: [{ id: actor.data.id }] } });
      const again = stixBundleChunks(db, { ownerId: myOrg.id, over: 'groups' });
      let groupsText = '';
      for await (const chunk of again.chunks) groupsText += chunk;
      const late = (JSON.parse(groupsText).objects as Json[]).filter((o) => o.type === 'relationship' && !exported.some((e) => e.id === o.id));
      assert.equal(late.length, 1);
      assert.deepEqual((await get(`${collection()}/objects/${late[0].id}/`)).body.objects, late);
      // Not in another organization's collection.
      expectError(await send(them, 'GET', `${collection()}/objects/${one.id}/`), 404);

      // An end that changes moves its relationships after the cursor: a client polling with added_after sees them again.
      await db.updateTable('indicators').set({ last_modified: '2099-05-06T07:08:09Z' }).where('owner_id', '=', myOrg.id).where('summary', '=', host).execute();
      const polled = (await allPages(`${collection()}/manifest/`, '&added_after=2099-05-01T00:00:00Z', 1)).objects;
      const hostRelationship = exported.find((o) => o.x_cairn_association_type !== undefined)!;
      assert.deepEqual(polled.map((r) => r.id).sort(), [everything.find((o) => o.name === host)!.id, hostRelationship.id].sort());
      assert.ok(polled.every((r) => r.date_added === '2099-05-06T07:08:09.000Z'));
      assert.equal(polled.find((r) => r.id === hostRelationship.id)!.version, hostRelationship.modified);

      // A relationship is not deleted over TAXII (the collection is writable here).
      expectError(await send(me, 'DELETE', `${collection()}/objects/${one.id}/`), 403, /association/);
      assert.equal((await get(`${collection()}/objects/${one.id}/`)).status, 200);
    });

    it('the TLP marking-definitions objects reference are in the collection: by id, by match[type], never deleted', async () => {
      const tagged = (await get(`${collection()}/objects/?match[type]=indicator&limit=1000`)).body.objects.find((o: Json) => o.name === '198.51.100.77');
      for (const ref of tagged.object_marking_refs as string[]) {
        const answer = await get(`${collection()}/objects/${ref}/`);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body.objects, [TLP_MARKINGS['TLP:AMBER']]);
        assert.deepEqual((await get(`${collection()}/objects/${ref}/versions/`)).body.versions, ['2017-01-20T00:00:00.000Z']);
      }
      const listed = await get(`${collection()}/objects/?match[type]=marking-definition`);
      assert.deepEqual(listed.body.objects, Object.values(TLP_MARKINGS).sort((x, y) => (x.id < y.id ? -1 : 1)));
      const manifest = await get(`${collection()}/manifest/?match[type]=marking-definition`);
      assert.ok(manifest.body.objects.every((r: Json) => r.date_added === '2017-01-20T00:00:00.000Z' && r.version === r.date_added));
      // Not re-served to a client polling after 2017.
      assert.equal((await get(`${collection()}/objects/?match[type]=marking-definition&added_after=2020-01-01T00:00:00Z`)).body.objects, undefined);
      expectError(await send(me, 'DELETE', `${collection()}/objects/${TLP_MARKINGS['TLP:RED']!.id}/`), 403, /marking-definition/);
    });
  });
}
