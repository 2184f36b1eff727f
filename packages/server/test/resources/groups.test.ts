/**
 * v3 groups over HTTP (spec threatconnect.md §6, §9): every group type's required fields, its
 * per-type fields (taken, shown, refused on other types), statuses, dates, TQL keywords users
 * filter on, OPTIONS, and owner isolation, on both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CairnClient } from '@cairn/client';
import { EVENT_STATUSES, GROUP_TYPES, INCIDENT_STATUSES } from '../../src/core/intel/group-types.js';
import { startTestServer, testDialects, type TestServer } from '../support/server.js';
import { call, type Answer, type Json } from '../support/v3.js';

const q = encodeURIComponent;

/** A valid create body per type: every field the type requires. */
const VALID: Record<string, Record<string, unknown>> = {
  Document: { fileName: 'report.pdf' },
  Report: { fileName: 'annual.pdf' },
  Email: { subject: 'Invoice', header: 'Received: from mx', body: 'Open the attachment' },
  Event: { eventDate: '2024-03-01T10:00:00Z' },
  Incident: { eventDate: '2024-03-02T10:00:00Z' },
  Signature: { fileName: 'rule.yar', fileType: 'YARA', fileText: 'rule x { condition: true }' },
};

function assertError(answer: Answer, status: number, errCode: string, pattern?: RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.status, 'Error');
  assert.equal(answer.body.errCode, errCode, answer.body.message);
  if (pattern) assert.match(answer.body.message, pattern);
}

for (const dialect of testDialects()) {
  describe(`v3 groups (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    let foreign: CairnClient;
    const tc = (method: string, target: string, body?: unknown) => call(api, method, target, body);
    const create = async (body: Record<string, unknown>, client = api) => {
      const answer = await call(client, 'POST', '/v3/groups', body);
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      return answer.body.data as Json;
    };
    const names = async (tql: string) => {
      const answer = await tc('GET', `/v3/groups?resultLimit=10000&tql=${q(tql)}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return (answer.body.data as Json[]).map((g) => g.name as string).sort();
    };

    before(async () => {
      server = await startTestServer(dialect, { env: { CAIRN_PUBLIC_URL: 'https://cairn.example.org' } });
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      const org = await server.services.tenancy.createOrganization('Other Org');
      const user = await server.services.tenancy.createApiUser(org.name, 'other');
      const { CairnClient } = await import('@cairn/client');
      foreign = new CairnClient({ baseUrl: `${server.baseUrl}/api`, accessId: user.accessId, secret: user.secret, apiKey: user.apiKey, scheme: 'threatconnect' });
    });
    after(() => server.close());

    it('creates a group of every type with its required fields, and says which are missing without them', async () => {
      for (const type of GROUP_TYPES) {
        const extra = VALID[type.name] ?? {};
        const made = await create({ type: type.name, name: `A ${type.name}`, ...extra });
        assert.equal(made.type, type.name);
        assert.equal(made.name, `A ${type.name}`);
        assert.equal(made.upVoteCount, '0');
        assert.equal(made.downVoteCount, '0');
        assert.equal(made.webLink, `https://cairn.example.org/#/details/groups/${made.id}/overview`);
        assert.equal(made.createdBy.userName, server.bootstrap.apiUser.accessId);
        if (type.required.length === 0) continue;
        const missing = await tc('POST', '/v3/groups', { type: type.name, name: 'Missing' });
        assertError(missing, 400, '0x2003');
        for (const field of type.required) assert.match(missing.body.message, new RegExp(`${field} is required`), `${type.name} needs ${field}`);
      }
      assertError(await tc('POST', '/v3/groups', { type: 'Adversary' }), 400, '0x2003', /name is required/);
      assertError(await tc('POST', '/v3/groups', { type: 'Sandwich', name: 'x' }), 400, '0x2005', /type must be one of/);
    });

    it('links to the group in the UI under the public URL (webLink, and legacyLink on request)', async () => {
      const made = await create({ type: 'Threat', name: 'Linked' });
      const shown = (await tc('GET', `/v3/groups/${made.id}?fields=legacyLink`)).body.data as Json;
      assert.equal(shown.webLink, `https://cairn.example.org/#/details/groups/${made.id}/overview`);
      assert.equal(shown.legacyLink, `https://cairn.example.org/auth/groups/group.xhtml?group=${made.id}`);
    });

    it('shows each per-type field on its types only, and refuses it on the others with its name', async () => {
      const email = await create({ type: 'Email', name: 'Phish', ...VALID.Email, from: 'bad@example.com' });
      assert.equal(email.subject, 'Invoice');
      assert.equal(email.from, 'bad@example.com');
      assert.equal(email.malware, undefined, 'no malware flag on an email');
      const adversary = await create({ type: 'Adversary', name: 'Bear' });
      for (const key of ['malware', 'status', 'fileName', 'eventDate']) assert.equal(adversary[key], undefined, key);

      const refused: [string, Record<string, unknown>, string][] = [
        ['Adversary', { malware: false }, 'malware'],
        ['Adversary', { fileName: 'x.txt' }, 'fileName'],
        ['Incident', { ...VALID.Incident, subject: 'x' }, 'subject'],
        ['Email', { ...VALID.Email, eventDate: '2024-01-01' }, 'eventDate'],
        ['Report', { ...VALID.Report, malware: true, password: 'x' }, 'malware'],
        ['Document', { ...VALID.Document, publishDate: '2024-01-01' }, 'publishDate'],
        ['Threat', { status: 'New' }, 'status'],
      ];
      for (const [type, body, field] of refused) {
        const answer = await tc('POST', '/v3/groups', { type, name: 'Refused', ...body });
        assertError(answer, 400, '0x2005', new RegExp(`${field} does not apply to a ${type} group`));
      }
      // An update is held to the stored type as well.
      assertError(await tc('PUT', `/v3/groups/${adversary.id}`, { eventDate: '2024-01-01' }), 400, '0x2005', /eventDate does not apply to a Adversary group/);
      assertError(await tc('PUT', `/v3/groups/${email.id}`, { subject: null }), 400, '0x2003', /subject is required/);
      assert.equal((await tc('PUT', `/v3/groups/${email.id}`, { subject: 'Updated' })).body.data.subject, 'Updated');
    });

    it('validates statuses per type, with defaults, and keeps the document\'s status the server\'s', async () => {
      const incident = await create({ type: 'Incident', name: 'Breach', ...VALID.Incident });
      assert.equal(incident.status, 'New');
      const event = await create({ type: 'Event', name: 'Alert', ...VALID.Event });
      assert.equal(event.status, 'Needs Review');
      for (const status of INCIDENT_STATUSES) assert.equal((await tc('PUT', `/v3/groups/${incident.id}`, { status })).status, 200, status);
      for (const status of EVENT_STATUSES) assert.equal((await tc('PUT', `/v3/groups/${event.id}`, { status })).status, 200, status);
      assertError(await tc('PUT', `/v3/groups/${event.id}`, { status: 'Stalled' }), 400, '0x2005', /status must be one of Needs Review/);
      assertError(await tc('POST', '/v3/groups', { type: 'Incident', name: 'x', ...VALID.Incident, status: 'Needs Review' }), 400, '0x2005', /status must be one of New/);
      // Any case, stored as documented.
      assert.equal((await tc('PUT', `/v3/groups/${incident.id}`, { status: 'containment achieved' })).body.data.status, 'Containment Achieved');

      const document = await create({ type: 'Document', name: 'Memo', ...VALID.Document });
      assert.equal(document.status, 'Awaiting Upload');
      assert.equal(document.malware, false);
      assertError(await tc('PUT', `/v3/groups/${document.id}`, { status: 'Success' }), 400, '0x2005', /status is read-only for a Document group/);
      assert.equal((await tc('PUT', `/v3/groups/${document.id}`, { status: 'Awaiting Upload', fileName: 'memo.pdf' })).status, 200, 'the stored status sent back is no change');
      const task = await create({ type: 'Task', name: 'Chase', dueDate: '2030-01-01T00:00:00Z' });
      assert.equal(task.status, 'Not Started');
      assert.equal(task.dueDate, '2030-01-01T00:00:00Z');
    });

    it('validates dates, signature file types and the malware password', async () => {
      assertError(await tc('POST', '/v3/groups', { type: 'Incident', name: 'x', eventDate: 'yesterday' }), 400, '0x2005', /eventDate must be an ISO 8601 date/);
      assertError(await tc('POST', '/v3/groups', { type: 'Adversary', name: 'x', firstSeen: '2024-13-45' }), 400, '0x2005', /firstSeen/);
      const signature = await create({ type: 'Signature', name: 'Rule', ...VALID.Signature, fileType: 'snort' });
      assert.equal(signature.fileType, 'Snort');
      assert.equal(signature.fileText, undefined, 'the text only with fields=fileText');
      assert.equal((await tc('GET', `/v3/groups/${signature.id}?fields=fileText`)).body.data.fileText, VALID.Signature!.fileText);
      assertError(await tc('POST', '/v3/groups', { type: 'Signature', name: 'x', ...VALID.Signature, fileType: 'Sigmund' }), 400, '0x2005', /fileType must be one of Snort/);
      assertError(await tc('POST', '/v3/groups', { type: 'Document', name: 'x', ...VALID.Document, malware: true }), 400, '0x2003', /password is required when malware is true/);
      const malware = await create({ type: 'Document', name: 'Dropper', ...VALID.Document, malware: true, password: 'infected' });
      assert.equal(malware.malware, true);
      assertError(await tc('PUT', `/v3/groups/${malware.id}`, { password: null }), 400, '0x2003', /password is required when malware is true/);
      const report = await create({ type: 'Report', name: 'Quarterly', ...VALID.Report, publishDate: '2024-04-01T00:00:00+02:00' });
      assert.equal(report.publishDate, '2024-03-31T22:00:00Z');
    });

    it('describes per-type fields in OPTIONS with appliesTo and conditionalRequired', async () => {
      const options = (await tc('OPTIONS', '/v3/groups')).body;
      assert.deepEqual(options.fileName.appliesTo, ['Document', 'Report', 'Signature']);
      assert.deepEqual(options.fileName.conditionalRequired, ['Document', 'Report', 'Signature']);
      assert.deepEqual(options.eventDate.appliesTo, ['Event', 'Incident']);
      assert.equal(options.name.required, true);
      assert.equal(options.type.updatable, false);
      const keywords = ((await tc('OPTIONS', '/v3/groups/tql')).body.data as Json[]).map((k) => k.keyword as string);
      for (const keyword of ['typeName', 'name', 'summary', 'dateAdded', 'lastModified', 'eventDate', 'status', 'fileType', 'firstSeen', 'lastSeen', 'ownerName', 'owner', 'xid', 'createdBy']) {
        assert.ok(keywords.includes(keyword), keyword);
      }
    });

    it('answers the TQL keywords users filter on', async () => {
      const tag = `tql${Date.now()}`;
      await create({ type: 'Incident', name: `${tag} incident old`, eventDate: '2020-01-01T00:00:00Z', status: 'Closed', firstSeen: '2020-01-01T00:00:00Z' });
      await create({ type: 'Incident', name: `${tag} incident new`, eventDate: '2025-01-01T00:00:00Z', lastSeen: '2025-06-01T00:00:00Z' });
      await create({ type: 'Signature', name: `${tag} signature`, fileName: 'a.rules', fileType: 'Suricata', fileText: 'alert' });
      await create({ type: 'Adversary', name: `${tag} adversary` });
      const mine = `summary startswith "${tag}"`;
      assert.deepEqual(await names(`${mine} and typeName = "Incident"`), [`${tag} incident new`, `${tag} incident old`]);
      assert.deepEqual(await names(`${mine} and typeName in ("Adversary", "Signature")`), [`${tag} adversary`, `${tag} signature`]);
      assert.deepEqual(await names(`${mine} and eventDate < "2021-01-01"`), [`${tag} incident old`]);
      assert.deepEqual(await names(`${mine} and status = "New"`), [`${tag} incident new`]);
      assert.deepEqual(await names(`${mine} and fileType = "Suricata"`), [`${tag} signature`]);
      assert.deepEqual(await names(`${mine} and firstSeen < "2021-01-01"`), [`${tag} incident old`]);
      assert.deepEqual(await names(`${mine} and lastSeen > "2025-01-01"`), [`${tag} incident new`]);
      assert.deepEqual(await names(`name = "${tag} adversary"`), [`${tag} adversary`]);
      assert.deepEqual(await names(`${mine} and ownerName = "${server.bootstrap.organization.name}" and typeName = "Adversary"`), [`${tag} adversary`]);
      assert.deepEqual(await names(`${mine} and owner = ${server.bootstrap.organization.id} and typeName = "Adversary"`), [`${tag} adversary`]);
      assert.deepEqual(await names(`${mine} and createdBy = "${server.bootstrap.apiUser.accessId}" and typeName = "Signature"`), [`${tag} signature`]);
      assert.deepEqual(await names(`${mine} and dateAdded > "NOW() - 1 HOUR" and lastModified > "NOW() - 1 HOUR" and typeName = "Adversary"`), [`${tag} adversary`]);
      const sorted = await tc('GET', `/v3/groups?tql=${q(mine)}&sorting=eventDate%20desc&resultLimit=2`);
      assert.deepEqual((sorted.body.data as Json[]).map((g) => g.name), [`${tag} incident new`, `${tag} incident old`]);
    });

    it('keeps each organization to its own groups: reads, writes, TQL and xids', async () => {
      const mine = await create({ type: 'Adversary', name: 'Home only', xid: `home-${Date.now()}` });
      const theirs = await create({ type: 'Adversary', name: 'Foreign only', xid: `foreign-${Date.now()}` }, foreign);
      assert.equal((await tc('GET', `/v3/groups/${theirs.id}`)).status, 404);
      assert.equal((await tc('GET', `/v3/groups/${q(theirs.xid)}`)).status, 404);
      assert.equal((await tc('PUT', `/v3/groups/${theirs.id}`, { name: 'Taken over' })).status, 404);
      assert.equal((await tc('DELETE', `/v3/groups/${theirs.id}`)).status, 404);
      assert.deepEqual(await names(`id = ${theirs.id}`), []);
      assert.deepEqual(await names('name = "Foreign only"'), []);
      const theirList = await call(foreign, 'GET', '/v3/groups?resultLimit=10000');
      assert.ok((theirList.body.data as Json[]).every((g) => g.id !== mine.id));
      assert.equal((await call(foreign, 'GET', `/v3/groups/${theirs.id}`)).body.data.name, 'Foreign only');
      // The same xid in two organizations is two groups.
      assert.equal((await call(foreign, 'POST', '/v3/groups', { type: 'Adversary', name: 'Same xid', xid: mine.xid })).status, 201);
      assert.equal((await tc('POST', '/v3/groups', { type: 'Adversary', name: 'Same xid', xid: mine.xid })).status, 409);
    });
  });
}
