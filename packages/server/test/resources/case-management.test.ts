/**
 * v3 cases over HTTP, as tcex and the ThreatConnect docs use them (spec threatconnect.md §7, §9):
 * OPTIONS shapes, the nested POST of §7.5, validation, single-item reads and writes with
 * collection modes, and lists with paging links, count, sorting, fields and body parameters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CairnClient } from '@cairn/client';
import { rawRequest, tcHeaders } from '../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../support/server.js';
import { call, type Answer, type Json } from '../support/v3.js';

const ORG = 'Exemplary Organization';
const BASE_CASE = { name: 'A case', severity: 'Low', status: 'Open' };


/** Signed request with a body sent verbatim (also on GET, which fetch refuses). */
async function rawCall(server: TestServer, method: string, target: string, body?: string): Promise<Answer> {
  const { accessId, secret } = server.bootstrap.apiUser;
  const headers: Record<string, string> = tcHeaders(accessId, secret, method, target);
  if (body !== undefined) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  const response = await rawRequest(server.baseUrl, method, target, headers, body);
  assert.ok(response.status < 500, `${method} ${target} → ${response.status} ${response.body.slice(0, 300)}`);
  assert.equal(response.headers['content-type'], 'application/json', `${method} ${target}: Content-Type`);
  return { status: response.status, body: JSON.parse(response.body) };
}

function assertError(answer: Answer, status: number, errCode: string, pattern?: RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.status, 'Error');
  assert.equal(answer.body.errCode, errCode, answer.body.message);
  assert.equal(typeof answer.body.message, 'string');
  if (pattern) assert.match(answer.body.message, pattern);
}

const q = encodeURIComponent;
const ids = (items: Json[]) => items.map((item) => item.id as number);

for (const dialect of testDialects()) {
  describe(`v3 cases (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    let root: CairnClient;
    const tc = (method: string, target: string, body?: unknown) => call(api, method, target, body);
    const create = async (body: Record<string, unknown>, query = '') => {
      const answer = await tc('POST', `/v3/cases${query}`, body);
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      return answer.body.data as Json;
    };
    const listAll = async (type: string, tql?: string) => {
      const answer = await tc('GET', `/v3/${type}?resultLimit=10000${tql ? `&tql=${q(tql)}` : ''}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.data as Json[];
    };

    before(async () => {
      server = await startTestServer(dialect);
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      root = server.client('threatconnect', { baseUrl: server.baseUrl });
    });

    it('a null clears a field: back to its default where it has one, a 400 where it must hold a value, never a 500', async () => {
      const created = await create({ name: 'Null fields', severity: 'Low', status: 'Open', tasks: { data: [{ name: 'Flagged', required: true, status: 'Open' }] } }, '?fields=tasks');
      const task = created.tasks.data[0];
      const reset = await tc('PUT', `/v3/tasks/${task.id}`, { status: null, description: null });
      assert.equal(reset.status, 200, JSON.stringify(reset.body));
      assert.equal(reset.body.data.status, 'Pending');
      const flag = await tc('PUT', `/v3/tasks/${task.id}`, { required: null });
      assert.equal(flag.status, 400, JSON.stringify(flag.body));
      assert.match(flag.body.message, /required.*must be true or false/);
      assert.equal((await tc('GET', `/v3/tasks/${task.id}`)).body.data.required, true);
    });
    after(() => server.close());

    describe('OPTIONS', () => {
      it('describes a case as a bare object keyed by field name, without read-only fields', async () => {
        const { status, body } = await tc('OPTIONS', '/v3/cases');
        assert.equal(status, 200);
        assert.equal(body.data, undefined, 'no envelope');
        assert.equal(body.status.type, 'String', '`status` is the case field, not an envelope');
        assert.deepEqual(body.status.allowableValues, ['Open', 'Closed']);
        assert.equal(body.name.type, 'String');
        assert.equal(body.name.required, true);
        assert.equal(body.name.maxLength, 255);
        assert.equal(body.severity.required, true);
        assert.deepEqual(body.severity.allowableValues, ['Low', 'Medium', 'High', 'Critical']);
        for (const readOnly of ['id', 'dateAdded', 'owner', 'ownerId', 'lastUpdated', 'createdBy']) assert.equal(body[readOnly], undefined, readOnly);
        assert.equal(body.xid.updatable, false, 'xid is create-only');
      });

      for (const show of ['readOnly', 'readonly']) {
        it(`adds read-only fields with ?show=${show}`, async () => {
          const { status, body } = await tc('OPTIONS', `/v3/cases?show=${show}`);
          assert.equal(status, 200);
          for (const readOnly of ['id', 'dateAdded', 'owner']) {
            assert.equal(body[readOnly]?.readOnly, true, readOnly);
            assert.equal(body[readOnly]?.updatable, false, readOnly);
          }
          assert.equal(body.name.readOnly, false);
        });
      }

      it('describes collections as {"data":[<property>]}', async () => {
        const { body } = await tc('OPTIONS', '/v3/cases');
        for (const [name, type] of [['tasks', 'Task'], ['tags', 'Tag'], ['notes', 'Note'], ['artifacts', 'Artifact']]) {
          assert.ok(Array.isArray(body[name!]?.data), name);
          assert.equal(body[name!].data.length, 1, name);
          assert.equal(body[name!].data[0].type, type, name);
        }
      });

      it('lists fields and TQL keywords in {data, count, status}', async () => {
        for (const kind of ['fields', 'tql']) {
          const { status, body } = await tc('OPTIONS', `/v3/cases/${kind}`);
          assert.equal(status, 200);
          assert.deepEqual(Object.keys(body).sort(), ['count', 'data', 'status']);
          assert.equal(body.status, 'Success');
          assert.equal(body.count, body.data.length);
          assert.ok(body.count > 0);
        }
        const fields = (await tc('OPTIONS', '/v3/cases/fields')).body.data;
        const tags = fields.find((f: Json) => f.name === 'tags');
        assert.equal(tags.includedByDefault, false);
        assert.equal(typeof tags.description, 'string');
        assert.equal(fields.find((f: Json) => f.name === 'name').includedByDefault, true);
        const keywords = (await tc('OPTIONS', '/v3/cases/tql')).body.data.map((k: Json) => k.keyword);
        for (const keyword of ['hasTask', 'hasTag', 'hasNote', 'hasArtifact', 'name', 'severity', 'caseOpenTime']) assert.ok(keywords.includes(keyword), keyword);
      });

      it('a CORS preflight to /v3/cases gets 204 and no descriptor', async () => {
        for (const target of ['/v3/cases', '/api/v3/cases']) {
          const response = await rawRequest(server.baseUrl, 'OPTIONS', target, { Origin: 'null', 'Access-Control-Request-Method': 'POST' });
          assert.equal(response.status, 204, target);
          assert.equal(response.body, '', target);
          assert.equal(response.headers['access-control-allow-origin'], 'null');
        }
      });
    });

    describe('nested POST (spec §7.5)', () => {
      const phishing = {
        name: 'Phishing Investigation', severity: 'Low', status: 'Open',
        tasks: { data: [{ name: 'Investigate Phishing Email', workflowPhase: 1, workflowStep: 1 }] },
        notes: { data: [{ text: 'Upload all relevant research to the case.' }] },
        artifacts: { data: [{ summary: 'badguy.com', type: 'Host' }] },
        tags: { data: [{ name: 'Phishing' }, { techniqueId: 'T1566' }], mode: 'append' },
      };

      it('creates the case with its children in one POST and answers 201 with the collections', async () => {
        const started = Date.now();
        const answer = await tc('POST', '/v3/cases?fields=tasks&fields=tags&fields=notes&fields=artifacts', phishing);
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        assert.deepEqual(Object.keys(answer.body).sort(), ['data', 'message', 'status']);
        assert.equal(answer.body.message, 'Created');
        assert.equal(answer.body.status, 'Success');
        const data = answer.body.data;
        assert.ok(Number.isInteger(data.id));
        assert.equal(typeof data.xid, 'string');
        assert.equal(data.name, 'Phishing Investigation');
        assert.equal(data.severity, 'Low');
        assert.equal(data.status, 'Open');
        // Server-maintained fields.
        assert.equal(data.resolution, 'Not Specified');
        assert.ok(Date.parse(data.caseOpenTime) >= Math.floor(started / 1000) * 1000 - 1000, data.caseOpenTime);
        assert.equal(data.caseOpenUser.userName, server.bootstrap.apiUser.accessId);
        assert.equal(data.createdBy.userName, server.bootstrap.apiUser.accessId);
        assert.equal(data.createdBy.id, server.bootstrap.apiUser.id);
        assert.equal(data.owner, ORG);
        assert.equal(data.ownerId, 0);
        assert.equal(data.caseCloseTime, undefined);
        assert.equal(data.detectionOverdue, false);
        assert.equal(data.responseOverdue, false);
        // Nested collections as {"data":[…]}.
        assert.deepEqual(Object.keys(data.tasks), ['data']);
        assert.equal(data.tasks.data.length, 1);
        assert.equal(data.tasks.data[0].name, 'Investigate Phishing Email');
        assert.equal(data.tasks.data[0].workflowPhase, 1);
        assert.equal(data.tasks.data[0].caseId, data.id);
        assert.deepEqual(data.notes.data.map((n: Json) => n.text), ['Upload all relevant research to the case.']);
        assert.equal(data.artifacts.data.length, 1);
        assert.equal(data.artifacts.data[0].summary, 'badguy.com');
        assert.equal(data.artifacts.data[0].type, 'Host');
        assert.deepEqual(data.tags.data.map((t: Json) => t.name).sort(), ['Phishing', 'T1566']);
        assert.equal(data.tags.data.find((t: Json) => t.name === 'T1566').techniqueId, 'T1566');

        // tcex reads children by TQL.
        const tasks = await tc('GET', `/v3/tasks?tql=${q(`hasCase(id = ${data.id})`)}`);
        assert.equal(tasks.status, 200);
        assert.deepEqual(ids(tasks.body.data), ids(data.tasks.data));
        const again = await tc('GET', `/v3/cases/${data.id}?fields=tasks&fields=notes`);
        assert.deepEqual(ids(again.body.data.tasks.data), ids(data.tasks.data));
        assert.deepEqual(ids(again.body.data.notes.data), ids(data.notes.data));
        assert.equal(again.body.data.artifacts, undefined, 'collections only when asked for');
      });

      it('works the same at /v3 without /api', async () => {
        const answer = await call(root, 'POST', '/v3/cases?fields=tasks', { ...phishing, name: 'Without /api' });
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        assert.equal(answer.body.data.tasks.data.length, 1);
        const read = await call(root, 'GET', `/v3/cases/${answer.body.data.id}`);
        assert.equal(read.status, 200);
        assert.equal(read.body.data.name, 'Without /api');
        const tasks = await call(root, 'GET', `/v3/tasks?tql=${q(`hasCase(id = ${answer.body.data.id})`)}`);
        assert.equal(tasks.body.data.length, 1);
      });

      it('is one transaction: a bad nested artifact leaves no case, task, note or tag behind', async () => {
        const before = { cases: await listAll('cases'), tasks: await listAll('tasks'), notes: await listAll('notes'), tags: await listAll('tags') };
        const answer = await tc('POST', '/v3/cases?fields=tasks', {
          name: 'Doomed case', severity: 'High', status: 'Open',
          tasks: { data: [{ name: 'Doomed task' }] },
          notes: { data: [{ text: 'Doomed note' }] },
          tags: { data: [{ name: 'doomed-tag' }] },
          artifacts: { data: [{ summary: 'x', type: 'Not An Artifact Type' }] },
        });
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.equal(answer.body.status, 'Error');
        assert.match(answer.body.message, /Not An Artifact Type/);
        assert.deepEqual(ids(await listAll('cases')), ids(before.cases));
        assert.deepEqual(ids(await listAll('tasks')), ids(before.tasks));
        assert.deepEqual(ids(await listAll('notes')), ids(before.notes));
        assert.deepEqual(ids(await listAll('tags')), ids(before.tags));
        assert.deepEqual(await listAll('cases', 'name = "Doomed case"'), []);
        assert.deepEqual(await listAll('tasks', 'name = "Doomed task"'), []);
      });
    });

    describe('validation', () => {
      it('a missing name or severity: 400 0x2003 naming it', async () => {
        assertError(await tc('POST', '/v3/cases', { severity: 'Low', status: 'Open' }), 400, '0x2003', /name/);
        assertError(await tc('POST', '/v3/cases', { name: 'No severity', status: 'Open' }), 400, '0x2003', /severity/);
        assertError(await tc('POST', '/v3/cases', { status: 'Open' }), 400, '0x2003', /name.*severity|severity.*name/);
        assertError(await tc('POST', '/v3/cases', { name: '   ', severity: 'Low', status: 'Open' }), 400, '0x2005', /name/);
      });

      it('a bad severity: 400 0x2005 naming the allowed values', async () => {
        const answer = await tc('POST', '/v3/cases', { ...BASE_CASE, severity: 'Severe' });
        assertError(answer, 400, '0x2005', /severity/);
        for (const value of ['Low', 'Medium', 'High', 'Critical']) assert.ok(answer.body.message.includes(value), value);
        assertError(await tc('POST', '/v3/cases', { ...BASE_CASE, status: 'Pending' }), 400, '0x2005', /Open, Closed/);
        assertError(await tc('POST', '/v3/cases', { ...BASE_CASE, resolution: 'Solved' }), 400, '0x2005', /Not Specified/);
      });

      it('an unknown field: 400 naming it', async () => {
        assertError(await tc('POST', '/v3/cases', { ...BASE_CASE, bogusField: 1 }), 400, '0x2005', /bogusField/);
        assertError(await tc('POST', '/v3/cases', { ...BASE_CASE, tasks: { data: [{ name: 't', nonsense: true }] } }), 400, '0x2005', /nonsense/);
      });

      it('a read-only field in the body: 400 naming it', async () => {
        assertError(await tc('POST', '/v3/cases', { ...BASE_CASE, dateAdded: '2023-01-01T00:00:00Z' }), 400, '0x2005', /dateAdded.*read-only/);
        assertError(await tc('POST', '/v3/cases', { ...BASE_CASE, createdBy: { id: 1 } }), 400, '0x2005', /createdBy/);
      });

      it('a body that is not a JSON object, or not JSON at all: 400', async () => {
        for (const body of ['[1,2]', '"text"', '5', 'null', 'true']) {
          const answer = await rawCall(server, 'POST', '/api/v3/cases', body);
          assert.equal(answer.status, 400, body);
          assert.equal(answer.body.status, 'Error', body);
        }
        for (const body of ['{bad', '{"name":', '']) {
          const answer = await rawCall(server, 'POST', '/api/v3/cases', body);
          assert.equal(answer.status, 400, JSON.stringify(body));
          assert.equal(answer.body.status, 'Error');
        }
        assertError(await rawCall(server, 'POST', '/api/v3/cases', '{bad'), 400, '0x2005', /not valid JSON/);
      });

      it('a tag is named by id, name or techniqueId; anything else is a 400 saying so', async () => {
        for (const tag of [{}, { name: '' }, { name: 'x'.repeat(129) }, { name: 5 }]) {
          assertError(await tc('POST', '/v3/cases', { ...BASE_CASE, tags: { data: [tag] } }), 400, '0x2005', /tags\[0\] needs an id or a name of at most 128 characters/);
        }
        const tagged = await tc('POST', '/v3/cases?fields=tags', { ...BASE_CASE, tags: { data: [{ name: 'Fresh tag' }] } });
        assert.equal(tagged.status, 201, JSON.stringify(tagged.body));
        assert.ok(tagged.body.data.tags.data[0].lastUsed, 'linking stamps the tag\'s lastUsed');
      });

      it('a nested create links each named tag once (found, created or repeated) and its tasks\' notes inherit the new case', async () => {
        const existing = (await tc('POST', '/v3/cases?fields=tags', { ...BASE_CASE, name: 'Tag source', tags: { data: [{ name: 'Known tag' }] } })).body.data.tags.data[0];
        const answer = await tc('POST', '/v3/cases?fields=tags&fields=tasks', {
          ...BASE_CASE, name: 'Nested in one request',
          tasks: { data: [{ name: 'with a note', notes: { data: [{ text: 'on the task' }] } }, { name: 'plain' }] },
          notes: { data: [{ text: 'on the case' }] },
          tags: { data: [{ name: 'Pair tag' }, { name: 'known tag' }, { name: 'PAIR TAG' }, { id: existing.id }, { name: 'Other new tag' }] },
        });
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        const { id, tags, tasks } = answer.body.data;
        assert.deepEqual(tags.data.map((t: { name: string }) => t.name).sort(), ['Known tag', 'Other new tag', 'Pair tag']);
        assert.equal(tags.data.find((t: { name: string }) => t.name === 'Known tag').id, existing.id);
        assert.deepEqual(tasks.data.map((t: { name: string; caseId: number }) => [t.name, t.caseId]), [['with a note', id], ['plain', id]]);
        const notes = await tc('GET', `/v3/notes?tql=${encodeURIComponent(`caseId = ${id}`)}&fields=taskId`);
        assert.equal(notes.status, 200, JSON.stringify(notes.body));
        const byText = Object.fromEntries(notes.body.data.map((n: { text: string; caseId: number; taskId?: number }) => [n.text, [n.caseId, n.taskId]]));
        assert.deepEqual(byText, { 'on the task': [id, tasks.data[0].id], 'on the case': [id, undefined] });
      });

      it('a create answers exactly what a read by id then shows, defaults and server-set columns included', async () => {
        for (const query of ['', '?fields=tags&fields=tasks&fields=notes']) {
          const created = await tc('POST', `/v3/cases${query}`, { ...BASE_CASE, name: `Answered as read ${query}`, description: 'd', status: 'Closed', tasks: { data: [{ name: 't' }] }, tags: { data: [{ name: 'answered' }] } });
          assert.equal(created.status, 201, JSON.stringify(created.body));
          const read = await tc('GET', `/v3/cases/${created.body.data.id}${query}`);
          assert.deepEqual(created.body.data, read.body.data);
          const task = await tc('POST', `/v3/tasks${query.replace(/&.*/, '').replace('tags', 'notes')}`, { caseId: created.body.data.id, name: 'later task', status: 'Closed' });
          assert.equal(task.status, 201, JSON.stringify(task.body));
          assert.deepEqual(task.body.data, (await tc('GET', `/v3/tasks/${task.body.data.id}${query.replace(/&.*/, '').replace('tags', 'notes')}`)).body.data);
        }
      });

      it('wrongly typed values are 400s, never 500s', async () => {
        const bodies: Record<string, unknown>[] = [
          { ...BASE_CASE, name: 5 }, { ...BASE_CASE, severity: null }, { ...BASE_CASE, caseOpenTime: 'yesterday' },
          { ...BASE_CASE, caseOpenTime: 1e30 }, { ...BASE_CASE, tasks: 'none' }, { ...BASE_CASE, tasks: { data: [5] } },
          { ...BASE_CASE, tasks: { data: [], mode: 'merge' } }, { ...BASE_CASE, tags: { data: [{ id: 'abc' }] } },
          { ...BASE_CASE, tags: { data: [{ id: 99999999999 }] } }, { ...BASE_CASE, tags: { data: [{}] } },
          { ...BASE_CASE, assignee: { type: 'User', data: { userName: {} } } }, { ...BASE_CASE, assignee: { type: 'User', data: { id: 99999999999 } } },
          { ...BASE_CASE, assignee: 'me' }, { ...BASE_CASE, xid: 7 }, { ...BASE_CASE, name: 'x'.repeat(256) },
          { ...BASE_CASE, tasks: { data: [{ name: 't', workflowPhase: 99999999999 }] } }, { ...BASE_CASE, ownerId: 99999999999 },
        ];
        for (const body of bodies) {
          const answer = await tc('POST', '/v3/cases', body);
          assert.ok(answer.status === 400 || answer.status === 404, `${JSON.stringify(body).slice(0, 120)} → ${answer.status}`);
          assert.equal(answer.body.status, 'Error');
        }
      });

      it('takes the owner from ownerId/ownerName in the body (spec §7.3)', async () => {
        const byId = await tc('POST', '/v3/cases', { ...BASE_CASE, name: 'Owner by id', ownerId: 0 });
        assert.equal(byId.status, 201, JSON.stringify(byId.body));
        assert.equal(byId.body.data.owner, ORG);
        const byName = await tc('POST', '/v3/cases', { ...BASE_CASE, name: 'Owner by name', ownerName: ORG });
        assert.equal(byName.status, 201, JSON.stringify(byName.body));
        assertError(await tc('POST', '/v3/cases', { ...BASE_CASE, ownerName: 'Nobody We Know' }), 404, '0x1004');
      });
    });

    describe('one case: GET, PUT, DELETE', () => {
      let caseId: number;
      const xid = 'cases-test-xid-0001';

      before(async () => {
        const data = await create({ ...BASE_CASE, name: 'Single', description: 'Original', xid, severity: 'Medium', tasks: { data: [{ name: 'first task' }] }, tags: { data: [{ name: 'alpha' }, { name: 'beta' }] } });
        caseId = data.id;
      });

      it('reads by id and by xid', async () => {
        const byId = await tc('GET', `/v3/cases/${caseId}`);
        assert.equal(byId.status, 200);
        assert.deepEqual(Object.keys(byId.body).sort(), ['data', 'status']);
        assert.equal(byId.body.status, 'Success');
        assert.equal(byId.body.data.xid, xid);
        const byXid = await tc('GET', `/v3/cases/${xid}`);
        assert.equal(byXid.status, 200);
        assert.deepEqual(byXid.body.data, byId.body.data);
        const fields = await tc('GET', `/v3/cases/${xid}?fields=tags&fields=tasks`);
        assert.deepEqual(fields.body.data.tags.data.map((t: Json) => t.name).sort(), ['alpha', 'beta']);
        assert.equal(fields.body.data.tasks.data.length, 1);
      });

      it('an unknown id or xid: 404 0x1004', async () => {
        assertError(await tc('GET', '/v3/cases/987654'), 404, '0x1004');
        assertError(await tc('GET', '/v3/cases/no-such-xid'), 404, '0x1004');
        assertError(await tc('GET', '/v3/cases/99999999999999'), 404, '0x1004');
        assertError(await tc('PUT', '/v3/cases/987654', { name: 'x' }), 404, '0x1004');
        assertError(await tc('DELETE', '/v3/cases/987654'), 404, '0x1004');
      });

      it('PUT changes only the fields sent, and moves lastUpdated', async () => {
        await server.services.store.db.updateTable('cases').set({ last_updated: '2020-01-01T00:00:00Z' } as never).where('id', '=', caseId).execute();
        const before = (await tc('GET', `/v3/cases/${caseId}`)).body.data;
        assert.equal(before.lastUpdated, '2020-01-01T00:00:00Z');
        const answer = await tc('PUT', `/v3/cases/${caseId}`, { description: 'Changed' });
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.equal(answer.body.message, 'Updated');
        assert.equal(answer.body.status, 'Success');
        const after = answer.body.data;
        assert.equal(after.description, 'Changed');
        assert.ok(Date.parse(after.lastUpdated) > Date.parse(before.lastUpdated), after.lastUpdated);
        const { description: _d1, lastUpdated: _l1, ...restBefore } = before;
        const { description: _d2, lastUpdated: _l2, ...restAfter } = after;
        assert.deepEqual(restAfter, restBefore);
        assert.deepEqual((await tc('GET', `/v3/cases/${caseId}`)).body.data, after);
      });

      it('closing sets caseCloseTime and caseCloseUser; reopening clears them', async () => {
        const closed = (await tc('PUT', `/v3/cases/${caseId}`, { status: 'Closed' })).body.data;
        assert.equal(closed.status, 'Closed');
        assert.ok(!Number.isNaN(Date.parse(closed.caseCloseTime)), closed.caseCloseTime);
        assert.equal(closed.caseCloseUser.userName, server.bootstrap.apiUser.accessId);
        const reopened = (await tc('PUT', `/v3/cases/${caseId}`, { status: 'Open' })).body.data;
        assert.equal(reopened.status, 'Open');
        assert.equal(reopened.caseCloseTime, undefined);
        assert.equal(reopened.caseCloseUser, undefined);
      });

      it('xid is create-only: a PUT changing it is a 400', async () => {
        assertError(await tc('PUT', `/v3/cases/${caseId}`, { xid: 'another-xid' }), 400, '0x2005', /xid/);
        assertError(await tc('PUT', `/v3/cases/${caseId}`, { dateAdded: '2020-01-01T00:00:00Z' }), 400, '0x2005', /dateAdded/);
        assertError(await tc('PUT', `/v3/cases/${caseId}`, { severity: 'Huge' }), 400, '0x2005', /Critical/);
        assertError(await tc('PUT', `/v3/cases/${caseId}`, { bogusField: 1 }), 400, '0x2005', /bogusField/);
        assertError(await tc('PUT', `/v3/cases/${caseId}`, { name: null }), 400, '0x2003', /name/);
        assert.equal((await tc('GET', `/v3/cases/${caseId}`)).body.data.xid, xid);
      });

      it('PUT tags with mode append, replace and delete', async () => {
        const tagNames = async () => (await tc('GET', `/v3/cases/${caseId}?fields=tags`)).body.data.tags.data.map((t: Json) => t.name).sort();
        assert.deepEqual(await tagNames(), ['alpha', 'beta']);
        await tc('PUT', `/v3/cases/${caseId}?fields=tags`, { tags: { data: [{ name: 'gamma' }], mode: 'append' } });
        assert.deepEqual(await tagNames(), ['alpha', 'beta', 'gamma']);
        await tc('PUT', `/v3/cases/${caseId}`, { tags: { data: [{ name: 'delta' }] } }); // default append
        assert.deepEqual(await tagNames(), ['alpha', 'beta', 'delta', 'gamma']);
        const replaced = await tc('PUT', `/v3/cases/${caseId}?fields=tags`, { tags: { data: [{ name: 'omega' }, { name: 'Alpha' }], mode: 'replace' } });
        assert.deepEqual(replaced.body.data.tags.data.map((t: Json) => t.name).sort(), ['alpha', 'omega']);
        assert.deepEqual(await tagNames(), ['alpha', 'omega']);
        const omega = (await tc('GET', `/v3/tags?tql=${q('name = "omega"')}`)).body.data[0];
        await tc('PUT', `/v3/cases/${caseId}`, { tags: { data: [{ id: omega.id }], mode: 'delete' } });
        assert.deepEqual(await tagNames(), ['alpha']);
        await tc('PUT', `/v3/cases/${caseId}`, { tags: { data: [{ name: 'ALPHA' }], mode: 'delete' } });
        assert.deepEqual(await tagNames(), []);
        assert.equal((await tc('GET', `/v3/tags/${omega.id}`)).status, 200, 'a tag outlives its removal from a case');
      });

      it('PUT tasks with mode append, replace and delete', async () => {
        const taskNames = async () => (await tc('GET', `/v3/cases/${caseId}?fields=tasks`)).body.data.tasks.data.map((t: Json) => t.name).sort();
        assert.deepEqual(await taskNames(), ['first task']);
        await tc('PUT', `/v3/cases/${caseId}`, { tasks: { data: [{ name: 'second task' }], mode: 'append' } });
        await tc('PUT', `/v3/cases/${caseId}`, { tasks: { data: [{ name: 'third task' }] } });
        assert.deepEqual(await taskNames(), ['first task', 'second task', 'third task']);
        const replaced = await tc('PUT', `/v3/cases/${caseId}?fields=tasks`, { tasks: { data: [{ name: 'new one' }, { name: 'new two' }], mode: 'replace' } });
        assert.deepEqual(replaced.body.data.tasks.data.map((t: Json) => t.name).sort(), ['new one', 'new two']);
        assert.deepEqual((await listAll('tasks', `caseId = ${caseId}`)).map((t) => t.name).sort(), ['new one', 'new two']);
        const newOne = replaced.body.data.tasks.data.find((t: Json) => t.name === 'new one');
        const removed = await tc('PUT', `/v3/cases/${caseId}?fields=tasks`, { tasks: { data: [{ id: newOne.id }], mode: 'delete' } });
        assert.equal(removed.status, 200, JSON.stringify(removed.body));
        assert.deepEqual(await taskNames(), ['new two']);
        assertError(await tc('GET', `/v3/tasks/${newOne.id}`), 404, '0x1004');
        assertError(await tc('PUT', `/v3/cases/${caseId}`, { tasks: { data: [{ name: 'no id' }], mode: 'delete' } }), 400, '0x2003', /id/);
        assertError(await tc('PUT', `/v3/cases/${caseId}`, { tasks: { data: [{ id: 'abc' }], mode: 'delete' } }), 400, '0x2005', /tasks\[0\]\.id must be a whole number/);
        const newTwo = replaced.body.data.tasks.data.find((t: Json) => t.name === 'new two');
        assert.equal((await tc('PUT', `/v3/cases/${caseId}`, { tasks: { data: [{ id: String(newTwo.id) }], mode: 'delete' } })).status, 200, 'an id sent as a digit string');
        assert.deepEqual(await taskNames(), []);
      });

      it('DELETE answers {"message":"Deleted","status":"Success"}, then the case is gone', async () => {
        const victim = await create({ ...BASE_CASE, name: 'To delete', tasks: { data: [{ name: 'orphan?' }] } });
        const answer = await tc('DELETE', `/v3/cases/${victim.id}`);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body, { message: 'Deleted', status: 'Success' });
        assertError(await tc('GET', `/v3/cases/${victim.id}`), 404, '0x1004');
        assertError(await tc('DELETE', `/v3/cases/${victim.id}`), 404, '0x1004');
        assert.deepEqual(await listAll('tasks', `caseId = ${victim.id}`), [], 'its tasks went with it');
        // tcex sends {} on DELETE.
        const other = await create({ ...BASE_CASE, name: 'To delete with a body', xid: 'delete-by-xid' });
        const byXid = await rawCall(server, 'DELETE', '/api/v3/cases/delete-by-xid', '{}');
        assert.deepEqual(byXid.body, { message: 'Deleted', status: 'Success' });
        assertError(await tc('GET', `/v3/cases/${other.id}`), 404, '0x1004');
      });
    });
  });

  describe(`v3 case lists (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    const tc = (method: string, target: string, body?: unknown) => call(api, method, target, body);
    const TOTAL = 103;
    const SEVERITIES = ['Low', 'Medium', 'High', 'Critical'];
    /** What was created, in creation order: id, name, severity, dateAdded. */
    const made: { id: number; name: string; severity: string; dateAdded: string }[] = [];

    before(async () => {
      server = await startTestServer(dialect);
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      for (let i = 0; i < TOTAL; i++) {
        const name = `list-case-${String((i * 37) % TOTAL).padStart(3, '0')}`;
        const severity = SEVERITIES[(i * 7) % 4]!;
        const answer = await tc('POST', '/v3/cases', { name, severity, status: 'Open', ...(i < 3 ? { tasks: { data: [{ name: `task ${i}` }] }, tags: { data: [{ name: `tag ${i}` }] } } : {}) });
        assert.equal(answer.status, 201);
        // Distinct dateAdded values (stored to the second) so that the secondary sort is observable.
        const dateAdded = new Date(Date.UTC(2024, 0, 1) + ((i * 53) % TOTAL) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        await server.services.store.db.updateTable('cases').set({ date_added: dateAdded } as never).where('id', '=', answer.body.data.id).execute();
        made.push({ id: answer.body.data.id, name, severity, dateAdded });
      }
    });
    after(() => server.close());

    /** Follows `next` links (relative to the API base, as tcex does) and returns every item. */
    async function followAll(first: string): Promise<{ items: Json[]; pages: number }> {
      const items: Json[] = [];
      let target: string | undefined = first;
      let pages = 0;
      while (target !== undefined) {
        const answer = await tc('GET', target);
        assert.equal(answer.status, 200, `${target}: ${JSON.stringify(answer.body)}`);
        items.push(...answer.body.data);
        pages++;
        assert.ok(pages <= TOTAL + 1, 'next links must end');
        target = answer.body.next;
        if (target !== undefined) {
          assert.match(target, /^\/v3\/cases\?/, 'relative to the API base');
        }
      }
      return { items, pages };
    }

    it('answers {data, status} with resultLimit 100 by default', async () => {
      const answer = await tc('GET', '/v3/cases');
      assert.equal(answer.status, 200);
      assert.equal(answer.body.status, 'Success');
      assert.equal(answer.body.data.length, 100);
      assert.deepEqual(ids(answer.body.data), made.map((m) => m.id).sort((a, b) => a - b).slice(0, 100));
      assert.equal(answer.body.next, '/v3/cases?resultStart=100&resultLimit=100');
      assert.equal(answer.body.prev, undefined);
      assert.equal(answer.body.count, undefined, 'count only when asked for');
    });

    it('resultLimit above 10000, or otherwise malformed: 400', async () => {
      assertError(await tc('GET', '/v3/cases?resultLimit=10001'), 400, '0x1001', /resultLimit/);
      assert.equal((await tc('GET', '/v3/cases?resultLimit=10000')).status, 200);
      for (const bad of ['resultLimit=0', 'resultLimit=abc', 'resultStart=-1', 'resultStart=1e3']) {
        assert.equal((await tc('GET', `/v3/cases?${bad}`)).status, 400, bad);
      }
    });

    it('count=true (and tcex\'s True) gives the count, only when resultStart is 0', async () => {
      for (const flag of ['true', 'True', 'TRUE']) {
        const answer = await tc('GET', `/v3/cases?resultLimit=1&count=${flag}`);
        assert.equal(answer.body.count, TOTAL, flag);
        assert.equal(answer.body.data.length, 1);
      }
      const filtered = await tc('GET', `/v3/cases?resultLimit=1&count=True&tql=${q('severity = "Low"')}`);
      assert.equal(filtered.body.count, made.filter((m) => m.severity === 'Low').length);
      assert.equal((await tc('GET', '/v3/cases?resultLimit=1&resultStart=5&count=true')).body.count, undefined);
      assert.equal((await tc('GET', '/v3/cases?resultLimit=1&count=false')).body.count, undefined);
    });

    it('next and prev appear exactly when they should', async () => {
      const page = async (start: number, limit: number) => (await tc('GET', `/v3/cases?resultStart=${start}&resultLimit=${limit}`)).body;
      let body = await page(0, 10);
      assert.equal(body.next, '/v3/cases?resultStart=10&resultLimit=10');
      assert.equal(body.prev, undefined);
      body = await page(10, 10);
      assert.equal(body.next, '/v3/cases?resultStart=20&resultLimit=10');
      assert.equal(body.prev, '/v3/cases?resultStart=0&resultLimit=10');
      body = await page(5, 10);
      assert.equal(body.prev, '/v3/cases?resultStart=0&resultLimit=10', 'prev never goes below 0');
      body = await page(93, 10); // 93 + 10 = 103: the last page exactly
      assert.equal(body.data.length, 10);
      assert.equal(body.next, undefined);
      assert.equal(body.prev, '/v3/cases?resultStart=83&resultLimit=10');
      body = await page(100, 10);
      assert.equal(body.data.length, 3);
      assert.equal(body.next, undefined);
      body = await page(0, TOTAL);
      assert.equal(body.next, undefined);
      assert.equal(body.prev, undefined);
      body = await page(500, 10);
      assert.deepEqual(body.data, []);
      assert.equal(body.next, undefined);
      assert.equal(body.prev, '/v3/cases?resultStart=490&resultLimit=10');
    });

    for (const style of ['percent', 'tcex']) {
      it(`links repeat every original parameter verbatim (${style} encoding)`, async () => {
        const space = style === 'tcex' ? '+' : '%20';
        const original = [
          `tql=name${space}startswith${space}%22list-case-0%22`,
          'fields=tags',
          'fields=tasks',
          `sorting=name${space}desc`,
          `owner=Exemplary${space}Organization`,
          'count=True',
          'createActivityLog=False',
        ];
        const answer = await tc('GET', `/v3/cases?${original.join('&')}&resultStart=10&resultLimit=10`);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        for (const link of ['next', 'prev'] as const) {
          const value: string = answer.body[link];
          assert.ok(value, link);
          assert.ok(value.startsWith('/v3/cases?'), `${link} is relative, without /api: ${value}`);
          assert.ok(!value.includes('://'), `${link} has no host`);
          const pairs = value.slice('/v3/cases?'.length).split('&');
          for (const pair of original) assert.ok(pairs.includes(pair), `${link} repeats ${pair}: ${value}`);
          assert.ok(pairs.includes(link === 'next' ? 'resultStart=20' : 'resultStart=0'), value);
          assert.ok(pairs.includes('resultLimit=10'), value);
          assert.equal(pairs.filter((p) => p.startsWith('resultStart=')).length, 1, value);
        }
        // The links select what the original query does.
        const matching = made.filter((m) => m.name.startsWith('list-case-0')).sort((a, b) => (a.name < b.name ? 1 : -1));
        assert.deepEqual(answer.body.data.map((c: Json) => c.name), matching.slice(10, 20).map((m) => m.name));
        assert.ok(answer.body.data.every((c: Json) => c.tags && c.tasks), 'fields apply');
        const next = await tc('GET', answer.body.next);
        assert.deepEqual(next.body.data.map((c: Json) => c.name), matching.slice(20, 30).map((m) => m.name));
      });
    }

    it('following next through the client pages through every item once', async () => {
      const { items, pages } = await followAll('/v3/cases?resultLimit=7');
      assert.equal(pages, Math.ceil(TOTAL / 7));
      const seen = ids(items);
      assert.equal(new Set(seen).size, seen.length, 'no duplicates');
      assert.deepEqual([...seen].sort((a, b) => a - b), made.map((m) => m.id).sort((a, b) => a - b));

      const sorted = await followAll(`/v3/cases?resultLimit=9&sorting=${q('name desc')}&tql=${q('severity IN ("High", "Critical")')}`);
      const expected = made.filter((m) => m.severity === 'High' || m.severity === 'Critical').sort((a, b) => (a.name < b.name ? 1 : -1));
      assert.deepEqual(sorted.items.map((c) => c.name), expected.map((m) => m.name));
    });

    it('sorts by one key or several, with directions', async () => {
      const byNameDesc = (await tc('GET', `/v3/cases?resultLimit=10000&sorting=${q('name desc')}`)).body.data;
      assert.deepEqual(byNameDesc.map((c: Json) => c.name), made.map((m) => m.name).sort().reverse());
      const byNameAsc = (await tc('GET', '/v3/cases?resultLimit=10000&sorting=name')).body.data;
      assert.deepEqual(byNameAsc.map((c: Json) => c.name), made.map((m) => m.name).sort());

      const twoKeys = (await tc('GET', `/v3/cases?resultLimit=10000&sorting=${q('severity asc dateAdded desc')}`)).body.data;
      const expected = [...made].sort((a, b) => (a.severity === b.severity ? (a.dateAdded < b.dateAdded ? 1 : a.dateAdded > b.dateAdded ? -1 : a.id - b.id) : a.severity < b.severity ? -1 : 1));
      assert.deepEqual(ids(twoKeys), expected.map((m) => m.id));
      assert.deepEqual(twoKeys.map((c: Json) => c.dateAdded), expected.map((m) => m.dateAdded));
      // Keys are case-insensitive; tcex spells the space as +.
      const plus = (await tc('GET', '/v3/cases?resultLimit=10000&sorting=SEVERITY+asc+DateAdded+DESC')).body.data;
      assert.deepEqual(ids(plus), ids(twoKeys));
    });

    it('an unknown sort key: 400 listing the sortable keys', async () => {
      const answer = await tc('GET', `/v3/cases?sorting=${q('colour asc')}`);
      assertError(answer, 400, '0x1001', /colour/);
      for (const key of ['name', 'severity', 'dateAdded']) assert.ok(answer.body.message.includes(key), key);
      for (const sorting of ['name __proto__', '__proto__', 'name constructor', 'toString desc']) {
        assertError(await tc('GET', `/v3/cases?sorting=${q(sorting)}`), 400, '0x1001', /sortable/);
      }
    });

    it('fields=_all_ adds every collection; unknown field names are tolerated', async () => {
      const all = (await tc('GET', '/v3/cases?resultLimit=3&fields=_all_')).body.data;
      for (const item of all) {
        for (const collection of ['tasks', 'notes', 'artifacts', 'workflowEvents', 'tags']) assert.ok(Array.isArray(item[collection]?.data), collection);
      }
      assert.ok(all.some((c: Json) => c.tasks.data.length === 1 && c.tags.data.length === 1));
      const plain = (await tc('GET', '/v3/cases?resultLimit=3')).body.data;
      assert.equal(plain[0].tasks, undefined);
      const tolerant = await tc('GET', '/v3/cases?resultLimit=3&fields=genericCustomIndicatorValues&fields=tags');
      assert.equal(tolerant.status, 200);
      assert.ok(tolerant.body.data.every((c: Json) => Array.isArray(c.tags.data)));
      assert.equal((await tc('GET', `/v3/cases/${made[0]!.id}?fields=genericCustomIndicatorValues`)).status, 200);
    });

    it('reads parameters from a GET body {"data":{…}}, and next carries them', async () => {
      const tql = 'name startswith "list-case-00"';
      const matching = made.filter((m) => m.name.startsWith('list-case-00')).sort((a, b) => a.id - b.id);
      assert.ok(matching.length >= 3);
      const first = await rawCall(server, 'GET', '/api/v3/cases', JSON.stringify({ data: { tql, resultLimit: 1 } }));
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual(ids(first.body.data), [matching[0]!.id]);
      const next: string = first.body.next;
      assert.ok(next.startsWith('/v3/cases?'), next);
      const params = new URLSearchParams(next.slice(next.indexOf('?') + 1));
      assert.equal(params.get('tql'), tql);
      assert.equal(params.get('resultStart'), '1');
      assert.equal(params.get('resultLimit'), '1');
      const { items } = await followAll(next);
      assert.deepEqual(ids(items), matching.slice(1).map((m) => m.id));

      // Several parameters, lists included; a single GET with tcex's {} body.
      const sorted = await rawCall(server, 'GET', '/api/v3/cases', JSON.stringify({ data: { tql, sorting: 'name desc', fields: ['tags', 'tasks'], count: true } }));
      assert.deepEqual(sorted.body.data.map((c: Json) => c.name), matching.map((m) => m.name).sort().reverse());
      assert.equal(sorted.body.count, matching.length);
      assert.ok(sorted.body.data.every((c: Json) => c.tags && c.tasks));
      assert.equal((await rawCall(server, 'GET', `/api/v3/cases/${made[0]!.id}`, '{}')).status, 200);
      assert.equal((await rawCall(server, 'GET', '/api/v3/cases', '{}')).body.data.length, 100);
      // A bad body is a 400, not ignored.
      assert.equal((await rawCall(server, 'GET', '/api/v3/cases', JSON.stringify({ data: 'tql' }))).status, 400);
      assert.equal((await rawCall(server, 'GET', '/api/v3/cases', JSON.stringify({ data: { tql: 'name ===' } }))).body.errCode, '0x2001');
      assert.equal((await rawCall(server, 'GET', '/api/v3/cases', '{"data":')).status, 400);
    });
  });
}
