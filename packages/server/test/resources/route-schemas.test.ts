/**
 * v3Schemas: the route schemas built from the declarations compile under Fastify's own ajv, take
 * the bodies and queries real clients send (as the v3 suites send them) without changing a value,
 * and describe what the server really answers (every resource's items, with every collection).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { CairnClient } from '@cairn/client';
import { RESOURCES, resourceNamed } from '../../src/resources/registry.js';
import { v3Schemas } from '../../src/resources/route-schemas.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { call, type Json } from '../support/v3.js';

const admin = { type: 'User', data: { userName: 'admin' } };

/** Bodies the v3 suites send that the engine accepts, per route. */
const CREATE_BODIES: [string, Json][] = [
  ['cases', {
    name: 'Phishing Investigation', severity: 'Low', status: 'Open', xid: 'schema-case', assignee: admin, caseOccurrenceTime: '2023-02-01T12:00:00Z', caseDetectionTime: Date.UTC(2023, 1, 2),
    tasks: { data: [{ name: 'Investigate Phishing Email', workflowPhase: 1, workflowStep: '1', required: 'true', assignee: admin }] },
    notes: { data: [{ text: 'Upload all relevant research to the case.' }] },
    artifacts: { data: [{ summary: 'badguy.com', type: 'Host' }] },
    tags: { data: [{ name: 'Phishing' }, { techniqueId: 'T1566' }], mode: 'append' },
  }],
  ['cases', { name: 'Owner by id', severity: 'high', status: 'Closed', resolution: 'false positive', ownerId: 0 }],
  ['cases', { name: 'Owner by name', severity: 'Low', status: 'Open', ownerName: 'Exemplary Organization', tags: [{ name: 'bare array' }] }],
  ['tasks', { caseXid: 'schema-case', name: 'A task', status: 'Open', dueDate: '2030-01-01', required: false }],
  ['notes', { caseId: '1', text: 'A note' }],
  ['artifacts', { caseId: 1, summary: '10.0.0.1', type: 'Address', source: 'firewall' }],
  ['workflowEvents', { caseId: 1, summary: 'Escalated', eventDate: '2023-02-01T12:00:00Z' }],
  ['tags', { name: 'Standalone', description: 'A tag' }],
  ['securityLabels', { name: 'Internal', color: 'FF2B2B', description: 'Internal only' }],
  ['groups', { type: 'Adversary', name: 'Schema adversary', associatedGroups: { data: [{ type: 'Campaign', name: 'Schema campaign' }] }, associatedCases: { data: [{ id: 1 }] } }],
  ['indicators', {
    type: 'Host', hostName: 'schema.example.com', associatedGroups: { data: [{ id: 1 }], mode: 'append' }, associatedCases: { data: [{ id: '1' }] },
    associatedArtifacts: { data: [{ id: 1 }] }, associatedIndicators: { data: [{ type: 'Address', ip: '10.0.0.9' }] },
  }],
  ['indicators', { type: 'Host', hostName: 'schema.example.com', rating: 5.0, confidence: 50, dnsActive: 'true', whoisActive: false }],
  ['indicators', { type: 'File', md5: 'D41D8CD98F00B204E9800998ECF8427E', size: '1024', rating: '4.50', observations: 2 }],
  ['indicators', { type: 'ASN', 'AS Number': 'AS64500', privateFlag: true, firstSeen: '2023-02-01T12:00:00Z' }],
  ['indicators', { type: 'Registry Key', value1: 'HKLM\\Software', value2: 'Run', value3: 'REG_SZ', ownerName: 'Exemplary Organization' }],
  ['groups', { type: 'Document', name: 'A document', fileName: 'memo.pdf', malware: 'true', password: 'infected', firstSeen: '2023-02-01' }],
  ['groups', { type: 'Incident', name: 'An incident', eventDate: Date.UTC(2023, 1, 2), status: 'Open', xid: 'schema-incident' }],
  ['groups', { type: 'Signature', name: 'A signature', fileName: 'rule.yar', fileType: 'yara', fileText: 'rule x { condition: true }' }],
  ['groups', { type: 'Email', name: 'An email', subject: 'Invoice', header: 'Received: x', body: 'Hello', from: 'a@example.com', ownerName: 'Exemplary Organization' }],
  ['indicators', {
    type: 'Host', hostName: 'schema-metadata.example.com',
    attributes: { data: [{ type: 'Description', value: 'A host', default: 'true', securityLabels: { data: [{ name: 'TLP:AMBER' }] } }] },
    tags: { data: [{ name: 'Phishing' }] }, securityLabels: { data: [{ name: 'TLP:RED' }, { name: 'Internal' }], mode: 'append' },
  }],
  ['groups', { type: 'Adversary', name: 'Schema adversary with metadata', attributes: [{ type: 'Aliases', value: 'Schema' }], tags: { data: [{ name: 'Phishing' }] }, securityLabels: { data: [{ name: 'TLP:RED' }] } }],
  ['indicatorAttributes', { indicatorId: '1', type: 'Title', value: 'A title', source: 'analyst', pinned: true, displayed: 'false', securityLabels: { data: [{ name: 'TLP:GREEN' }] } }],
  ['groupAttributes', { groupId: 1, type: 'Motivation', value: 'money' }],
  ['caseAttributes', { caseId: 1, type: 'External ID', value: 'INC-1', default: true }],
];
const UPDATE_BODIES: [string, Json][] = [
  ['cases', { name: null, description: null, status: 'Closed', assignee: { type: 'None' }, tasks: { data: [{ id: 'abc' }], mode: 'delete' }, tags: { data: [{ name: 'x' }], mode: 'replace' } }],
  ['cases', { id: 1, xid: 'schema-case', bogusField: 1 }],
  ['tasks', { status: 'Closed', workflowPhase: 2 }],
  ['notes', { text: 'Edited' }],
  ['indicators', { rating: '4.5', confidence: 10, sha256: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855', mode: 'merge', falsePositiveFlag: 'True' }],
  ['indicators', { tags: { data: [{ name: 'x' }], mode: 'replace' }, securityLabels: { data: [{ id: 1 }], mode: 'delete' }, attributes: { data: [{ id: '1' }], mode: 'delete' } }],
  ['indicatorAttributes', { value: 'Changed', default: true, source: null, securityLabels: { data: [{ name: 'TLP:RED' }], mode: 'replace' } }],
];
const LIST_QUERIES: Json[] = [
  { tql: 'name = "x"', fields: ['tasks', 'tags'], resultStart: '0', resultLimit: '10', sorting: 'name desc', count: 'true', owner: ['Exemplary Organization', 'Common Community'] },
  { fields: '_all_', resultLimit: '10000' },
];

describe('v3 route schemas from the declarations', () => {
  let server: TestServer;
  let api: CairnClient;
  let app: FastifyInstance;

  before(async () => {
    server = await startTestServer('sqlite');
    api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
    app = Fastify();
    for (const resource of RESOURCES.values()) {
      const schemas = v3Schemas(resource);
      const echo = async (request: { body?: unknown; query?: unknown }) => ({ body: request.body, query: request.query });
      app.post(`/create/${resource.name}`, { schema: { body: schemas.createBody } }, echo);
      app.post(`/update/${resource.name}`, { schema: { body: schemas.updateBody } }, echo);
      app.post(`/item/${resource.name}`, { schema: { body: schemas.item } }, echo);
      app.get(`/list/${resource.name}`, { schema: { querystring: schemas.listQuery } }, echo);
      app.get(`/one/${resource.name}/:id`, { schema: { params: schemas.itemParams } }, echo);
    }
    await app.ready(); // compiles every schema
  });
  after(async () => {
    await app.close();
    await server.close();
  });

  const send = async (url: string, body: Json) => {
    const answer = await app.inject({ method: 'POST', url, payload: body });
    assert.equal(answer.statusCode, 200, `${url} ${JSON.stringify(body).slice(0, 200)}: ${answer.body}`);
    return answer.json().body;
  };

  it('every resource has item, create, update, list and params schemas built from its fields', () => {
    const cases = v3Schemas(resourceNamed('cases'));
    assert.deepEqual(Object.keys(cases.item.properties as object).slice(0, 3), ['id', 'xid', 'name']);
    assert.equal((cases.item.properties as Json).name.maxLength, 255);
    assert.ok(!('id' in (cases.createBody.properties as object)), 'read-only fields are not in a body');
    assert.ok('tasks' in (cases.createBody.properties as object) && 'caseXid' in (v3Schemas(resourceNamed('tasks')).createBody.properties as object));
    assert.ok(!('xid' in (cases.updateBody.properties as object)), 'create-only fields are not in an update');
    assert.match((cases.createBody.properties as Json).severity.description, /Low, Medium, High, Critical/);
    // Documented for the OpenAPI pages; the routes do not validate with it, so the engine still words what is missing.
    assert.deepEqual(cases.createBody.required, ['name', 'severity', 'status']);
  });

  it('take the bodies clients send, unchanged', async () => {
    for (const [name, body] of CREATE_BODIES) assert.deepEqual(await send(`/create/${name}`, body), body);
    for (const [name, body] of UPDATE_BODIES) assert.deepEqual(await send(`/update/${name}`, body), body);
    for (const query of LIST_QUERIES) {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) for (const one of [value].flat()) search.append(key, String(one));
      const answer = await app.inject({ method: 'GET', url: `/list/cases?${search}` });
      assert.equal(answer.statusCode, 200, answer.body);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/one/cases/schema-case' })).statusCode, 200);
  });

  it('the bodies the suites send are created by the server too', async () => {
    for (const [name, body] of CREATE_BODIES) {
      const answer = await call(api, 'POST', `/v3/${name}`, body);
      assert.equal(answer.status, 201, `${name}: ${JSON.stringify(answer.body)}`);
    }
  });

  it('describe every item the server answers, with every collection', async () => {
    for (const resource of RESOURCES.values()) {
      const answer = await call(api, 'GET', `/v3/${resource.name}?fields=_all_&resultLimit=50`);
      assert.equal(answer.status, 200);
      assert.ok(answer.body.data.length > 0, `${resource.name} has items to check`);
      for (const item of answer.body.data) await send(`/item/${resource.name}`, item);
    }
  });
});
