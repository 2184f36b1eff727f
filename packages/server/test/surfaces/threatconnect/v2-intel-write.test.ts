/**
 * v2 writes on intelligence (POST on branches, PUT and DELETE on items, the JS SDK's group PUT to
 * /v2/{id}) and every metadata and association sub-path of indicators and groups (spec §5.2, §5.3,
 * §6), over HTTP with the exact bytes the clients send, on both databases; owner isolation on each.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest, tcHeaders, type RawResponse } from '../../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import type { Json } from '../../support/v3.js';

interface Caller { accessId: string; secret: string }
interface Answer { status: number; body: Json; raw: RawResponse }

const q = encodeURIComponent;

for (const dialect of testDialects()) {
  describe(`ThreatConnect v2 intelligence writes and sub-paths (${dialect})`, () => {
    let server: TestServer;
    let home: Caller;
    let foreign: Caller;
    let orgName: string;
    let communityName: string;
    let unique = 0;
    const fresh = (prefix: string) => `${prefix}-${dialect}-${++unique}`;

    /** Signs and sends `method target` as the caller, the target verbatim; a JSON body with Content-Type application/json. */
    async function send(caller: Caller, method: string, target: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const all = { ...tcHeaders(caller.accessId, caller.secret, method, target), ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }), ...headers };
      const raw = await rawRequest(server.baseUrl, method, target, all, payload);
      assert.ok(raw.status < 500, `${method} ${target} → ${raw.status} ${raw.body.slice(0, 300)}`);
      const xml = /xml/.test(String(raw.headers['content-type']));
      if (!xml) assert.equal(raw.headers['content-type'], 'application/json', `${method} ${target}: Content-Type`);
      return { status: raw.status, body: xml || raw.body === '' ? raw.body : JSON.parse(raw.body), raw };
    }
    const as = (caller: Caller) => ({
      get: (target: string, headers?: Record<string, string>) => send(caller, 'GET', target, undefined, headers),
      post: (target: string, body?: unknown, headers?: Record<string, string>) => send(caller, 'POST', target, body, headers),
      put: (target: string, body?: unknown, headers?: Record<string, string>) => send(caller, 'PUT', target, body, headers),
      del: (target: string, body?: unknown, headers?: Record<string, string>) => send(caller, 'DELETE', target, body, headers),
    });
    let me: ReturnType<typeof as>;
    let them: ReturnType<typeof as>;

    const expectSuccess = (answer: Answer, status = 200) => {
      assert.equal(answer.status, status, JSON.stringify(answer.body).slice(0, 400));
      assert.equal(answer.body.status, 'Success');
    };
    const expectNotFound = (answer: Answer, label = '') => {
      assert.equal(answer.status, 404, `${label} ${JSON.stringify(answer.body).slice(0, 300)}`);
      assert.deepEqual(answer.body, { status: 'Failure', message: 'The requested resource was not found' }, label);
    };
    const expectFailure = (answer: Answer, status: number, message: RegExp) => {
      assert.equal(answer.status, status, JSON.stringify(answer.body).slice(0, 400));
      assert.equal(answer.body.status, 'Failure');
      assert.match(answer.body.message, message);
    };

    /** A new Host of the caller's organization, made over v2; its path. */
    async function newHost(who = me, owner?: string): Promise<{ path: string; hostName: string; id: number }> {
      const hostName = `${fresh('host')}.example.com`;
      const answer = await who.post(`/v2/indicators/hosts${owner ? `?owner=${owner}` : ''}`, { hostName });
      expectSuccess(answer, 201);
      return { path: `/v2/indicators/hosts/${hostName}`, hostName, id: answer.body.data.host.id };
    }
    async function newGroup(who = me, branch = 'adversaries', entity = 'adversary', extra: Record<string, unknown> = {}): Promise<{ path: string; id: number; name: string }> {
      const name = fresh('group');
      const answer = await who.post(`/v2/groups/${branch}`, { name, ...extra });
      expectSuccess(answer, 201);
      const id = answer.body.data[entity].id as number;
      return { path: `/v2/groups/${branch}/${id}`, id, name };
    }

    before(async () => {
      server = await startTestServer(dialect);
      home = { accessId: server.bootstrap.apiUser.accessId, secret: server.bootstrap.apiUser.secret };
      orgName = server.bootstrap.organization.name;
      communityName = server.bootstrap.community.name;
      const other = await server.services.tenancy.createOrganization(`Foreign v2 writes ${dialect}`);
      const user = await server.services.tenancy.createApiUser(other.name, 'foreign v2 writer');
      foreign = { accessId: user.accessId, secret: user.secret };
      me = as(home);
      them = as(foreign);
    });
    after(() => server.close());

    describe('indicators: POST, PUT, DELETE', () => {
      it('takes the owner as the v2 docs spell it (?Owner=) on writes and reports too, as on reads', async () => {
        const hostName = `${fresh('spelled-owner')}.example.com`;
        const answer = await me.post(`/v2/indicators/hosts?Owner=${q(communityName)}`, { hostName });
        expectSuccess(answer, 201);
        assert.equal(answer.body.data.host.owner.name, communityName);
        const report = `/v2/indicators/bulk/csv?Owner=${q(communityName)}`;
        const csv = await rawRequest(server.baseUrl, 'GET', report, tcHeaders(home.accessId, home.secret, 'GET', report));
        assert.equal(csv.status, 200);
        assert.match(csv.body, new RegExp(hostName.replace(/\./g, '\\.')));
        const refused = await me.post(`/v2/indicators/hosts?Owner=${q('Nobody Visible')}`, { hostName: `${fresh('nobody')}.example.com` });
        assert.equal(refused.status, 403);
      });

      it('POST /v2/indicators/hosts creates a host: 201, the single object with owner{id,name,type}, exactly application/json', async () => {
        const hostName = `${fresh('created')}.example.com`;
        const answer = await me.post('/v2/indicators/hosts', { hostName, rating: 4, confidence: 44, dnsActive: 'false', whoisActive: 'true' });
        expectSuccess(answer, 201);
        const host = answer.body.data.host;
        assert.equal(host.hostName, hostName);
        assert.equal(Number(host.rating), 4);
        assert.equal(host.confidence, 44);
        assert.equal(String(host.whoisActive), 'true');
        assert.equal(String(host.dnsActive), 'false');
        assert.deepEqual(host.owner, { id: server.bootstrap.organization.id, name: orgName, type: 'Organization' });
        assert.equal(typeof host.id, 'number');
        const read = await me.get(`/v2/indicators/hosts/${hostName}`);
        expectSuccess(read);
        assert.equal(read.body.data.host.id, host.id);
      });

      it('takes what the JS SDK sends on writes (owner, resultLimit=10000, resultStart) and tcex\'s createActivityLog=false, under /api too', async () => {
        const ip = `10.${unique % 250}.${++unique % 250}.7`;
        const answer = await me.post(`/api/v2/indicators/addresses?owner=${orgName.replace(/ /g, '+')}&resultStart=0&resultLimit=10000&createActivityLog=false`, { ip, rating: 5, confidence: 100 }, { 'X-Requested-With': 'XMLHttpRequest' });
        expectSuccess(answer, 201);
        assert.equal(answer.body.data.address.ip, ip);
      });

      it('writes to the community named by owner=, with + for spaces', async () => {
        const hostName = `${fresh('community')}.example.com`;
        const answer = await me.post(`/v2/indicators/hosts?owner=${communityName.replace(/ /g, '+')}`, { hostName });
        expectSuccess(answer, 201);
        assert.equal(answer.body.data.host.owner.name, communityName);
        assert.equal(answer.body.data.host.owner.type, 'Community');
      });

      it('refuses a bad body with a 400 Failure naming the field, and an unknown branch with 404', async () => {
        const bad = await me.post('/v2/indicators/hosts', { hostName: `${fresh('bad')}.example.com`, confidence: 101 });
        expectFailure(bad, 400, /confidence/);
        expectFailure(await me.post('/v2/indicators/hosts', { hostName: 'x.example.com', noSuchField: 1 }), 400, /noSuchField/);
        expectFailure(await me.post('/v2/indicators/hosts', '[1,2]'), 400, /object/);
        expectNotFound(await me.post('/v2/indicators/nothings', { hostName: 'x.example.com' }));
      });

      it('refuses an owner the caller cannot see, writing nothing', async () => {
        const hostName = `${fresh('nowhere')}.example.com`;
        const answer = await me.post('/v2/indicators/hosts?owner=Foreign+v2+writes+' + dialect, { hostName });
        assert.ok(answer.status === 403 || answer.status === 404, JSON.stringify(answer.body));
        assert.equal(answer.body.status, 'Failure');
        expectNotFound(await me.get(`/v2/indicators/hosts/${hostName}`));
      });

      it('PUT changes rating, confidence, dnsActive and whoisActive ("true" as text), never the value', async () => {
        const { path, hostName } = await newHost();
        const answer = await me.put(path, { rating: 2, confidence: 10, dnsActive: 'true', whoisActive: false });
        expectSuccess(answer);
        const host = answer.body.data.host;
        assert.equal(Number(host.rating), 2);
        assert.equal(host.confidence, 10);
        assert.equal(String(host.dnsActive), 'true');
        assert.equal(String(host.whoisActive), 'false');
        assert.equal(host.hostName, hostName);
        expectFailure(await me.put(path, { hostName: 'other.example.com' }), 400, /hostName/);
        const read = await me.get(path);
        assert.equal(read.body.data.host.hostName, hostName);
        assert.equal(read.body.data.host.confidence, 10);
      });

      it('DELETE answers {"status":"Success"}; the indicator is gone, a second DELETE is 404', async () => {
        const { path } = await newHost();
        const answer = await me.del(path);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body, { status: 'Success' });
        expectNotFound(await me.get(path));
        expectNotFound(await me.del(path));
      });

      it('a DELETE with an empty JSON body (threatconnect-bash) works', async () => {
        const { path } = await newHost();
        const answer = await me.del(path, '');
        assert.deepEqual(answer.body, { status: 'Success' });
      });

      it('URL values percent-encoded as tcex and the JS SDK send them: PUT and DELETE find the indicator', async () => {
        const text = `http://${fresh('url')}.example.com/a/b?c=d`;
        const created = await me.post('/v2/indicators/urls', { text });
        expectSuccess(created, 201);
        const stored = created.body.data.url.text as string;
        const put = await me.put(`/v2/indicators/urls/${q(stored)}`, { rating: 3 });
        expectSuccess(put);
        assert.equal(Number(put.body.data.url.rating), 3);
        expectSuccess(await me.del(`/v2/indicators/urls/${q(stored)}`));
      });

      it('answers XML when asked: the created host in a hostResponse', async () => {
        const hostName = `${fresh('xml')}.example.com`;
        const answer = await me.post('/v2/indicators/hosts', { hostName }, { Accept: 'application/xml' });
        assert.equal(answer.status, 201);
        assert.equal(answer.raw.headers['content-type'], 'application/xml');
        assert.match(answer.body, /^<hostResponse>\s*<Status>Success<\/Status>\s*<Data xsi:type="hostResponseData"/);
        assert.match(answer.body, new RegExp(`<HostName>${hostName.replace(/\./g, '\\.')}</HostName>`));
        assert.match(answer.body, /<Owner xsi:type="organization">/);
      });

      it('another organization\'s indicator: PUT and DELETE are 404 and change nothing', async () => {
        const { path } = await newHost();
        expectNotFound(await them.put(path, { rating: 1 }));
        expectNotFound(await them.del(path));
        const read = await me.get(path);
        expectSuccess(read);
        assert.notEqual(Number(read.body.data.host.rating), 1);
      });
    });

    describe('groups: POST, PUT, DELETE, and the JS SDK\'s PUT /v2/{id}', () => {
      it('POST /v2/groups/incidents with eventDate and status: 201 {"incident":{…}}', async () => {
        const name = fresh('incident');
        const answer = await me.post('/v2/groups/incidents', { name, eventDate: '2017-07-13T00:00:00-04:00', status: 'New' });
        expectSuccess(answer, 201);
        const incident = answer.body.data.incident;
        assert.equal(incident.name, name);
        assert.equal(typeof incident.id, 'number');
        assert.equal(incident.owner.name, orgName);
        assert.ok(String(incident.eventDate).startsWith('2017-07-13'), incident.eventDate);
      });

      it('refuses a group without its name (400 naming it) and an unknown branch (404)', async () => {
        expectFailure(await me.post('/v2/groups/adversaries', {}), 400, /name/);
        expectFailure(await me.post('/v2/groups/adversaries'), 400, /name|body/);
        expectNotFound(await me.post('/v2/groups/nothings', { name: 'x' }));
      });

      it('PUT /v2/groups/{branch}/{id} renames; the wrong branch for the id is 404', async () => {
        const group = await newGroup();
        const name = fresh('renamed');
        const answer = await me.put(group.path, { name });
        expectSuccess(answer);
        assert.equal(answer.body.data.adversary.name, name);
        expectNotFound(await me.put(`/v2/groups/campaigns/${group.id}`, { name: 'x' }));
      });

      it('PUT /v2/{id} (what the JS SDK sends to update a group) updates it and answers under its type\'s key', async () => {
        const group = await newGroup(me, 'campaigns', 'campaign');
        const name = fresh('js-sdk');
        const answer = await me.put(`/v2/${group.id}?resultLimit=10000&owner=${orgName.replace(/ /g, '+')}`, { name });
        expectSuccess(answer);
        assert.equal(answer.body.data.campaign.id, group.id);
        assert.equal(answer.body.data.campaign.name, name);
        expectNotFound(await them.put(`/v2/${group.id}`, { name: 'stolen' }));
        expectNotFound(await me.put('/v2/999999999', { name: 'none' }));
      });

      it('DELETE answers {"status":"Success"}; another organization\'s group is 404', async () => {
        const group = await newGroup();
        expectNotFound(await them.del(group.path));
        expectNotFound(await them.put(group.path, { name: 'x' }));
        assert.deepEqual((await me.del(group.path)).body, { status: 'Success' });
        expectNotFound(await me.get(group.path));
      });
    });

    /** Both kinds of parent: every sub-path test runs on a fresh host and a fresh adversary. */
    const parents: [string, () => Promise<{ path: string }>][] = [
      ['an indicator', () => newHost()],
      ['a group', () => newGroup()],
    ];

    for (const [kind, make] of parents) {
      describe(`sub-paths of ${kind}`, () => {
        it('tags: POST with an empty JSON body (threatconnect-bash) creates and applies; GET lists tag[]{name,webLink}; DELETE removes', async () => {
          const { path } = await make();
          const name = `${fresh('Tag')} with spaces`;
          const posted = await me.post(`${path}/tags/${q(name)}`, '');
          expectSuccess(posted, 201);
          const listed = await me.get(`${path}/tags`);
          expectSuccess(listed);
          assert.equal(listed.body.data.resultCount, 1);
          assert.equal(listed.body.data.tag[0].name, name);
          assert.equal(typeof listed.body.data.tag[0].webLink, 'string');
          expectSuccess(await me.post(`${path}/tags/${q(name)}`), 201);
          assert.equal((await me.get(`${path}/tags`)).body.data.tag.length, 1, 'applying twice keeps one');
          const one = await me.get(`${path}/tags/${q(name.toUpperCase())}`);
          assert.equal(one.body.data.tag.name, name, 'a tag is named in any case');
          expectNotFound(await me.get(`${path}/tags/not%20applied`));
          assert.deepEqual((await me.del(`${path}/tags/${q(name)}`)).body, { status: 'Success' });
          assert.deepEqual((await me.get(`${path}/tags`)).body.data.tag, []);
          expectFailure(await me.post(`${path}/tags/${'x'.repeat(129)}`), 400, /128/);
        });

        it('securityLabels: POST TLP%3AAMBER applies the system label; GET lists it; an unknown label is refused; DELETE removes', async () => {
          const { path } = await make();
          expectSuccess(await me.post(`${path}/securityLabels/TLP%3AAMBER`), 201);
          const listed = await me.get(`${path}/securityLabels`);
          expectSuccess(listed);
          assert.deepEqual(listed.body.data.securityLabel.map((l: Json) => l.name), ['TLP:AMBER']);
          assert.equal((await me.get(`${path}/securityLabels/TLP%3AAMBER`)).body.data.securityLabel.name, 'TLP:AMBER');
          expectNotFound(await me.get(`${path}/securityLabels/TLP%3ARED`));
          expectNotFound(await me.post(`${path}/securityLabels/NO%20SUCH%20LABEL`), 'a label that does not exist');
          expectNotFound(await me.post(`${path}/securityLabels/${'L'.repeat(51)}`), 'a name longer than any label');
          expectSuccess(await me.del(`${path}/securityLabels/TLP%3AAMBER`));
          assert.deepEqual((await me.get(`${path}/securityLabels`)).body.data.securityLabel, []);
        });

        it('attributes: POST, GET list and one, PUT value and displayed, labels on an attribute, DELETE', async () => {
          const { path } = await make();
          const posted = await me.post(`${path}/attributes`, { type: 'Description', value: 'first words', displayed: true });
          expectSuccess(posted, 201);
          const attribute = posted.body.data.attribute;
          assert.equal(attribute.type, 'Description');
          assert.equal(attribute.value, 'first words');
          assert.equal(attribute.displayed, true);
          const listed = await me.get(`${path}/attributes`);
          assert.deepEqual(listed.body.data.attribute.map((a: Json) => a.id), [attribute.id]);
          const changed = await me.put(`${path}/attributes/${attribute.id}`, { value: 'second words', displayed: false });
          expectSuccess(changed);
          assert.equal(changed.body.data.attribute.value, 'second words');
          assert.equal(changed.body.data.attribute.displayed, false);
          assert.equal((await me.get(`${path}/attributes/${attribute.id}`)).body.data.attribute.value, 'second words');

          expectSuccess(await me.post(`${path}/attributes/${attribute.id}/securityLabels/TLP%3ARED`), 201);
          const labels = await me.get(`${path}/attributes/${attribute.id}/securityLabels`);
          assert.deepEqual(labels.body.data.securityLabel.map((l: Json) => l.name), ['TLP:RED']);
          assert.equal((await me.get(`${path}/attributes/${attribute.id}/securityLabels/TLP%3ARED`)).body.data.securityLabel.name, 'TLP:RED');
          expectSuccess(await me.del(`${path}/attributes/${attribute.id}/securityLabels/TLP%3ARED`));
          assert.deepEqual((await me.get(`${path}/attributes/${attribute.id}/securityLabels`)).body.data.securityLabel, []);

          expectFailure(await me.post(`${path}/attributes`, { type: 'No Such Type', value: 'x' }), 400, /type/i);
          expectSuccess(await me.del(`${path}/attributes/${attribute.id}`));
          expectNotFound(await me.get(`${path}/attributes/${attribute.id}`));
        });

        it('an attribute of another item is not found under this one', async () => {
          const a = await make();
          const b = await make();
          const posted = await me.post(`${a.path}/attributes`, { type: 'Description', value: 'on a' });
          const id = posted.body.data.attribute.id;
          expectNotFound(await me.get(`${b.path}/attributes/${id}`));
          expectNotFound(await me.put(`${b.path}/attributes/${id}`, { value: 'moved' }));
          expectNotFound(await me.del(`${b.path}/attributes/${id}`));
          assert.equal((await me.get(`${a.path}/attributes/${id}`)).body.data.attribute.value, 'on a');
        });

        it('groups: POST links a group, GET lists group[] (all, by branch, one), DELETE unlinks', async () => {
          const { path } = await make();
          const group = await newGroup(me, 'campaigns', 'campaign');
          expectSuccess(await me.post(`${path}/groups/campaigns/${group.id}`), 201);
          const all = await me.get(`${path}/groups`);
          expectSuccess(all);
          assert.ok(all.body.data.group.some((g: Json) => g.id === group.id && g.name === group.name && g.type === 'Campaign'), JSON.stringify(all.body));
          const byBranch = await me.get(`${path}/groups/campaigns`);
          assert.deepEqual(byBranch.body.data.campaign.map((g: Json) => g.id), [group.id]);
          assert.deepEqual((await me.get(`${path}/groups/adversaries`)).body.data.adversary.filter((g: Json) => g.id === group.id), []);
          const one = await me.get(`${path}/groups/campaigns/${group.id}`);
          assert.equal(one.body.data.campaign.id, group.id);
          expectNotFound(await me.post(`${path}/groups/adversaries/${group.id}`), 'the wrong branch');
          expectSuccess(await me.del(`${path}/groups/campaigns/${group.id}`));
          expectNotFound(await me.get(`${path}/groups/campaigns/${group.id}`));
        });

        it('indicators: POST links a host, GET lists indicator[] (all, by branch, one), DELETE unlinks', async function () {
          const { path } = await make();
          if (path.startsWith('/v2/indicators/')) return; // indicator ↔ indicator goes through association types (below)
          const host = await newHost();
          expectSuccess(await me.post(`${path}/indicators/hosts/${host.hostName}`), 201);
          const all = await me.get(`${path}/indicators`);
          assert.ok(all.body.data.indicator.some((i: Json) => i.summary === host.hostName && i.type === 'Host'), JSON.stringify(all.body));
          const byBranch = await me.get(`${path}/indicators/hosts`);
          assert.deepEqual(byBranch.body.data.host.map((h: Json) => h.hostName), [host.hostName]);
          const one = await me.get(`${path}/indicators/hosts/${host.hostName}`);
          assert.equal(one.body.data.host.hostName, host.hostName);
          // seen from the indicator's side too
          const fromHost = await me.get(`${host.path}/groups`);
          assert.equal(fromHost.body.data.group.length, 1);
          expectSuccess(await me.del(`${path}/indicators/hosts/${host.hostName}`));
          assert.deepEqual((await me.get(`${path}/indicators`)).body.data.indicator, []);
        });

        it('victims: Cairn keeps none: GET is an empty list, POST and DELETE are 404', async () => {
          const { path } = await make();
          const listed = await me.get(`${path}/victims`);
          expectSuccess(listed);
          assert.deepEqual(listed.body.data, { resultCount: 0, victim: [] });
          expectNotFound(await me.post(`${path}/victims/1`));
          expectNotFound(await me.del(`${path}/victims/1`));
          expectNotFound(await me.get(`${path}/victims/1`));
        });

        it('another organization\'s item: every sub-path is 404, and nothing is written', async () => {
          const { path } = await make();
          const posted = await me.post(`${path}/attributes`, { type: 'Description', value: 'mine' });
          const attributeId = posted.body.data.attribute.id;
          for (const target of [`${path}/tags`, `${path}/securityLabels`, `${path}/attributes`, `${path}/attributes/${attributeId}`, `${path}/attributes/${attributeId}/securityLabels`, `${path}/groups`, `${path}/indicators`, `${path}/victims`]) {
            expectNotFound(await them.get(target), `GET ${target}`);
          }
          expectNotFound(await them.post(`${path}/tags/stolen`), 'POST tag');
          expectNotFound(await them.post(`${path}/securityLabels/TLP%3ARED`), 'POST label');
          expectNotFound(await them.post(`${path}/attributes`, { type: 'Description', value: 'theirs' }), 'POST attribute');
          expectNotFound(await them.put(`${path}/attributes/${attributeId}`, { value: 'theirs' }), 'PUT attribute');
          expectNotFound(await them.del(`${path}/attributes/${attributeId}`), 'DELETE attribute');
          expectNotFound(await them.post(`${path}/attributes/${attributeId}/securityLabels/TLP%3ARED`), 'POST attribute label');
          const theirGroup = await newGroup(them);
          expectNotFound(await them.post(`${path}/groups/adversaries/${theirGroup.id}`), 'POST group link');
          assert.deepEqual((await me.get(`${path}/tags`)).body.data.tag, []);
          assert.deepEqual((await me.get(`${path}/securityLabels`)).body.data.securityLabel, []);
          assert.equal((await me.get(`${path}/attributes`)).body.data.attribute.length, 1);
          assert.equal((await me.get(`${path}/attributes/${attributeId}`)).body.data.attribute.value, 'mine');
        });

        it('another organization\'s own security label cannot be applied (404), here or on an attribute', async () => {
          const { path } = await make();
          const label = `Foreign label ${++unique}`;
          const created = await send(foreign, 'POST', '/v3/securityLabels', { name: label, color: 'FF0000' });
          assert.equal(created.status, 201, JSON.stringify(created.body));
          expectNotFound(await me.post(`${path}/securityLabels/${q(label)}`));
          const attribute = await me.post(`${path}/attributes`, { type: 'Description', value: 'labelled' });
          expectNotFound(await me.post(`${path}/attributes/${attribute.body.data.attribute.id}/securityLabels/${q(label)}`));
          assert.deepEqual((await me.get(`${path}/securityLabels`)).body.data.securityLabel, []);
        });

        it('linking a foreign organization\'s group is 404 and links nothing', async () => {
          const { path } = await make();
          const theirGroup = await newGroup(them);
          expectNotFound(await me.post(`${path}/groups/adversaries/${theirGroup.id}`));
          assert.deepEqual((await me.get(`${path}/groups`)).body.data.group, []);
          assert.deepEqual((await them.get(`${theirGroup.path}/indicators`)).body.data.indicator, []);
        });
      });
    }

    describe('what the real clients send to sub-paths', () => {
      it('the JS SDK: owner (with + for spaces), resultStart and resultLimit=10000 on tag and association writes of a community item', async () => {
        const owner = communityName.replace(/ /g, '+');
        const host = await newHost(me, owner);
        const group = await me.post(`/v2/groups/adversaries?owner=${owner}`, { name: fresh('community group') });
        expectSuccess(group, 201);
        const query = `?owner=${owner}&resultStart=10000&resultLimit=10000`;
        expectSuccess(await me.post(`${host.path}/tags/JS%20SDK${query}`, undefined, { 'Content-Type': 'application/json; charset=UTF-8', 'X-Requested-With': 'XMLHttpRequest' }), 201);
        expectSuccess(await me.post(`${host.path}/groups/adversaries/${group.body.data.adversary.id}${query}`), 201);
        const tags = await me.get(`${host.path}/tags?owner=${owner}&resultLimit=10000`);
        assert.deepEqual(tags.body.data.tag.map((t: Json) => t.name), ['JS SDK']);
        // Without owner= the path looks in the caller's organization, where this host is not.
        expectNotFound(await me.get(`${host.path}/tags`));
      });

      it('an organization\'s group links its community\'s host and group (any owner the caller sees), named without owner=', async () => {
        const owner = communityName.replace(/ /g, '+');
        const host = await newHost(me, owner);
        const communityGroup = await me.post(`/v2/groups/campaigns?owner=${owner}`, { name: fresh('community campaign') });
        const group = await newGroup();
        expectSuccess(await me.post(`${group.path}/indicators/hosts/${host.hostName}`), 201);
        expectSuccess(await me.post(`${group.path}/groups/campaigns/${communityGroup.body.data.campaign.id}`), 201);
        const indicators = await me.get(`${group.path}/indicators`);
        assert.deepEqual(indicators.body.data.indicator.map((i: Json) => [i.summary, i.ownerName]), [[host.hostName, communityName]]);
        assert.deepEqual((await me.get(`${group.path}/groups`)).body.data.group.map((g: Json) => g.ownerName), [communityName]);
        // Another organization sees neither the community's host nor a way to link it.
        const theirGroup = await newGroup(them);
        expectNotFound(await them.post(`${theirGroup.path}/indicators/hosts/${host.hostName}`));
      });

      it('threatconnect-bash: an empty body with Content-Type application/json on an association POST and DELETE', async () => {
        const host = await newHost();
        const group = await newGroup();
        expectSuccess(await me.post(`${group.path}/indicators/hosts/${host.hostName}`, ''), 201);
        assert.equal((await me.get(`${group.path}/indicators`)).body.data.indicator.length, 1);
        expectSuccess(await me.del(`${group.path}/indicators/hosts/${host.hostName}`, ''));
      });

      it('tcex: createActivityLog=false on attribute writes', async () => {
        const host = await newHost();
        const posted = await me.post(`${host.path}/attributes?createActivityLog=false`, { type: 'Source', value: 'tcex', displayed: 'true' });
        expectSuccess(posted, 201);
        assert.equal(posted.body.data.attribute.type, 'Source');
      });

      it('XML: a sub-path list and a sub-path item in the v2 XML envelopes', async () => {
        const host = await newHost();
        await me.post(`${host.path}/tags/Xml%20Tag`);
        const tags = await me.get(`${host.path}/tags`, { Accept: 'application/xml' });
        assert.equal(tags.raw.headers['content-type'], 'application/xml');
        assert.match(tags.body, /^<tagsResponse>\s*<Status>Success<\/Status>\s*<Data xsi:type="tagListResponseData"[^>]*>\s*<ResultCount>1<\/ResultCount>\s*<Tag>\s*<Name>Xml Tag<\/Name>/);
        const posted = await me.post(`${host.path}/attributes`, { type: 'Description', value: 'in xml' }, { Accept: 'application/xml' });
        assert.equal(posted.status, 201);
        assert.match(posted.body, /^<attributeResponse>\s*<Status>Success<\/Status>\s*<Data xsi:type="attributeResponseData"[^>]*>\s*<Attribute>[\s\S]*<Value>in xml<\/Value>/);
        const gone = await me.del(`${host.path}/tags/Xml%20Tag`, undefined, { Accept: 'application/xml' });
        assert.match(gone.body, /<Status>Success<\/Status>/);
      });
    });

    describe('indicator-only sub-paths', () => {
      it('observations: POST {"count":2} answers Success; GET lists observation[]; observationCount sums them', async () => {
        const { path } = await newHost();
        assert.deepEqual((await me.post(`${path}/observations`, { count: 2 })).body, { status: 'Success' });
        await me.post(`${path}/observations`, { count: 3, dateObserved: '2017-06-19T12:00:00Z' });
        const listed = await me.get(`${path}/observations`);
        expectSuccess(listed);
        assert.deepEqual(listed.body.data.observation.map((o: Json) => o.count).sort(), [2, 3]);
        assert.ok(listed.body.data.observation.every((o: Json) => typeof o.dateObserved === 'string'));
        const count = await me.get(`${path}/observationCount`);
        expectSuccess(count);
        assert.equal(count.body.data.observationCount.count, 5);
        assert.equal(count.body.data.observationCount.yourCount, 5);
        assert.equal(typeof count.body.data.observationCount.lastObserved, 'string');
        expectFailure(await me.post(`${path}/observations`, { count: -1 }), 400, /count/);
        expectFailure(await me.post(`${path}/observations`, { count: 'many' }), 400, /count/);
        expectFailure(await me.post(`${path}/observations`, { count: 1, dateObserved: '+010000-01-01T00:00:00.000Z' }), 400, /dateObserved/);
        assert.equal((await me.get(`${path}/observationCount`)).body.data.observationCount.count, 5, 'refused reports record nothing');
      });

      it('falsePositive: once per user and day: two POSTs count one', async () => {
        const { path } = await newHost();
        const first = await me.post(`${path}/falsePositive`);
        expectSuccess(first, 201);
        assert.equal(first.body.data.falsePositive.count, 1);
        assert.equal(typeof first.body.data.falsePositive.lastReported, 'string');
        const second = await me.post(`${path}/falsePositive`, '');
        assert.equal(second.body.data.falsePositive.count, 1);
      });

      it('owners: the visible owners holding the same value, with the item id each has', async () => {
        const hostName = `${fresh('shared')}.example.com`;
        const mine = await me.post('/v2/indicators/hosts', { hostName });
        const community = await me.post(`/v2/indicators/hosts?owner=${communityName.replace(/ /g, '+')}`, { hostName });
        const theirs = await them.post('/v2/indicators/hosts', { hostName });
        expectSuccess(theirs, 201);
        const answer = await me.get(`/v2/indicators/hosts/${hostName}/owners`);
        expectSuccess(answer);
        const owners = answer.body.data.owner as Json[];
        assert.deepEqual(owners.map((o) => [o.name, o.itemId]).sort(), [[communityName, community.body.data.host.id], [orgName, mine.body.data.host.id]].sort());
        assert.ok(owners.every((o) => typeof o.id === 'number' && (o.type === 'Organization' || o.type === 'Community')));
        const theirView = await them.get(`/v2/indicators/hosts/${hostName}/owners`);
        assert.deepEqual(theirView.body.data.owner.map((o: Json) => o.itemId), [theirs.body.data.host.id]);
      });

      it('fileOccurrences: POST, GET list and one, PUT, DELETE on a file; a host has none (404)', async () => {
        const md5 = Buffer.from(fresh('file')).toString('hex').padEnd(32, '0').slice(0, 32);
        const file = await me.post('/v2/indicators/files', { md5 });
        expectSuccess(file, 201);
        const path = `/v2/indicators/files/${md5}`;
        const posted = await me.post(`${path}/fileOccurrences`, { fileName: 'evil.exe', path: 'C:\\Windows\\Temp', date: '2017-06-19T12:00:00Z' });
        expectSuccess(posted, 201);
        const occurrence = posted.body.data.fileOccurrence;
        assert.equal(occurrence.fileName, 'evil.exe');
        assert.equal(occurrence.path, 'C:\\Windows\\Temp');
        assert.ok(String(occurrence.date).startsWith('2017-06-19'));
        const listed = await me.get(`${path}/fileOccurrences`);
        assert.deepEqual(listed.body.data.fileOccurrence.map((o: Json) => o.id), [occurrence.id]);
        const changed = await me.put(`${path}/fileOccurrences/${occurrence.id}`, { fileName: 'renamed.exe' });
        assert.equal(changed.body.data.fileOccurrence.fileName, 'renamed.exe');
        assert.equal(changed.body.data.fileOccurrence.path, 'C:\\Windows\\Temp');
        assert.equal((await me.get(`${path}/fileOccurrences/${occurrence.id}`)).body.data.fileOccurrence.fileName, 'renamed.exe');
        expectFailure(await me.post(`${path}/fileOccurrences`, { fileName: 'x', date: 'yesterday' }), 400, /date/);
        expectNotFound(await them.get(`${path}/fileOccurrences`));
        expectNotFound(await them.del(`${path}/fileOccurrences/${occurrence.id}`));
        expectSuccess(await me.del(`${path}/fileOccurrences/${occurrence.id}`));
        expectNotFound(await me.get(`${path}/fileOccurrences/${occurrence.id}`));
        const host = await newHost();
        expectNotFound(await me.get(`${host.path}/fileOccurrences`));
      });

      it('another organization\'s indicator: observations, falsePositive, owners are 404 and record nothing', async () => {
        const { path } = await newHost();
        expectNotFound(await them.post(`${path}/observations`, { count: 1 }));
        expectNotFound(await them.post(`${path}/falsePositive`));
        expectNotFound(await them.get(`${path}/observationCount`));
        expectNotFound(await them.get(`${path}/owners`));
        assert.equal((await me.get(`${path}/observationCount`)).body.data.observationCount.count, 0);
      });

      it('associations/{type}/indicators: a URL and its host through urlHost, from both sides', async () => {
        const text = `http://${fresh('assoc')}.example.com/path`;
        const url = await me.post('/v2/indicators/urls', { text });
        const stored = url.body.data.url.text as string;
        const host = await newHost();
        const urlPath = `/v2/indicators/urls/${q(stored)}`;
        expectSuccess(await me.post(`${urlPath}/associations/urlHost/indicators/hosts/${host.hostName}`), 201);
        const listed = await me.get(`${urlPath}/associations/urlHost/indicators`);
        expectSuccess(listed);
        assert.ok(listed.body.data.indicator.some((i: Json) => i.summary === host.hostName), JSON.stringify(listed.body));
        const fromHost = await me.get(`${host.path}/associations/urlHost/indicators`);
        assert.ok(fromHost.body.data.indicator.some((i: Json) => i.summary === stored), JSON.stringify(fromHost.body));
        expectNotFound(await me.post(`${urlPath}/associations/noSuchType/indicators/hosts/${host.hostName}`));
        const refused = await me.post(`${urlPath}/associations/asnToAddress/indicators/hosts/${host.hostName}`);
        assert.equal(refused.status, 400, JSON.stringify(refused.body));
        assert.deepEqual((await me.get(`${urlPath}/associations/asnToAddress/indicators`)).body.data.indicator, [], 'a type the URL takes no part in lists nothing');
        expectSuccess(await me.del(`${urlPath}/associations/urlHost/indicators/hosts/${host.hostName}`));
        assert.deepEqual((await me.get(`${urlPath}/associations/urlHost/indicators`)).body.data.indicator, []);
      });

      it('indicators/{branch}/{value} of an indicator: a pair no association type allows is 400 and links nothing; an allowed one links', async () => {
        const a = await newHost();
        const b = await newHost();
        expectFailure(await me.post(`${a.path}/indicators/hosts/${b.hostName}`), 400, /Association cannot be applied to the indicator types/);
        assert.deepEqual((await me.get(`${a.path}/indicators`)).body.data.indicator, []);
        const ip = `10.${unique % 250}.${++unique % 250}.9`;
        expectSuccess(await me.post('/v2/indicators/addresses', { ip }), 201);
        expectSuccess(await me.post(`/v2/indicators/addresses/${ip}/indicators/hosts/${a.hostName}`), 201);
        const fromHost = await me.get(`${a.path}/associations/dnsPtrRecord/indicators`);
        assert.deepEqual(fromHost.body.data.indicator.map((i: Json) => i.summary), [ip]);
      });
    });
  });
}
