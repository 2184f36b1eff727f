/**
 * v2 intelligence reads over HTTP on a real server and database: GET /v2/indicators[/{branch}[/{value}]]
 * and /v2/groups[/{branch}[/{id}]], JSON and XML (the same data), paging and resultCount, owner
 * (repeatable, `+`), includes, percent-encoded values as tcex and the JS SDK send them, and owner isolation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CairnClient } from '@cairn/client';
import { XMLParser } from 'fast-xml-parser';
import { rawRequest, tcHeaders } from '../../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call, type Json } from '../../support/v3.js';

/** Python's `urllib.parse.quote(v, safe='')`: every byte but letters, digits and `_.-~` escaped. */
const pythonQuote = (value: string) => Array.from(Buffer.from(value, 'utf8')).map((b) => (/[A-Za-z0-9_.\-~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

const xmlParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, isArray: (_name, jpath) => /\.Data\.(Indicator|Address|Host|Url|File|Group|Incident|Threat|Event)$/.test(String(jpath)) });

/** The JSON key's XML element: PascalCase, hashes lower-case (the rule intel-render.ts documents). */
const xmlName = (key: string) => (['md5', 'sha1', 'sha256'].includes(key) ? key : key.split(/[^A-Za-z0-9_]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(''));

/** Asserts an XML element holds exactly the JSON item's data (values compared as text). */
function assertSameData(json: Json, xml: Json, path = 'item'): void {
  const xmlKeys = Object.keys(xml).filter((k) => !k.startsWith('@_'));
  assert.deepEqual(xmlKeys.sort(), Object.keys(json).map(xmlName).sort(), `${path}: the same fields`);
  for (const [key, value] of Object.entries(json)) {
    const element = xml[xmlName(key)];
    if (Array.isArray(value)) {
      const elements = Array.isArray(element) ? element : [element];
      assert.equal(elements.length, value.length, `${path}.${key}: as many elements`);
      value.forEach((v, i) => assertSameData(v, elements[i], `${path}.${key}[${i}]`));
    } else if (value !== null && typeof value === 'object') {
      assertSameData(value, element, `${path}.${key}`);
      if (key === 'owner') assert.equal(element['@_xsi:type'], String((value as Json).type).toLowerCase());
    } else {
      assert.equal(String(element), String(value), `${path}.${key}`);
    }
  }
}

/** A URL value holding what a path must carry encoded: slashes, `?`, `&`, `%`, `;`, `#`. */
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const URL_VALUE = 'http://bad.example.com/a/b%2Fc;d?x=1&y=%2F#frag';

for (const dialect of testDialects()) {
  describe(`v2 intelligence reads (${dialect})`, () => {
    let server: TestServer;
    let v3: CairnClient;
    let other: CairnClient;
    const ids: Record<string, number> = {};
    const get = (target: string, headers: Record<string, string> = {}) => {
      const { accessId, secret } = server.bootstrap.apiUser;
      return rawRequest(server.baseUrl, 'GET', target, { ...tcHeaders(accessId, secret, 'GET', target), ...headers });
    };
    const getJson = async (target: string, status = 200) => {
      const response = await get(target);
      assert.equal(response.status, status, `${target}: ${response.body.slice(0, 300)}`);
      assert.equal(response.headers['content-type'], 'application/json');
      return JSON.parse(response.body) as Json;
    };
    const getXml = async (target: string) => {
      const response = await get(target, { Accept: 'application/xml' });
      assert.equal(response.status, 200, response.body.slice(0, 300));
      assert.equal(response.headers['content-type'], 'application/xml');
      return { text: response.body, doc: xmlParser.parse(response.body) as Json };
    };
    const create = async (client: CairnClient, target: string, body: Json) => {
      const answer = await call(client, 'POST', target, body);
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      return answer.body.data.id as number;
    };

    before(async () => {
      server = await startTestServer(dialect);
      v3 = server.client();
      ids.ip = await create(v3, '/v3/indicators', { type: 'Address', ip: '192.0.2.1', rating: 3, confidence: 60 });
      ids.ip2 = await create(v3, '/v3/indicators', { type: 'Address', ip: '192.0.2.2', rating: 1, confidence: 10 });
      ids.host = await create(v3, '/v3/indicators', { type: 'Host', hostName: 'bad.example.com', rating: 5, confidence: 90, whoisActive: true });
      ids.url = await create(v3, '/v3/indicators', { type: 'URL', text: URL_VALUE, rating: 2 });
      ids.email = await create(v3, '/v3/indicators', { type: 'EmailAddress', address: 'bad+guy@example.com' });
      ids.inactive = await create(v3, '/v3/indicators', { type: 'Address', ip: '192.0.2.99', active: false });
      ids.community = await create(v3, '/v3/indicators?owner=Common%20Community', { type: 'Address', ip: '198.51.100.7' });
      ids.tagged = await create(v3, '/v3/indicators', {
        type: 'Host', hostName: 'tagged.example.com',
        tags: { data: [{ name: 'APT' }, { name: 'Phishing' }] },
        attributes: { data: [{ type: 'Description', value: 'A known bad host' }] },
        securityLabels: { data: [{ name: 'TLP:AMBER' }] },
      });
      ids.file = await create(v3, '/v3/indicators', { type: 'File', md5: MD5, sha256: SHA256, size: 1234 });
      ids.asn = await create(v3, '/v3/indicators', { type: 'ASN', value1: 'ASN64500' });
      ids.incident = await create(v3, '/v3/groups', { type: 'Incident', name: 'Breach', eventDate: '2017-07-13T00:00:00Z' });
      ids.threat = await create(v3, '/v3/groups', { type: 'Threat', name: 'APT Example', tags: { data: [{ name: 'APT' }] } });
      const organization = await server.services.tenancy.createOrganization(`Elsewhere ${dialect}`);
      const user = await server.services.tenancy.createApiUser(organization.name, 'elsewhere');
      other = new CairnClient({ baseUrl: server.baseUrl, accessId: user.accessId, secret: user.secret, scheme: 'threatconnect' });
      ids.foreign = await create(other, '/v3/indicators', { type: 'Address', ip: '203.0.113.5' });
      ids.foreignGroup = await create(other, '/v3/groups', { type: 'Threat', name: 'Foreign threat' });
    });
    after(() => server.close());

    for (const base of ['', '/api']) {
      it(`GET ${base}/v2/indicators lists the organization's active indicators with resultCount`, async () => {
        const body = await getJson(`${base}/v2/indicators`);
        assert.equal(body.status, 'Success');
        assert.equal(body.data.resultCount, 8);
        assert.deepEqual(body.data.indicator.map((i: Json) => i.id), [ids.ip, ids.ip2, ids.host, ids.url, ids.email, ids.tagged, ids.file, ids.asn]);
        const first = body.data.indicator[0];
        assert.deepEqual(Object.keys(first), ['id', 'ownerName', 'type', 'dateAdded', 'lastModified', 'rating', 'confidence', 'webLink', 'summary']);
        assert.equal(first.ownerName, 'Exemplary Organization');
        assert.equal(first.type, 'Address');
        assert.equal(first.summary, '192.0.2.1');
      });
    }

    it('answers the same data in XML, with the list roots and xsi types of spec §4.2', async () => {
      const json = await getJson('/v2/indicators');
      const { text, doc } = await getXml('/v2/indicators');
      assert.match(text, /^<indicatorsResponse>\s*<Status>Success<\/Status>\s*<Data xsi:type="indicatorListResponseData" xmlns:xsi="http:\/\/www.w3.org\/2001\/XMLSchema-instance">\s*<ResultCount>8<\/ResultCount>/);
      const items = doc.indicatorsResponse.Data.Indicator;
      assert.equal(items.length, json.data.indicator.length);
      json.data.indicator.forEach((item: Json, i: number) => assertSameData(item, items[i], `indicator[${i}]`));
      for (const accept of ['*/*', 'application/json', 'application/json, application/xml;q=0.5']) {
        const response = await get('/v2/indicators', { Accept: accept });
        assert.equal(response.headers['content-type'], 'application/json', accept);
      }
    });

    it('GET /v2/indicators/{branch} lists one type with its value keys and no type', async () => {
      const body = await getJson('/v2/indicators/addresses');
      assert.equal(body.data.resultCount, 2);
      assert.deepEqual(body.data.address.map((a: Json) => a.ip), ['192.0.2.1', '192.0.2.2']);
      assert.deepEqual(Object.keys(body.data.address[0]), ['id', 'ownerName', 'dateAdded', 'lastModified', 'rating', 'confidence', 'webLink', 'ip']);
      const hosts = await getJson('/v2/indicators/hosts');
      assert.deepEqual(hosts.data.host.map((h: Json) => h.hostName), ['bad.example.com', 'tagged.example.com']);
      const { text, doc } = await getXml('/v2/indicators/addresses');
      assert.match(text, /^<addressesResponse>[\s\S]*<Data xsi:type="addressListResponseData"/);
      body.data.address.forEach((item: Json, i: number) => assertSameData(item, doc.addressesResponse.Data.Address[i]));
    });

    it('GET /v2/indicators/{branch}/{value} answers one indicator with its owner object, JSON and XML', async () => {
      const body = await getJson('/v2/indicators/addresses/192.0.2.1');
      const address = body.data.address;
      assert.deepEqual(Object.keys(address), ['id', 'owner', 'dateAdded', 'lastModified', 'rating', 'confidence', 'webLink', 'ip']);
      assert.deepEqual(address.owner, { id: 0, name: 'Exemplary Organization', type: 'Organization' });
      assert.equal(address.id, ids.ip);
      assert.equal(address.ip, '192.0.2.1');
      assert.equal(address.rating, 3);
      assert.equal(address.confidence, 60);
      const { text, doc } = await getXml('/v2/indicators/addresses/192.0.2.1');
      assert.match(text, /^<addressResponse>\s*<Status>Success<\/Status>\s*<Data xsi:type="addressResponseData"[^>]*>\s*<Address>\s*<Id>/);
      assertSameData(address, doc.addressResponse.Data.Address[0]);
      const host = (await getJson('/v2/indicators/hosts/bad.example.com')).data.host;
      assert.equal(host.hostName, 'bad.example.com');
    });

    it('finds URL and email values percent-encoded as tcex (quote safe="") and the JS SDK (encodeURIComponent) send them', async () => {
      const url = URL_VALUE;
      for (const encode of [pythonQuote, encodeURIComponent]) {
        const body = await getJson(`/v2/indicators/urls/${encode(url)}?owner=Exemplary+Organization`);
        assert.equal(body.data.url.id, ids.url, encode.name);
        assert.equal(body.data.url.text, url);
        const email = await getJson(`/api/v2/indicators/emailAddresses/${encode('bad+guy@example.com')}`);
        assert.equal(email.data.emailAddress.address, 'bad+guy@example.com', encode.name);
      }
    });

    it('finds a URL of 2000 characters (the longest a URL indicator takes) by its value, however encoded', async () => {
      const long = `https://long.example.com/${'a/b%20c;d?e=f&g#'.repeat(200)}`.slice(0, 2000);
      const id = await create(v3, '/v3/indicators', { type: 'URL', text: long });
      for (const encode of [pythonQuote, encodeURIComponent]) {
        const body = await getJson(`/v2/indicators/urls/${encode(long)}`);
        assert.equal(body.data.url.id, id, encode.name);
      }
      const punctuated = 'http://bad.example.com/p(1)!*\'~x';
      const other = await create(v3, '/v3/indicators', { type: 'URL', text: punctuated });
      for (const encode of [pythonQuote, encodeURIComponent]) assert.equal((await getJson(`/v2/indicators/urls/${encode(punctuated)}`)).data.url.id, other, encode.name);
      for (const target of [`/v2/indicators/urls/${encodeURIComponent(long)}`]) await call(v3, 'DELETE', `/v3/indicators/${id}`).then(() => getJson(target, 404));
      await call(v3, 'DELETE', `/v3/indicators/${other}`);
    });

    it('answers 404 Failure for an unknown branch or value, and for another organization\'s indicator', async () => {
      for (const target of ['/v2/indicators/nothings', '/v2/indicators/nothings/1.2.3.4', '/v2/indicators/addresses/192.0.2.200', '/v2/indicators/addresses/203.0.113.5', '/v2/indicators/hosts/192.0.2.1', `/v2/groups/threats/${ids.foreignGroup}`, `/v2/groups/incidents/${ids.threat}`, '/v2/groups/nothings', '/v2/groups/threats/abc']) {
        const body = await getJson(target, 404);
        assert.deepEqual(body, { status: 'Failure', message: 'The requested resource was not found' }, target);
      }
      const xml = await get('/v2/indicators/nothings', { Accept: 'application/xml' });
      assert.equal(xml.status, 404);
      assert.match(xml.body, /<Status>Failure<\/Status>/);
    });

    it('reads the owners named by owner (repeatable, + for spaces), never another organization\'s', async () => {
      const community = await getJson('/v2/indicators?owner=Common+Community');
      assert.deepEqual(community.data.indicator.map((i: Json) => i.id), [ids.community]);
      assert.equal(community.data.indicator[0].ownerName, 'Common Community');
      const both = await getJson('/v2/indicators/addresses?owner=Common%20Community&owner=Exemplary+Organization');
      assert.deepEqual(both.data.address.map((i: Json) => i.id).sort((a: number, b: number) => a - b), [ids.ip, ids.ip2, ids.community].sort((a, b) => a - b));
      // The v2 docs sign `?Owner=Common%20Community`: parameter names in any case.
      assert.deepEqual((await getJson('/v2/indicators?Owner=Common%20Community')).data.indicator.map((i: Json) => i.id), [ids.community]);
      assert.deepEqual((await getJson('/v2/indicators/addresses/198.51.100.7?Owner=Common%20Community')).data.address.id, ids.community);
      assert.equal((await getJson('/v2/indicators?resultlimit=1')).data.indicator.length, 1);
      assert.equal((await getJson('/v2/indicators?RESULTLIMIT=10001', 400)).status, 'Failure');
      const single = await getJson('/v2/indicators/addresses/198.51.100.7?owner=Common+Community');
      assert.deepEqual(single.data.address.owner, { id: 1, name: 'Common Community', type: 'Community' });
      await getJson('/v2/indicators/addresses/198.51.100.7', 404);
      for (const target of [`/v2/indicators?owner=${encodeURIComponent(`Elsewhere ${dialect}`)}`, '/v2/indicators?owner=Nobody', '/v2/groups?owner=Nobody']) {
        assert.deepEqual(await getJson(target, 403), { status: 'Failure', message: 'The requested owner was not found' }, target);
      }
      const all = await getJson('/v2/indicators?owner=Exemplary+Organization&owner=Common+Community&resultLimit=10000&filters=active%3Dtrue,active%3Dfalse&orParams=true');
      assert.equal(all.data.indicator.some((i: Json) => i.id === ids.foreign), false);
      const groups = await getJson('/v2/groups?owner=Exemplary+Organization&owner=Common+Community');
      assert.equal(groups.data.group.some((g: Json) => g.id === ids.foreignGroup), false);
      // Naming the foreign value, by filter or by path, among every owner the caller has: nothing.
      const everyOwner = 'owner=Exemplary+Organization&owner=Common+Community';
      assert.deepEqual((await getJson(`/v2/indicators?${everyOwner}&filters=summary%3D203.0.113.5`)).data.indicator, []);
      assert.deepEqual((await getJson(`/v2/indicators/addresses?${everyOwner}&filters=summary%5E203.0.113,active%3Dfalse,active%3Dtrue&orParams=true`)).data.address.map((a: Json) => a.ip).filter((ip: string) => ip.startsWith('203.')), []);
      assert.deepEqual((await getJson(`/v2/groups?${everyOwner}&filters=name%3DForeign%20threat`)).data.group, []);
      await getJson(`/v2/indicators/addresses/203.0.113.5?${everyOwner}`, 404);
      await getJson(`/v2/groups/threats/${ids.foreignGroup}?${everyOwner}`, 404);
    });

    it('takes what the JS SDK and tcex add to every call on single items: resultLimit, resultStart, createActivityLog, owner', async () => {
      const js = await getJson('/v2/indicators/hosts/bad.example.com?resultLimit=10000&resultStart=500&owner=Exemplary%20Organization');
      assert.equal(js.data.host.hostName, 'bad.example.com');
      const tcex = await getJson('/api/v2/indicators/hosts/BAD.example.com?createActivityLog=False&owner=Exemplary+Organization');
      assert.equal(tcex.data.host.id, ids.host, 'the value is found in any spelling the type normalises');
      assert.equal((await getJson(`/v2/groups/threats/${ids.threat}?resultLimit=10000&createActivityLog=false`)).data.threat.id, ids.threat);
    });

    it('pages with resultStart / resultLimit, and gives resultCount on the first page only', async () => {
      const first = await getJson('/v2/indicators?resultLimit=2');
      assert.equal(first.data.resultCount, 8);
      assert.deepEqual(first.data.indicator.map((i: Json) => i.id), [ids.ip, ids.ip2]);
      const second = await getJson('/v2/indicators?resultStart=2&resultLimit=2');
      assert.equal('resultCount' in second.data, false);
      assert.deepEqual(second.data.indicator.map((i: Json) => i.id), [ids.host, ids.url]);
      const explicitZero = await getJson('/v2/indicators?resultStart=0&resultLimit=10000&createActivityLog=False');
      assert.equal(explicitZero.data.resultCount, 8);
      for (const target of ['/v2/indicators?resultLimit=10001', '/v2/indicators?resultLimit=0', '/v2/indicators?resultStart=-1', '/v2/groups?resultLimit=abc']) {
        assert.equal((await getJson(target, 400)).status, 'Failure', target);
      }
    });

    it('shows active indicators only unless a filter names active', async () => {
      const inactive = await getJson('/v2/indicators/addresses?filters=active%3Dfalse');
      assert.deepEqual(inactive.data.address.map((i: Json) => i.id), [ids.inactive]);
      const either = await getJson('/v2/indicators/addresses?filters=active%3Dtrue,active%3Dfalse&orParams=true');
      assert.equal(either.data.resultCount, 3);
    });

    it('GET /v2/groups, /v2/groups/{branch} and /v2/groups/{branch}/{id}, JSON and XML', async () => {
      const all = await getJson('/v2/groups');
      assert.equal(all.data.resultCount, 2);
      assert.deepEqual(Object.keys(all.data.group[0]), ['id', 'name', 'type', 'ownerName', 'dateAdded', 'lastModified', 'webLink']);
      assert.deepEqual(all.data.group.map((g: Json) => [g.id, g.type, g.name]), [[ids.incident, 'Incident', 'Breach'], [ids.threat, 'Threat', 'APT Example']]);
      const incidents = await getJson('/v2/groups/incidents');
      assert.deepEqual(incidents.data.incident.map((g: Json) => g.id), [ids.incident]);
      assert.equal('type' in incidents.data.incident[0], false);
      assert.equal(incidents.data.incident[0].eventDate, '2017-07-13T00:00:00Z');
      assert.equal('status' in incidents.data.incident[0], false, 'the status shows on the single object only');
      const incident = (await getJson(`/v2/groups/incidents/${ids.incident}`)).data.incident;
      assert.equal(incident.eventDate, '2017-07-13T00:00:00Z');
      assert.equal(incident.status, 'New');
      const threat = (await getJson(`/v2/groups/threats/${ids.threat}`)).data.threat;
      assert.deepEqual(Object.keys(threat), ['id', 'name', 'owner', 'dateAdded', 'lastModified', 'webLink']);
      assert.deepEqual(threat.owner, { id: 0, name: 'Exemplary Organization', type: 'Organization' });
      const { text, doc } = await getXml(`/v2/groups/threats/${ids.threat}`);
      assert.match(text, /^<threatResponse>[\s\S]*<Data xsi:type="threatResponseData"[\s\S]*<Owner xsi:type="organization">/);
      assertSameData(threat, doc.threatResponse.Data.Threat[0]);
      for (const [branch, root] of [['coursesOfAction', 'coursesOfActionResponse'], ['malware', 'malwareResponse'], ['vulnerabilities', 'vulnerabilitiesResponse']]) {
        assert.match((await getXml(`/v2/groups/${branch}`)).text, new RegExp(`^<${root}>`), branch);
      }
      assert.match((await getXml('/v2/indicators/cidrBlocks')).text, /^<cidrBlocksResponse>[\s\S]*<Data xsi:type="cidrBlockListResponseData"/);
      const list = await getXml('/v2/groups');
      assert.match(list.text, /^<groupsResponse>/);
      all.data.group.forEach((g: Json, i: number) => assertSameData(g, list.doc.groupsResponse.Data.Group[i]));
    });

    it('embeds tag[], attribute[] and securityLabel[] with includeTags / includeAttributes / includes=, JSON and XML', async () => {
      const body = await getJson('/v2/indicators?includeTags=true&includeAttributes=TRUE&includes=labels');
      const tagged = body.data.indicator.find((i: Json) => i.id === ids.tagged);
      assert.deepEqual(tagged.tag.map((t: Json) => t.name).sort(), ['APT', 'Phishing']);
      assert.match(tagged.tag[0].webLink, /\/auth\/tags\/tag\.xhtml\?tag=/);
      assert.deepEqual(tagged.attribute.map((a: Json) => [a.type, a.value, a.displayed]), [['Description', 'A known bad host', true]]);
      assert.deepEqual(Object.keys(tagged.attribute[0]), ['id', 'type', 'dateAdded', 'lastModified', 'displayed', 'value']);
      assert.deepEqual(tagged.securityLabel.map((l: Json) => l.name), ['TLP:AMBER']);
      for (const item of body.data.indicator) {
        assert.ok(Array.isArray(item.tag) && Array.isArray(item.attribute) && Array.isArray(item.securityLabel), 'every item has the lists, empty or not');
      }
      const untagged = await getJson('/v2/indicators');
      assert.equal('tag' in untagged.data.indicator[0], false);
      const single = (await getJson('/v2/indicators/hosts/tagged.example.com?includes=tags&includes=attributes')).data.host;
      assert.deepEqual(single.tag.map((t: Json) => t.name).sort(), ['APT', 'Phishing']);
      assert.equal(single.attribute.length, 1);
      const xml = await getXml('/v2/indicators/hosts/tagged.example.com?includeTags=true&includeAttributes=true');
      assertSameData(single, xml.doc.hostResponse.Data.Host[0]);
      const groups = await getJson('/v2/groups/threats?includeTags=true');
      assert.deepEqual(groups.data.threat.find((g: Json) => g.id === ids.threat).tag.map((t: Json) => t.name), ['APT']);
    });

    it('adds the additional fields with includeAdditional=true or includes=additional', async () => {
      for (const query of ['includeAdditional=true', 'includes=additional']) {
        const address = (await getJson(`/v2/indicators/addresses/192.0.2.1?${query}`)).data.address;
        assert.equal(address.active, true, query);
        assert.equal(address.privateFlag, false);
        assert.equal(address.observationCount, 0);
        assert.equal(address.falsePositiveCount, 0);
      }
      const listed = (await getJson('/v2/indicators?includeAdditional=true')).data.indicator[0];
      assert.equal(listed.active, true);
      assert.equal('active' in (await getJson('/v2/indicators')).data.indicator[0], false);
      assert.equal((await getJson('/v2/indicators?includes=everything', 400)).status, 'Failure');
      assert.equal((await getJson('/v2/indicators?includeTags=maybe', 400)).status, 'Failure');
    });

    it('shows each type\'s keys: a File by any hash (hashes lower-case in XML), a Host\'s flags as text, an ASN under "AS Number"', async () => {
      for (const hash of [MD5, SHA256, SHA256.toUpperCase()]) {
        const file = (await getJson(`/v2/indicators/files/${hash}`)).data.file;
        assert.equal(file.id, ids.file, hash);
        assert.equal(file.md5, MD5);
        assert.equal(file.sha256, SHA256);
        assert.equal(file.size, 1234);
      }
      const { text } = await getXml(`/v2/indicators/files/${MD5}`);
      assert.match(text, new RegExp(`<md5>${MD5}</md5>[\\s\\S]*<sha256>${SHA256}</sha256>`));
      const host = (await getJson('/v2/indicators/hosts/bad.example.com')).data.host;
      assert.equal(host.dnsActive, 'false');
      assert.equal(host.whoisActive, 'true');
      const asn = (await getJson('/v2/indicators/asns/ASN64500')).data.asn;
      assert.equal(asn['AS Number'], 'ASN64500');
      assert.match((await getXml('/v2/indicators/asns/ASN64500')).text, /<ASNumber>ASN64500<\/ASNumber>/);
      const files = (await getJson('/v2/indicators/files')).data.file;
      assert.deepEqual(files.map((f: Json) => [f.md5, f.sha256]), [[MD5, SHA256]]);
      // A value of another type never answers for this one.
      await getJson('/v2/indicators/mutexes/bad.example.com', 404);
      await getJson('/v2/indicators/hosts/not%20a%20host', 404);
    });
  });
}
