/**
 * v2 catalogues over a real server on both databases: indicator and association types, tags and
 * what carries them, security labels, deleted indicators, owner metrics and members — JSON and
 * XML, and never another organization's data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CairnClient } from '@cairn/client';
import { XMLParser } from 'fast-xml-parser';
import type { Kysely } from 'kysely';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call, type Json } from '../../support/v3.js';

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' });

for (const dialect of testDialects()) {
  describe(`v2 catalogues (${dialect})`, () => {
    let server: TestServer;
    let mine: CairnClient;
    let theirs: CairnClient;
    let orgName: string;
    const FOREIGN = `Foreign catalogue org ${dialect}`;
    const me = (method: string, target: string, body?: unknown) => call(mine, method, target, body);
    const them = (method: string, target: string, body?: unknown) => call(theirs, method, target, body);
    const xmlOf = async (target: string) => {
      const response = await mine.request('GET', target, { headers: { Accept: 'application/xml' } });
      assert.equal(response.headers.get('content-type'), 'application/xml');
      return { status: response.status, body: xml.parse(await response.text()) as Json };
    };

    before(async () => {
      server = await startTestServer(dialect);
      mine = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      orgName = server.bootstrap.organization.name;
      await server.services.tenancy.createOrganization(FOREIGN);
      const user = await server.services.tenancy.createApiUser(FOREIGN);
      theirs = new CairnClient({ baseUrl: `${server.baseUrl}/api`, accessId: user.accessId, secret: user.secret, scheme: 'threatconnect' });
      for (const name of ['APT, "quoted"', 'APT/28 & co', 'crimeware', 'T1059']) assert.equal((await me('POST', '/v3/tags', { name })).status, 201);
      assert.equal((await them('POST', '/v3/tags', { name: 'their-secret-tag' })).status, 201);
      assert.equal((await me('POST', '/v3/securityLabels', { name: 'Mine Only', description: 'An owner label' })).status, 201);
      assert.equal((await them('POST', '/v3/securityLabels', { name: 'Their Label' })).status, 201);
      const created = async (client: CairnClient, body: unknown, target = '/v3/indicators') => {
        const answer = await call(client, 'POST', target, body);
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        return answer.body.data as Json;
      };
      await created(mine, { type: 'Host', hostName: 'evil.example.com', rating: 4, confidence: 60, tags: { data: [{ name: 'crimeware' }] } });
      await created(mine, { type: 'Address', ip: '192.0.2.7', rating: 2, confidence: 40, tags: { data: [{ name: 'crimeware' }, { name: 'T1059' }] } });
      await created(mine, { type: 'URL', text: 'https://untagged.example.com/x', rating: 3 });
      await created(mine, { type: 'Adversary', name: 'Crime Crew', tags: { data: [{ name: 'crimeware' }] } }, '/v3/groups');
      await created(mine, { type: 'Incident', name: 'Untagged incident', eventDate: '2024-01-02T00:00:00Z' }, '/v3/groups');
      // The other organization uses the same tag name on its own intelligence.
      await created(theirs, { type: 'Host', hostName: 'their.example.com', tags: { data: [{ name: 'crimeware' }] } });
      await created(theirs, { type: 'Adversary', name: 'Their Crew', tags: { data: [{ name: 'crimeware' }] } }, '/v3/groups');
      // Deleted indicators: two of mine (one long ago, as far as deletedSince goes), one of theirs.
      for (const [client, body] of [[mine, { type: 'Host', hostName: 'gone.example.com' }], [mine, { type: 'EmailAddress', address: 'gone@example.com' }], [theirs, { type: 'Host', hostName: 'their-gone.example.com' }]] as const) {
        const indicator = await created(client, body);
        assert.equal((await call(client, 'DELETE', `/v3/indicators/${indicator.id}`)).status, 200);
      }
    });
    after(() => server.close());

    describe('tags', () => {
      it('lists the organization\'s tags with a webLink, and none of another organization\'s', async () => {
        const { status, body } = await me('GET', '/v2/tags');
        assert.equal(status, 200);
        assert.equal(body.status, 'Success');
        assert.equal(body.data.resultCount, 4);
        assert.deepEqual(body.data.tag.map((t: Json) => t.name).sort(), ['APT, "quoted"', 'APT/28 & co', 'T1059', 'crimeware']);
        for (const tag of body.data.tag) assert.match(tag.webLink, /tag=.*&owner=/);
        const theirList = await them('GET', '/v2/tags');
        assert.deepEqual(theirList.body.data.tag.map((t: Json) => t.name).sort(), ['crimeware', 'their-secret-tag'], 'their own crimeware tag, none of ours');
      });

      it('pages with resultStart and resultLimit, the first page counting them all', async () => {
        const first = await me('GET', '/v2/tags?resultStart=0&resultLimit=3');
        assert.equal(first.body.data.resultCount, 4);
        assert.equal(first.body.data.tag.length, 3);
        const last = await me('GET', '/v2/tags?resultStart=3&resultLimit=3');
        assert.equal(last.body.data.tag.length, 1);
        assert.equal(last.body.data.resultCount, undefined, 'counted on the first page only');
        assert.ok(!first.body.data.tag.some((t: Json) => t.name === last.body.data.tag[0].name));
      });

      it('reads one tag by its percent-encoded name, ignoring case', async () => {
        assert.equal((await me('GET', `/v2/tags/${encodeURIComponent('APT/28 & co')}`)).body.data.tag.name, 'APT/28 & co');
        const { status, body } = await me('GET', `/v2/tags/${encodeURIComponent('APT, "quoted"')}`);
        assert.equal(status, 200);
        assert.equal(body.data.tag.name, 'APT, "quoted"');
        assert.equal((await me('GET', '/v2/tags/CRIMEWARE')).body.data.tag.name, 'crimeware');
      });

      it('answers 404 for another organization\'s tag and for an unknown one', async () => {
        for (const name of ['their-secret-tag', 'nothing-like-it']) {
          const { status, body } = await me('GET', `/v2/tags/${name}`);
          assert.equal(status, 404);
          assert.deepEqual(body, { status: 'Failure', message: 'The requested resource was not found' });
        }
      });

      it('refuses ?owner= another organization as an owner not found (403)', async () => {
        for (const target of [`/v2/tags?owner=${encodeURIComponent(FOREIGN).replace(/%20/g, '+')}`, `/v2/securityLabels?owner=${encodeURIComponent(FOREIGN)}`, `/v2/indicators/deleted?owner=${encodeURIComponent(FOREIGN)}`, '/v2/tags/crimeware/indicators?owner=Nobody']) {
          const { status, body } = await me('GET', target);
          assert.equal(status, 403, target);
          assert.deepEqual(body, { status: 'Failure', message: 'The requested owner was not found' });
        }
      });

      it('answers in XML from the same data', async () => {
        const { status, body } = await xmlOf('/v2/tags?resultLimit=10');
        assert.equal(status, 200);
        const data = body.tagsResponse.Data;
        assert.equal(body.tagsResponse.Status, 'Success');
        assert.equal(data['@_xsi:type'], 'tagListResponseData');
        assert.equal(data.ResultCount, 4);
        assert.deepEqual(data.Tag.map((t: Json) => t.Name).sort(), ['APT, "quoted"', 'APT/28 & co', 'T1059', 'crimeware']);
        const single = await xmlOf('/v2/tags/crimeware');
        assert.equal(single.body.tagResponse.Data.Tag.Name, 'crimeware');
      });
    });

    describe('types', () => {
      it('lists the indicator types v2 addresses, built-in and custom', async () => {
        const { status, body } = await me('GET', '/v2/types/indicatorTypes');
        assert.equal(status, 200);
        const types = body.data.indicatorType as Json[];
        assert.equal(body.data.resultCount, types.length);
        assert.deepEqual(types.map((t) => t.apiBranch), ['addresses', 'emailAddresses', 'files', 'hosts', 'urls', 'asns', 'cidrBlocks', 'mutexes', 'registryKeys', 'userAgents']);
        const address = types.find((t) => t.name === 'Address');
        assert.deepEqual({ custom: address.custom, parsable: address.parsable, apiEntity: address.apiEntity }, { custom: 'false', parsable: 'true', apiEntity: 'address' });
        assert.equal(address.keys, undefined, 'keys only with includeAdditional');
        const asn = types.find((t) => t.name === 'ASN');
        assert.deepEqual({ custom: asn.custom, casePreference: asn.casePreference, value1Label: asn.value1Label }, { custom: 'false', casePreference: 'upper', value1Label: 'AS Number' });
      });

      it('reads one type by name, branch or entity; includeAdditional adds its keys and regexes', async () => {
        for (const ref of ['Registry%20Key', 'registryKeys', 'registryKey']) {
          const { status, body } = await me('GET', `/v2/types/indicatorTypes/${ref}?includeAdditional=true`);
          assert.equal(status, 200, ref);
          assert.deepEqual(body.data.indicatorType.keys, { key1: 'Key Name', key2: 'Value Name', key3: 'Value Type' });
          assert.equal(body.data.indicatorType.regexes.length, 3);
        }
        const file = await me('GET', '/v2/types/indicatorTypes/File?includeAdditional=True');
        assert.deepEqual(file.body.data.indicatorType.keys, { key1: 'md5', key2: 'sha1', key3: 'sha256' });
        assert.equal((await me('GET', '/v2/types/indicatorTypes/Hashtag')).status, 404, 'a v3-only type has no v2 branch');
        assert.equal((await me('GET', '/v2/types/indicatorTypes/Nothing')).status, 404);
      });

      it('lists the association types tcex reads by name', async () => {
        const { status, body } = await me('GET', '/v2/types/associationTypes');
        assert.equal(status, 200);
        const types = body.data.associationType as Json[];
        assert.equal(types.length, 8);
        assert.deepEqual(types.find((t) => t.name === 'File Download'), {
          name: 'File Download', custom: 'false', fileAction: 'true', apiBranch: 'fileDownload', sourceType: 'URL', targetType: 'File', description: 'URL to File',
        });
        const xmlTypes = await xmlOf('/v2/types/associationTypes');
        assert.equal(xmlTypes.body.associationTypesResponse.Data.AssociationType.length, 8);
        const asn = await xmlOf('/v2/types/indicatorTypes/asns');
        assert.equal(asn.body.indicatorTypeResponse.Data.IndicatorType.Value1Label, 'AS Number');
      });
    });

    describe('what carries a tag', () => {
      it('lists the organization\'s indicators carrying a tag, as the v2 indicator list does', async () => {
        const { status, body } = await me('GET', '/v2/tags/crimeware/indicators');
        assert.equal(status, 200);
        assert.equal(body.data.resultCount, 2);
        assert.deepEqual(body.data.indicator.map((i: Json) => i.summary).sort(), ['192.0.2.7', 'evil.example.com']);
        for (const item of body.data.indicator) assert.equal(item.ownerName, orgName);
        const hosts = await me('GET', '/v2/tags/CrimeWare/indicators/hosts');
        assert.deepEqual(hosts.body.data.host.map((h: Json) => h.hostName), ['evil.example.com']);
        const technique = await me('GET', '/v2/tags/T1059/indicators/addresses');
        assert.deepEqual(technique.body.data.address.map((a: Json) => a.ip), ['192.0.2.7']);
        const filtered = await me('GET', '/v2/tags/crimeware/indicators?filters=rating%3E3');
        assert.deepEqual(filtered.body.data.indicator.map((i: Json) => i.summary), ['evil.example.com']);
      });

      it('lists the groups carrying a tag, by branch too', async () => {
        const { body } = await me('GET', '/v2/tags/crimeware/groups');
        assert.deepEqual(body.data.group.map((g: Json) => g.name), ['Crime Crew']);
        const adversaries = await me('GET', '/v2/tags/crimeware/groups/adversaries');
        assert.deepEqual(adversaries.body.data.adversary.map((g: Json) => g.name), ['Crime Crew']);
        assert.equal((await me('GET', '/v2/tags/crimeware/groups/incidents')).body.data.incident.length, 0);
        const xmlGroups = await xmlOf('/v2/tags/crimeware/groups');
        assert.equal(xmlGroups.body.groupsResponse.Data.Group.Name, 'Crime Crew');
      });

      it('answers 404 for an unknown tag or branch, and for another organization\'s tag', async () => {
        assert.equal((await me('GET', '/v2/tags/their-secret-tag/indicators')).status, 404);
        assert.equal((await me('GET', '/v2/tags/no-such-tag/groups')).status, 404);
        assert.equal((await me('GET', '/v2/tags/crimeware/indicators/nothings')).status, 404);
        const theirView = await them('GET', '/v2/tags/crimeware/indicators');
        assert.deepEqual(theirView.body.data.indicator.map((i: Json) => i.summary), ['their.example.com']);
      });
    });

    describe('deleted indicators', () => {
      it('lists the organization\'s deleted indicators, never another\'s', async () => {
        const { status, body } = await me('GET', '/v2/indicators/deleted');
        assert.equal(status, 200);
        assert.equal(body.data.resultCount, 2);
        const items = body.data.indicator as Json[];
        assert.deepEqual(items.map((i) => i.summary).sort(), ['gone.example.com', 'gone@example.com']);
        for (const item of items) {
          assert.deepEqual(Object.keys(item).sort(), ['dateAdded', 'ownerName', 'summary', 'type']);
          assert.equal(item.ownerName, orgName);
        }
        assert.deepEqual((await them('GET', '/v2/indicators/deleted')).body.data.indicator.map((i: Json) => i.summary), ['their-gone.example.com']);
      });

      it('filters by type and deletedSince, and refuses a date it cannot read', async () => {
        const hosts = await me('GET', '/v2/indicators/deleted?type=Host');
        assert.deepEqual(hosts.body.data.indicator.map((i: Json) => i.summary), ['gone.example.com']);
        assert.equal((await me('GET', '/v2/indicators/deleted?type=hosts')).body.data.indicator.length, 1);
        assert.equal((await me('GET', '/v2/indicators/deleted?deletedSince=2000-01-01')).body.data.indicator.length, 2);
        assert.equal((await me('GET', '/v2/indicators/deleted?deletedSince=20991231')).body.data.indicator.length, 0);
        const bad = await me('GET', '/v2/indicators/deleted?deletedSince=yesterday');
        assert.equal(bad.status, 400);
        assert.match(bad.body.message, /deletedSince/);
      });

      it('answers in XML', async () => {
        const { body } = await xmlOf('/v2/indicators/deleted?type=EmailAddress');
        assert.equal(body.indicatorsResponse.Data.Indicator.Summary, 'gone@example.com');
      });
    });

    describe('security labels', () => {
      it('lists the System TLP labels and the organization\'s, never another\'s', async () => {
        const { status, body } = await me('GET', '/v2/securityLabels');
        assert.equal(status, 200);
        const names = body.data.securityLabel.map((l: Json) => l.name);
        for (const name of ['TLP:WHITE', 'TLP:GREEN', 'TLP:AMBER', 'TLP:RED', 'Mine Only']) assert.ok(names.includes(name), name);
        assert.ok(!names.includes('Their Label'));
        assert.equal(body.data.resultCount, 5);
        for (const label of body.data.securityLabel) {
          assert.deepEqual(Object.keys(label).filter((k) => !['name', 'description', 'dateAdded'].includes(k)), []);
          assert.match(label.dateAdded, /^\d{4}-\d{2}-\d{2}T/);
        }
      });

      it('reads one label by name (TLP%3AAMBER), 404 for another organization\'s', async () => {
        const amber = await me('GET', '/v2/securityLabels/TLP%3AAMBER');
        assert.equal(amber.status, 200);
        assert.equal(amber.body.data.securityLabel.name, 'TLP:AMBER');
        assert.equal((await me('GET', `/v2/securityLabels/${encodeURIComponent('Mine Only')}`)).body.data.securityLabel.description, 'An owner label');
        assert.equal((await me('GET', `/v2/securityLabels/${encodeURIComponent('Their Label')}`)).status, 404);
      });

      it('answers in XML', async () => {
        const { body } = await xmlOf('/v2/securityLabels/TLP%3ARED');
        assert.equal(body.securityLabelResponse.Data.SecurityLabel.Name, 'TLP:RED');
      });
    });

    describe('owner members', () => {
      it('lists the organization\'s users by name, nothing secret, nobody else\'s', async () => {
        const { status, body } = await me('GET', '/v2/owners/mine/members');
        assert.equal(status, 200);
        const users = body.data.user as Json[];
        assert.ok(users.length >= 1);
        assert.ok(users.some((u) => u.userName === server.bootstrap.apiUser.accessId));
        for (const user of users) assert.deepEqual(Object.keys(user).sort(), ['firstName', 'lastName', 'userName']);
        const text = JSON.stringify(body);
        assert.ok(!text.includes(server.bootstrap.apiUser.secret));
        const theirUsers = (await them('GET', '/v2/owners/mine/members')).body.data.user as Json[];
        assert.ok(!theirUsers.some((u) => u.userName === server.bootstrap.apiUser.accessId));
      });
    });

    describe('owner metrics', () => {
      it('gives 30 days of metrics for the organization, today last, counting its own data only', async () => {
        const id = server.bootstrap.organization.id;
        const { status, body } = await me('GET', `/v2/owners/${id}/metrics`);
        assert.equal(status, 200);
        const metrics = body.data.ownerMetric as Json[];
        assert.equal(metrics.length, 30);
        const today = metrics[29];
        assert.equal(today.metricDate, new Date().toISOString().slice(0, 10));
        assert.equal(today.totalTag, 4, 'the foreign tag is not counted');
        // Held now: Host, Address, URL (the two deleted ones are gone today); their Host is not counted.
        assert.deepEqual({ indicators: today.totalIndicator, hosts: today.totalHost, addresses: today.totalAddress, urls: today.totalUrl, emails: today.totalEmailAddress },
          { indicators: 3, hosts: 1, addresses: 1, urls: 1, emails: 0 });
        assert.deepEqual({ groups: today.totalGroup, adversaries: today.totalAdversary, incidents: today.totalIncident }, { groups: 2, adversaries: 1, incidents: 1 });
        assert.equal(today.averageIndicatorRating, 3);
        assert.equal(today.averageIndicatorConfidence, 50);
        assert.equal(metrics[0].totalIndicator, 0, 'nothing was held 29 days ago');
        assert.ok(metrics[0].metricDate < today.metricDate);
        const viaMine = await me('GET', '/v2/owners/mine/metrics');
        assert.deepEqual(viaMine.body.data.ownerMetric[29].totalTag, 4);
        const viaQuery = await me('GET', '/v2/owners/metrics');
        assert.equal(viaQuery.body.data.ownerMetric.length, 30);
      });

      it('counts each day what the owner held at its end: older indicators, and deleted ones until their deletion', async () => {
        // A separate organization, so the figures are this test's alone; its rows are dated in the past.
        const owner = await server.services.tenancy.createOrganization(`Metrics history ${dialect}`);
        const user = await server.services.tenancy.createApiUser(owner.name);
        const client = new CairnClient({ baseUrl: `${server.baseUrl}/api`, accessId: user.accessId, secret: user.secret, scheme: 'threatconnect' });
        const db = server.services.store.db as unknown as Kysely<any>;
        const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        const held = { owner_id: owner.id, type: 'Host', summary: 'old.example.com', value1: 'old.example.com', rating: 4, confidence: 80, date_added: daysAgo(20), last_modified: daysAgo(20) };
        await db.insertInto('indicators').values([held, { ...held, type: 'URL', summary: 'https://x.example.com/', value1: 'https://x.example.com/', rating: 2, confidence: 20, date_added: daysAgo(3), last_modified: daysAgo(3) }]).execute();
        await db.insertInto('deleted_indicators').values({ owner_id: owner.id, type: 'Address', summary: '192.0.2.1', date_added: daysAgo(10), date_deleted: daysAgo(5) }).execute();
        const { body } = await call(client, 'GET', `/v2/owners/${owner.id}/metrics`);
        const on = (n: number) => (body.data.ownerMetric as Json[])[29 - n];
        assert.equal(on(0).metricDate, daysAgo(0).slice(0, 10));
        assert.deepEqual([25, 20, 10, 6, 5, 3, 0].map((n) => on(n).totalIndicator), [0, 1, 2, 2, 1, 2, 2]);
        assert.deepEqual([10, 5].map((n) => on(n).totalAddress), [1, 0]);
        assert.equal(on(10).averageIndicatorRating, 4, 'averages over the indicators held (the deleted one had none)');
        assert.equal(on(0).averageIndicatorRating, 3);
        assert.equal(on(0).averageIndicatorConfidence, 50);
        const foreign = await me('GET', `/v2/owners/${owner.id}/metrics`);
        assert.equal(foreign.status, 404, 'another organization\'s metrics are not shown');
      });

      it('answers 404 for another organization\'s metrics', async () => {
        const foreign = (await server.services.tenancy.findOwner(FOREIGN)).id;
        const { status, body } = await me('GET', `/v2/owners/${foreign}/metrics`);
        assert.equal(status, 404);
        assert.equal(body.status, 'Failure');
        assert.equal((await me('GET', `/v2/owners/metrics?owner=${encodeURIComponent(FOREIGN)}`)).status, 403);
      });

      it('answers in XML', async () => {
        const { body } = await xmlOf('/v2/owners/mine/metrics');
        const items = body.ownerMetricsResponse.Data.OwnerMetric as Json[];
        assert.equal(items.length, 30);
        assert.equal(items[29].TotalTag, 4);
      });
    });
  });
}
