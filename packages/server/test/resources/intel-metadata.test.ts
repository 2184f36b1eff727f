/**
 * Metadata of intelligence on v3 (spec threatconnect.md §7.5, §9), over HTTP on both databases:
 * the attribute resources of indicators, groups and cases with their type rules, the default
 * attribute and the description / source that follow it; tags and security labels through the
 * nested collections in every mode; the one tag catalogue shared with cases; labels that must
 * exist and cannot be deleted while applied; owner isolation; and the TQL keywords and sub-queries
 * (hasAttribute, hasTag, hasAllTags, hasSecurityLabel, tag, securityLabel, attribute).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { CairnClient } from '@cairn/client';
import { normalizeTagName } from '../../src/resources/catalogue.js';
import { startTestServer, testDialects, type TestServer } from '../support/server.js';
import { call, type Answer, type Json } from '../support/v3.js';

const q = encodeURIComponent;
const names = (items: Json[]) => items.map((item) => item.name as string).sort();
const ids = (items: Json[]) => items.map((item) => item.id as number).sort((a, b) => a - b);

function assertError(answer: Answer, status: number, errCode: string, pattern?: RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.status, 'Error');
  assert.equal(answer.body.errCode, errCode, answer.body.message);
  if (pattern) assert.match(answer.body.message, pattern);
}

const KINDS = [
  { kind: 'indicator', resource: 'indicatorAttributes', parents: 'indicators', idField: 'indicatorId' },
  { kind: 'group', resource: 'groupAttributes', parents: 'groups', idField: 'groupId' },
  { kind: 'case', resource: 'caseAttributes', parents: 'cases', idField: 'caseId' },
] as const;

for (const dialect of testDialects()) {
  describe(`v3 attributes, tags and security labels on intelligence (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    let other: CairnClient;
    let hosts = 0;
    const tc = (method: string, target: string, body?: unknown) => call(api, method, target, body);
    const them = (method: string, target: string, body?: unknown) => call(other, method, target, body);
    const ok = async (method: string, target: string, body?: unknown, status = method === 'POST' ? 201 : 200): Promise<Json> => {
      const answer = await tc(method, target, body);
      assert.equal(answer.status, status, `${method} ${target}: ${JSON.stringify(answer.body)}`);
      return answer.body.data;
    };
    const list = async (type: string, tql?: string, extra = ''): Promise<Json[]> => ok('GET', `/v3/${type}?resultLimit=10000${tql ? `&tql=${q(tql)}` : ''}${extra}`);
    const newIndicator = (extra: Record<string, unknown> = {}, query = '') => ok('POST', `/v3/indicators${query}`, { type: 'Host', hostName: `meta-${++hosts}.example.com`, ...extra });
    const newGroup = (extra: Record<string, unknown> = {}, query = '') => ok('POST', `/v3/groups${query}`, { type: 'Adversary', name: `Adversary ${++hosts}`, ...extra });
    const newCase = (extra: Record<string, unknown> = {}, query = '') => ok('POST', `/v3/cases${query}`, { name: `Case ${++hosts}`, severity: 'Low', status: 'Open', ...extra });
    const newParent = (kind: string) => (kind === 'indicator' ? newIndicator() : kind === 'group' ? newGroup() : newCase());
    /** An indicator as GET shows it: description and source are its read-only fields (spec §9). */
    const shown = async (id: number): Promise<Json> => ok('GET', `/v3/indicators/${id}`);
    /**
     * A group's description column: groups keep one (it follows their Description attribute too),
     * but their declaration shows no description field, so the test reads the stored column.
     */
    const storedGroup = async (id: number): Promise<Json> =>
      (server.services.store.db as Kysely<any>).selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    before(async () => {
      server = await startTestServer(dialect);
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      await server.services.tenancy.createOrganization('Other Intel Org');
      const user = await server.services.tenancy.createApiUser('Other Intel Org');
      other = new CairnClient({ baseUrl: `${server.baseUrl}/api`, accessId: user.accessId, secret: user.secret, scheme: 'threatconnect' });
    });
    after(() => server.close());

    describe('a create with nested attributes', () => {
      it('answers with the description and source its Description and Source attributes set, as a GET then shows them', async () => {
        const created = await newIndicator({ attributes: { data: [{ type: 'Description', value: 'Phishing landing page', default: true }, { type: 'Source', value: 'mail gateway' }] } });
        assert.equal(created.description, 'Phishing landing page');
        assert.equal(created.source, 'mail gateway');
        const read = await shown(created.id);
        assert.equal(read.description, created.description);
        assert.equal(read.source, created.source);
      });
    });

    describe('OPTIONS and the attribute type catalogue', () => {
      it('describes an attribute: type and value required, the parent id create-only, flags boolean', async () => {
        for (const { resource, idField } of KINDS) {
          const { status, body } = await tc('OPTIONS', `/v3/${resource}`);
          assert.equal(status, 200);
          assert.equal(body.type.required, true, resource);
          assert.equal(body.type.updatable, false, resource);
          assert.equal(body.value.required, true, resource);
          assert.equal(body[idField].updatable, false, resource);
          for (const flag of ['default', 'pinned', 'displayed']) assert.equal(body[flag].type, 'Boolean', `${resource}.${flag}`);
          assert.equal(body.source.type, 'String');
          assert.ok(Array.isArray(body.securityLabels.data), `${resource}.securityLabels is a collection`);
          assert.equal(body.id, undefined, 'read-only fields are left out');
        }
      });

      it('describes the metadata collections of indicators, groups and cases', async () => {
        for (const [type, attributeType] of [['indicators', 'IndicatorAttribute'], ['groups', 'GroupAttribute']]) {
          const { body } = await tc('OPTIONS', `/v3/${type}`);
          assert.equal(body.attributes.data[0].type, attributeType);
          assert.equal(body.tags.data[0].type, 'Tag');
          assert.equal(body.securityLabels.data[0].type, 'SecurityLabel');
        }
        const cases = (await tc('OPTIONS', '/v3/cases')).body;
        assert.equal(cases.attributes.data[0].type, 'CaseAttribute');
      });

      it('lists the TQL keywords and sub-queries under the names tcex uses', async () => {
        for (const type of ['indicators', 'groups']) {
          const keywords = (await ok('OPTIONS', `/v3/${type}/tql`)).map((k: Json) => k.keyword);
          for (const keyword of ['hasAttribute', 'hasTag', 'hasSecurityLabel', 'hasAllTags', 'tag', 'securityLabel', 'attribute']) assert.ok(keywords.includes(keyword), `${type}: ${keyword}`);
        }
        assert.ok((await ok('OPTIONS', '/v3/cases/tql')).some((k: Json) => k.keyword === 'hasAttribute'));
        const tagKeywords = (await ok('OPTIONS', '/v3/tags/tql')).map((k: Json) => k.keyword);
        for (const keyword of ['hasCase', 'hasIndicator', 'hasGroup']) assert.ok(tagKeywords.includes(keyword), `tags: ${keyword}`);
        const attributeKeywords = (await ok('OPTIONS', '/v3/indicatorAttributes/tql')).map((k: Json) => k.keyword);
        for (const keyword of ['type', 'typeName', 'value', 'source', 'dateAdded', 'lastModified', 'indicatorId', 'default', 'pinned', 'displayed', 'hasIndicator', 'hasSecurityLabel']) {
          assert.ok(attributeKeywords.includes(keyword), `indicatorAttributes: ${keyword}`);
        }
      });

      it('GET /v3/attributeTypes lists the types with their size and the kinds they apply to; it is read-only', async () => {
        const types = await list('attributeTypes');
        const description = types.find((t: Json) => t.name === 'Description');
        assert.equal(description.maxSize, 65_500);
        assert.equal(description.appliesTo, 'Indicator,Group,Case');
        assert.equal(types.find((t: Json) => t.name === 'Title').maxSize, 255);
        const one = await ok('GET', `/v3/attributeTypes/${description.id}`);
        assert.equal(one.name, 'Description');
        assert.deepEqual(names(await list('attributeTypes', 'name startswith "Targeted"')), ['Targeted Country', 'Targeted Industry']);
        const refused = await tc('POST', '/v3/attributeTypes', { name: 'Mine' });
        assert.ok(refused.status === 404 || refused.status === 405, String(refused.status));
      });
    });

    describe('attribute resources', () => {
      for (const { kind, resource, idField, parents } of KINDS) {
        it(`creates, reads, changes and deletes ${resource}`, async () => {
          const parent = await newParent(kind);
          const created = await ok('POST', `/v3/${resource}`, { [idField]: parent.id, type: 'title', value: 'A short title', source: 'Analyst notes' });
          assert.ok(Number.isInteger(created.id));
          assert.equal(created[idField], parent.id);
          assert.equal(created.type, 'Title', 'the type is stored under its canonical name');
          assert.equal(created.value, 'A short title');
          assert.equal(created.source, 'Analyst notes');
          assert.equal(created.default, false);
          assert.equal(created.pinned, false);
          assert.equal(created.displayed, true);
          assert.equal(typeof created.dateAdded, 'string');
          assert.equal(typeof created.lastModified, 'string');
          assert.equal(created.createdBy.userName, server.bootstrap.apiUser.accessId);

          const read = await ok('GET', `/v3/${resource}/${created.id}`);
          assert.deepEqual(read, created);

          const changed = await tc('PUT', `/v3/${resource}/${created.id}`, { value: 'A better title', pinned: true, displayed: 'false', source: null });
          assert.equal(changed.status, 200, JSON.stringify(changed.body));
          assert.equal(changed.body.message, 'Updated');
          assert.equal(changed.body.data.value, 'A better title');
          assert.equal(changed.body.data.pinned, true);
          assert.equal(changed.body.data.displayed, false);
          assert.equal(changed.body.data.source, undefined, 'source cleared');

          const listed = await ok('GET', `/v3/${parents}/${parent.id}?fields=attributes`);
          assert.deepEqual(ids(listed.attributes.data), [created.id]);
          assert.equal(listed.attributes.data[0].value, 'A better title');

          const deleted = await tc('DELETE', `/v3/${resource}/${created.id}`);
          assert.equal(deleted.status, 200);
          assert.deepEqual(deleted.body, { message: 'Deleted', status: 'Success' });
          assertError(await tc('GET', `/v3/${resource}/${created.id}`), 404, '0x1004');
        });
      }

      it('refuses unknown types, types of another kind and values longer than the type takes, naming the field', async () => {
        const indicator = await newIndicator();
        const group = await newGroup();
        const kase = await newCase();
        assertError(await tc('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Favourite Colour', value: 'blue' }), 400, '0x2005', /Unknown attribute type "Favourite Colour"/);
        assertError(await tc('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Motivation', value: 'money' }), 400, '0x2005', /"Motivation" does not apply to indicators/);
        assertError(await tc('POST', '/v3/caseAttributes', { caseId: kase.id, type: 'Detection Percentage', value: '5' }), 400, '0x2005', /does not apply to cases/);
        await ok('POST', '/v3/groupAttributes', { groupId: group.id, type: 'Motivation', value: 'money' });
        const long = await tc('POST', '/v3/groupAttributes', { groupId: group.id, type: 'Title', value: 'x'.repeat(256) });
        assertError(long, 400, '0x2005', /value must be at most 255 characters for a Title attribute/);
        assertError(await tc('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, value: 'no type' }), 400, '0x2003', /type is required/);
        assertError(await tc('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Title' }), 400, '0x2003', /value is required/);
        assertError(await tc('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Title', value: '' }), 400, '0x2005', /value must not be empty/);
        assertError(await tc('POST', '/v3/indicatorAttributes', { type: 'Title', value: 'orphan' }), 400, '0x2003', /indicatorId is required/);
        assertError(await tc('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Title', value: 'x', colour: 'red' }), 400, '0x2005', /colour is not a field/);

        const title = await ok('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Title', value: 'fits' });
        assertError(await tc('PUT', `/v3/indicatorAttributes/${title.id}`, { value: 'y'.repeat(256) }), 400, '0x2005', /at most 255 characters/);
        assertError(await tc('PUT', `/v3/indicatorAttributes/${title.id}`, { type: 'Description' }), 400, '0x2005', /type can only be set when the item is created/);
        assertError(await tc('PUT', `/v3/indicatorAttributes/${title.id}`, { indicatorId: indicator.id + 1 }), 400, '0x2005', /indicatorId can only be set/);
        assert.equal((await ok('GET', `/v3/indicatorAttributes/${title.id}`)).value, 'fits', 'nothing changed');
        // A long Description is fine: its type takes 65 500 characters.
        const description = await ok('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Description', value: 'd'.repeat(10_000) });
        assert.equal(description.value.length, 10_000);
      });

      it('keeps one default per parent and type: setting one clears the other', async () => {
        const indicator = await newIndicator();
        const first = await ok('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Source', value: 'first', default: true });
        const second = await ok('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Source', value: 'second', default: true });
        const title = await ok('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Title', value: 'title', default: true });
        const flags = async () => Object.fromEntries((await list('indicatorAttributes', `indicatorId = ${indicator.id}`)).map((a: Json) => [a.value, a.default]));
        assert.deepEqual(await flags(), { first: false, second: true, title: true }, 'another type keeps its own default');
        await ok('PUT', `/v3/indicatorAttributes/${first.id}`, { default: true });
        assert.deepEqual(await flags(), { first: true, second: false, title: true });
        await ok('PUT', `/v3/indicatorAttributes/${first.id}`, { default: false });
        assert.deepEqual(await flags(), { first: false, second: false, title: true });
        assert.ok(second.id && title.id);
        // Another indicator's default of the same type is its own.
        const other = await newIndicator();
        await ok('POST', '/v3/indicatorAttributes', { indicatorId: other.id, type: 'Title', value: 'other', default: true });
        assert.equal((await flags()).title, true);
      });

      for (const { kind, resource, idField } of KINDS) {
        it(`keeps one default per parent and type when ${resource} are made and changed default at the same time`, async () => {
          const parent = await newParent(kind);
          const defaults = async () => (await list(resource, `${idField} = ${parent.id}`)).filter((a: Json) => a.default === true);
          for (let round = 0; round < 3; round++) {
            const made = await Promise.all(Array.from({ length: 8 }, (_, i) => ok('POST', `/v3/${resource}`, { [idField]: parent.id, type: 'Title', value: `t${round}-${i}`, default: true })));
            assert.equal((await defaults()).length, 1, `round ${round}: one default after concurrent creates`);
            await Promise.all(made.map((a) => ok('PUT', `/v3/${resource}/${a.id}`, { default: true })));
            assert.equal((await defaults()).length, 1, `round ${round}: one default after concurrent changes`);
          }
        });
      }

      it('an indicator\'s description and source follow the default (else the first) attribute, on create, update and delete', async () => {
        const indicator = await newIndicator();
        assert.equal((await shown(indicator.id)).description, undefined);
        const first = await ok('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Description', value: 'first description' });
        assert.equal((await shown(indicator.id)).description, 'first description', 'the first Description');
        const second = await ok('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Description', value: 'second description' });
        assert.equal((await shown(indicator.id)).description, 'first description', 'still the first: no default');
        await ok('PUT', `/v3/indicatorAttributes/${second.id}`, { default: true });
        assert.equal((await shown(indicator.id)).description, 'second description', 'the default wins');
        await ok('PUT', `/v3/indicatorAttributes/${second.id}`, { value: 'second, edited' });
        assert.equal((await shown(indicator.id)).description, 'second, edited');
        await ok('PUT', `/v3/indicatorAttributes/${first.id}`, { value: 'first, edited' });
        assert.equal((await shown(indicator.id)).description, 'second, edited', 'editing another leaves the default');
        await ok('DELETE', `/v3/indicatorAttributes/${second.id}`);
        assert.equal((await shown(indicator.id)).description, 'first, edited', 'back to the first');
        await ok('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Source', value: 'a feed' });
        const row = await shown(indicator.id);
        assert.equal(row.source, 'a feed');
        await ok('DELETE', `/v3/indicatorAttributes/${first.id}`);
        assert.equal((await shown(indicator.id)).description, undefined, 'no Description left');
        assert.equal((await shown(indicator.id)).source, 'a feed');
      });

      it('a description changed through the attributes changes the indicator\'s and the group\'s lastModified; another attribute does not', async () => {
        const db = server.services.store.db as Kysely<any>;
        const long_ago = '2020-01-02T03:04:05Z';
        const indicator = await newIndicator();
        const group = await newGroup();
        const backdate = async () => {
          await db.updateTable('indicators').set({ last_modified: long_ago }).where('id', '=', indicator.id).execute();
          await db.updateTable('groups').set({ last_modified: long_ago }).where('id', '=', group.id).execute();
        };
        const lastModified = async () => ({
          indicator: (await shown(indicator.id)).lastModified as string,
          group: (await ok('GET', `/v3/groups/${group.id}`)).lastModified as string,
        });
        await backdate();
        await ok('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Title', value: 'not a description' });
        await ok('POST', '/v3/groupAttributes', { groupId: group.id, type: 'Title', value: 'not a description' });
        assert.deepEqual(await lastModified(), { indicator: long_ago, group: long_ago }, 'a Title changes no column of its parent');

        const described = await ok('POST', '/v3/indicatorAttributes', { indicatorId: indicator.id, type: 'Description', value: 'now described' });
        const groupDescribed = await ok('POST', '/v3/groupAttributes', { groupId: group.id, type: 'Description', value: 'now described' });
        let now = await lastModified();
        assert.ok(now.indicator > long_ago && now.group > long_ago, `added: ${JSON.stringify(now)}`);
        assert.equal((await shown(indicator.id)).description, 'now described');

        await backdate();
        await ok('PUT', `/v3/indicatorAttributes/${described.id}`, { value: 'described again' });
        await ok('PUT', `/v3/groupAttributes/${groupDescribed.id}`, { value: 'described again' });
        now = await lastModified();
        assert.ok(now.indicator > long_ago && now.group > long_ago, `changed: ${JSON.stringify(now)}`);

        await backdate();
        await ok('DELETE', `/v3/indicatorAttributes/${described.id}`);
        await ok('DELETE', `/v3/groupAttributes/${groupDescribed.id}`);
        now = await lastModified();
        assert.ok(now.indicator > long_ago && now.group > long_ago, `deleted: ${JSON.stringify(now)}`);
        assert.equal((await shown(indicator.id)).description, undefined);
      });

      it('the follow holds through nested writes in every mode, and for groups', async () => {
        const created = await newIndicator({ attributes: { data: [{ type: 'Description', value: 'nested one' }, { type: 'Description', value: 'nested two', default: true }] } }, '?fields=attributes');
        assert.equal(created.attributes.data.length, 2);
        assert.equal(created.description, 'nested two', 'the POST answer shows what its attributes set');
        assert.equal((await shown(created.id)).description, 'nested two');
        const two = created.attributes.data.find((a: Json) => a.value === 'nested two');
        await ok('PUT', `/v3/indicators/${created.id}`, { attributes: { data: [{ id: two.id }], mode: 'delete' } });
        assert.equal((await shown(created.id)).description, 'nested one');
        const replaced = await ok('PUT', `/v3/indicators/${created.id}?fields=attributes`, { attributes: { data: [{ type: 'Description', value: 'replacement' }, { type: 'Title', value: 't' }], mode: 'replace' } });
        assert.deepEqual(replaced.attributes.data.map((a: Json) => a.value).sort(), ['replacement', 't']);
        assert.equal((await shown(created.id)).description, 'replacement');
        await ok('PUT', `/v3/indicators/${created.id}`, { attributes: { data: [], mode: 'replace' } });
        assert.equal((await shown(created.id)).description, undefined);

        const group = await newGroup({ attributes: { data: [{ type: 'Description', value: 'about the adversary' }] } });
        assert.equal((await storedGroup(group.id)).description, 'about the adversary');
      });

      it('refuses a nested attribute that breaks a rule, and writes nothing of the request', async () => {
        const indicator = await newIndicator();
        const answer = await tc('PUT', `/v3/indicators/${indicator.id}`, {
          tags: { data: [{ name: 'should-not-stay' }] },
          attributes: { data: [{ type: 'Title', value: 'fine' }, { type: 'Motivation', value: 'only for groups' }] },
        });
        assertError(answer, 400, '0x2005', /Motivation/);
        const read = await ok('GET', `/v3/indicators/${indicator.id}?fields=attributes&fields=tags`);
        assert.deepEqual(read.attributes.data, []);
        assert.deepEqual(read.tags.data, []);
      });

      it('case attributes do not touch the case\'s own description', async () => {
        const kase = await newCase({ description: 'set directly' });
        await ok('POST', '/v3/caseAttributes', { caseId: kase.id, type: 'Description', value: 'an attribute' });
        assert.equal((await ok('GET', `/v3/cases/${kase.id}`)).description, 'set directly');
        const withAttributes = await ok('PUT', `/v3/cases/${kase.id}?fields=attributes`, { attributes: { data: [{ type: 'Title', value: 'case title' }] } });
        assert.deepEqual(withAttributes.attributes.data.map((a: Json) => a.type).sort(), ['Description', 'Title']);
      });
    });

    describe('tags on indicators and groups', () => {
      it('applies tags by name, ATT&CK technique or id, in every mode', async () => {
        const indicator = await newIndicator({ tags: { data: [{ name: 'Alpha' }, { techniqueId: 'T1566' }] } }, '?fields=tags');
        assert.deepEqual(names(indicator.tags.data), ['Alpha', 'T1566']);
        assert.equal(indicator.tags.data.find((t: Json) => t.name === 'T1566').techniqueId, 'T1566');
        const path = `/v3/indicators/${indicator.id}?fields=tags`;
        assert.deepEqual(names((await ok('PUT', path, { tags: { data: [{ name: 'beta' }, { name: 'ALPHA' }], mode: 'append' } })).tags.data), ['Alpha', 'T1566', 'beta']);
        assert.deepEqual(names((await ok('PUT', path, { tags: { data: [{ name: 'gamma' }, { name: 'beta' }], mode: 'replace' } })).tags.data), ['beta', 'gamma']);
        const gamma = (await ok('GET', path)).tags.data.find((t: Json) => t.name === 'gamma');
        assert.deepEqual(names((await ok('PUT', path, { tags: { data: [{ id: gamma.id }], mode: 'delete' } })).tags.data), ['beta']);
        assert.deepEqual(names((await ok('PUT', path, { tags: { data: [{ name: 'BETA' }, { name: 'never applied' }], mode: 'delete' } })).tags.data), []);
        assertError(await tc('PUT', path, { tags: { data: [{ name: 'x'.repeat(129) }] } }), 400, '0x2005', /at most 128 characters/);

        const group = await newGroup({ tags: { data: [{ name: 'Alpha' }] } }, '?fields=tags');
        assert.deepEqual(names(group.tags.data), ['Alpha']);
        assert.deepEqual(names((await ok('PUT', `/v3/groups/${group.id}?fields=tags`, { tags: { data: [{ name: 'delta' }], mode: 'replace' } })).tags.data), ['delta']);
      });

      it('keeps one tag catalogue: a tag on a case, an indicator and a group is one row that lists all three', async () => {
        const kase = await newCase({ tags: { data: [{ name: 'Shared Tag' }] } }, '?fields=tags');
        const indicator = await newIndicator({ tags: { data: [{ name: 'shared tag ' }] } }, '?fields=tags');
        const group = await newGroup({ tags: { data: [{ name: 'SHARED TAG' }] } }, '?fields=tags');
        assert.equal(indicator.tags.data[0].id, kase.tags.data[0].id);
        assert.equal(group.tags.data[0].id, kase.tags.data[0].id);
        const tags = await list('tags', 'name = "shared tag"', '&fields=cases&fields=indicators&fields=groups');
        assert.equal(tags.length, 1);
        assert.equal(tags[0].name, 'Shared Tag');
        assert.deepEqual(ids(tags[0].cases.data), [kase.id]);
        assert.deepEqual(ids(tags[0].indicators.data), [indicator.id]);
        assert.deepEqual(ids(tags[0].groups.data), [group.id]);
        assert.deepEqual(ids(await list('tags', `hasIndicator(id = ${indicator.id})`)), [tags[0].id]);
        assert.deepEqual(ids(await list('tags', `hasGroup(id = ${group.id})`)), [tags[0].id]);
        assertError(await tc('PUT', `/v3/tags/${tags[0].id}`, { indicators: { data: [{ id: indicator.id }] } }), 400, '0x2005', /indicators is read-only/);
      });

      it('finds a tag by its name in any case: one tag per normalised name (property over generated names)', async () => {
        await fc.assert(fc.asyncProperty(
          fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '' && !s.includes('\u0000')),
          async (name) => {
            const unique = `${name.trim()} ${++hosts}`;
            const applied = [unique, unique.toUpperCase()];
            const indicator = await newIndicator({ tags: { data: applied.map((n) => ({ name: n })) } }, '?fields=tags');
            assert.equal(indicator.tags.data.length, new Set(applied.map(normalizeTagName)).size, JSON.stringify(applied));
            const group = await newGroup({ tags: { data: [{ name: unique.toLowerCase() }] } }, '?fields=tags');
            const same = indicator.tags.data.find((t: Json) => normalizeTagName(t.name) === normalizeTagName(unique));
            assert.equal(group.tags.data[0].id, same.id, 'the group takes the indicator\'s tag');
            assert.deepEqual(ids(await list('tags', `hasIndicator(id = ${indicator.id})`)), ids(indicator.tags.data));
          },
        ), { numRuns: 15 });
      });
    });

    describe('security labels', () => {
      it('applies system TLP labels and the owner\'s own labels by name or id, in every mode', async () => {
        const mine = await ok('POST', '/v3/securityLabels', { name: 'Internal Only', color: '123456', description: 'ours' });
        assert.equal(mine.owner, 'Exemplary Organization');
        const red = (await list('securityLabels', 'name = "TLP:RED"'))[0];
        assert.equal(red.owner, 'System');
        const indicator = await newIndicator({ securityLabels: { data: [{ name: 'TLP:AMBER' }] } }, '?fields=securityLabels');
        assert.deepEqual(names(indicator.securityLabels.data), ['TLP:AMBER']);
        const path = `/v3/indicators/${indicator.id}?fields=securityLabels`;
        assert.deepEqual(names((await ok('PUT', path, { securityLabels: { data: [{ id: mine.id }, { name: 'TLP:GREEN' }], mode: 'append' } })).securityLabels.data), ['Internal Only', 'TLP:AMBER', 'TLP:GREEN']);
        // The documented example (spec §7.5).
        assert.deepEqual(names((await ok('PUT', path, { securityLabels: { data: [{ name: 'TLP:RED' }], mode: 'replace' } })).securityLabels.data), ['TLP:RED']);
        assert.deepEqual(names((await ok('PUT', path, { securityLabels: { data: [{ id: red.id }, { name: 'Internal Only' }], mode: 'delete' } })).securityLabels.data), []);

        const group = await newGroup({ securityLabels: { data: [{ name: 'Internal Only' }, { id: red.id }] } }, '?fields=securityLabels');
        assert.deepEqual(names(group.securityLabels.data), ['Internal Only', 'TLP:RED']);
        const attribute = await ok('POST', '/v3/groupAttributes?fields=securityLabels', { groupId: group.id, type: 'Title', value: 'labelled', securityLabels: { data: [{ name: 'TLP:WHITE' }] } });
        assert.deepEqual(names(attribute.securityLabels.data), ['TLP:WHITE']);
        const changed = await ok('PUT', `/v3/groupAttributes/${attribute.id}?fields=securityLabels`, { securityLabels: { data: [{ name: 'TLP:GREEN' }], mode: 'replace' } });
        assert.deepEqual(names(changed.securityLabels.data), ['TLP:GREEN']);
      });

      it('refuses an unknown label name, creates no label and writes nothing of the request', async () => {
        const before = (await list('securityLabels')).length;
        const indicator = await newIndicator();
        const answer = await tc('PUT', `/v3/indicators/${indicator.id}`, { tags: { data: [{ name: 'lost' }] }, securityLabels: { data: [{ name: 'TLP:PURPLE' }] } });
        assertError(answer, 404, '0x1004', /securityLabels\[0\]: no security label named "TLP:PURPLE"/);
        assert.equal((await list('securityLabels')).length, before, 'no label created');
        assert.deepEqual((await ok('GET', `/v3/indicators/${indicator.id}?fields=tags`)).tags.data, [], 'the tags of the refused request were not applied');
        assertError(await tc('POST', '/v3/indicators', { type: 'Host', hostName: `unlabelled-${++hosts}.example.com`, securityLabels: { data: [{ name: 'tlp:red' }] } }), 404, '0x1004', /tlp:red/);
        assertError(await tc('PUT', `/v3/indicators/${indicator.id}`, { securityLabels: { data: [{ name: 'L'.repeat(51) }] } }), 400, '0x2005', /securityLabels\[0\] needs an id or a name of at most 50 characters/);
        assertError(await tc('PUT', `/v3/indicators/${indicator.id}`, { securityLabels: { data: [{ id: 999_999 }] } }), 404, '0x1004');
        // Deleting a name never applied is a no-op, as for tags.
        await ok('PUT', `/v3/indicators/${indicator.id}`, { securityLabels: { data: [{ name: 'TLP:PURPLE' }], mode: 'delete' } });
      });

      it('refuses to delete a label still applied (0x2006), then deletes it once removed', async () => {
        const label = await ok('POST', '/v3/securityLabels', { name: 'Applied Label' });
        const indicator = await newIndicator({ securityLabels: { data: [{ name: 'Applied Label' }] } });
        const group = await newGroup();
        await ok('POST', '/v3/groupAttributes', { groupId: group.id, type: 'Title', value: 't', securityLabels: { data: [{ id: label.id }] } });
        const refused = await tc('DELETE', `/v3/securityLabels/${label.id}`);
        assertError(refused, 400, '0x2006', /"Applied Label" is applied to 1 indicator, 1 group attribute/);
        assert.equal((await ok('GET', `/v3/securityLabels/${label.id}`)).name, 'Applied Label', 'still there');
        assert.deepEqual(names((await ok('GET', `/v3/indicators/${indicator.id}?fields=securityLabels`)).securityLabels.data), ['Applied Label'], 'still applied');
        await ok('PUT', `/v3/indicators/${indicator.id}`, { securityLabels: { data: [{ name: 'Applied Label' }], mode: 'delete' } });
        assertError(await tc('DELETE', `/v3/securityLabels/${label.id}`), 400, '0x2006', /1 group attribute/);
        await ok('DELETE', `/v3/groups/${group.id}`);
        await ok('DELETE', `/v3/securityLabels/${label.id}`);
        assertError(await tc('GET', `/v3/securityLabels/${label.id}`), 404, '0x1004');
        const red = (await list('securityLabels', 'name = "TLP:RED"'))[0];
        assertError(await tc('DELETE', `/v3/securityLabels/${red.id}`), 403, '0x1003');
      });

      it('creates a label in the owner a body names with `owner`, as tcex sends it', async () => {
        const community = server.bootstrap.community.name;
        const label = await ok('POST', '/v3/securityLabels', { name: 'Community Label', owner: community });
        assert.equal(label.owner, community);
        assertError(await tc('POST', '/v3/securityLabels', { name: 'Nowhere', owner: 'Other Intel Org' }), 404, '0x1004', /not visible/);
        // A community's label applies to the community's intelligence, not the organization's.
        const theirs = await newIndicator({ ownerName: community, securityLabels: { data: [{ name: 'Community Label' }] } }, '?fields=securityLabels');
        assert.deepEqual(names(theirs.securityLabels.data), ['Community Label']);
        assertError(await tc('POST', '/v3/indicators', { type: 'Host', hostName: `org-${++hosts}.example.com`, securityLabels: { data: [{ name: 'Community Label' }] } }), 404, '0x1004');
      });
    });

    describe('owner isolation', () => {
      let theirs: { indicator: number; attribute: number; label: number; tag: number; group: number };

      before(async () => {
        const label = await them('POST', '/v3/securityLabels', { name: 'Their Label' });
        assert.equal(label.status, 201, JSON.stringify(label.body));
        const indicator = await them('POST', '/v3/indicators?fields=attributes&fields=tags', {
          type: 'Host', hostName: 'their-secret.example.com',
          attributes: { data: [{ type: 'Description', value: 'their secret description' }] },
          tags: { data: [{ name: 'their-secret-tag' }] }, securityLabels: { data: [{ name: 'Their Label' }] },
        });
        assert.equal(indicator.status, 201, JSON.stringify(indicator.body));
        const group = await them('POST', '/v3/groups', { type: 'Adversary', name: 'Their adversary' });
        theirs = {
          indicator: indicator.body.data.id, attribute: indicator.body.data.attributes.data[0].id,
          label: label.body.data.id, tag: indicator.body.data.tags.data[0].id, group: group.body.data.id,
        };
      });

      it('another organization\'s attributes are not found, by id, list, TQL or parent', async () => {
        assertError(await tc('GET', `/v3/indicatorAttributes/${theirs.attribute}`), 404, '0x1004');
        assertError(await tc('PUT', `/v3/indicatorAttributes/${theirs.attribute}`, { value: 'mine now' }), 404, '0x1004');
        assertError(await tc('DELETE', `/v3/indicatorAttributes/${theirs.attribute}`), 404, '0x1004');
        assert.deepEqual(await list('indicatorAttributes', `indicatorId = ${theirs.indicator}`), []);
        assert.deepEqual(await list('indicatorAttributes', 'value = "their secret description"'), []);
        // A parent is named in the body: the engine's answer for any parent it cannot see (as for a task's case).
        const answer = await tc('POST', '/v3/indicatorAttributes', { indicatorId: theirs.indicator, type: 'Title', value: 'planted' });
        assertError(answer, 400, '0x2005', /Invalid indicator attribute: indicatorId names no indicator visible to you/);
        assertError(await tc('POST', '/v3/groupAttributes', { groupId: theirs.group, type: 'Title', value: 'planted' }), 400, '0x2005', /no group visible to you/);
        assertError(await tc('PUT', `/v3/indicators/${theirs.indicator}`, { attributes: { data: [{ type: 'Title', value: 'planted' }] } }), 404, '0x1004');
        const still = await them('GET', `/v3/indicators/${theirs.indicator}?fields=attributes`);
        assert.deepEqual(still.body.data.attributes.data.map((a: Json) => a.value), ['their secret description'], 'nothing written to theirs');
      });

      it('another organization\'s labels and tags cannot be applied, by name or id, and their indicators are not matched by TQL', async () => {
        const indicator = await newIndicator();
        assertError(await tc('PUT', `/v3/indicators/${indicator.id}`, { securityLabels: { data: [{ name: 'Their Label' }] } }), 404, '0x1004');
        assertError(await tc('PUT', `/v3/indicators/${indicator.id}`, { securityLabels: { data: [{ id: theirs.label }] } }), 404, '0x1004');
        assertError(await tc('PUT', `/v3/indicators/${indicator.id}`, { tags: { data: [{ id: theirs.tag }] } }), 404, '0x1004');
        // By name, a tag is the owner's own: a new one of that name, not theirs.
        const tagged = await ok('PUT', `/v3/indicators/${indicator.id}?fields=tags`, { tags: { data: [{ name: 'their-secret-tag' }] } });
        assert.notEqual(tagged.tags.data[0].id, theirs.tag);
        for (const tql of ['hasTag(name = "their-secret-tag")', 'securityLabel = "Their Label"', 'hasSecurityLabel(name = "Their Label")', 'attribute = "their secret description"', 'hasAttribute(value contains "secret")']) {
          const found = await list('indicators', tql);
          assert.ok(!found.some((i: Json) => i.id === theirs.indicator), tql);
        }
        assert.deepEqual((await list('tags', 'name = "their-secret-tag"', '&fields=indicators'))[0].indicators.data.map((i: Json) => i.id), [indicator.id]);
      });
    });

    describe('TQL over metadata', () => {
      let a: Json; let b: Json; let c: Json; let g: Json; let kase: Json;

      before(async () => {
        a = await newIndicator({
          tags: { data: [{ name: 'tql-apt' }, { name: 'tql-phish' }] }, securityLabels: { data: [{ name: 'TLP:RED' }] },
          attributes: { data: [{ type: 'Description', value: 'Command and control host', default: true, pinned: true }] },
        });
        b = await newIndicator({ tags: { data: [{ name: 'tql-apt' }] }, attributes: { data: [{ type: 'Title', value: 'Phishing landing page' }] } });
        c = await newIndicator({ securityLabels: { data: [{ name: 'TLP:GREEN' }] } });
        g = await newGroup({ tags: { data: [{ name: 'tql-apt' }] }, securityLabels: { data: [{ name: 'TLP:RED' }] }, attributes: { data: [{ type: 'Aliases', value: 'Fancy Bear' }] } });
        kase = await newCase({ attributes: { data: [{ type: 'External ID', value: 'INC-42' }] } });
      });

      const only = (found: Json[], wanted: Json[]) => assert.deepEqual(ids(found).filter((id) => [a.id, b.id, c.id].includes(id)), ids(wanted));

      it('hasTag(), tag and hasAllTags() on indicators', async () => {
        only(await list('indicators', 'hasTag(name = "tql-apt")'), [a, b]);
        only(await list('indicators', 'hasTag(name = "TQL-PHISH")'), [a]);
        only(await list('indicators', 'tag = "TQL-apt"'), [a, b]);
        only(await list('indicators', 'tag in ("tql-phish", "nothing")'), [a]);
        only(await list('indicators', 'tag != "tql-phish"'), [b, c]);
        only(await list('indicators', 'tag startswith "tql-"'), [a, b]);
        only(await list('indicators', 'not hasTag(name = "tql-apt")'), [c]);
        only(await list('indicators', 'tag is null'), [c]);
        only(await list('indicators', 'hasAllTags(name in ("tql-apt", "tql-phish"))'), [a]);
        only(await list('indicators', 'hasAllTags(name = "tql-apt")'), [a, b]);
      });

      it('hasSecurityLabel() and securityLabel on indicators and groups', async () => {
        only(await list('indicators', 'hasSecurityLabel(name = "TLP:RED")'), [a]);
        only(await list('indicators', 'securityLabel in ("TLP:RED", "TLP:GREEN")'), [a, c]);
        only(await list('indicators', 'securityLabel is null'), [b]);
        assert.deepEqual(ids(await list('groups', `hasSecurityLabel(name = "TLP:RED") and id = ${g.id}`)), [g.id]);
        assert.deepEqual(ids(await list('groups', `securityLabel = "TLP:GREEN" and id = ${g.id}`)), []);
      });

      it('hasAttribute() and attribute on indicators, groups and cases', async () => {
        only(await list('indicators', 'hasAttribute(typeName = "Description" and value contains "control")'), [a]);
        only(await list('indicators', 'hasAttribute(pinned = true)'), [a]);
        only(await list('indicators', 'hasAttribute(default = true)'), [a]);
        only(await list('indicators', 'attribute contains "phishing"'), [b]);
        only(await list('indicators', 'not hasAttribute(id > 0)'), [c]);
        assert.deepEqual(ids(await list('groups', `hasAttribute(value = "Fancy Bear") and id = ${g.id}`)), [g.id]);
        assert.deepEqual(ids(await list('groups', `attribute = "Fancy Bear" and hasTag(name = "tql-apt")`)), [g.id]);
        assert.deepEqual(ids(await list('cases', 'hasAttribute(value = "INC-42")')), [kase.id]);
      });

      it('keywords and sub-queries of the attribute resources', async () => {
        const description = (await list('attributeTypes', 'name = "Description"'))[0];
        const found = await list('indicatorAttributes', `hasIndicator(id = ${a.id})`);
        assert.equal(found.length, 1);
        const attribute = found[0];
        assert.deepEqual(ids(await list('indicatorAttributes', `type = ${description.id} and indicatorId = ${a.id}`)), [attribute.id]);
        assert.deepEqual(ids(await list('indicatorAttributes', `typeName = "Description" and indicatorId = ${a.id}`)), [attribute.id]);
        assert.deepEqual(ids(await list('indicatorAttributes', `text = "Command and control host" and displayed = true`)), [attribute.id]);
        await ok('PUT', `/v3/indicatorAttributes/${attribute.id}`, { securityLabels: { data: [{ name: 'TLP:AMBER' }] } });
        assert.deepEqual(ids(await list('indicatorAttributes', 'hasSecurityLabel(name = "TLP:AMBER")')), [attribute.id]);
        assert.deepEqual(ids(await list('indicatorAttributes', 'securityLabel = "TLP:AMBER"')), [attribute.id]);
        assert.deepEqual(ids(await list('indicatorAttributes', `user = "${server.bootstrap.apiUser.accessId}" and indicatorId = ${a.id}`)), [attribute.id]);
        assert.ok((await list('indicatorAttributes', 'dateAdded > "NOW() - 1 HOUR"', '&sorting=lastModified%20desc')).length >= 1);
        assert.deepEqual(ids(await list('caseAttributes', `hasCase(id = ${kase.id})`)).length, 1);
        assertError(await tc('GET', `/v3/indicatorAttributes?tql=${q('type = "Description"')}`), 400, '0x2001', /whole number/);
      });
    });
  });
}
