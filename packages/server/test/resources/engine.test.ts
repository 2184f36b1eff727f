/**
 * The v3 resource engine over HTTP: TQL (every operator family, sub-queries, dates, errors, and a
 * fast-check property over hostile queries), owner scoping, bulk delete, the catalogues, and CRUD
 * on tasks, notes, artifacts and workflow events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CairnClient } from '@cairn/client';
import { RESOURCES } from '../../src/resources/registry.js';
import { rawRequest, tcHeaders } from '../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../support/server.js';
import { call, type Answer, type Json } from '../support/v3.js';

const ORG = 'Exemplary Organization';
const COMMUNITY = 'Common Community';
const BASE_CASE = { name: 'A case', severity: 'Low', status: 'Open' };
const q = encodeURIComponent;
const sortIds = (values: number[]) => [...values].sort((a, b) => a - b);


function assertError(answer: Answer, status: number, errCode: string, pattern?: RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.status, 'Error');
  assert.equal(answer.body.errCode, errCode, answer.body.message);
  if (pattern) assert.match(answer.body.message, pattern);
}

/** Stored times are ISO-8601 UTC to the second. */
const stored = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface CaseSpec {
  name: string;
  description?: string;
  severity: string;
  status: string;
  resolution?: string;
  occurred?: number;
  detected?: number;
  tasks?: { name: string; required: boolean }[];
  tags?: string[];
  notes?: string[];
  artifacts?: string[];
}

interface CaseModel extends CaseSpec { id: number; xid: string; resolution: string; taskIds: number[]; tagIds: number[] }

for (const dialect of testDialects()) {
  describe(`v3 TQL over HTTP (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    const tc = (method: string, target: string, body?: unknown) => call(api, method, target, body);
    const models: CaseModel[] = [];
    const HOUR = 3_600_000;
    const DAY = 24 * HOUR;
    const now = Date.now();
    const todayStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());

    const specs: CaseSpec[] = [
      { name: 'Phishing wave', description: 'Emails with links to a fake login page', severity: 'Low', status: 'Open', occurred: now - 2 * HOUR, detected: now - HOUR,
        tasks: [{ name: 'Triage', required: true }, { name: 'Notify users', required: false }], tags: ['phish', 'T1566'], notes: ['check the mail headers'], artifacts: ['badguy.com'] },
      { name: 'phishing follow-up', description: 'Second wave', severity: 'Medium', status: 'Open', occurred: now - 10 * 60_000,
        tasks: [{ name: 'Block sender', required: false }], tags: ['Phish'], artifacts: ['evil.example'] },
      { name: 'Ransomware outbreak', description: 'File server encrypted', severity: 'Critical', status: 'Closed', resolution: 'Containment Achieved', occurred: now - 3 * DAY, detected: now - 2 * DAY,
        tasks: [{ name: 'Restore backups', required: true }], tags: ['ransomware'], notes: ['Backups verified'] },
      { name: '100% match_case', description: 'Special characters: % and _', severity: 'High', status: 'Open', occurred: todayStart + 60_000 },
      { name: 'Insider threat', severity: 'High', status: 'Closed', resolution: 'False Positive', occurred: todayStart - 60_000, tags: ['insider'] },
      { name: 'Old incident', description: 'From 2019', severity: 'Low', status: 'Closed', resolution: 'Rejected', occurred: Date.UTC(2019, 5, 15, 12), detected: Date.UTC(2019, 5, 16) },
      { name: 'O\'Brien\'s "case"', description: 'quotes', severity: 'Medium', status: 'Open', notes: ['a note', 'another note'] },
      { name: 'Wave of scans', severity: 'Critical', status: 'Open', occurred: now - 30 * DAY, tasks: [{ name: 'Triage', required: false }], artifacts: ['10.0.0.1'] },
      // Non-ASCII text: case-insensitive matching must fold it the same way on every dialect.
      { name: 'ФИШИНГ Über-Ärger', description: 'Письмо от ÉLECTRICITÉ', severity: 'Medium', status: 'Open', tags: ['Вредонос', 'Ärger'] },
    ];

    before(async () => {
      server = await startTestServer(dialect);
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      for (const spec of specs) {
        const body: Record<string, unknown> = { name: spec.name, severity: spec.severity, status: spec.status };
        if (spec.description !== undefined) body.description = spec.description;
        if (spec.resolution !== undefined) body.resolution = spec.resolution;
        if (spec.occurred !== undefined) body.caseOccurrenceTime = new Date(spec.occurred).toISOString();
        if (spec.detected !== undefined) body.caseDetectionTime = new Date(spec.detected).toISOString();
        if (spec.tasks) body.tasks = { data: spec.tasks };
        if (spec.tags) body.tags = { data: spec.tags.map((name) => ({ name })) };
        if (spec.notes) body.notes = { data: spec.notes.map((text) => ({ text })) };
        if (spec.artifacts) body.artifacts = { data: spec.artifacts.map((summary) => ({ summary, type: /^\d/.test(summary) ? 'Address' : 'Host' })) };
        const answer = await tc('POST', '/v3/cases?fields=tasks&fields=tags', body);
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        const data = answer.body.data;
        models.push({ ...spec, id: data.id, xid: data.xid, resolution: data.resolution, taskIds: data.tasks.data.map((t: Json) => t.id), tagIds: data.tags.data.map((t: Json) => t.id) });
      }
    });
    after(() => server.close());

    async function idsFor(type: string, tql: string): Promise<number[]> {
      const answer = await tc('GET', `/v3/${type}?resultLimit=10000&tql=${q(tql)}`);
      assert.equal(answer.status, 200, `${tql}: ${JSON.stringify(answer.body)}`);
      return sortIds(answer.body.data.map((item: Json) => item.id));
    }
    async function expectCases(tql: string, predicate: (m: CaseModel) => boolean): Promise<void> {
      const expected = sortIds(models.filter(predicate).map((m) => m.id));
      assert.deepEqual(await idsFor('cases', tql), expected, tql);
    }
    const byName = (name: string) => models.find((m) => m.name === name)!;
    const lower = (s: string | undefined) => (s ?? '').toLowerCase();
    const occurredStored = (m: CaseModel) => (m.occurred === undefined ? undefined : Date.parse(stored(m.occurred)));

    it('= and != (exact, case-sensitive for String keywords; Enum values in any case)', async () => {
      await expectCases('name = "Phishing wave"', (m) => m.name === 'Phishing wave');
      await expectCases('name = "phishing wave"', (m) => m.name === 'phishing wave');
      await expectCases('name == "Phishing wave"', (m) => m.name === 'Phishing wave');
      await expectCases('name EQ "Phishing wave"', (m) => m.name === 'Phishing wave');
      await expectCases('severity = "low"', (m) => m.severity === 'Low');
      await expectCases('severity != "Low"', (m) => m.severity !== 'Low');
      await expectCases('status <> "Closed"', (m) => m.status !== 'Closed');
      await expectCases('resolution = "Not Specified"', (m) => m.resolution === 'Not Specified');
      await expectCases(`id = ${models[2]!.id}`, (m) => m.id === models[2]!.id);
      await expectCases(`xid = "${models[3]!.xid}"`, (m) => m.xid === models[3]!.xid);
    });

    it('>, <, >=, <= on ids and dates', async () => {
      const pivot = models[3]!.id;
      await expectCases(`id > ${pivot}`, (m) => m.id > pivot);
      await expectCases(`id < ${pivot}`, (m) => m.id < pivot);
      await expectCases(`id >= ${pivot}`, (m) => m.id >= pivot);
      await expectCases(`id <= ${pivot}`, (m) => m.id <= pivot);
      await expectCases(`id GT ${pivot} AND id LT ${pivot + 3}`, (m) => m.id > pivot && m.id < pivot + 3);
      await expectCases(`id GEQ ${pivot} and id LEQ ${pivot}`, (m) => m.id === pivot);
      await expectCases('caseOccurrenceTime < "2020-01-01"', (m) => m.occurred !== undefined && m.occurred < Date.UTC(2020, 0, 1));
      await expectCases('caseOccurrenceTime >= "2019-06-15 12:00:00"', (m) => m.occurred !== undefined && m.occurred >= Date.UTC(2019, 5, 15, 12));
      await expectCases('caseOccurrenceTime > "2019-06-15T12:00:00Z"', (m) => m.occurred !== undefined && m.occurred > Date.UTC(2019, 5, 15, 12));
      await expectCases('caseDetectionTime <= "2019-06-16"', (m) => m.detected !== undefined && m.detected <= Date.UTC(2019, 5, 16));
      // Out-of-range numbers compare instead of failing (ids are 32-bit columns on PostgreSQL).
      await expectCases('id < 999999999999999', () => true);
      await expectCases('id = 999999999999999', () => false);
      await expectCases('id > -999999999999999', () => true);
      await expectCases('ownerId IN (0, 99999999999)', () => true);
    });

    it('relative dates: "NOW() - n UNIT" and "TODAY()"', async () => {
      await expectCases('caseOccurrenceTime > "NOW() - 1 HOUR"', (m) => m.occurred !== undefined && m.occurred > Date.now() - HOUR);
      await expectCases('caseOccurrenceTime < "NOW() - 1 HOUR"', (m) => m.occurred !== undefined && m.occurred < Date.now() - HOUR);
      await expectCases('caseOccurrenceTime > "now()-4 days"', (m) => m.occurred !== undefined && m.occurred > Date.now() - 4 * DAY);
      await expectCases('caseOccurrenceTime >= "TODAY()"', (m) => occurredStored(m) !== undefined && occurredStored(m)! >= todayStart);
      await expectCases('caseOccurrenceTime < "TODAY()"', (m) => occurredStored(m) !== undefined && occurredStored(m)! < todayStart);
      await expectCases('caseOccurrenceTime >= "TODAY() - 1 DAY" AND caseOccurrenceTime < "TODAY() + 1 DAY"', (m) => {
        const t = occurredStored(m);
        return t !== undefined && t >= todayStart - DAY && t < todayStart + DAY;
      });
      await expectCases('dateAdded > "NOW() - 1 HOUR"', () => true);
      await expectCases('dateAdded > "NOW()"', () => false);
      await expectCases('caseOpenTime < "NOW() - 1 WEEK"', () => false);
    });

    it('IN and NOT IN', async () => {
      await expectCases('severity IN ("High", "Critical")', (m) => m.severity === 'High' || m.severity === 'Critical');
      await expectCases('severity in ("high")', (m) => m.severity === 'High');
      await expectCases('severity NOT IN ("High", "Critical")', (m) => m.severity !== 'High' && m.severity !== 'Critical');
      const some = [models[0]!.id, models[4]!.id];
      await expectCases(`id IN (${some.join(', ')})`, (m) => some.includes(m.id));
      await expectCases(`id NOT IN (${some.join(',')})`, (m) => !some.includes(m.id));
      await expectCases('name IN ("Insider threat", "nothing")', (m) => m.name === 'Insider threat');
    });

    it('CONTAINS, STARTSWITH, ENDSWITH (case-insensitive) and their negations', async () => {
      await expectCases('name CONTAINS "phish"', (m) => lower(m.name).includes('phish'));
      await expectCases('name CONTAINS "WAVE"', (m) => lower(m.name).includes('wave'));
      await expectCases('name NOT CONTAINS "phish"', (m) => !lower(m.name).includes('phish'));
      await expectCases('name STARTSWITH "phish"', (m) => lower(m.name).startsWith('phish'));
      await expectCases('name NOT STARTSWITH "phish"', (m) => !lower(m.name).startsWith('phish'));
      await expectCases('name ENDSWITH "WAVE"', (m) => lower(m.name).endsWith('wave'));
      await expectCases('name NOT ENDSWITH "wave"', (m) => !lower(m.name).endsWith('wave'));
      await expectCases('description CONTAINS "wave"', (m) => lower(m.description).includes('wave'));
      await expectCases('name CONTAINS ("ransom", "insider")', (m) => lower(m.name).includes('ransom') || lower(m.name).includes('insider'));
      // % and _ are literal characters, not wildcards.
      await expectCases('name CONTAINS "%"', (m) => m.name.includes('%'));
      await expectCases('name CONTAINS "_"', (m) => m.name.includes('_'));
      await expectCases('name ENDSWITH "_case"', (m) => m.name.endsWith('_case'));
      await expectCases('name STARTSWITH "100%"', (m) => m.name.startsWith('100%'));
      await expectCases('description CONTAINS "\\\\"', () => false);
    });

    it('case-insensitive matching folds non-ASCII letters (Cyrillic, accented Latin) alike on every dialect', async () => {
      await expectCases('name CONTAINS "фишинг"', (m) => lower(m.name).includes('фишинг'));
      await expectCases('name CONTAINS "ärger"', (m) => lower(m.name).includes('ärger'));
      await expectCases('name STARTSWITH "фиш"', (m) => lower(m.name).startsWith('фиш'));
      await expectCases('name ENDSWITH "ÄRGER"', (m) => lower(m.name).endsWith('ärger'));
      await expectCases('description CONTAINS "électricité"', (m) => lower(m.description).includes('électricité'));
      await expectCases('name LIKE "%über%"', (m) => lower(m.name).includes('über'));
      await expectCases('hasTag(name = "вредонос")', (m) => (m.tags ?? []).includes('Вредонос'));
      await expectCases('hasTag(name IN ("ärger", "nothing"))', (m) => (m.tags ?? []).includes('Ärger'));
      assert.equal((await idsFor('cases', 'name CONTAINS "фишинг"')).length, 1);
    });

    it('LIKE with % and _ wildcards', async () => {
      await expectCases('name LIKE "%wave%"', (m) => lower(m.name).includes('wave'));
      await expectCases('name LIKE "p_ishing%"', (m) => /^p.ishing/.test(lower(m.name)));
      await expectCases('name NOT LIKE "%wave%"', (m) => !lower(m.name).includes('wave'));
      await expectCases('name LIKE "insider threat"', (m) => lower(m.name) === 'insider threat');
    });

    it('a backslash in a LIKE pattern is an ordinary character on every dialect (PostgreSQL\'s default escape is not TQL\'s)', async () => {
      await expectCases('name LIKE "%\\\\%"', (m) => m.name.includes('\\'));
      await expectCases('description NOT LIKE "\\\\"', (m) => m.description !== '\\');
      await expectCases('name LIKE "100\\\\% match_case"', () => false);
    });

    it('IS NULL and IS NOT NULL', async () => {
      await expectCases('caseDetectionTime IS NULL', (m) => m.detected === undefined);
      await expectCases('caseDetectionTime IS NOT NULL', (m) => m.detected !== undefined);
      await expectCases('description is null', (m) => m.description === undefined);
      await expectCases('caseCloseTime IS NOT NULL', (m) => m.status === 'Closed');
    });

    it('AND, OR, NOT and parentheses, with precedence', async () => {
      await expectCases('severity = "Low" OR severity = "Critical" AND status = "Open"', (m) => m.severity === 'Low' || (m.severity === 'Critical' && m.status === 'Open'));
      await expectCases('(severity = "Low" OR severity = "Critical") AND status = "Open"', (m) => (m.severity === 'Low' || m.severity === 'Critical') && m.status === 'Open');
      await expectCases('NOT status = "Closed"', (m) => m.status !== 'Closed');
      await expectCases('NOT (severity = "Low" OR status = "Closed")', (m) => !(m.severity === 'Low' || m.status === 'Closed'));
      await expectCases('NOT NOT severity = "High"', (m) => m.severity === 'High');
      await expectCases('((name CONTAINS "wave")) and (not (severity = "Low"))', (m) => lower(m.name).includes('wave') && m.severity !== 'Low');
      await expectCases('status = "Open" AND severity != "Low" AND name NOT CONTAINS "%"', (m) => m.status === 'Open' && m.severity !== 'Low' && !m.name.includes('%'));
    });

    it('keywords and operators in any case, underscores as tcex writes them, True/False', async () => {
      await expectCases('SEVERITY In ("LOW") And STATUS eq "open"', (m) => m.severity === 'Low' && m.status === 'Open');
      await expectCases('Name Contains "PHISH" oR Name StartsWith "ins"', (m) => lower(m.name).includes('phish') || lower(m.name).startsWith('ins'));
      await expectCases('case_occurrence_time IS NOT NULL and caseoccurrencetime < "2020-01-01"', (m) => m.occurred !== undefined && m.occurred < Date.UTC(2020, 0, 1));
      await expectCases('hasTask(required = True)', (m) => (m.tasks ?? []).some((t) => t.required));
      await expectCases('HASTASK(REQUIRED = false)', (m) => (m.tasks ?? []).some((t) => !t.required));
      await expectCases('hastask(required = TRUE) AND hasTask(required = False)', (m) => (m.tasks ?? []).some((t) => t.required) && (m.tasks ?? []).some((t) => !t.required));
      await expectCases('hasTask(required = "true")', (m) => (m.tasks ?? []).some((t) => t.required));
    });

    it('strings with escaped quotes, in either quote style', async () => {
      const target = 'O\'Brien\'s "case"';
      await expectCases('name = "O\'Brien\'s \\"case\\""', (m) => m.name === target);
      await expectCases('name = \'O\\\'Brien\\\'s "case"\'', (m) => m.name === target);
      await expectCases('name STARTSWITH \'o\\\'brien\'', (m) => m.name === target);
    });

    it('sub-queries: hasTask, hasTag, hasNote, hasArtifact on cases', async () => {
      await expectCases('hasTask(name = "Triage")', (m) => (m.tasks ?? []).some((t) => t.name === 'Triage'));
      await expectCases('hasTask(id > 0)', (m) => (m.tasks ?? []).length > 0);
      await expectCases('NOT hasTask(id > 0)', (m) => (m.tasks ?? []).length === 0);
      await expectCases('hasTag(name = "PHISH")', (m) => (m.tags ?? []).some((t) => t.toLowerCase() === 'phish'));
      await expectCases('hasTag(techniqueId = "T1566")', (m) => (m.tags ?? []).includes('T1566'));
      await expectCases('hasTag(name IN ("ransomware", "insider"))', (m) => (m.tags ?? []).some((t) => t === 'ransomware' || t === 'insider'));
      await expectCases('hasNote(text CONTAINS "headers")', (m) => (m.notes ?? []).some((n) => n.includes('headers')));
      await expectCases('hasNote(id > 0) AND NOT hasArtifact(id > 0)', (m) => (m.notes ?? []).length > 0 && (m.artifacts ?? []).length === 0);
      await expectCases('hasArtifact(summary = "badguy.com")', (m) => (m.artifacts ?? []).includes('badguy.com'));
      await expectCases('hasArtifact(summary ENDSWITH ".example") OR hasTag(name = "ransomware")', (m) => (m.artifacts ?? []).some((a) => a.endsWith('.example')) || (m.tags ?? []).includes('ransomware'));
      await expectCases('hasTask(hasCase(severity = "Critical"))', (m) => m.severity === 'Critical' && (m.tasks ?? []).length > 0);
    });

    it('sub-queries from tasks (hasCase) and tags (hasCase)', async () => {
      const critical = models.filter((m) => m.severity === 'Critical');
      assert.deepEqual(await idsFor('tasks', 'hasCase(severity = "Critical")'), sortIds(critical.flatMap((m) => m.taskIds)));
      assert.deepEqual(await idsFor('tasks', `hasCase(id = ${models[0]!.id})`), sortIds(models[0]!.taskIds));
      assert.deepEqual(await idsFor('tasks', 'hasCase(status = "Closed") AND required = true'),
        sortIds(models.filter((m) => m.status === 'Closed').flatMap((m) => (m.tasks ?? []).map((t, i) => (t.required ? m.taskIds[i]! : -1)).filter((id) => id > 0))));
      assert.deepEqual(await idsFor('tags', `hasCase(id = ${models[0]!.id})`), sortIds(models[0]!.tagIds));
      const phishTag = models[0]!.tagIds[models[0]!.tags!.indexOf('phish')]!;
      assert.deepEqual(await idsFor('cases', `hasTag(id = ${phishTag})`), sortIds([models[0]!.id, models[1]!.id]), 'Phish and phish are one tag');
      assert.deepEqual(await idsFor('tags', 'hasCase(name CONTAINS "phish")'), sortIds([...new Set([...models[0]!.tagIds, ...models[1]!.tagIds])]));
      assert.deepEqual(await idsFor('tags', 'NOT hasCase(id > 0)'), []);
      // Case-level notes have no task: a NULL task_id must not make NOT hasNote() reject every task.
      assert.deepEqual(await idsFor('tasks', 'NOT hasNote(id > 0)'), sortIds(models.flatMap((m) => m.taskIds)));
      assert.deepEqual(await idsFor('artifacts', `hasCase(name = "${byName('Wave of scans').name}")`).then((r) => r.length), 1);
    });

    it('sorting places NULLs the same way on every dialect', async () => {
      const all = (await tc('GET', '/v3/cases?resultLimit=10000')).body.data as Json[];
      const detected = new Map(all.map((c) => [c.id as number, c.caseDetectionTime as string | undefined]));
      assert.ok([...detected.values()].some((v) => v === undefined) && [...detected.values()].some((v) => v !== undefined));
      /** NULL sorts lowest; ties by id ascending. */
      const order = (direction: 1 | -1, nulls: 'first' | 'last') => [...detected.keys()].sort((a, b) => {
        const x = detected.get(a);
        const y = detected.get(b);
        if (x === undefined || y === undefined) {
          if (x === y) return a - b;
          return (x === undefined ? -1 : 1) * (nulls === 'first' ? 1 : -1);
        }
        return x === y ? a - b : (x < y ? -1 : 1) * direction;
      });
      const sorted = async (sorting: string) => (await tc('GET', `/v3/cases?resultLimit=10000&sorting=${q(sorting)}`)).body.data.map((c: Json) => c.id);
      assert.deepEqual(await sorted('caseDetectionTime asc'), order(1, 'first'));
      assert.deepEqual(await sorted('caseDetectionTime'), order(1, 'first'));
      assert.deepEqual(await sorted('caseDetectionTime desc'), order(-1, 'last'));
      assert.deepEqual(await sorted('caseDetectionTime nullsfirst'), order(1, 'first'));
      assert.deepEqual(await sorted('caseDetectionTime nullslast'), order(1, 'last'));
      assert.deepEqual((await sorted('caseDetectionTime nullslast')).slice(-1), [...detected.keys()].filter((id) => detected.get(id) === undefined).slice(-1));
    });

    it('a syntax error: 400 0x2001 with the position', async () => {
      for (const tql of ['name = ', 'name = "unterminated', '(severity = "Low"', 'severity = "Low")', 'name "x"', 'AND name = "x"', 'name IN ()', 'hasTask(', 'name = "x" name = "y"', 'severity IN ("Low",)']) {
        const answer = await tc('GET', `/v3/cases?tql=${q(tql)}`);
        assertError(answer, 400, '0x2001', /position/);
      }
    });

    it('an unknown keyword or sub-query: 0x2001 naming it', async () => {
      assertError(await tc('GET', `/v3/cases?tql=${q('colour = "red"')}`), 400, '0x2001', /colour/);
      assertError(await tc('GET', `/v3/cases?tql=${q('hasVictim(id = 1)')}`), 400, '0x2001', /hasVictim/);
      assertError(await tc('GET', `/v3/cases?tql=${q('hasTask(colour = 1)')}`), 400, '0x2001', /colour/);
      assertError(await tc('GET', `/v3/tasks?tql=${q('hasTag(id = 1)')}`), 400, '0x2001', /hasTag/);
    });

    it('a value of the wrong type: 0x2001', async () => {
      assertError(await tc('GET', `/v3/cases?tql=${q('id = "abc"')}`), 400, '0x2001', /id/);
      assertError(await tc('GET', `/v3/cases?tql=${q('id = 1.5')}`), 400, '0x2001');
      assertError(await tc('GET', `/v3/cases?tql=${q('severity = "Severe"')}`), 400, '0x2001', /Critical/);
      assertError(await tc('GET', `/v3/cases?tql=${q('caseOpenTime > "last tuesday"')}`), 400, '0x2001');
      assertError(await tc('GET', `/v3/cases?tql=${q('caseOpenTime > 5')}`), 400, '0x2001');
      assertError(await tc('GET', `/v3/cases?tql=${q('id CONTAINS "1"')}`), 400, '0x2001');
      assertError(await tc('GET', `/v3/cases?tql=${q('hasTask(required = "maybe")')}`), 400, '0x2001');
      assertError(await tc('GET', `/v3/cases?tql=${q(Array.from({ length: 300 }, (_, i) => `id = ${i}`).join(' OR '))}`), 400, '0x2001', /terms/);
      // Too long for a query string: tcex sends such a query in a GET body.
      const { accessId, secret } = server.bootstrap.apiUser;
      const body = JSON.stringify({ data: { tql: `name = "${'x'.repeat(9000)}"` } });
      const long = await rawRequest(server.baseUrl, 'GET', '/api/v3/cases', { ...tcHeaders(accessId, secret, 'GET', '/api/v3/cases'), 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }, body);
      assertError({ status: long.status, body: JSON.parse(long.body) }, 400, '0x2001', /8192/);
    });

    it('the NUL character is refused alike on every dialect: 400, never a 5xx', async () => {
      assertError(await tc('GET', `/v3/cases?tql=${q('name = "a\u0000b"')}`), 400, '0x2001', /NUL.*position 10/);
      assertError(await tc('GET', `/v3/cases?tql=${q('hasNote(summary = "\u0000x")')}`), 400, '0x2001', /NUL/);
      const created = await tc('POST', '/v3/cases', { ...BASE_CASE, name: 'nul\u0000inside' });
      assertError(created, 400, '0x2005', /name must not contain the NUL character/);
      const { accessId, secret } = server.bootstrap.apiUser;
      for (const target of ['/api/v3/cases/a%00b', '/api/v3/cases?owner=%00', '/api/v3/tags/x%00']) {
        const answer = await rawRequest(server.baseUrl, 'GET', target, tcHeaders(accessId, secret, 'GET', target));
        assert.ok(answer.status >= 400 && answer.status < 500, `${target} → ${answer.status} ${answer.body}`);
        assert.equal(JSON.parse(answer.body).status, 'Error', target);
      }
    });

    describe('property: hostile TQL never breaks the server', () => {
      const KEYWORDS = ['id', 'name', 'NAME', 'xid', 'description', 'severity', 'status', 'resolution', 'caseOpenTime', 'case_open_time', 'dateAdded',
        'ownerId', 'createdById', 'caseDetectionTime', 'bogus', 'summary', 'typeName', 'required'];
      const NESTED = ['hasTask', 'hasTag', 'hasNote', 'hasArtifact', 'hasCase', 'HASTASK', 'hasGroup'];
      const OPERATORS = ['=', '==', '!=', '<>', '>', '<', '>=', '<=', 'EQ', 'NE', 'GT', 'LT', 'GEQ', 'LEQ', 'IN', 'NOT IN', 'in', 'LIKE', 'NOT LIKE',
        'CONTAINS', 'NOT CONTAINS', 'STARTSWITH', 'NOT STARTSWITH', 'ENDSWITH', 'not endswith', '=>', '!', '==='];
      const VALUES = ['"x"', '\'y\'', '"Low"', '"low"', '"Open"', '5', '0', '-1', '999999999999999', '99999999999999999999', '1.5', 'true', 'False', 'TRUE',
        '"NOW() - 1 HOUR"', '"TODAY()"', '"TODAY() + 99999 YEARS"', '"2023-02-01"', '"2023-02-30"', '"2023-01-01 00:00:00"', '("a", "b")', '(1, 2, 3)', '()',
        '(("nested"))', '"%"', '"_"', '"\\\\"', '"\\""', 'bareword', 'NULL', '""', `"${'z'.repeat(300)}"`];
      const SQL = ['\'; drop table cases; --', '" OR 1=1 --', '1; DELETE FROM cases', ') OR (1=1', 'UNION SELECT * FROM users', '/*', '*/', '--', ';', '\\',
        '\'\'', '""', '`', '%00', '\u0000', '$1', '?', ':name', 'lower(name)', 'cases.id', 't0.id', 'pg_sleep(1)'];
      const STRUCTURE = ['(', ')', '(', ')', 'AND', 'OR', 'NOT', 'and', 'or', 'not', ',', 'IS', 'IS NOT', 'NULL', 'is null'];
      const token = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...KEYWORDS) },
        { weight: 1, arbitrary: fc.constantFrom(...NESTED) },
        { weight: 3, arbitrary: fc.constantFrom(...OPERATORS) },
        { weight: 3, arbitrary: fc.constantFrom(...VALUES) },
        { weight: 2, arbitrary: fc.constantFrom(...STRUCTURE) },
        { weight: 2, arbitrary: fc.constantFrom(...SQL) },
        { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
      );
      /** A well-formed predicate or sub-query, then mutated by the random token stream around it. */
      const predicate = fc.tuple(fc.constantFrom(...KEYWORDS), fc.constantFrom(...OPERATORS), fc.constantFrom(...VALUES)).map(([k, o, v]) => `${k} ${o} ${v}`);
      const wellFormed: fc.Arbitrary<string> = fc.letrec<{ query: string }>((tie) => ({
        query: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          predicate,
          fc.tuple(tie('query'), fc.constantFrom('AND', 'OR', 'and', 'or'), tie('query')).map(([a, op, b]) => `${a} ${op} ${b}`),
          tie('query').map((inner) => `(${inner})`),
          tie('query').map((inner) => `NOT ${inner}`),
          fc.tuple(fc.constantFrom(...NESTED), tie('query')).map(([n, inner]) => `${n}(${inner})`),
        ),
      })).query;
      const mutated = fc.tuple(wellFormed, fc.array(fc.tuple(fc.nat(), fc.nat(3), token), { maxLength: 4 })).map(([text, edits]) => {
        let out = text;
        for (const [at, kind, tok] of edits) {
          const i = out.length === 0 ? 0 : at % (out.length + 1);
          if (kind === 0) out = out.slice(0, i) + tok + out.slice(i); // insert glued
          else if (kind === 1) out = `${out.slice(0, i)} ${tok} ${out.slice(i)}`; // insert spaced
          else if (kind === 2) out = out.slice(0, i) + out.slice(i + 1 + (at % 5)); // delete a few characters
          else out = out.slice(0, i) + tok + out.slice(i + tok.length); // overwrite
        }
        // Cutting at a code unit can split a surrogate pair; a URL cannot carry a lone surrogate.
        return out.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
      });
      const soup = fc.array(token, { minLength: 1, maxLength: 12 }).chain((tokens) => fc.constantFrom(tokens.join(' '), tokens.join('')));
      const hostile = fc.oneof({ weight: 2, arbitrary: wellFormed }, { weight: 4, arbitrary: mutated }, { weight: 3, arbitrary: soup });

      it('GET /v3/cases?tql=… answers 200 or 400 0x2001/0x1001, never a 5xx', async () => {
        const before = await idsFor('cases', 'id > 0');
        let ok = 0;
        let rejected = 0;
        await fc.assert(
          fc.asyncProperty(hostile, async (tql) => {
            const response = await api.request('GET', `/v3/cases?resultLimit=5&tql=${q(tql)}`);
            const text = await response.text();
            const where = `tql ${JSON.stringify(tql)} → ${response.status} ${text.slice(0, 200)}`;
            assert.equal(response.headers.get('content-type'), 'application/json', where);
            const body = JSON.parse(text);
            if (response.status === 200) {
              ok++;
              assert.equal(body.status, 'Success', where);
              assert.ok(Array.isArray(body.data), where);
            } else {
              rejected++;
              assert.equal(response.status, 400, where);
              assert.equal(body.status, 'Error', where);
              assert.ok(['0x2001', '0x1001'].includes(body.errCode), where);
              assert.equal(typeof body.message, 'string', where);
            }
          }),
          { numRuns: 150 },
        );
        assert.ok(ok > 0 && rejected > 0, `both outcomes occur (ok ${ok}, rejected ${rejected})`);
        // The cases table is intact and still answers.
        assert.deepEqual(await idsFor('cases', 'id > 0'), before);
        assert.equal((await tc('GET', '/v3/cases?count=true&resultLimit=1')).body.count, models.length);
        assert.equal((await tc('GET', '/v3/tasks?count=true&resultLimit=1')).body.count, models.flatMap((m) => m.taskIds).length);
      });
    });
  });

  describe(`v3 owner scoping and bulk delete (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    let other: CairnClient;
    const OTHER_ORG = 'Second Organization';
    const tc = (method: string, target: string, body?: unknown) => call(api, method, target, body);
    const them = (method: string, target: string, body?: unknown) => call(other, method, target, body);
    let theirs: { id: number; xid: string; taskId: number; tagId: number; noteId: number };
    let mine: { id: number; taskId: number };

    before(async () => {
      server = await startTestServer(dialect);
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      await server.services.tenancy.createOrganization(OTHER_ORG);
      const user = await server.services.tenancy.createApiUser(OTHER_ORG);
      other = new CairnClient({ baseUrl: `${server.baseUrl}/api`, accessId: user.accessId, secret: user.secret, scheme: 'threatconnect' });
      const created = await them('POST', '/v3/cases?fields=tasks&fields=tags&fields=notes', {
        name: 'Their secret case', severity: 'High', status: 'Open', xid: 'their-xid',
        tasks: { data: [{ name: 'Their task' }] }, tags: { data: [{ name: 'their-tag' }] }, notes: { data: [{ text: 'their note' }] },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const data = created.body.data;
      assert.equal(data.owner, OTHER_ORG);
      theirs = { id: data.id, xid: data.xid, taskId: data.tasks.data[0].id, tagId: data.tags.data[0].id, noteId: data.notes.data[0].id };
      const own = await tc('POST', '/v3/cases?fields=tasks', { name: 'My case', severity: 'Low', status: 'Open', xid: 'their-xid', tasks: { data: [{ name: 'My task' }] } });
      assert.equal(own.status, 201, 'xids are unique per owner, not globally');
      mine = { id: own.body.data.id, taskId: own.body.data.tasks.data[0].id };
    });
    after(() => server.close());

    it('another organization\'s cases are invisible in lists and TQL', async () => {
      const list = (await tc('GET', '/v3/cases?resultLimit=10000')).body.data;
      assert.deepEqual(list.map((c: Json) => c.id), [mine.id]);
      assert.equal((await tc('GET', '/v3/cases?count=true')).body.count, 1);
      for (const tql of [`id = ${theirs.id}`, 'name = "Their secret case"', `hasTask(id = ${theirs.taskId})`, 'hasTask(name = "Their task")',
        `hasTag(id = ${theirs.tagId})`, 'hasNote(text = "their note")', `ownerId > 0`]) {
        const answer = await tc('GET', `/v3/cases?tql=${q(tql)}`);
        assert.equal(answer.status, 200, tql);
        assert.deepEqual(answer.body.data, [], tql);
      }
      assert.deepEqual((await tc('GET', `/v3/tasks?tql=${q(`hasCase(id = ${theirs.id})`)}`)).body.data, []);
      assert.deepEqual((await tc('GET', `/v3/tasks?tql=${q(`caseId = ${theirs.id}`)}`)).body.data, []);
      assert.deepEqual((await tc('GET', '/v3/tasks')).body.data.map((t: Json) => t.id), [mine.taskId]);
      assert.deepEqual((await tc('GET', '/v3/tags')).body.data, []);
      assert.deepEqual((await tc('GET', '/v3/notes')).body.data, []);
      assert.deepEqual((await tc('GET', `/v3/tags?tql=${q(`hasCase(id = ${theirs.id})`)}`)).body.data, []);
    });

    it('GET, PUT and DELETE of their items by id or xid: 404', async () => {
      assertError(await tc('GET', `/v3/cases/${theirs.id}`), 404, '0x1004');
      assert.equal((await tc('GET', `/v3/cases/${theirs.xid}`)).body.data.id, mine.id, 'the xid names my own case');
      assertError(await tc('PUT', `/v3/cases/${theirs.id}`, { name: 'Hijacked' }), 404, '0x1004');
      assertError(await tc('PUT', `/v3/cases/${theirs.id}`, { tasks: { data: [{ id: theirs.taskId }], mode: 'delete' } }), 404, '0x1004');
      assertError(await tc('DELETE', `/v3/cases/${theirs.id}`), 404, '0x1004');
      assertError(await tc('GET', `/v3/tasks/${theirs.taskId}`), 404, '0x1004');
      assertError(await tc('PUT', `/v3/tasks/${theirs.taskId}`, { name: 'Hijacked' }), 404, '0x1004');
      assertError(await tc('DELETE', `/v3/tasks/${theirs.taskId}`), 404, '0x1004');
      assertError(await tc('GET', `/v3/tags/${theirs.tagId}`), 404, '0x1004');
      assertError(await tc('DELETE', `/v3/notes/${theirs.noteId}`), 404, '0x1004');
      const still = await them('GET', `/v3/cases/${theirs.id}?fields=tasks&fields=notes`);
      assert.equal(still.body.data.name, 'Their secret case');
      assert.equal(still.body.data.tasks.data.length, 1);
      assert.equal(still.body.data.notes.data.length, 1);
    });

    it('nested references to their items are refused', async () => {
      const task = await tc('POST', '/v3/tasks', { caseId: theirs.id, name: 'Sneaky task' });
      assert.ok(task.status === 400 || task.status === 404, JSON.stringify(task.body));
      assert.equal(task.body.status, 'Error');
      const byXid = await tc('POST', '/v3/tasks', { caseXid: 'their-xid', name: 'Lands in my case' });
      assert.equal(byXid.status, 201);
      assert.equal(byXid.body.data.caseId, mine.id);
      for (const body of [{ caseId: theirs.id, text: 'x' }, { taskId: theirs.taskId, text: 'x' }]) {
        const note = await tc('POST', '/v3/notes', body);
        assert.ok(note.status === 400 || note.status === 404, JSON.stringify(note.body));
      }
      const artifact = await tc('POST', '/v3/artifacts', { caseId: theirs.id, summary: 'x.example', type: 'Host' });
      assert.ok(artifact.status === 400 || artifact.status === 404, JSON.stringify(artifact.body));
      const tag = await tc('PUT', `/v3/cases/${mine.id}`, { tags: { data: [{ id: theirs.tagId }] } });
      assert.ok(tag.status === 400 || tag.status === 404, JSON.stringify(tag.body));
      // Naming their tag's name creates my own tag of that name instead.
      const named = await tc('PUT', `/v3/cases/${mine.id}?fields=tags`, { tags: { data: [{ name: 'their-tag' }] } });
      assert.equal(named.status, 200);
      assert.notEqual(named.body.data.tags.data[0].id, theirs.tagId);
      assert.deepEqual((await them('GET', `/v3/tags/${theirs.tagId}?fields=cases`)).status, 200);
      assert.deepEqual((await them('GET', `/v3/cases?tql=${q(`hasTag(id = ${theirs.tagId})`)}`)).body.data.map((c: Json) => c.id), [theirs.id]);
      assert.deepEqual((await them('GET', `/v3/tasks?tql=${q(`hasCase(id = ${theirs.id})`)}`)).body.data.map((t: Json) => t.id), [theirs.taskId]);
    });

    it('?owner= names only visible owners', async () => {
      assertError(await tc('GET', `/v3/cases?owner=${q(OTHER_ORG)}`), 404, '0x1004');
      assertError(await tc('GET', `/v3/cases/${theirs.id}?owner=${q(OTHER_ORG)}`), 404, '0x1004');
      assertError(await tc('POST', `/v3/cases?owner=${q(OTHER_ORG)}`, BASE_CASE), 404, '0x1004');
      assertError(await tc('POST', '/v3/cases', { ...BASE_CASE, ownerName: OTHER_ORG }), 404, '0x1004');
      assertError(await tc('GET', '/v3/cases?owner=Nobody'), 404, '0x1004');
      assert.deepEqual((await tc('GET', `/v3/cases?owner=${q(ORG)}`)).body.data.map((c: Json) => c.id), [mine.id]);
      assert.deepEqual((await tc('GET', '/v3/cases?owner=0')).body.data.map((c: Json) => c.id), [mine.id], 'an owner named by its id');
      assert.deepEqual((await tc('GET', `/v3/cases?owner=${q(COMMUNITY)}`)).body.data, []);
      assertError(await them('GET', `/v3/cases?owner=${q(ORG)}`), 404, '0x1004');
    });

    it('the other organization sees only its own', async () => {
      assert.deepEqual((await them('GET', '/v3/cases')).body.data.map((c: Json) => c.id), [theirs.id]);
      assertError(await them('GET', `/v3/cases/${mine.id}`), 404, '0x1004');
      assertError(await them('PUT', `/v3/cases/${mine.id}`, { name: 'x' }), 404, '0x1004');
      assert.deepEqual((await them('GET', '/v3/tasks')).body.data.map((t: Json) => t.id), [theirs.taskId]);
      const owners = (await them('GET', '/v3/security/owners')).body.data;
      assert.deepEqual(owners.map((o: Json) => o.name), [OTHER_ORG]);
    });

    it('/v3/security/owners lists the two owners the caller sees', async () => {
      const answer = await tc('GET', '/v3/security/owners');
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.data.map((o: Json) => [o.id, o.name, o.type]), [[0, ORG, 'Organization'], [1, COMMUNITY, 'Community']]);
      assert.equal(answer.body.data[0].permCase, 'FULL');
      assertError(await tc('POST', '/v3/security/owners', { name: 'x' }), 405, '0x1005');
    });

    describe('bulk delete', () => {
      it('is refused with 403 0x1003 while v3ApiBulkDeleteAllowed is off (the default)', async () => {
        assertError(await tc('DELETE', `/v3/cases?tql=${q('id > 0')}`), 403, '0x1003', /v3ApiBulkDeleteAllowed/);
        assertError(await tc('DELETE', `/v3/tasks?tql=${q('id > 0')}`), 403, '0x1003');
        assert.equal((await tc('GET', '/v3/cases?count=true')).body.count, 1);
      });

      it('when enabled, deletes exactly the matching cases of the caller, with their tasks', async () => {
        const { writeSetting } = await import('../../src/core/settings.js');
        await writeSetting(server.services.store.db, 'v3ApiBulkDeleteAllowed', 'true');
        const made: { id: number; name: string; tasks: number[] }[] = [];
        for (const name of ['bulk-a', 'bulk-b', 'bulk-c', 'keep-a', 'keep-b']) {
          const answer = await tc('POST', '/v3/cases?fields=tasks', { ...BASE_CASE, name, tasks: { data: [{ name: `${name} task` }] }, notes: { data: [{ text: name }] } });
          made.push({ id: answer.body.data.id, name, tasks: answer.body.data.tasks.data.map((t: Json) => t.id) });
        }
        const theirBulk = await them('POST', '/v3/cases', { ...BASE_CASE, name: 'bulk-theirs' });
        const answer = await tc('DELETE', `/v3/cases?tql=${q('name STARTSWITH "bulk-"')}`);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.deepEqual(answer.body, { count: 3, message: 'Deleted', status: 'Success' });
        const left = (await tc('GET', '/v3/cases?resultLimit=10000')).body.data.map((c: Json) => c.name).sort();
        assert.deepEqual(left, ['My case', 'keep-a', 'keep-b']);
        const deletedTasks = made.filter((m) => m.name.startsWith('bulk-')).flatMap((m) => m.tasks);
        assert.deepEqual((await tc('GET', `/v3/tasks?tql=${q(`id IN (${deletedTasks.join(',')})`)}`)).body.data, []);
        assert.equal((await tc('GET', `/v3/notes?tql=${q('text STARTSWITH "bulk-"')}`)).body.data.length, 0);
        assert.equal((await tc('GET', `/v3/notes?tql=${q('text STARTSWITH "keep-"')}`)).body.data.length, 2);
        const keptTasks = made.filter((m) => m.name.startsWith('keep-')).flatMap((m) => m.tasks);
        assert.equal((await tc('GET', `/v3/tasks?tql=${q(`id IN (${keptTasks.join(',')})`)}`)).body.data.length, 2);
        assert.equal((await them('GET', `/v3/cases/${theirBulk.body.data.id}`)).status, 200, 'another owner\'s matching case survives');
        assert.equal((await them('GET', `/v3/cases/${theirs.id}`)).status, 200);

        const none = await tc('DELETE', `/v3/cases?tql=${q('name = "nothing matches"')}`);
        assert.deepEqual(none.body, { count: 0, message: 'Deleted', status: 'Success' });
      });

      it('needs a tql filter, a valid one', async () => {
        const missing = await tc('DELETE', '/v3/cases');
        assert.equal(missing.status, 400, JSON.stringify(missing.body));
        assert.equal(missing.body.status, 'Error');
        assert.equal((await tc('DELETE', '/v3/cases?tql=')).status, 400);
        assertError(await tc('DELETE', `/v3/cases?tql=${q('name = ')}`), 400, '0x2001');
        assertError(await tc('DELETE', `/v3/cases?tql=${q('bogus = 1')}`), 400, '0x2001', /bogus/);
        assertError(await tc('DELETE', `/v3/artifactTypes?tql=${q('id > 0')}`), 405, '0x1005');
        assert.equal((await tc('GET', '/v3/cases?count=true')).body.count, 3);
      });

      it('accepts the filter in a DELETE body, and works on tasks', async () => {
        const { accessId, secret } = server.bootstrap.apiUser;
        const target = '/api/v3/cases';
        const body = JSON.stringify({ data: { tql: 'name = "keep-a"' } });
        const response = await rawRequest(server.baseUrl, 'DELETE', target, { ...tcHeaders(accessId, secret, 'DELETE', target), 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }, body);
        assert.equal(response.status, 200, response.body);
        assert.equal(response.headers['content-type'], 'application/json');
        assert.deepEqual(JSON.parse(response.body), { count: 1, message: 'Deleted', status: 'Success' });
        assert.deepEqual((await tc('GET', '/v3/cases')).body.data.map((c: Json) => c.name).sort(), ['My case', 'keep-b']);
        const tasks = await tc('DELETE', `/v3/tasks?tql=${q('name = "My task"')}`);
        assert.deepEqual(tasks.body, { count: 1, message: 'Deleted', status: 'Success' });
        assert.equal((await tc('GET', `/v3/cases/${mine.id}`)).status, 200, 'deleting tasks leaves their case');
        assert.equal((await them('GET', `/v3/tasks/${theirs.taskId}`)).status, 200);
        // A sub-query in the filter of the one DELETE statement.
        const bySubQuery = await tc('DELETE', `/v3/cases?tql=${q('hasTask(name = "keep-b task")')}`);
        assert.deepEqual(bySubQuery.body, { count: 1, message: 'Deleted', status: 'Success' });
        assert.deepEqual((await tc('GET', '/v3/cases')).body.data.map((c: Json) => c.name), ['My case']);
      });
    });
  });

  describe(`v3 catalogues and case children (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    const tc = (method: string, target: string, body?: unknown) => call(api, method, target, body);
    let caseId: number;

    before(async () => {
      server = await startTestServer(dialect);
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      caseId = (await tc('POST', '/v3/cases', { ...BASE_CASE, name: 'Parent case', xid: 'parent-xid' })).body.data.id;
    });
    after(() => server.close());

    it('every declared resource answers OPTIONS, OPTIONS fields/tql and GET ?fields=_all_', async () => {
      for (const resource of RESOURCES.values()) {
        const path = `/v3/${resource.name}`;
        const descriptor = await tc('OPTIONS', path);
        assert.equal(descriptor.status, 200, path);
        const full = await tc('OPTIONS', `${path}?show=readOnly`);
        assert.ok(Object.keys(full.body).length >= Object.keys(descriptor.body).length, path);
        for (const [name, property] of Object.entries(full.body as Record<string, Json>)) {
          const item = Array.isArray(property?.data) ? property.data[0] : property;
          assert.equal(typeof item?.type, 'string', `${path} ${name}`);
        }
        for (const kind of ['fields', 'tql']) {
          const list = await tc('OPTIONS', `${path}/${kind}`);
          assert.equal(list.status, 200, `${path}/${kind}`);
          assert.equal(list.body.count, list.body.data.length);
        }
        assert.equal((await tc('GET', `${path}?fields=_all_&resultLimit=5`)).status, 200, path);
      }
    });

    it('a PUT that sets nothing, or only collections, is fine on resources without a last-updated stamp', async () => {
      const event = (await tc('POST', '/v3/workflowEvents', { caseId, summary: 'Nothing to change' })).body.data;
      const unchanged = await tc('PUT', `/v3/workflowEvents/${event.id}`, {});
      assert.equal(unchanged.status, 200, JSON.stringify(unchanged.body));
      assert.deepEqual(unchanged.body.data, event);
      const label = (await tc('POST', '/v3/securityLabels', { name: 'Untouched' })).body.data;
      assert.equal((await tc('PUT', `/v3/securityLabels/${label.id}`, {})).status, 200);
      assert.equal((await tc('PUT', `/v3/cases/${caseId}`, {})).status, 200);
      await tc('DELETE', `/v3/workflowEvents/${event.id}`);
      await tc('DELETE', `/v3/securityLabels/${label.id}`);
    });

    it('tags list their cases with ?fields=cases; cases are tagged from the case side', async () => {
      const tagged = (await tc('POST', '/v3/cases?fields=tags', { ...BASE_CASE, name: 'Tagged', tags: { data: [{ name: 'listed' }] } })).body.data;
      const tag = tagged.tags.data[0];
      const read = await tc('GET', `/v3/tags/${tag.id}?fields=cases`);
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.deepEqual(read.body.data.cases.data.map((c: Json) => c.id), [tagged.id]);
      assert.equal((await tc('OPTIONS', '/v3/tags?show=readOnly')).body.cases.data[0].type, 'Case');
      assertError(await tc('POST', '/v3/tags', { name: 'with cases', cases: { data: [{ id: tagged.id }] } }), 400, '0x2005', /cases/);
      assertError(await tc('PUT', `/v3/tags/${tag.id}`, { cases: { data: [{ id: caseId }] } }), 400, '0x2005', /cases/);
      await tc('DELETE', `/v3/cases/${tagged.id}`);
      assert.deepEqual((await tc('GET', `/v3/tags/${tag.id}?fields=cases`)).body.data.cases.data, []);
    });

    it('GET /v3/artifactTypes lists read-only types; writes are 405 0x1005', async () => {
      const answer = await tc('GET', '/v3/artifactTypes?resultLimit=10000');
      assert.equal(answer.status, 200);
      const host = answer.body.data.find((t: Json) => t.name === 'Host');
      assert.deepEqual(Object.keys(host).sort(), ['dataType', 'derivedLink', 'description', 'id', 'intelType', 'name']);
      assert.equal(host.intelType, 'indicator-Host');
      for (const name of ['Email Address', 'URL', 'Address', 'ASN']) assert.ok(answer.body.data.some((t: Json) => t.name === name), name);
      assertError(await tc('POST', '/v3/artifactTypes', { name: 'Mine' }), 405, '0x1005');
      assertError(await tc('PUT', `/v3/artifactTypes/${host.id}`, { name: 'Mine' }), 405, '0x1005');
      assertError(await tc('DELETE', `/v3/artifactTypes/${host.id}`), 405, '0x1005');
      assert.deepEqual((await tc('GET', `/v3/artifactTypes?tql=${q('name = "Host"')}`)).body.data, [host]);
      assert.deepEqual((await tc('GET', `/v3/artifactTypes/${host.id}`)).body.data, host);
    });

    it('securityLabels: the TLP labels belong to System; own labels can be created and deleted, system ones cannot', async () => {
      const labels = (await tc('GET', '/v3/securityLabels')).body.data;
      for (const name of ['TLP:WHITE', 'TLP:GREEN', 'TLP:AMBER', 'TLP:RED']) {
        const label = labels.find((l: Json) => l.name === name);
        assert.ok(label, name);
        assert.equal(label.owner, 'System', name);
      }
      const red = labels.find((l: Json) => l.name === 'TLP:RED');
      assert.equal(red.color, 'FF2B2B');
      const created = await tc('POST', '/v3/securityLabels', { name: 'Internal Only', description: 'Ours', color: '00AA00' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.message, 'Created');
      assert.equal(created.body.data.owner, ORG);
      assert.equal(created.body.data.color, '00AA00');
      assertError(await tc('POST', '/v3/securityLabels', { name: 'TLP:RED' }), 409, '0x1006');
      assertError(await tc('POST', '/v3/securityLabels', { name: 'Bad colour', color: 'red' }), 400, '0x2005');
      assert.equal((await tc('PUT', `/v3/securityLabels/${created.body.data.id}`, { description: 'Still ours' })).body.data.description, 'Still ours');
      assertError(await tc('DELETE', `/v3/securityLabels/${red.id}`), 403, '0x1003');
      assertError(await tc('PUT', `/v3/securityLabels/${red.id}`, { color: '000000' }), 403, '0x1003');
      assert.deepEqual((await tc('DELETE', `/v3/securityLabels/${created.body.data.id}`)).body, { message: 'Deleted', status: 'Success' });
      assertError(await tc('GET', `/v3/securityLabels/${created.body.data.id}`), 404, '0x1004');
      assert.equal((await tc('GET', `/v3/securityLabels/${red.id}`)).body.data.name, 'TLP:RED');
    });

    it('tasks: create, read, update, close, reopen, delete', async () => {
      const created = await tc('POST', '/v3/tasks', { caseId, name: 'Collect logs', description: 'All of them', workflowPhase: 2, workflowStep: 1, required: true });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const task = created.body.data;
      assert.equal(task.caseId, caseId);
      assert.equal(task.status, 'Pending');
      assert.equal(task.required, true);
      assert.equal(task.owner, ORG);
      const byXid = await tc('POST', '/v3/tasks', { caseXid: 'parent-xid', name: 'By xid' });
      assert.equal(byXid.body.data.caseId, caseId);
      assert.deepEqual((await tc('GET', `/v3/tasks/${task.id}`)).body.data, task);
      assert.deepEqual((await tc('GET', `/v3/tasks/${task.xid}`)).body.data, task);
      const closed = (await tc('PUT', `/v3/tasks/${task.id}`, { status: 'Closed' })).body.data;
      assert.equal(closed.status, 'Closed');
      assert.ok(closed.completedDate);
      assert.equal(closed.completedBy.userName, server.bootstrap.apiUser.accessId);
      assert.equal(closed.name, 'Collect logs');
      const reopened = (await tc('PUT', `/v3/tasks/${task.id}`, { status: 'Reopened', description: 'Again' })).body.data;
      assert.equal(reopened.completedDate, undefined);
      assert.equal(reopened.description, 'Again');
      assertError(await tc('PUT', `/v3/tasks/${task.id}`, { caseId: caseId + 1000 }), 400, '0x2005', /caseId/);
      assertError(await tc('PUT', `/v3/tasks/${task.id}`, { workflowPhase: 3 }), 400, '0x2005', /workflowPhase/);
      assertError(await tc('POST', '/v3/tasks', { name: 'Orphan' }), 400, '0x2003', /caseId/);
      assertError(await tc('POST', '/v3/tasks', { caseId }), 400, '0x2003', /name/);
      assert.deepEqual((await tc('DELETE', `/v3/tasks/${task.id}`)).body, { message: 'Deleted', status: 'Success' });
      assertError(await tc('GET', `/v3/tasks/${task.id}`), 404, '0x1004');
    });

    it('notes: exactly one parent; create, edit, delete', async () => {
      const task = (await tc('POST', '/v3/tasks', { caseId, name: 'Task with notes' })).body.data;
      const onCase = await tc('POST', '/v3/notes', { caseId, text: 'On the case' });
      assert.equal(onCase.status, 201, JSON.stringify(onCase.body));
      assert.equal(onCase.body.data.caseId, caseId);
      assert.equal(onCase.body.data.edited, false);
      assert.equal(onCase.body.data.author, server.bootstrap.apiUser.accessId);
      const onTask = await tc('POST', '/v3/notes', { taskId: task.id, text: 'On the task' });
      assert.equal(onTask.status, 201, JSON.stringify(onTask.body));
      assert.equal(onTask.body.data.taskId, task.id);
      assert.equal(onTask.body.data.caseId, caseId, 'a task note belongs to the task\'s case too');
      const none = await tc('POST', '/v3/notes', { text: 'Nowhere' });
      assert.equal(none.status, 400, JSON.stringify(none.body));
      const two = await tc('POST', '/v3/notes', { caseId, taskId: task.id, text: 'Twice' });
      assert.equal(two.status, 400, JSON.stringify(two.body));
      assert.match(two.body.message, /exactly one/);
      assertError(await tc('POST', '/v3/notes', { caseId }), 400, '0x2003', /text/);
      const edited = (await tc('PUT', `/v3/notes/${onCase.body.data.id}`, { text: 'Edited' })).body.data;
      assert.equal(edited.text, 'Edited');
      assert.equal(edited.edited, true);
      assert.deepEqual((await tc('GET', `/v3/notes?tql=${q(`hasTask(id = ${task.id})`)}`)).body.data.map((n: Json) => n.id), [onTask.body.data.id]);
      assert.deepEqual((await tc('GET', `/v3/tasks/${task.id}?fields=notes`)).body.data.notes.data.map((n: Json) => n.text), ['On the task']);
      assert.deepEqual((await tc('DELETE', `/v3/notes/${onCase.body.data.id}`)).body, { message: 'Deleted', status: 'Success' });
      assertError(await tc('GET', `/v3/notes/${onCase.body.data.id}`), 404, '0x1004');
      await tc('DELETE', `/v3/tasks/${task.id}`);
      assertError(await tc('GET', `/v3/notes/${onTask.body.data.id}`), 404, '0x1004');
    });

    it('artifacts: typed by artifact type name; create, update, delete', async () => {
      const created = await tc('POST', '/v3/artifacts', { caseId, summary: 'bad@evil.example', type: 'Email Address', source: 'mail gateway' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const artifact = created.body.data;
      assert.equal(artifact.type, 'Email Address');
      assert.equal(artifact.intelType, 'indicator-EmailAddress');
      assert.equal(artifact.caseId, caseId);
      assertError(await tc('POST', '/v3/artifacts', { caseId, summary: 'x' }), 400, '0x2003', /type/);
      assertError(await tc('POST', '/v3/artifacts', { caseId, summary: 'x', type: 'Nope' }), 400, '0x2005', /Nope/);
      const updated = (await tc('PUT', `/v3/artifacts/${artifact.id}`, { source: 'analyst' })).body.data;
      assert.equal(updated.source, 'analyst');
      assert.equal(updated.summary, 'bad@evil.example');
      assertError(await tc('PUT', `/v3/artifacts/${artifact.id}`, { type: 'Host' }), 400, '0x2005', /type/);
      assert.deepEqual((await tc('GET', `/v3/artifacts?tql=${q('summary ENDSWITH "evil.example"')}`)).body.data.map((a: Json) => a.id), [artifact.id]);
      assert.deepEqual((await tc('DELETE', `/v3/artifacts/${artifact.id}`)).body, { message: 'Deleted', status: 'Success' });
      assertError(await tc('GET', `/v3/artifacts/${artifact.id}`), 404, '0x1004');
    });

    it('workflowEvents: create, read, update, delete', async () => {
      const created = await tc('POST', '/v3/workflowEvents', { caseId, summary: 'Escalated to IR', eventDate: '2024-03-01T10:00:00Z' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const event = created.body.data;
      assert.equal(event.eventDate, '2024-03-01T10:00:00Z');
      assert.equal(event.user.userName, server.bootstrap.apiUser.accessId);
      assert.equal(event.systemGenerated, false);
      assert.deepEqual((await tc('GET', `/v3/workflowEvents/${event.id}`)).body.data, event);
      assert.equal((await tc('PUT', `/v3/workflowEvents/${event.id}`, { summary: 'Escalated' })).body.data.summary, 'Escalated');
      assert.deepEqual((await tc('GET', `/v3/cases/${caseId}?fields=workflowEvents`)).body.data.workflowEvents.data.map((e: Json) => e.id), [event.id]);
      // Notes hang under an event too (spec §9): nested on create, by workflowEventId, and by TQL.
      const withNotes = await tc('POST', '/v3/workflowEvents?fields=notes', { caseId, summary: 'Called the CISO', notes: { data: [{ text: 'Voicemail left' }] } });
      assert.equal(withNotes.status, 201, JSON.stringify(withNotes.body));
      const noteId = withNotes.body.data.notes.data[0].id;
      const note = (await tc('GET', `/v3/notes/${noteId}`)).body.data;
      assert.equal(note.workflowEventId, withNotes.body.data.id);
      assert.equal(note.caseId, caseId, 'the note inherits the case of its event');
      assert.equal((await tc('POST', '/v3/notes', { workflowEventId: withNotes.body.data.id, text: 'Called back' })).status, 201);
      assert.deepEqual((await tc('GET', `/v3/workflowEvents/${withNotes.body.data.id}?fields=notes`)).body.data.notes.data.map((n: Json) => n.text), ['Voicemail left', 'Called back']);
      assert.deepEqual((await tc('GET', `/v3/workflowEvents?tql=${q('hasNote(text contains "voicemail")')}`)).body.data.map((e: Json) => e.id), [withNotes.body.data.id]);
      assert.deepEqual((await tc('GET', `/v3/notes?tql=${q('hasWorkflowEvent(summary = "Called the CISO")')}`)).body.data.map((n: Json) => n.text), ['Voicemail left', 'Called back']);
      assert.equal((await tc('DELETE', `/v3/workflowEvents/${withNotes.body.data.id}`)).status, 200);
      assertError(await tc('GET', `/v3/notes/${noteId}`), 404, '0x1004');
      assertError(await tc('POST', '/v3/workflowEvents', { summary: 'No case' }), 400, '0x2003');
      assert.deepEqual((await tc('DELETE', `/v3/workflowEvents/${event.id}`)).body, { message: 'Deleted', status: 'Success' });
      assertError(await tc('GET', `/v3/workflowEvents/${event.id}`), 404, '0x1004');
    });

    it('tags: create, rename, delete; ATT&CK names are techniques', async () => {
      const created = await tc('POST', '/v3/tags', { name: 'T1059', description: 'Command and Scripting Interpreter' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.data.techniqueId, 'T1059');
      assertError(await tc('POST', '/v3/tags', { name: 't1059' }), 409, '0x1006');
      const renamed = (await tc('PUT', `/v3/tags/${created.body.data.id}`, { name: 'scripting' })).body.data;
      assert.equal(renamed.name, 'scripting');
      assert.equal(renamed.techniqueId, undefined);
      assert.deepEqual((await tc('DELETE', `/v3/tags/${created.body.data.id}`)).body, { message: 'Deleted', status: 'Success' });
      assertError(await tc('GET', `/v3/tags/${created.body.data.id}`), 404, '0x1004');
    });

    // Last: it writes at random into this server.
    it('property: hostile POST and PUT bodies never give a 5xx', async () => {
      const fieldNames = [...new Set([...RESOURCES.values()].flatMap((r) => Object.keys(r.fields))), 'ownerId', 'ownerName', 'owner', 'mode', 'data', '__proto__', 'constructor'];
      const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(),
        fc.constantFrom(0, 1, -1, 2_147_483_648, 99_999_999_999, 1e300, caseId, 'parent-xid', 'Host', 'Low', 'Open', 'Closed', 'True', '2023-01-01', 'T1566', 'TLP:RED', '', ' ', 'x'.repeat(300), '1', 'abc'),
        fc.string({ maxLength: 8 }));
      const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
        v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 3 }),
          fc.dictionary(fc.constantFrom(...fieldNames), tie('v'), { maxKeys: 4 }),
          fc.record({
            data: fc.array(fc.dictionary(fc.constantFrom(...fieldNames), tie('v'), { maxKeys: 4 }), { maxLength: 3 }),
            mode: fc.constantFrom('append', 'replace', 'delete', 'merge', undefined),
          })),
      })).v;
      const writable = [...RESOURCES.values()].filter((r) => !r.readOnly).map((r) => r.name);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...writable), fc.constantFrom('POST', 'PUT'), fc.constantFrom('1', '2', 'parent-xid', '99999999999'),
          fc.dictionary(fc.constantFrom(...fieldNames), value, { maxKeys: 6 }), async (type, method, id, body) => {
            const target = method === 'POST' ? `/v3/${type}` : `/v3/${type}/${id}`;
            const response = await api.request(method, target, { body });
            const text = await response.text();
            assert.ok(response.status < 500, `${method} ${target} ${JSON.stringify(body).slice(0, 300)} → ${response.status} ${text.slice(0, 200)}`);
            assert.equal(response.headers.get('content-type'), 'application/json');
          }),
        { numRuns: 150 },
      );
      assert.equal((await tc('GET', `/v3/cases/${caseId}`)).status, 200);
    });
  });
}
