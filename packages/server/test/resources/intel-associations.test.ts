/**
 * Associations on v3 (spec threatconnect.md §7.5, §7.6, §8, §9 "Associations"), over HTTP on both
 * databases: every associated* collection with every mode, seen from both sides; symmetric pairs
 * (group ↔ group, case ↔ case); nested creates of indicators and groups; indicator ↔ indicator
 * through association types (allowed, inferred, named, refused with 0x1001); has…() sub-queries
 * and associated… keywords; owner isolation across an organization, its community and a third
 * organization.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CairnClient } from '@cairn/client';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { ASSOCIATION_TYPES, associatedIndicators, associationTypeFor, associationTypeNamed, indicatorAssociation } from '../../src/core/intel/associations.js';
import { INDICATOR_TYPES } from '../../src/resources/indicators.js';
import { startTestServer, testDialects, type TestServer } from '../support/server.js';
import { call, type Answer, type Json } from '../support/v3.js';

const q = encodeURIComponent;
const NOT_APPLICABLE = 'Association cannot be applied to the indicator types.';

function assertError(answer: Answer, status: number, errCode: string, pattern?: RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.status, 'Error');
  assert.equal(answer.body.errCode, errCode, answer.body.message);
  if (pattern) assert.match(answer.body.message, pattern);
}

describe('association rules (core/intel/associations)', () => {
  it('infers the one type of a pair from either side, and refuses pairs no type allows', () => {
    assert.deepEqual(associationTypeFor('Address', 'Host'), { type: associationTypeNamed('dnsPtrRecord'), reversed: false });
    assert.deepEqual(associationTypeFor('Host', 'Address'), { type: associationTypeNamed('DNS PTR Record'), reversed: true });
    assert.equal(associationTypeFor('Host', 'Host'), undefined);
    assert.equal(associationTypeFor('Mutex', 'File'), undefined);
    for (const type of ASSOCIATION_TYPES) {
      assert.equal(associationTypeFor(type.sourceType, type.targetType)?.type, type);
      assert.equal(associationTypeFor(type.targetType, type.sourceType)?.reversed, true);
    }
    assert.throws(() => indicatorAssociation('Host', 'Host'), { code: 'bad-request', message: NOT_APPLICABLE });
    assert.throws(() => indicatorAssociation('Address', 'Host', 'urlHost'), { code: 'bad-request', message: NOT_APPLICABLE });
    assert.throws(() => indicatorAssociation('Address', 'Host', 'bogus'), { code: 'bad-request', message: /Unknown association type "bogus"/ });
    assert.equal(indicatorAssociation('URL', 'File', 'FILEDOWNLOAD').type.name, 'File Download');
  });

  it('property: a pair is typed alike from either side, and refused exactly when no type fits', () => {
    const typeName = fc.oneof(fc.constantFrom(...INDICATOR_TYPES), fc.string({ maxLength: 12 }));
    const named = fc.option(fc.oneof(fc.constantFrom(...ASSOCIATION_TYPES.flatMap((t) => [t.name, t.apiBranch.toUpperCase()])), fc.string({ maxLength: 120 })), { nil: undefined });
    fc.assert(fc.property(typeName, typeName, named, (a, b, name) => {
      const forward = associationTypeFor(a, b);
      const backward = associationTypeFor(b, a);
      assert.equal(forward?.type, backward?.type);
      if (forward && a !== b) assert.equal(forward.reversed, !backward!.reversed);
      if (forward) assert.equal(forward.reversed ? `${forward.type.targetType}>${forward.type.sourceType}` : `${forward.type.sourceType}>${forward.type.targetType}`, `${a}>${b}`);
      const wanted = name === undefined ? undefined : associationTypeNamed(name);
      const allowed = forward !== undefined && (name === undefined || wanted === forward.type);
      try {
        assert.deepEqual(indicatorAssociation(a, b, name), forward);
        assert.ok(allowed, `${a} ${b} ${name} was allowed`);
      } catch (error) {
        assert.ok(!allowed, `${a} ${b} ${name}: ${String(error)}`);
        assert.equal((error as { code?: string }).code, 'bad-request');
      }
    }), { numRuns: 500 });
  });
});

for (const dialect of testDialects()) {
  describe(`v3 associations (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    let member: CairnClient;
    let stranger: CairnClient;
    let community: string;
    let unique = 0;
    const tc = (method: string, target: string, body?: unknown) => call(api, method, target, body);

    async function create(type: string, body: Record<string, unknown>, client = api): Promise<number> {
      const answer = await call(client, 'POST', `/v3/${type}`, body);
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      return answer.body.data.id;
    }
    const host = (client = api, extra: Record<string, unknown> = {}) => create('indicators', { type: 'Host', hostName: `h${++unique}.example.com`, ...extra }, client);
    const address = () => create('indicators', { type: 'Address', ip: `10.0.0.${++unique}` });
    const group = (extra: Record<string, unknown> = {}, client = api) => create('groups', { type: 'Adversary', name: `Adversary ${++unique}`, ...extra }, client);
    const kase = () => create('cases', { name: `Case ${++unique}`, severity: 'Low', status: 'Open' });
    const artifact = (caseId: number) => create('artifacts', { caseId, type: 'Host', summary: `a${++unique}.example.com` });
    /** The ids an item's collection shows to `client`. */
    async function linked(type: string, id: number, collection: string, client = api): Promise<number[]> {
      const answer = await call(client, 'GET', `/v3/${type}/${id}?fields=${collection}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.data[collection].data.map((item: Json) => item.id as number);
    }
    async function put(type: string, id: number, body: Record<string, unknown>, client = api): Promise<Json> {
      const answer = await call(client, 'PUT', `/v3/${type}/${id}`, body);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.data;
    }
    async function matching(type: string, tql: string, client = api): Promise<number[]> {
      const answer = await call(client, 'GET', `/v3/${type}?resultLimit=10000&tql=${q(tql)}`);
      assert.equal(answer.status, 200, `${type} ${tql}: ${JSON.stringify(answer.body)}`);
      return answer.body.data.map((item: Json) => item.id as number);
    }
    const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

    before(async () => {
      server = await startTestServer(dialect);
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      community = server.bootstrap.community.name;
      const { tenancy } = server.services;
      await tenancy.createOrganization('Member Organization');
      await tenancy.addCommunityMember(community, 'Member Organization');
      const memberUser = await tenancy.createApiUser('Member Organization');
      member = new CairnClient({ baseUrl: `${server.baseUrl}/api`, accessId: memberUser.accessId, secret: memberUser.secret, scheme: 'threatconnect' });
      await tenancy.createOrganization('Third Organization');
      const strangerUser = await tenancy.createApiUser('Third Organization');
      stranger = new CairnClient({ baseUrl: `${server.baseUrl}/api`, accessId: strangerUser.accessId, secret: strangerUser.secret, scheme: 'threatconnect' });
    });
    after(() => server.close());

    it('OPTIONS describes the associated* collections and their sub-queries', async () => {
      const expected: Record<string, [string, string][]> = {
        indicators: [['associatedGroups', 'Group'], ['associatedIndicators', 'Indicator'], ['associatedCases', 'Case'], ['associatedArtifacts', 'Artifact']],
        groups: [['associatedGroups', 'Group'], ['associatedIndicators', 'Indicator'], ['associatedCases', 'Case'], ['associatedArtifacts', 'Artifact']],
        cases: [['associatedCases', 'Case'], ['associatedGroups', 'Group'], ['associatedIndicators', 'Indicator']],
        artifacts: [['associatedGroups', 'Group'], ['associatedIndicators', 'Indicator']],
      };
      for (const [type, collections] of Object.entries(expected)) {
        const descriptor = (await tc('OPTIONS', `/v3/${type}`)).body;
        for (const [name, itemType] of collections) assert.equal(descriptor[name]?.data?.[0]?.type, itemType, `${type}.${name}`);
        const fields = (await tc('OPTIONS', `/v3/${type}/fields`)).body.data.map((f: Json) => f.name);
        for (const [name] of collections) assert.ok(fields.includes(name), `${type} fields ${name}`);
        const keywords = (await tc('OPTIONS', `/v3/${type}/tql`)).body.data.map((k: Json) => k.keyword);
        for (const keyword of ['hasGroup', 'hasIndicator', 'hasCase']) assert.ok(keywords.includes(keyword), `${type} ${keyword}`);
        assert.equal(keywords.filter((k: string) => k === 'hasCase').length, 1, `${type}: one hasCase`);
      }
      const indicatorKeywords = (await tc('OPTIONS', '/v3/indicators/tql')).body.data.map((k: Json) => k.keyword);
      for (const keyword of ['hasArtifact', 'associatedGroup', 'associatedIndicator']) assert.ok(indicatorKeywords.includes(keyword), keyword);
    });

    describe('indicator ↔ group', () => {
      it('append, delete and replace from the indicator, seen from both sides', async () => {
        const indicator = await host();
        const [g1, g2, g3] = [await group(), await group(), await group()];
        await put('indicators', indicator, { associatedGroups: { data: [{ id: g1 }, { id: g2 }] } });
        assert.deepEqual(await linked('indicators', indicator, 'associatedGroups'), [g1, g2]);
        assert.deepEqual(await linked('groups', g1, 'associatedIndicators'), [indicator]);
        await put('indicators', indicator, { associatedGroups: { data: [{ id: g3 }, { id: g1 }], mode: 'append' } });
        assert.deepEqual(await linked('indicators', indicator, 'associatedGroups'), [g1, g2, g3], 'linking twice keeps one link');
        await put('indicators', indicator, { associatedGroups: { data: [{ id: g2 }], mode: 'delete' } });
        assert.deepEqual(await linked('indicators', indicator, 'associatedGroups'), [g1, g3]);
        assert.deepEqual(await linked('groups', g2, 'associatedIndicators'), []);
        await put('indicators', indicator, { associatedGroups: { data: [{ id: g2 }], mode: 'replace' } });
        assert.deepEqual(await linked('indicators', indicator, 'associatedGroups'), [g2]);
        assert.deepEqual(await linked('groups', g1, 'associatedIndicators'), []);
        assert.deepEqual(await linked('groups', g2, 'associatedIndicators'), [indicator]);
      });

      it('append, delete and replace from the group, seen from both sides', async () => {
        const g = await group();
        const [i1, i2, i3] = [await host(), await host(), await address()];
        await put('groups', g, { associatedIndicators: { data: [{ id: i1 }, { id: String(i2) }], mode: 'append' } });
        assert.deepEqual(await linked('groups', g, 'associatedIndicators'), [i1, i2]);
        assert.deepEqual(await linked('indicators', i2, 'associatedGroups'), [g]);
        await put('groups', g, { associatedIndicators: { data: [{ id: i1 }], mode: 'delete' } });
        assert.deepEqual(await linked('groups', g, 'associatedIndicators'), [i2]);
        await put('groups', g, { associatedIndicators: { data: [{ id: i3 }, { id: i1 }], mode: 'replace' } });
        assert.deepEqual(await linked('groups', g, 'associatedIndicators'), [i1, i3]);
        assert.deepEqual(await linked('indicators', i2, 'associatedGroups'), []);
        await put('groups', g, { associatedIndicators: { data: [], mode: 'replace' } });
        assert.deepEqual(await linked('indicators', i1, 'associatedGroups'), []);
      });

      it('the verbatim doc PUT by summary unlinks a group (spec §7.5)', async () => {
        const g = await group();
        const summary = `ultrabadguy${++unique}.com`;
        const indicator = await create('indicators', { type: 'Host', hostName: summary, associatedGroups: { data: [{ id: g }] } });
        assert.deepEqual(await linked('indicators', indicator, 'associatedGroups'), [g]);
        const answer = await tc('PUT', `/v3/indicators/${indicator}?fields=associatedGroups`, { associatedGroups: { data: [{ id: g }], mode: 'delete' } });
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.deepEqual(answer.body.data.associatedGroups, { data: [] });
      });

      it('nested creates: a group from an indicator, an indicator from a group', async () => {
        const name = `Nested adversary ${++unique}`;
        const answer = await tc('POST', '/v3/indicators?fields=associatedGroups', {
          type: 'Host', hostName: `nested${unique}.example.com`, associatedGroups: { data: [{ type: 'Adversary', name }] },
        });
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        const shown = answer.body.data.associatedGroups.data;
        assert.equal(shown.length, 1);
        assert.equal(shown[0].name, name);
        assert.equal(shown[0].type, 'Adversary');
        assert.deepEqual(await matching('groups', `name = "${name}"`), [shown[0].id]);
        assert.deepEqual(await linked('groups', shown[0].id, 'associatedIndicators'), [answer.body.data.id]);

        const hostName = `created-from-group${++unique}.example.com`;
        const fromGroup = await tc('POST', '/v3/groups?fields=associatedIndicators', {
          type: 'Intrusion Set', name: `Intrusion set ${unique}`, associatedIndicators: { data: [{ type: 'Host', hostName }] },
        });
        assert.equal(fromGroup.status, 201, JSON.stringify(fromGroup.body));
        const indicators = fromGroup.body.data.associatedIndicators.data;
        assert.equal(indicators.length, 1);
        assert.equal(indicators[0].summary, hostName);
        assert.equal(indicators[0].type, 'Host');
        assert.deepEqual(await linked('indicators', indicators[0].id, 'associatedGroups'), [fromGroup.body.data.id]);
      });

      it('a nested indicator named by type and value links the existing one (spec §7.5), in the caller\'s organization', async () => {
        const hostName = `existing${++unique}.example.com`;
        const existing = await create('indicators', { type: 'Host', hostName });
        const g = await group();
        await put('groups', g, { associatedIndicators: { data: [{ type: 'Host', hostName: hostName.toUpperCase() }] } });
        assert.deepEqual(await linked('groups', g, 'associatedIndicators'), [existing]);
        assert.deepEqual(await matching('indicators', `summary = "${hostName}"`), [existing], 'no second indicator');
      });

      it('a nested group named by an existing xid links that group instead of making another', async () => {
        const xid = `adversary-xid-${++unique}`;
        const g = await group({ xid });
        const indicator = await host(api, { associatedGroups: { data: [{ type: 'Adversary', name: 'Whatever', xid }] } });
        assert.deepEqual(await linked('indicators', indicator, 'associatedGroups'), [g]);
        assert.deepEqual(await matching('groups', `xid = "${xid}"`), [g]);
      });

      it('a nested item that is not valid is refused with the path, and nothing is written', async () => {
        const g = await group();
        const answer = await tc('PUT', `/v3/groups/${g}`, { associatedIndicators: { data: [{ type: 'Host' }] } });
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.equal(answer.body.status, 'Error');
        const nameless = await tc('PUT', `/v3/indicators/${await host()}`, { associatedGroups: { data: [{ type: 'Adversary' }] } });
        assertError(nameless, 400, '0x2003', /associatedGroups\[0\]\.name is required/);
        const bad = await tc('PUT', `/v3/groups/${g}`, { associatedIndicators: { data: [{ id: 'abc' }] } });
        assertError(bad, 400, '0x2005', /associatedIndicators\[0\]\.id must be a whole number/);
        assertError(await tc('PUT', `/v3/groups/${g}`, { associatedIndicators: { data: [{ type: 'Host', hostName: 'x.example' }], mode: 'delete' } }), 400, '0x2003', /id is required to delete/);
        assertError(await tc('PUT', `/v3/groups/${g}`, { associatedIndicators: { data: [{ id: 1 }], mode: 'merge' } }), 400, '0x2005', /mode/);
        const before = await matching('indicators', 'id > 0');
        assertError(await tc('PUT', `/v3/groups/${g}`, { associatedIndicators: { data: [{ type: 'Host', hostName: `rolled-back${++unique}.example.com` }, { id: 'abc' }] } }), 400, '0x2005');
        assert.deepEqual(await matching('indicators', 'id > 0'), before, 'the nested create before the bad item was rolled back');
        assert.deepEqual(await linked('groups', g, 'associatedIndicators'), []);
      });
    });

    describe('symmetric pairs', () => {
      it('group ↔ group: linked from one side, shown and unlinked from either', async () => {
        const [g1, g2, g3] = [await group(), await group(), await group()];
        await put('groups', g1, { associatedGroups: { data: [{ id: g2 }, { id: g3 }] } });
        assert.deepEqual(await linked('groups', g1, 'associatedGroups'), [g2, g3]);
        assert.deepEqual(await linked('groups', g2, 'associatedGroups'), [g1]);
        assert.deepEqual(await linked('groups', g3, 'associatedGroups'), [g1]);
        await put('groups', g2, { associatedGroups: { data: [{ id: g1 }], mode: 'delete' } });
        assert.deepEqual(await linked('groups', g1, 'associatedGroups'), [g3], 'unlinked from the other side: both rows gone');
        assert.deepEqual(await linked('groups', g2, 'associatedGroups'), []);
        await put('groups', g3, { associatedGroups: { data: [{ id: g2 }], mode: 'replace' } });
        assert.deepEqual(await linked('groups', g3, 'associatedGroups'), [g2]);
        assert.deepEqual(await linked('groups', g1, 'associatedGroups'), [], 'the replace removed the reverse row too');
        assert.deepEqual(await linked('groups', g2, 'associatedGroups'), [g3]);
        assert.deepEqual(await matching('groups', `hasGroup(id = ${g2})`), [g3]);
        assert.deepEqual(await matching('groups', `associatedGroup = ${g3}`), [g2]);
        assertError(await tc('PUT', `/v3/groups/${g1}`, { associatedGroups: { data: [{ id: g1 }] } }), 400, '0x2005', /itself/);
      });

      it('a group nested in a group is created and linked both ways', async () => {
        const answer = await tc('POST', '/v3/groups?fields=associatedGroups', {
          type: 'Campaign', name: `Campaign ${++unique}`, associatedGroups: { data: [{ type: 'Malware', name: `Malware ${unique}` }] },
        });
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        const inner = answer.body.data.associatedGroups.data[0];
        assert.equal(inner.type, 'Malware');
        assert.deepEqual(await linked('groups', inner.id, 'associatedGroups'), [answer.body.data.id]);
      });

      it('case ↔ case: linked from one side, shown and unlinked from either', async () => {
        const [c1, c2, c3] = [await kase(), await kase(), await kase()];
        await put('cases', c1, { associatedCases: { data: [{ id: c2 }] } });
        await put('cases', c3, { associatedCases: { data: [{ id: c1 }], mode: 'append' } });
        assert.deepEqual(await linked('cases', c1, 'associatedCases'), [c2, c3]);
        assert.deepEqual(await linked('cases', c2, 'associatedCases'), [c1]);
        assert.deepEqual(await matching('cases', `hasCase(id = ${c1})`), [c2, c3]);
        assert.deepEqual(await matching('cases', `associatedCase = ${c2}`), [c1]);
        await put('cases', c2, { associatedCases: { data: [{ id: c1 }], mode: 'delete' } });
        assert.deepEqual(await linked('cases', c1, 'associatedCases'), [c3]);
        await put('cases', c1, { associatedCases: { data: [{ id: c2 }], mode: 'replace' } });
        assert.deepEqual(await linked('cases', c3, 'associatedCases'), []);
        assert.deepEqual(await linked('cases', c2, 'associatedCases'), [c1]);
        assertError(await tc('PUT', `/v3/cases/${c1}`, { associatedCases: { data: [{ id: c1 }] } }), 400, '0x2005', /itself/);
        assertError(await tc('PUT', `/v3/cases/${c1}`, { associatedCases: { data: [{ name: 'new case' }] } }), 400, '0x2005', /needs the id of an existing case/);
      });
    });

    describe('cases and artifacts ↔ indicators and groups', () => {
      it('a case links indicators and groups; they show the case', async () => {
        const c = await kase();
        const [i1, i2] = [await host(), await host()];
        const g = await group();
        await put('cases', c, { associatedIndicators: { data: [{ id: i1 }, { id: i2 }] }, associatedGroups: { data: [{ id: g }], mode: 'append' } });
        assert.deepEqual(await linked('cases', c, 'associatedIndicators'), [i1, i2]);
        assert.deepEqual(await linked('indicators', i2, 'associatedCases'), [c]);
        assert.deepEqual(await linked('groups', g, 'associatedCases'), [c]);
        await put('indicators', i1, { associatedCases: { data: [{ id: c }], mode: 'delete' } });
        assert.deepEqual(await linked('cases', c, 'associatedIndicators'), [i2], 'unlinked from the indicator side');
        const c2 = await kase();
        await put('groups', g, { associatedCases: { data: [{ id: c2 }], mode: 'replace' } });
        assert.deepEqual(await linked('cases', c, 'associatedGroups'), []);
        assert.deepEqual(await linked('cases', c2, 'associatedGroups'), [g]);
        await put('cases', c, { associatedIndicators: { data: [{ id: i1 }], mode: 'replace' } });
        assert.deepEqual(await linked('indicators', i2, 'associatedCases'), []);
        assert.deepEqual(await linked('indicators', i1, 'associatedCases'), [c]);
        // Created when new, from the case.
        const hostName = `from-case${++unique}.example.com`;
        const created = await put('cases', c, { associatedIndicators: { data: [{ type: 'Host', hostName }] }, associatedGroups: { data: [{ type: 'Threat', name: `Threat ${unique}` }] } });
        assert.equal(created.id, c);
        const [newIndicator] = await matching('indicators', `summary = "${hostName}"`);
        assert.deepEqual(await linked('cases', c, 'associatedIndicators'), [i1, newIndicator!]);
        assert.equal((await linked('cases', c, 'associatedGroups')).length, 1);
      });

      it('the spec §7.5 case: an artifact nested in a case links an indicator named by a string id', async () => {
        const indicator = await host();
        const answer = await tc('POST', '/v3/cases?fields=artifacts', {
          name: 'Phishing Investigation', severity: 'Low', status: 'Open',
          artifacts: { data: [{ summary: 'badguy.com', type: 'Host', associatedIndicators: { data: [{ id: String(indicator) }] } }] },
        });
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        const artifactId = answer.body.data.artifacts.data[0].id;
        assert.deepEqual(await linked('artifacts', artifactId, 'associatedIndicators'), [indicator]);
        assert.deepEqual(await linked('indicators', indicator, 'associatedArtifacts'), [artifactId]);
        assert.deepEqual(await matching('artifacts', 'indicatorActive = true'), [artifactId]);
      });

      it('artifacts link groups and indicators in every mode, from both sides', async () => {
        const c = await kase();
        const a = await artifact(c);
        const [g1, g2] = [await group(), await group()];
        const i = await host();
        await put('artifacts', a, { associatedGroups: { data: [{ id: g1 }, { id: g2 }] }, associatedIndicators: { data: [{ id: i }] } });
        assert.deepEqual(await linked('groups', g2, 'associatedArtifacts'), [a]);
        assert.deepEqual(await linked('indicators', i, 'associatedArtifacts'), [a]);
        await put('artifacts', a, { associatedGroups: { data: [{ id: g1 }], mode: 'delete' } });
        assert.deepEqual(await linked('artifacts', a, 'associatedGroups'), [g2]);
        await put('groups', g1, { associatedArtifacts: { data: [{ id: a }], mode: 'append' } });
        assert.deepEqual(await linked('artifacts', a, 'associatedGroups'), [g1, g2]);
        await put('indicators', i, { associatedArtifacts: { data: [], mode: 'replace' } });
        assert.deepEqual(await linked('artifacts', a, 'associatedIndicators'), []);
        await put('artifacts', a, { associatedGroups: { data: [{ id: g2 }], mode: 'replace' } });
        assert.deepEqual(await linked('groups', g1, 'associatedArtifacts'), []);
        assert.deepEqual(await matching('artifacts', `hasGroup(id = ${g2}) and hasCase(id = ${c})`), [a]);
      });
    });

    describe('indicator ↔ indicator through association types', () => {
      it('a pair an association type allows links from either side; the type is inferred', async () => {
        const [ip, name] = [await address(), await host()];
        await put('indicators', ip, { associatedIndicators: { data: [{ id: name }] } });
        assert.deepEqual(await linked('indicators', ip, 'associatedIndicators'), [name]);
        assert.deepEqual(await linked('indicators', name, 'associatedIndicators'), [ip], 'seen from the target of the type');
        assert.deepEqual(await matching('indicators', `hasIndicator(id = ${ip})`), [name]);
        assert.deepEqual(await matching('indicators', `hasIndicator(id = ${name})`), [ip]);
        assert.deepEqual(await matching('indicators', `associatedIndicator = ${ip}`), [name]);
        // From the host's side (the reverse of DNS PTR Record), unlinked from the other side.
        await put('indicators', name, { associatedIndicators: { data: [{ id: ip }], mode: 'delete' } });
        assert.deepEqual(await linked('indicators', ip, 'associatedIndicators'), []);
        await put('indicators', name, { associatedIndicators: { data: [{ id: ip, associationType: 'DNS PTR Record' }] } });
        assert.deepEqual(await linked('indicators', ip, 'associatedIndicators'), [name]);
        const ip2 = await address();
        await put('indicators', name, { associatedIndicators: { data: [{ id: ip2, associationType: 'dnsPtrRecord' }], mode: 'replace' } });
        assert.deepEqual(await linked('indicators', name, 'associatedIndicators'), [ip2]);
        assert.deepEqual(await linked('indicators', ip, 'associatedIndicators'), []);
      });

      it('a nested indicator is created and typed from the pair', async () => {
        const url = await create('indicators', { type: 'URL', text: `http://u${++unique}.example.com/x` });
        const hostName = `u${unique}.example.com`;
        const answer = await tc('PUT', `/v3/indicators/${url}?fields=associatedIndicators`, { associatedIndicators: { data: [{ type: 'Host', hostName }] } });
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.deepEqual(answer.body.data.associatedIndicators.data.map((i: Json) => i.summary), [hostName]);
      });

      it('a pair no association type allows is 0x1001, and nothing is linked', async () => {
        const [h1, h2, ip] = [await host(), await host(), await address()];
        assertError(await tc('PUT', `/v3/indicators/${h1}`, { associatedIndicators: { data: [{ id: h2 }] } }), 400, '0x1001');
        const answer = await tc('PUT', `/v3/indicators/${h1}`, { associatedIndicators: { data: [{ id: h2 }] } });
        assert.equal(answer.body.message, NOT_APPLICABLE);
        assert.deepEqual(answer.body, { errCode: '0x1001', message: NOT_APPLICABLE, status: 'Error' });
        assertError(await tc('PUT', `/v3/indicators/${ip}`, { associatedIndicators: { data: [{ id: h1, associationType: 'urlHost' }] } }), 400, '0x1001', /cannot be applied/);
        assertError(await tc('PUT', `/v3/indicators/${ip}`, { associatedIndicators: { data: [{ id: h1, associationType: 'bogus' }] } }), 400, '0x1001', /Unknown association type/);
        const before = await matching('indicators', 'id > 0');
        assertError(await tc('PUT', `/v3/indicators/${h1}`, { associatedIndicators: { data: [{ type: 'Host', hostName: `never${++unique}.example.com` }] } }), 400, '0x1001');
        assert.deepEqual(await matching('indicators', 'id > 0'), before, 'the nested create was rolled back');
        assertError(await tc('PUT', `/v3/indicators/${ip}`, { associatedIndicators: { data: [{ id: h1 }, { id: h2 }, { id: ip }] } }), 400, '0x1001');
        assert.deepEqual(await linked('indicators', ip, 'associatedIndicators'), [], 'one refused pair links none of the request');
        assert.deepEqual(await linked('indicators', h1, 'associatedIndicators'), []);
      });
    });

    it('deleting either side removes the link', async () => {
      const [g1, g2] = [await group(), await group()];
      const [i1, i2] = [await host(), await address()];
      const c = await kase();
      await put('groups', g1, { associatedGroups: { data: [{ id: g2 }] }, associatedIndicators: { data: [{ id: i1 }, { id: i2 }] }, associatedCases: { data: [{ id: c }] } });
      await put('indicators', i2, { associatedIndicators: { data: [{ id: i1 }] } });
      assert.equal((await tc('DELETE', `/v3/indicators/${i1}`)).status, 200);
      assert.deepEqual(await linked('groups', g1, 'associatedIndicators'), [i2]);
      assert.deepEqual(await linked('indicators', i2, 'associatedIndicators'), []);
      assert.equal((await tc('DELETE', `/v3/groups/${g1}`)).status, 200);
      assert.deepEqual(await linked('groups', g2, 'associatedGroups'), []);
      assert.deepEqual(await linked('indicators', i2, 'associatedGroups'), []);
      assert.deepEqual(await linked('cases', c, 'associatedGroups'), []);
    });

    it('the association types in core/intel are the rows of association_types', async () => {
      const rows = await (server.services.store.db as Kysely<any>).selectFrom('association_types').select(['name', 'api_branch', 'source_type', 'target_type', 'file_action']).orderBy('name').execute();
      const expected = [...ASSOCIATION_TYPES].sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((t) => ({ name: t.name, api_branch: t.apiBranch, source_type: t.sourceType, target_type: t.targetType, file_action: t.fileAction ? 1 : 0 }));
      assert.deepEqual(rows.map((r: Json) => ({ ...r, file_action: Number(r.file_action) })), expected);
    });

    it('core lists an indicator\'s associated indicators from either side, with their type, among the owners given', async () => {
      const [ip, name] = [await address(), await host()];
      const url = await create('indicators', { type: 'URL', text: `http://core${++unique}.example.com/` });
      await put('indicators', name, { associatedIndicators: { data: [{ id: ip }, { id: url }] } });
      const db = server.services.store.db as Kysely<any>;
      const org = [server.bootstrap.organization.id];
      const shown = (list: Awaited<ReturnType<typeof associatedIndicators>>) => list.map((a) => [a.indicatorId, a.type.apiBranch]);
      assert.deepEqual(shown(await associatedIndicators(db, name, org)), [[ip, 'dnsPtrRecord'], [url, 'urlHost']]);
      assert.deepEqual(shown(await associatedIndicators(db, ip, org)), [[name, 'dnsPtrRecord']]);
      assert.deepEqual(shown(await associatedIndicators(db, name, org, associationTypeNamed('urlHost'))), [[url, 'urlHost']]);
      assert.deepEqual(await associatedIndicators(db, name, [server.bootstrap.community.id]), [], 'only the owners given');
    });

    describe('TQL', () => {
      it('has…() and associated… find each side from the other', async () => {
        const findable = `Findable ${++unique}`;
        const g = await group({ name: findable });
        const [i1, i2] = [await host(), await host()];
        const c = await kase();
        const a = await artifact(c);
        await put('groups', g, { associatedIndicators: { data: [{ id: i1 }] }, associatedCases: { data: [{ id: c }] }, associatedArtifacts: { data: [{ id: a }] } });
        await put('indicators', i2, { associatedCases: { data: [{ id: c }] }, associatedArtifacts: { data: [{ id: a }] } });
        assert.deepEqual(await matching('indicators', `hasGroup(name = "${findable}")`), [i1]);
        assert.deepEqual(await matching('indicators', `associatedGroup EQ ${g}`), [i1]);
        assert.deepEqual(await matching('indicators', `hasCase(id = ${c})`), [i2]);
        assert.deepEqual(await matching('indicators', `hasArtifact(id = ${a})`), [i2]);
        assert.ok(!(await matching('indicators', `not hasGroup(id = ${g})`)).includes(i1));
        assert.ok((await matching('indicators', `not hasGroup(id = ${g})`)).includes(i2));
        assert.deepEqual(await matching('groups', `hasIndicator(id = ${i1}) and hasCase(id = ${c}) and hasArtifact(id = ${a})`), [g]);
        assert.deepEqual(await matching('groups', `associatedIndicator = ${i1}`), [g]);
        assert.deepEqual(await matching('cases', `hasGroup(id = ${g})`), [c]);
        assert.deepEqual(await matching('cases', `hasIndicator(id = ${i2}) and associatedGroup = ${g} and associatedIndicator = ${i2}`), [c]);
        assert.deepEqual(await matching('artifacts', `hasIndicator(id = ${i2}) and hasGroup(hasIndicator(id = ${i1}))`), [a]);
        assert.deepEqual(await matching('artifacts', `hasCase(id = ${c})`), [a], 'an artifact\'s hasCase is still its parent case');
        assert.deepEqual(await matching('indicators', `hasGroup(hasCase(hasArtifact(id = ${a})))`), [i1]);
      });
    });

    describe('owner isolation', () => {
      let communityGroup: number;
      let orgIndicator: number;
      let memberIndicator: number;

      before(async () => {
        communityGroup = await group({ ownerName: community });
        orgIndicator = await host();
        memberIndicator = await host(member);
      });

      it('an organization links its indicator to its community\'s group; a member sees only its own side', async () => {
        await put('indicators', orgIndicator, { associatedGroups: { data: [{ id: communityGroup }] } });
        assert.deepEqual(await linked('groups', communityGroup, 'associatedIndicators'), [orgIndicator]);
        assert.deepEqual(await linked('groups', communityGroup, 'associatedIndicators', member), [], 'the member cannot see the organization\'s indicator');
        const chosen = await tc('GET', `/v3/indicators/${orgIndicator}?fields=associatedGroups&owner=${q(server.bootstrap.organization.name)}`);
        assert.deepEqual(chosen.body.data.associatedGroups.data.map((g: Json) => g.id), [communityGroup], '?owner= chooses the items, not which of their associations show');
        await put('groups', communityGroup, { associatedIndicators: { data: [{ id: memberIndicator }] } }, member);
        assert.deepEqual(await linked('groups', communityGroup, 'associatedIndicators', member), [memberIndicator]);
        assert.deepEqual(await linked('groups', communityGroup, 'associatedIndicators'), [orgIndicator], 'and the organization cannot see the member\'s');
        assert.deepEqual(await matching('indicators', `hasGroup(id = ${communityGroup})`, member), [memberIndicator]);
        // A replace or delete by the member unlinks only what the member can see.
        await put('groups', communityGroup, { associatedIndicators: { data: [], mode: 'replace' } }, member);
        assert.deepEqual(await linked('groups', communityGroup, 'associatedIndicators'), [orgIndicator], 'the organization\'s link stays');
        assert.deepEqual(await linked('groups', communityGroup, 'associatedIndicators', member), []);
      });

      it('a third organization sees neither side, by any path', async () => {
        for (const target of [`/v3/groups/${communityGroup}?fields=associatedIndicators`, `/v3/indicators/${orgIndicator}?fields=associatedGroups`, `/v3/indicators/${memberIndicator}?fields=associatedGroups`]) {
          assertError(await call(stranger, 'GET', target), 404, '0x1004');
        }
        for (const [type, tql] of [['indicators', `hasGroup(id = ${communityGroup})`], ['indicators', `associatedGroup = ${communityGroup}`], ['groups', `hasIndicator(id = ${orgIndicator})`], ['groups', 'id > 0'], ['indicators', 'id > 0']] as const) {
          assert.deepEqual(await matching(type, tql, stranger), [], `${type} ${tql}`);
        }
        const own = await host(stranger);
        assert.deepEqual(await linked('indicators', own, 'associatedGroups', stranger), []);
      });

      it('naming another organization\'s object is "not found", worded as for one that does not exist, and links nothing', async () => {
        const strangerGroup = await group({}, stranger);
        const strangerCase = await create('cases', { name: 'Their case', severity: 'Low', status: 'Open' }, stranger);
        const foreign = await tc('PUT', `/v3/indicators/${orgIndicator}`, { associatedGroups: { data: [{ id: strangerGroup }] } });
        const missing = await tc('PUT', `/v3/indicators/${orgIndicator}`, { associatedGroups: { data: [{ id: 2_000_000_000 }] } });
        assertError(foreign, 404, '0x1004');
        assertError(missing, 404, '0x1004');
        assert.equal(foreign.body.message.replace(String(strangerGroup), 'N'), missing.body.message.replace('2000000000', 'N'));
        assertError(await tc('PUT', `/v3/indicators/${orgIndicator}`, { associatedCases: { data: [{ id: strangerCase }] } }), 404, '0x1004', /not visible|visible to you/);
        assertError(await tc('PUT', `/v3/indicators/${orgIndicator}`, { associatedGroups: { data: [{ id: communityGroup }, { id: strangerGroup }], mode: 'replace' } }), 404, '0x1004');
        assert.deepEqual(await linked('indicators', orgIndicator, 'associatedGroups'), [communityGroup], 'the failed replace changed nothing');
        assert.deepEqual(await linked('groups', strangerGroup, 'associatedIndicators', stranger), []);
        // The member cannot reach the organization's own indicator either.
        assertError(await call(member, 'PUT', `/v3/groups/${communityGroup}`, { associatedIndicators: { data: [{ id: orgIndicator }] } }), 404, '0x1004');
        // Nor can a stranger write to the shared group.
        assertError(await call(stranger, 'PUT', `/v3/groups/${communityGroup}`, { associatedIndicators: { data: [{ id: await host(stranger) }] } }), 404, '0x1004');
        assert.deepEqual(await linked('groups', communityGroup, 'associatedIndicators'), [orgIndicator]);
      });

      it('a nested create goes to the organization unless the item names a visible owner', async () => {
        const g = await group();
        const inOrg = `org-nested${++unique}.example.com`;
        const inCommunity = `community-nested${unique}.example.com`;
        await put('groups', g, { associatedIndicators: { data: [{ type: 'Host', hostName: inOrg }, { type: 'Host', hostName: inCommunity, ownerName: community }] } });
        const shown = (await tc('GET', `/v3/groups/${g}?fields=associatedIndicators`)).body.data.associatedIndicators.data;
        assert.deepEqual(shown.map((i: Json) => [i.summary, i.ownerId]).sort(), [[inCommunity, server.bootstrap.community.id], [inOrg, server.bootstrap.organization.id]].sort());
        assertError(await tc('PUT', `/v3/groups/${g}`, { associatedIndicators: { data: [{ type: 'Host', hostName: `x${unique}.example.com`, ownerName: 'Third Organization' }] } }), 404, '0x1004');
      });
    });
  });
}
