/**
 * "Real clients are the judge": the intelligence requests of threatconnect-bash, threatconnect-python
 * (the old `threatconnect` SDK), tcex and the JavaScript SDK, replayed byte for byte over HTTP (the
 * headers, bodies and query strings each client's request code builds), on both databases. Each test
 * names the client and the behaviour it needs; the answers are checked for what that client reads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest, tcHeaders, type RawResponse } from '../../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import type { Json } from '../../support/v3.js';

interface Caller { accessId: string; secret: string }
interface Answer { status: number; body: Json; raw: RawResponse }

for (const dialect of testDialects()) {
  describe(`ThreatConnect clients on intelligence (${dialect})`, () => {
    let server: TestServer;
    let home: Caller;
    let foreign: Caller;
    let orgPlus: string;
    let unique = 0;
    const fresh = (prefix: string) => `${prefix}-${dialect}-${++unique}`;

    /** Signs `method target` and sends exactly the given headers and body (nothing added). */
    async function send(caller: Caller, method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
      const raw = await rawRequest(server.baseUrl, method, target, { ...tcHeaders(caller.accessId, caller.secret, method, target), ...headers }, body);
      assert.ok(raw.status < 500, `${method} ${target} → ${raw.status} ${raw.body.slice(0, 300)}`);
      const json = raw.headers['content-type'] === 'application/json';
      return { status: raw.status, body: json ? JSON.parse(raw.body) : raw.body, raw };
    }
    const JSON_BODY = (body: unknown) => {
      const text = JSON.stringify(body);
      return { headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }, text };
    };
    async function newHost(caller = home): Promise<{ hostName: string; path: string }> {
      const hostName = `${fresh('client')}.example.com`;
      const { headers, text } = JSON_BODY({ hostName });
      const answer = await send(caller, 'POST', '/v2/indicators/hosts', headers, text);
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      return { hostName, path: `/v2/indicators/hosts/${hostName}` };
    }

    before(async () => {
      server = await startTestServer(dialect);
      home = { accessId: server.bootstrap.apiUser.accessId, secret: server.bootstrap.apiUser.secret };
      orgPlus = server.bootstrap.organization.name.replace(/ /g, '+');
      const other = await server.services.tenancy.createOrganization(`Foreign clients ${dialect}`);
      const user = await server.services.tenancy.createApiUser(other.name, 'foreign client');
      foreign = { accessId: user.accessId, secret: user.secret };
    });
    after(() => server.close());

    it('threatconnect-bash posts a tag and an association with an empty body and Content-Type: application/json (curl -d "")', async () => {
      const host = await newHost();
      const incident = JSON_BODY({ name: fresh('incident'), eventDate: '2015-01-01T00:00:00Z' });
      const group = await send(home, 'POST', '/v2/groups/incidents', incident.headers, incident.text);
      assert.equal(group.status, 201);
      const empty = { 'Content-Type': 'application/json', 'Content-Length': '0' };
      const tag = await send(home, 'POST', `${host.path}/tags/BashTag`, empty, '');
      assert.equal(tag.status, 201);
      assert.deepEqual(tag.body, { status: 'Success' });
      const linked = await send(home, 'POST', `${host.path}/groups/incidents/${group.body.data.incident.id}`, empty, '');
      assert.equal(linked.status, 201);
      assert.deepEqual(linked.body, { status: 'Success' });
      const tags = await send(home, 'GET', `${host.path}/tags`);
      assert.deepEqual(tags.body.data.tag.map((t: Json) => t.name), ['BashTag']);
      const groups = await send(home, 'GET', `${host.path}/groups`);
      assert.deepEqual(groups.body.data.group.map((g: Json) => g.id), [group.body.data.incident.id]);
    });

    it('tcex and threatconnect-python post falsePositive and tags with no body and no Content-Type (requests, data={})', async () => {
      const host = await newHost();
      const fp = await send(home, 'POST', `${host.path}/falsePositive?owner=${orgPlus}&createActivityLog=false`, { 'Content-Length': '0' });
      assert.equal(fp.status, 201);
      assert.equal(fp.body.data.falsePositive.count, 1);
      // tcex quotes the tag name with urllib's quote(): a space becomes %20.
      const tag = await send(home, 'POST', `${host.path}/tags/Tcex%20Tag?owner=${orgPlus}&createActivityLog=false`, { 'Content-Length': '0' });
      assert.equal(tag.status, 201);
      const tags = await send(home, 'GET', `${host.path}/tags?owner=${orgPlus}&createActivityLog=false`);
      assert.deepEqual(tags.body.data.tag.map((t: Json) => t.name), ['Tcex Tag']);
    });

    it('tcex reads GET …/hosts/{host}/dnsResolution and threatconnect-python …/dnsResolutions: an empty dnsResolution list (hosts and addresses), 404 on other types and owners', async () => {
      const host = await newHost();
      for (const sub of ['dnsResolution', 'dnsResolutions']) {
        const answer = await send(home, 'GET', `${host.path}/${sub}?owner=${orgPlus}&createActivityLog=false`);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        // threatconnect-python reads data.dnsResolution (a list); tcex returns the response as is.
        assert.deepEqual(answer.body, { status: 'Success', data: { resultCount: 0, dnsResolution: [] } });
        const xml = await send(home, 'GET', `${host.path}/${sub}`, { Accept: 'application/xml' });
        assert.equal(xml.status, 200);
        assert.match(String(xml.raw.headers['content-type']), /^application\/xml/);
        assert.match(xml.body, /<Status>Success<\/Status>/);
        assert.match(xml.body, /<ResultCount>0<\/ResultCount>/);
      }
      const { headers, text } = JSON_BODY({ ip: '10.1.2.3' });
      assert.equal((await send(home, 'POST', '/v2/indicators/addresses', headers, text)).status, 201);
      // The JS SDK asks addresses too (…/addresses/{ip}/dnsResolutions).
      const address = await send(home, 'GET', `/v2/indicators/addresses/10.1.2.3/dnsResolutions?owner=${orgPlus}&resultLimit=10000`, { 'Content-Type': 'application/json; charset=UTF-8' });
      assert.deepEqual(address.body, { status: 'Success', data: { resultCount: 0, dnsResolution: [] } });
      const url = JSON_BODY({ text: `https://${fresh('dns')}.example.com/` });
      const created = await send(home, 'POST', '/v2/indicators/urls', url.headers, url.text);
      const notHost = await send(home, 'GET', `/v2/indicators/urls/${encodeURIComponent(created.body.data.url.text)}/dnsResolution`);
      assert.equal(notHost.status, 404);
      assert.deepEqual(notHost.body, { status: 'Failure', message: 'The requested resource was not found' });
      const theirs = await send(foreign, 'GET', `${host.path}/dnsResolution`);
      assert.equal(theirs.status, 404);
      const missing = await send(home, 'GET', '/v2/indicators/hosts/no-such-host.example.com/dnsResolutions');
      assert.equal(missing.status, 404);
    });

    it('threatconnect-python filters indicators and groups by security label through GET /v2/securityLabels/{name}/indicators (and /groups)', async () => {
      const labelled = await newHost();
      const plain = await newHost();
      const empty = { 'Content-Length': '0' };
      assert.equal((await send(home, 'POST', `${labelled.path}/securityLabels/TLP%3ARED?createActivityLog=false&owner=${orgPlus}`, empty, '')).status, 201);
      const incident = JSON_BODY({ name: fresh('labelled incident'), eventDate: '2015-01-01T00:00:00Z' });
      const group = await send(home, 'POST', '/v2/groups/incidents', incident.headers, incident.text);
      const groupId = group.body.data.incident.id;
      assert.equal((await send(home, 'POST', `/v2/groups/incidents/${groupId}/securityLabels/TLP%3ARED`, empty, '')).status, 201);
      // The SDK pages with resultStart/resultLimit and reads data.indicator (data.group).
      const summaries: string[] = [];
      for (let start = 0; ; start += 2) {
        const page = await send(home, 'GET', `/v2/securityLabels/TLP%3ARED/indicators?createActivityLog=false&owner=${orgPlus}&resultLimit=2&resultStart=${start}`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        summaries.push(...page.body.data.indicator.map((i: Json) => i.summary));
        if (page.body.data.indicator.length < 2) break;
      }
      assert.ok(summaries.includes(labelled.hostName));
      assert.ok(!summaries.includes(plain.hostName));
      const hosts = await send(home, 'GET', `/v2/securityLabels/TLP%3ARED/indicators/hosts?owner=${orgPlus}`);
      assert.ok(hosts.body.data.host.some((h: Json) => h.hostName === labelled.hostName));
      const groups = await send(home, 'GET', `/v2/securityLabels/TLP%3ARED/groups?owner=${orgPlus}&resultLimit=100&resultStart=0`);
      assert.ok(groups.body.data.group.some((g: Json) => g.id === groupId));
      const incidents = await send(home, 'GET', '/v2/securityLabels/TLP%3ARED/groups/incidents');
      assert.ok(incidents.body.data.incident.some((g: Json) => g.id === groupId));
      // The System label is everyone's, the labelled items are not: another owner sees none of them.
      const theirs = await send(foreign, 'GET', '/v2/securityLabels/TLP%3ARED/indicators?resultLimit=10000');
      assert.equal(theirs.status, 200);
      assert.ok(!theirs.body.data.indicator.some((i: Json) => i.summary === labelled.hostName));
      const unknown = await send(home, 'GET', '/v2/securityLabels/No%20Such%20Label/indicators');
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.body, { status: 'Failure', message: 'The requested resource was not found' });
    });

    it('the JavaScript SDK and tcex read …/victimAssets[/{type}] on indicators and groups: empty lists under the key each reads', async () => {
      const host = await newHost();
      const adversary = JSON_BODY({ name: fresh('adversary') });
      const group = await send(home, 'POST', '/v2/groups/adversaries', adversary.headers, adversary.text);
      for (const parent of [host.path, `/v2/groups/adversaries/${group.body.data.adversary.id}`]) {
        const all = await send(home, 'GET', `${parent}/victimAssets?owner=${orgPlus}&resultLimit=10000&resultStart=0`, { 'Content-Type': 'application/json; charset=UTF-8' });
        assert.deepEqual(all.body, { status: 'Success', data: { resultCount: 0, victimAsset: [] } });
        for (const [type, key] of [['emailAddresses', 'victimEmailAddress'], ['networkAccounts', 'victimNetworkAccount'], ['phoneNumbers', 'victimPhone'], ['socialNetworks', 'victimSocialNetwork'], ['webSites', 'victimWebSite']]) {
          const typed = await send(home, 'GET', `${parent}/victimAssets/${type}?createActivityLog=false&resultLimit=100&resultStart=0`);
          assert.deepEqual(typed.body, { status: 'Success', data: { resultCount: 0, [key!]: [] } }, type);
        }
        assert.equal((await send(home, 'GET', `${parent}/victimAssets/pagers`)).status, 404);
        assert.equal((await send(foreign, 'GET', `${parent}/victimAssets`)).status, 404);
      }
    });

    it('the JavaScript SDK sends Content-Type: application/json; charset=UTF-8 on GET and bodiless POST/DELETE, with owner and resultLimit=10000 on every call', async () => {
      const jq = { 'Content-Type': 'application/json; charset=UTF-8' };
      const url = `http://JS.${fresh('sdk')}.example.com/a/b?x=1&y=2`;
      const created = await send(home, 'POST', `/v2/indicators/urls?owner=${orgPlus}&resultLimit=10000`, { ...jq, 'Content-Length': String(JSON.stringify({ text: url, rating: 2 }).length) }, JSON.stringify({ text: url, rating: 2 }));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const path = `/v2/indicators/urls/${encodeURIComponent(created.body.data.url.text)}`;
      const tag = await send(home, 'POST', `${path}/tags/JS%20Tag?owner=${orgPlus}&resultLimit=10000`, jq);
      assert.equal(tag.status, 201);
      const list = await send(home, 'GET', `/v2/indicators/urls?owner=${orgPlus}&resultLimit=10000&resultStart=0`, jq);
      assert.equal(list.status, 200);
      // The SDK pages on data.resultCount and reads the list under the branch's entity key.
      assert.ok(list.body.data.resultCount >= 1);
      assert.ok(list.body.data.url.some((u: Json) => u.text === created.body.data.url.text));
      const untag = await send(home, 'DELETE', `${path}/tags/JS%20Tag?owner=${orgPlus}&resultLimit=10000`, jq);
      assert.deepEqual(untag.body, { status: 'Success' });
      const gone = await send(home, 'DELETE', `${path}?owner=${orgPlus}&resultLimit=10000`, jq);
      assert.deepEqual(gone.body, { status: 'Success' });
      assert.equal((await send(home, 'GET', `${path}?owner=${orgPlus}&resultLimit=10000`, jq)).status, 404);
    });

    it('tcex v3 Indicators.deleted(): GET /v3/indicators/deleted with deletedSince, type and owner, paged through `next`', async () => {
      const made: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { headers, text } = JSON_BODY({ type: 'Host', hostName: `${fresh('gone')}.example.com` });
        const created = await send(home, 'POST', '/v3/indicators', headers, text);
        made.push(created.body.data.summary);
        assert.equal((await send(home, 'DELETE', `/v3/indicators/${created.body.data.id}`)).status, 200);
      }
      const since = encodeURIComponent(new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
      const seen: Json[] = [];
      let target: string | undefined = `/v3/indicators/deleted?deletedSince=${since}&type=Host&owner=${orgPlus}&resultLimit=2`;
      while (target) {
        const page: Answer = await send(home, 'GET', target, { 'content-type': 'application/json' });
        assert.equal(page.status, 200, JSON.stringify(page.body));
        assert.equal(page.body.status, 'Success');
        seen.push(...page.body.data);
        target = page.body.next;
      }
      for (const summary of made) {
        const found = seen.find((d) => d.summary === summary);
        assert.ok(found, summary);
        assert.equal(found.type, 'Host');
        assert.equal(found.ownerName, server.bootstrap.organization.name);
      }
      // Another organization sees none of them; a bad date or type is a 400 naming the parameter.
      const theirs = await send(foreign, 'GET', '/v3/indicators/deleted?resultLimit=10000');
      assert.ok(!theirs.body.data.some((d: Json) => made.includes(d.summary)));
      const badDate = await send(home, 'GET', '/v3/indicators/deleted?deletedSince=yesterday');
      assert.equal(badDate.status, 400);
      assert.match(badDate.body.message, /deletedSince/);
      const badType = await send(home, 'GET', '/v3/indicators/deleted?type=Planet');
      assert.equal(badType.status, 400);
      assert.match(badType.body.message, /type/);
    });

    it('tcex v3: count=True answers count, and `next` (relative on plain HTTP) repeats tql and fields so following it verbatim gives the next page', async () => {
      const tag = fresh('pager');
      for (let i = 0; i < 3; i++) {
        const { headers, text } = JSON_BODY({ type: 'Host', hostName: `${fresh('page')}.example.com`, tags: { data: [{ name: tag }] } });
        assert.equal((await send(home, 'POST', '/v3/indicators?fields=genericCustomIndicatorValues', headers, text)).status, 201);
      }
      const tql = encodeURIComponent(`hasTag(summary = "${tag}")`);
      const counted = await send(home, 'GET', `/v3/indicators?tql=${tql}&resultLimit=1&count=True`, { 'content-type': 'application/json' });
      assert.equal(counted.status, 200, JSON.stringify(counted.body));
      assert.equal(counted.body.count, 3);
      const seen: string[] = [];
      let target: string | undefined = `/v3/indicators?resultLimit=2&fields=genericCustomIndicatorValues&tql=${tql}`;
      while (target) {
        assert.ok(target.startsWith('/v3/indicators?'), target);
        const page: Answer = await send(home, 'GET', target, { 'content-type': 'application/json' });
        assert.equal(page.status, 200, JSON.stringify(page.body));
        seen.push(...page.body.data.map((d: Json) => d.summary));
        target = page.body.next;
      }
      assert.equal(seen.length, 3);
      assert.equal(new Set(seen).size, 3);
    });
  });
}
