/**
 * Case writes record their events in the outbox in the same transaction as the change: a case
 * created (and assigned), closed, reopened, re-assigned; a task assigned; a note added. A write
 * that fails part-way leaves no event behind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CairnClient } from '@cairn/client';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call } from '../../support/v3.js';

for (const dialect of testDialects()) {
  describe(`case events in the outbox (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    const tc = (method: string, target: string, body?: unknown) => call(api, method, target, body);
    const admin = { type: 'User', data: { userName: 'admin' } };
    /** Events about one subject, oldest first. */
    const events = async (subjectType: string, subjectId: number) => {
      const rows = await server.services.store.db.selectFrom('outbox').selectAll().where('subject_type', '=', subjectType).where('subject_id', '=', subjectId).orderBy('id').execute();
      return rows.map((row) => ({ ...row, payload: JSON.parse(row.payload) as Record<string, unknown> }));
    };
    const count = async () => Number((await server.services.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

    before(async () => {
      server = await startTestServer(dialect);
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
    });
    after(() => server.close());

    it('POST /v3/cases records case.created (and case.assigned) for the case\'s owner, ready for delivery', async () => {
      const created = await tc('POST', '/v3/cases', { name: 'Evented', severity: 'High', status: 'Open', assignee: admin });
      assert.equal(created.status, 201);
      const id = created.body.data.id;
      const rows = await events('case', id);
      assert.deepEqual(rows.map((r) => r.event_type), ['case.created', 'case.assigned']);
      const [row] = rows;
      assert.equal(row!.owner_id, server.bootstrap.organization.id);
      assert.equal(row!.payload.name, 'Evented');
      assert.equal(row!.payload.status, 'Open');
      assert.equal(row!.payload.actorUserId, server.bootstrap.apiUser.id);
      assert.equal(row!.attempts, 0);
      assert.equal(row!.delivered_at, null);
      assert.equal(row!.claimed_by, null);
      assert.equal(row!.available_at, row!.created_at);
    });

    it('closing, reopening and re-assigning a case record case.closed, case.reopened, case.assigned', async () => {
      const id = (await tc('POST', '/v3/cases', { name: 'Lifecycle', severity: 'Low', status: 'Open' })).body.data.id;
      assert.equal((await tc('PUT', `/v3/cases/${id}`, { status: 'Closed' })).status, 200);
      assert.equal((await tc('PUT', `/v3/cases/${id}`, { description: 'no status change' })).status, 200);
      assert.equal((await tc('PUT', `/v3/cases/${id}`, { status: 'Open' })).status, 200);
      assert.equal((await tc('PUT', `/v3/cases/${id}`, { assignee: admin })).status, 200);
      assert.equal((await tc('PUT', `/v3/cases/${id}`, { assignee: admin })).status, 200, 'the same assignee again is no new assignment');
      assert.deepEqual((await events('case', id)).map((r) => r.event_type), ['case.created', 'case.closed', 'case.reopened', 'case.assigned']);
    });

    it('a task assigned (on create or later) and a note added are recorded, nested ones too', async () => {
      const created = await tc('POST', '/v3/cases?fields=tasks&fields=notes', {
        name: 'With children', severity: 'Low', status: 'Open',
        tasks: { data: [{ name: 'Assigned', assignee: admin }, { name: 'Unassigned' }] }, notes: { data: [{ text: 'first note' }] },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const [assigned, unassigned] = created.body.data.tasks.data;
      assert.deepEqual((await events('task', assigned.id)).map((r) => r.event_type), ['task.assigned']);
      assert.deepEqual(await events('task', unassigned.id), []);
      assert.equal((await tc('PUT', `/v3/tasks/${unassigned.id}`, { assignee: admin })).status, 200);
      assert.deepEqual((await events('task', unassigned.id)).map((r) => r.event_type), ['task.assigned']);
      const note = created.body.data.notes.data[0];
      const noted = await events('note', note.id);
      assert.deepEqual(noted.map((r) => r.event_type), ['note.added']);
      assert.equal(noted[0]!.payload.caseId, created.body.data.id);
    });

    it('a POST raising more events than one outbox insert takes records every one, in the order raised', async () => {
      const before = await count();
      const tasks = Array.from({ length: 120 }, (_, i) => ({ name: `Assigned ${i}`, assignee: admin, notes: { data: [{ text: `note ${i}` }] } }));
      const created = await tc('POST', '/v3/cases?fields=tasks', { name: 'Many events', severity: 'Low', status: 'Open', assignee: admin, tasks: { data: tasks } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const caseId = created.body.data.id;
      // case.created, case.assigned, then per task: task.assigned and its note's note.added.
      assert.equal(await count(), before + 2 + 120 * 2);
      const rows = await server.services.store.db.selectFrom('outbox').select(['event_type', 'subject_type', 'subject_id', 'payload']).orderBy('id', 'desc').limit(242).execute();
      rows.reverse();
      assert.deepEqual(rows.slice(0, 2).map((r) => [r.event_type, Number(r.subject_id)]), [['case.created', caseId], ['case.assigned', caseId]]);
      const taskIds = created.body.data.tasks.data.map((t: { id: number }) => t.id);
      for (let i = 0; i < 120; i++) {
        const [task, note] = [rows[2 + 2 * i]!, rows[3 + 2 * i]!];
        assert.deepEqual([task.event_type, Number(task.subject_id)], ['task.assigned', taskIds[i]]);
        assert.equal(JSON.parse(task.payload).name, `Assigned ${i}`);
        assert.equal(note.event_type, 'note.added');
        assert.equal(JSON.parse(note.payload).taskId, taskIds[i]);
      }
    });

    it('a write that fails part-way records nothing', async () => {
      const before = await count();
      // The case row and its case.created event are written before the bad task is reached.
      const failed = await tc('POST', '/v3/cases', { name: 'Doomed', severity: 'Low', status: 'Open', assignee: admin, tasks: { data: [{ name: 'ok' }, { name: 'bad', nonsense: 1 }] } });
      assert.equal(failed.status, 400);
      const id = (await tc('POST', '/v3/cases', { name: 'Kept', severity: 'Low', status: 'Open' })).body.data.id;
      const closing = await tc('PUT', `/v3/cases/${id}`, { status: 'Closed', tags: { data: [{ id: 'abc' }] } });
      assert.equal(closing.status, 400);
      assert.equal((await tc('GET', `/v3/cases/${id}`)).body.data.status, 'Open');
      assert.equal(await count(), before + 1, 'only the case.created of "Kept"');
    });
  });
}
