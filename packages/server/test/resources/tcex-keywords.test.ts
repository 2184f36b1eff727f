/**
 * Defect: TQL keywords that tcex's filter classes name (CaseFilter, TaskFilter, NoteFilter,
 * ArtifactFilter, WorkflowEventFilter, generated from ThreatConnect's OPTIONS /tql) answered 400
 * `Unknown keyword`. Each keyword, written as tcex writes it, must answer 200 on the resource
 * Cairn has (the association sub-queries hasGroup, hasIndicator and hasCase among them); a
 * sub-query marked `null` would be one Cairn refuses with the reason.
 * The lists below are this project's own reading of those classes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CairnClient } from '@cairn/client';
import { startTestServer, testDialects, type TestServer } from '../support/server.js';
import { call, type Json } from '../support/v3.js';

const q = encodeURIComponent;
const DATE = '"2023-02-01 12:00:00"'; // tcex formats dates as %Y-%m-%d %H:%M:%S

/** keyword → a condition on it, per resource; `null` marks a sub-query Cairn refuses. */
const KEYWORDS: Record<string, Record<string, string | null>> = {
  cases: {
    assignedToUserOrGroup: 'assignedToUserOrGroup = "User"', assigneeName: 'assigneeName = "admin"', attackTag: 'attackTag = "T1566"',
    calScore: 'calScore > 10', caseCloseDate: `caseCloseDate > ${DATE}`, caseCloseTime: `caseCloseTime > ${DATE}`, caseCloseUser: 'caseCloseUser = "admin"',
    caseDetectionUser: 'caseDetectionUser = "admin"', caseOccurrenceUser: 'caseOccurrenceUser = "admin"', caseOpenDate: `caseOpenDate > ${DATE}`,
    caseOpenTime: `caseOpenTime > ${DATE}`, caseOpenUser: 'caseOpenUser CONTAINS "a"', createdBy: 'createdBy STARTSWITH "a"', createdById: 'createdById > 0',
    dateAdded: `dateAdded > ${DATE}`, description: 'description CONTAINS "wave"', detectionDue: `detectionDue < ${DATE}`, detectionOverdue: 'detectionOverdue = false',
    hasAllTags: 'hasAllTags(name IN ("alpha", "T1566"))', hasArtifact: 'hasArtifact(summary = "bad.example")', hasCase: 'hasCase(id > 0)', hasGroup: 'hasGroup(id > 0)',
    hasIndicator: 'hasIndicator(id > 0)', hasNote: 'hasNote(text CONTAINS "look")', hasTag: 'hasTag(name = "alpha")', hasTask: 'hasTask(name = "Triage")', hasWorkflowTemplate: 'hasWorkflowTemplate = 1',
    id: 'id > 0', idAsString: 'idAsString = "1"', lastUpdated: `lastUpdated > ${DATE}`, missingArtifactCount: 'missingArtifactCount > 0', name: 'name = "Tagged"',
    owner: 'owner > 0', ownerName: 'ownerName = "Exemplary Organization"', resolution: 'resolution = "Not Specified"', responseDue: `responseDue < ${DATE}`,
    responseOverdue: 'responseOverdue = false', severity: 'severity IN ("Low", "High")', status: 'status = "Open"', tag: 'tag = "alpha"', targetId: 'targetId > 0',
    targetType: 'targetType = "User"', threatAssessScore: 'threatAssessScore > 1', timeToDetect: 'timeToDetect > 1', timeToRespond: 'timeToRespond > 1',
    typeName: 'typeName = "Tagged"', xid: 'xid = "case-a"',
  },
  tasks: {
    assignedToUserOrGroup: 'assignedToUserOrGroup = "None"', assigneeName: 'assigneeName = "admin"', automated: 'automated = false', caseId: 'caseId > 0',
    caseIdAsString: 'caseIdAsString = "1"', caseSeverity: 'caseSeverity = "high"', completedBy: 'completedBy = "admin"', completedDate: `completedDate > ${DATE}`,
    description: 'description CONTAINS "x"', dueDate: `dueDate > ${DATE}`, hasArtifact: 'hasArtifact(id > 0)', hasCase: 'hasCase(severity = "High")',
    hasNote: 'hasNote(id > 0)', id: 'id > 0', missingArtifactCount: 'missingArtifactCount = 0', name: 'name = "Triage"', owner: 'owner > 0',
    ownerName: 'ownerName CONTAINS "Exemplary"', required: 'required = true', status: 'status = "Pending"', targetId: 'targetId > 0', targetType: 'targetType = "User"',
    workflowPhase: 'workflowPhase = 0', workflowStep: 'workflowStep = 0', xid: 'xid = "task-a"',
  },
  notes: {
    artifactId: 'artifactId > 0', author: 'author STARTSWITH "a"', caseId: 'caseId > 0', data: 'data CONTAINS "look"', dateAdded: `dateAdded > ${DATE}`,
    hasArtifact: 'hasArtifact(summary = "bad.example")', hasCase: 'hasCase(id > 0)', hasTask: 'hasTask(id > 0)', id: 'id > 0', lastModified: `lastModified > ${DATE}`,
    summary: 'summary CONTAINS "look"', taskId: 'taskId > 0', workflowEventId: 'workflowEventId > 0',
  },
  artifacts: {
    analyticsScore: 'analyticsScore > 100', caseId: 'caseId > 0', dateAdded: `dateAdded > ${DATE}`, hasCase: 'hasCase(name = "Tagged")', hasGroup: 'hasGroup(id > 0)',
    hasIndicator: 'hasIndicator(id > 0)', hasNote: 'hasNote(id > 0)', hasTask: 'hasTask(id > 0)', id: 'id > 0', indicatorActive: 'indicatorActive = true', noteId: 'noteId > 0',
    source: 'source = "mail"', summary: 'summary = "bad.example"', taskId: 'taskId > 0', type: 'type = "Host"', typeName: 'typeName = "Host"',
  },
  workflowEvents: {
    caseId: 'caseId > 0', dateAdded: `dateAdded > ${DATE}`, deleted: 'deleted = false', deletedReason: 'deletedReason = "x"', eventDate: `eventDate > ${DATE}`,
    id: 'id > 0', link: 'link = "case:1"', summary: 'summary CONTAINS "Escalated"', systemGenerated: 'systemGenerated = false', userName: 'userName STARTSWITH "a"',
  },
};

for (const dialect of testDialects()) {
  describe(`v3 TQL keywords of tcex's filters (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    const tc = (method: string, target: string, body?: unknown) => call(api, method, target, body);
    const ids = async (type: string, tql: string) => {
      const answer = await tc('GET', `/v3/${type}?resultLimit=1000&tql=${q(tql)}`);
      assert.equal(answer.status, 200, `${type} ${tql}: ${JSON.stringify(answer.body)}`);
      return answer.body.data.map((item: Json) => item.id as number);
    };
    let tagged: number;
    let plain: number;
    let task: number;
    let artifact: number;
    let note: number;

    before(async () => {
      server = await startTestServer(dialect);
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      const admin = { type: 'User', data: { userName: 'admin' } };
      const created = await tc('POST', '/v3/cases?fields=tasks&fields=artifacts', {
        name: 'Tagged', xid: 'case-a', severity: 'High', status: 'Open', assignee: admin, description: 'phishing wave',
        tags: { data: [{ name: 'alpha' }, { name: 'T1566' }] },
        tasks: { data: [{ name: 'Triage', xid: 'task-a', required: true, assignee: admin }] },
        artifacts: { data: [{ summary: 'bad.example', type: 'Host', source: 'mail' }] },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      tagged = created.body.data.id;
      task = created.body.data.tasks.data[0].id;
      artifact = created.body.data.artifacts.data[0].id;
      note = (await tc('POST', '/v3/notes', { artifactId: artifact, text: 'look at the headers' })).body.data.id;
      plain = (await tc('POST', '/v3/cases', { name: 'Plain', severity: 'Low', status: 'Closed', tags: { data: [{ name: 'alpha' }] } })).body.data.id;
      await tc('POST', '/v3/workflowEvents', { caseId: tagged, summary: 'Escalated to IR' });
    });
    after(() => server.close());

    for (const [type, keywords] of Object.entries(KEYWORDS)) {
      it(`every ${type} keyword answers 200 (sub-queries on what Cairn does not store: 400 naming why)`, async () => {
        for (const [keyword, condition] of Object.entries(keywords)) {
          const tql = condition ?? `${keyword}(id > 0)`;
          const answer = await tc('GET', `/v3/${type}?tql=${q(tql)}`);
          if (condition === null) {
            assert.equal(answer.status, 400, `${type} ${tql}`);
            assert.equal(answer.body.errCode, '0x2001');
            assert.match(answer.body.message, new RegExp(`${keyword}.*not supported.*Cairn stores no`), answer.body.message);
          } else {
            assert.equal(answer.status, 200, `${type} ${tql}: ${JSON.stringify(answer.body)}`);
          }
        }
      });
    }

    it('keywords are matched ignoring case and underscores, as tcex writes them', async () => {
      assert.deepEqual(await ids('cases', 'OWNER_NAME = "Exemplary Organization" AND case_open_user = "admin" AND tag = "alpha"'), []);
      const apiUser = server.bootstrap.apiUser.accessId;
      assert.deepEqual((await ids('cases', `OWNER_NAME = "Exemplary Organization" AND created_by = "${apiUser}" AND tag = "ALPHA"`)).sort(), [tagged, plain].sort());
    });

    it('the keywords mean what ThreatConnect documents', async () => {
      assert.deepEqual(await ids('cases', 'tag = "alpha"'), [tagged, plain]);
      assert.deepEqual(await ids('cases', 'tag != "T1566"'), [plain]);
      assert.deepEqual(await ids('cases', 'tag IN ("t1566", "nope")'), [tagged]);
      assert.deepEqual(await ids('cases', 'attackTag IS NULL'), [plain]);
      assert.deepEqual(await ids('cases', 'hasAllTags(name IN ("alpha", "T1566"))'), [tagged]);
      assert.deepEqual(await ids('cases', 'hasAllTags(name = "alpha")'), [tagged, plain]);
      assert.deepEqual(await ids('cases', 'hasAllTags(name = "nope")'), []);
      assert.deepEqual(await ids('cases', 'assigneeName = "admin" and assignedToUserOrGroup = "User" and targetType = "User"'), [tagged]);
      assert.deepEqual(await ids('cases', 'assignedToUserOrGroup = "None"'), [plain]);
      assert.deepEqual(await ids('cases', `caseCloseDate > ${DATE} and caseCloseUser = "${server.bootstrap.apiUser.accessId}"`), [plain]);
      assert.deepEqual(await ids('cases', `idAsString = "${tagged}" and typeName = "Tagged"`), [tagged]);
      assert.deepEqual(await ids('cases', 'calScore > 0 or timeToDetect IS NOT NULL'), [], 'untracked values match nothing');
      assert.deepEqual(await ids('cases', 'detectionOverdue = false'), [tagged, plain]);
      assert.deepEqual(await ids('tasks', 'caseSeverity = "HIGH" and completedBy IS NULL and assigneeName = "admin"'), [task]);
      assert.deepEqual(await ids('tasks', `caseIdAsString = "${tagged}"`), [task]);
      assert.deepEqual(await ids('artifacts', `noteId = ${note} and type = "Host" and typeName = "Host"`), [artifact]);
      assert.deepEqual(await ids('artifacts', `noteId != ${note}`), []);
      assert.deepEqual(await ids('notes', `author = "${server.bootstrap.apiUser.accessId}" and data = "look at the headers"`), [note]);
      assert.equal((await ids('workflowEvents', `userName = "${server.bootstrap.apiUser.accessId}" and link IS NULL`)).length, 1);
    });

    it('OPTIONS /v3/cases/tql lists the new keywords and hasAllTags', async () => {
      const keywords = (await tc('OPTIONS', '/v3/cases/tql')).body.data.map((k: Json) => k.keyword);
      for (const keyword of ['tag', 'ownerName', 'assigneeName', 'caseOpenDate', 'hasAllTags']) assert.ok(keywords.includes(keyword), keyword);
    });
  });
}
