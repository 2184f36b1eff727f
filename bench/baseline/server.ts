/**
 * The yardstick of bench:floor: what a competent engineer would hand-write for the endpoints the
 * benchmark times, and nothing more. Plain Fastify and better-sqlite3 on a copy of the same
 * database; every statement prepared once; a hand-written renderer per resource producing the
 * JSON Cairn produces; a ThreatConnect HMAC check on every request (credential looked up once,
 * its secret decrypted with the data directory's master key through Cairn's own SecretBox,
 * HMAC-SHA256 of the canonical string, constant-time compare, clock window).
 *
 * Endpoints, on Cairn's paths and query strings so the same client code hits both servers:
 *   GET  /api/v3/cases?tql=<one of the fixed filters below>&resultLimit=N   (or sorting=dateAdded desc)
 *   GET  /api/v3/tasks?tql=hasCase(id = N)&resultLimit=N
 *   POST /api/v3/cases   a case with nested tasks, notes and tags, in one transaction
 *   GET  /api/v2/indicators?resultLimit=N   JSON, or XML with Accept: application/xml (issue 9)
 *   GET  /api/v3/indicators?tql=hasTag(name = "…") and hasGroup(id = N)&resultLimit=N
 * Any other filter is answered 400: this server is a measuring stick, not a TQL implementation.
 *
 *   node <bundle of this file> --port 8080 --data-dir <dir>   (bench:floor bundles and starts it)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { SecretBox } from '../../packages/server/src/core/secrets.js';

const { values: args } = parseArgs({ options: { port: { type: 'string' }, 'data-dir': { type: 'string' } } });
const dataDir = path.resolve(args['data-dir'] ?? 'data');
const port = Number(args.port ?? 8080);
const CLOCK_SKEW_SECONDS = 300;

const db = new Database(path.join(dataDir, 'cairn.sqlite'), { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
const secrets = new SecretBox(Buffer.from(fs.readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim(), 'base64'));

type Row = Record<string, any>;

// ------------------------------------------------------------------ credentials

interface Credential {
  userId: number;
  organizationId: number;
  secret: string;
  /** Visible owners: the organization and its communities, id → name. */
  owners: Map<number, string>;
  ownerIds: number[];
}

const credentialByName = db.prepare(`select id, uuid, organization_id, secret_enc, disabled from users where user_name = ?`);
const visibleOwners = db.prepare(`select id, name from owners
  where id = ? or id in (select community_id from community_members where organization_id = ?) order by id`);
const credentials = new Map<string, Credential | null>();

function credentialOf(accessId: string): Credential | null {
  let credential = credentials.get(accessId);
  if (credential === undefined) {
    const row = credentialByName.get(accessId) as Row | undefined;
    if (row && row.disabled === 0) {
      const owners = visibleOwners.all(row.organization_id, row.organization_id) as { id: number; name: string }[];
      credential = {
        userId: row.id, organizationId: row.organization_id, secret: secrets.decrypt(row.secret_enc, `user:${row.uuid}:secret`),
        owners: new Map(owners.map((o) => [o.id, o.name])), ownerIds: owners.map((o) => o.id),
      };
    } else {
      credential = null;
    }
    credentials.set(accessId, credential);
  }
  return credential;
}

class Unauthorized extends Error {}
const AUTHORIZATION = /^TC ([^\s:]{1,256}):([A-Za-z0-9+/=]{1,256})$/;

function authenticate(request: FastifyRequest): Credential {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
  const timestamp = request.headers.timestamp;
  if (!match || typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) throw new Unauthorized('Missing or malformed TC credentials.');
  if (Math.abs(Number(timestamp) - Date.now() / 1000) > CLOCK_SKEW_SECONDS) throw new Unauthorized('The Timestamp is outside the clock window.');
  const credential = credentialOf(match[1]!);
  const expected = Buffer.from(crypto.createHmac('sha256', credential?.secret ?? 'decoy').update(`${request.raw.url}:${request.method}:${timestamp}`).digest('base64'));
  const given = Buffer.from(match[2]!);
  if (!credential || given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw new Unauthorized('The signature does not match.');
  return credential;
}

declare module 'fastify' {
  interface FastifyRequest { credential: Credential }
}

// ------------------------------------------------------------------ rendering

interface UserRef { id: number; userName: string; firstName: string; lastName: string; pseudonym: string; owner: string }
const usersIn = db.prepare(`select users.id, users.user_name, users.first_name, users.last_name, users.pseudonym, owners.name as owner
  from users join owners on owners.id = users.organization_id where users.id in (select value from json_each(?))`);

function usersOf(rows: Row[], columns: readonly string[]): Map<number, UserRef> {
  const ids = new Set<number>();
  for (const row of rows) for (const column of columns) if (row[column] !== null) ids.add(row[column]);
  const users = new Map<number, UserRef>();
  if (ids.size === 0) return users;
  for (const u of usersIn.all(JSON.stringify([...ids])) as Row[]) {
    users.set(u.id, { id: u.id, userName: u.user_name, firstName: u.first_name, lastName: u.last_name, pseudonym: u.pseudonym, owner: u.owner });
  }
  return users;
}

const CASE_USERS = ['case_open_user_id', 'case_close_user_id', 'created_by_id', 'assignee_user_id'] as const;
const TASK_USERS = ['completed_by_id', 'assignee_user_id'] as const;

function ownerName(credential: Credential, id: number | null): string {
  return id === null ? 'System' : credential.owners.get(id) ?? '';
}

function renderCase(r: Row, users: Map<number, UserRef>, credential: Credential): Row {
  const item: Row = { id: r.id, xid: r.xid, name: r.name };
  if (r.description !== null) item.description = r.description;
  item.severity = r.severity;
  item.status = r.status;
  item.resolution = r.resolution;
  if (r.case_open_time !== null) item.caseOpenTime = r.case_open_time;
  if (r.case_close_time !== null) item.caseCloseTime = r.case_close_time;
  if (r.case_occurrence_time !== null) item.caseOccurrenceTime = r.case_occurrence_time;
  if (r.case_detection_time !== null) item.caseDetectionTime = r.case_detection_time;
  const openUser = users.get(r.case_open_user_id);
  if (openUser) item.caseOpenUser = openUser;
  const closeUser = users.get(r.case_close_user_id);
  if (closeUser) item.caseCloseUser = closeUser;
  const createdBy = users.get(r.created_by_id);
  if (createdBy) item.createdBy = createdBy;
  const assignee = users.get(r.assignee_user_id);
  if (assignee) item.assignee = { type: 'User', data: assignee };
  item.dateAdded = r.date_added;
  item.lastUpdated = r.last_updated;
  item.detectionOverdue = false;
  item.responseOverdue = false;
  item.owner = ownerName(credential, r.owner_id);
  item.ownerId = r.owner_id;
  return item;
}

function renderTask(r: Row, users: Map<number, UserRef>, credential: Credential): Row {
  const item: Row = { id: r.id, xid: r.xid, caseId: r.case_id, name: r.name };
  if (r.description !== null) item.description = r.description;
  item.status = r.status;
  item.workflowPhase = r.workflow_phase;
  item.workflowStep = r.workflow_step;
  item.required = r.required === 1;
  if (r.due_date !== null) item.dueDate = r.due_date;
  if (r.completed_date !== null) item.completedDate = r.completed_date;
  const completedBy = users.get(r.completed_by_id);
  if (completedBy) item.completedBy = completedBy;
  const assignee = users.get(r.assignee_user_id);
  if (assignee) item.assignee = { type: 'User', data: assignee };
  item.dateAdded = r.date_added;
  item.lastUpdated = r.last_updated;
  item.owner = ownerName(credential, r.owner_id);
  item.ownerId = r.owner_id;
  return item;
}

function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('Content-Type', 'application/json').serializer((s) => s as string).send(JSON.stringify(body));
}

// ------------------------------------------------------------------ the fixed list queries

interface Filter { pattern: RegExp; where: string; args: (m: RegExpExecArray, credential: Credential) => unknown[]; order?: string }

const likeContains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const dayStart = (day: string) => `${day}T00:00:00Z`;

const CASE_FILTERS: Filter[] = [
  { pattern: /^severity = "(\w+)" and status = "(\w+)"$/, where: 'severity = ? and status = ?', args: (m) => [m[1], m[2]] },
  { pattern: /^name = "([^"]*)"$/, where: 'name = ?', args: (m) => [m[1]] },
  { pattern: /^severity in \("(\w+)","(\w+)"\)$/, where: 'severity in (?, ?)', args: (m) => [m[1], m[2]] },
  { pattern: /^name contains "([^"]*)"$/, where: `name like ? escape '\\'`, args: (m) => [likeContains(m[1]!)] },
  { pattern: /^caseOpenTime >= "(\d{4}-\d{2}-\d{2})" and caseOpenTime < "(\d{4}-\d{2}-\d{2})"$/, where: 'case_open_time >= ? and case_open_time < ?', args: (m) => [dayStart(m[1]!), dayStart(m[2]!)] },
  {
    pattern: /^hasTag\(name = "([^"]*)"\)$/,
    where: 'id in (select case_tags.case_id from case_tags join tags on tags.id = case_tags.tag_id where tags.owner_id in (select value from json_each(?)) and tags.normalized = ?)',
    args: (m, c) => [JSON.stringify(c.ownerIds), m[1]!.trim().toLowerCase()],
  },
];
const SORTED_BY_DATE_ADDED: Filter = { pattern: /^$/, where: '1 = 1', args: () => [], order: 'date_added desc, id' };
const TASK_FILTERS: Filter[] = [
  { pattern: /^hasCase\(id = (\d+)\)$/, where: 'case_id in (select id from cases where id = ? and owner_id in (select value from json_each(?)))', args: (m, c) => [Number(m[1]), JSON.stringify(c.ownerIds)] },
];

/** Statements by resource, filter and number of visible owners (the owner ids are bound, never interpolated). */
const pageStatements = new Map<string, Database.Statement>();
function pageStatement(table: 'cases' | 'tasks', filter: Filter, owners: number): Database.Statement {
  const key = `${table}:${filter.where}:${filter.order ?? 'id'}:${owners}`;
  let statement = pageStatements.get(key);
  if (!statement) {
    statement = db.prepare(`select * from ${table} where owner_id in (${Array.from({ length: owners }, () => '?').join(', ')}) and ${filter.where}
      order by ${filter.order ?? 'id'} limit ? offset ?`);
    pageStatements.set(key, statement);
  }
  return statement;
}

function nextLink(rawUrl: string, start: number, limit: number): string {
  const queryAt = rawUrl.indexOf('?');
  const pathname = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const pairs = (queryAt === -1 ? '' : rawUrl.slice(queryAt + 1)).split('&').filter((p) => p !== '' && !/^result(start|limit)=/i.test(p));
  pairs.push(`resultStart=${start}`, `resultLimit=${limit}`);
  return `${pathname}?${pairs.join('&')}`.replace(/^\/api(?=\/)/, '');
}

interface ListQuery { tql?: string; sorting?: string; resultStart?: string; resultLimit?: string }

function list(table: 'cases' | 'tasks', filters: Filter[], request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const credential = request.credential;
  const query = request.query as ListQuery;
  const tql = query.tql?.trim() ?? '';
  let filter: Filter | undefined;
  let match: RegExpExecArray | null = null;
  if (tql === '' && table === 'cases' && (query.sorting ?? '').trim() === 'dateAdded desc') [filter, match] = [SORTED_BY_DATE_ADDED, /^$/.exec('')];
  else if (query.sorting === undefined) for (const f of filters) if ((match = f.pattern.exec(tql))) { filter = f; break; }
  if (!filter || !match) return sendJson(reply, 400, { errCode: '0x1001', message: 'The baseline serves only the benchmark\'s fixed queries.', status: 'Error' });
  const limit = Math.min(10_000, Math.max(1, Number(query.resultLimit ?? 100) || 100));
  const start = Math.max(0, Number(query.resultStart ?? 0) || 0);
  const rows = pageStatement(table, filter, credential.ownerIds.length).all(...credential.ownerIds, ...filter.args(match, credential), limit + 1, start) as Row[];
  const hasMore = rows.length > limit;
  if (hasMore) rows.pop();
  const users = usersOf(rows, table === 'cases' ? CASE_USERS : TASK_USERS);
  const data = table === 'cases' ? rows.map((r) => renderCase(r, users, credential)) : rows.map((r) => renderTask(r, users, credential));
  const body: Row = { data };
  if (hasMore) body.next = nextLink(request.raw.url!, start + limit, limit);
  body.status = 'Success';
  return sendJson(reply, 200, body);
}

// ------------------------------------------------------------------ intelligence (issue 9)

/** The seeded indicator types: their v2 entity and the v3 key showing value1. */
const INDICATOR_ENTITY: Record<string, string> = { Address: 'address', EmailAddress: 'emailAddress', File: 'file', Host: 'host', URL: 'url' };
const VALUE1_KEY: Record<string, string> = { Address: 'ip', EmailAddress: 'address', File: 'md5', Host: 'hostName', URL: 'text' };

function legacyLink(r: Row, owner: string): string {
  const entity = INDICATOR_ENTITY[r.type]!.toLowerCase();
  return `/auth/indicators/details/${entity}.xhtml?${entity}=${encodeURIComponent(r.summary)}&owner=${encodeURIComponent(owner)}`;
}

/** `GET /api/v2/indicators`: the caller's organization's active indicators, by id, with resultCount on the first page. */
const v2IndicatorPage = db.prepare(`select id, owner_id, type, summary, rating, confidence, date_added, last_modified from indicators
  where owner_id = ? and active = 1 order by id limit ? offset ?`);
const v2IndicatorCount = db.prepare('select count(*) from indicators where owner_id = ? and active = 1').pluck();

function v2IndicatorItems(credential: Credential, start: number, limit: number): Row[] {
  const owner = ownerName(credential, credential.organizationId);
  const rows = v2IndicatorPage.all(credential.organizationId, limit, start) as Row[];
  return rows.map((r) => {
    const item: Row = { id: r.id, ownerName: owner, type: r.type, dateAdded: r.date_added, lastModified: r.last_modified };
    if (r.rating !== null) item.rating = r.rating;
    if (r.confidence !== null) item.confidence = r.confidence;
    item.webLink = legacyLink(r, owner);
    item.summary = r.summary;
    return item;
  });
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&apos;' };
const xmlText = (value: unknown) => (typeof value === 'string' ? value.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!) : String(value));
const XML_ELEMENTS: Record<string, string> = { id: 'Id', ownerName: 'OwnerName', type: 'Type', dateAdded: 'DateAdded', lastModified: 'LastModified', rating: 'Rating', confidence: 'Confidence', webLink: 'WebLink', summary: 'Summary' };

function v2IndicatorsXml(items: Row[], count: number | undefined): string {
  let out = '<indicatorsResponse>\n <Status>Success</Status>\n <Data xsi:type="indicatorListResponseData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n';
  if (count !== undefined) out += `  <ResultCount>${count}</ResultCount>\n`;
  for (const item of items) {
    out += '  <Indicator>\n';
    for (const key in item) out += `   <${XML_ELEMENTS[key]}>${xmlText(item[key])}</${XML_ELEMENTS[key]}>\n`;
    out += '  </Indicator>\n';
  }
  return `${out} </Data>\n</indicatorsResponse>\n`;
}

function v2Indicators(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const query = request.query as ListQuery & { filters?: string; owner?: string };
  if (query.filters !== undefined || query.owner !== undefined) return sendJson(reply, 400, { status: 'Failure', message: 'The baseline serves only the benchmark\'s fixed queries.' });
  const limit = Math.min(10_000, Math.max(1, Number(query.resultLimit ?? 100) || 100));
  const start = Math.max(0, Number(query.resultStart ?? 0) || 0);
  const items = v2IndicatorItems(request.credential, start, limit);
  const count = start === 0 ? v2IndicatorCount.get(request.credential.organizationId) as number : undefined;
  if (/xml/.test(request.headers.accept ?? '')) return reply.code(200).header('Content-Type', 'application/xml').serializer((x) => x as string).send(v2IndicatorsXml(items, count));
  const data: Row = {};
  if (count !== undefined) data.resultCount = count;
  data.indicator = items;
  return sendJson(reply, 200, { status: 'Success', data });
}

/** `GET /api/v3/indicators?tql=hasTag(name = "…") and hasGroup(id = N)`: the visible owners' active indicators with that tag and group. */
const TAG_AND_GROUP = /^hasTag\(name = "([^"]*)"\) and hasGroup\(id = (\d+)\)$/;
const v3IndicatorStatements = new Map<number, Database.Statement>();
function v3IndicatorStatement(owners: number): Database.Statement {
  let statement = v3IndicatorStatements.get(owners);
  if (!statement) {
    const inOwners = Array.from({ length: owners }, () => '?').join(', ');
    statement = db.prepare(`select i.*,
        (select coalesce(sum(o.count), 0) from indicator_observations as o where o.indicator_id = i.id) as observation_count,
        (select max(o.date_observed) from indicator_observations as o where o.indicator_id = i.id) as last_observed,
        (select count(*) from indicator_false_positives as f where f.indicator_id = i.id) as false_positive_count,
        (select max(f.reported_at) from indicator_false_positives as f where f.indicator_id = i.id) as last_false_positive
      from indicators as i
      where i.owner_id in (${inOwners}) and i.active = 1
        and i.id in (select it.indicator_id from indicator_tags as it join tags as t on t.id = it.tag_id where t.owner_id in (${inOwners}) and t.normalized = ?)
        and i.id in (select ig.indicator_id from indicator_groups as ig join groups as g on g.id = ig.group_id where ig.group_id = ? and g.owner_id in (${inOwners}))
      order by i.id limit ? offset ?`);
    v3IndicatorStatements.set(owners, statement);
  }
  return statement;
}

function renderIndicator(r: Row, credential: Credential): Row {
  const owner = ownerName(credential, r.owner_id);
  const item: Row = { id: r.id, type: r.type, summary: r.summary };
  if (r.value1 !== null) item[VALUE1_KEY[r.type]!] = r.value1;
  if (r.value2 !== null && r.type === 'File') item.sha1 = r.value2;
  if (r.value3 !== null && r.type === 'File') item.sha256 = r.value3;
  if (r.value1 !== null) item.value1 = r.value1;
  if (r.value2 !== null) item.value2 = r.value2;
  if (r.value3 !== null) item.value3 = r.value3;
  if (r.rating !== null) item.rating = r.rating;
  if (r.confidence !== null) item.confidence = r.confidence;
  item.active = r.active === 1;
  item.activeLocked = r.active_locked === 1;
  item.privateFlag = r.private_flag === 1;
  item.dnsActive = r.dns_active === 1;
  item.whoisActive = r.whois_active === 1;
  if (r.size !== null) item.size = r.size;
  if (r.first_seen !== null) item.firstSeen = r.first_seen;
  if (r.last_seen !== null) item.lastSeen = r.last_seen;
  if (r.description !== null) item.description = r.description;
  if (r.source !== null) item.source = r.source;
  item.dateAdded = r.date_added;
  item.lastModified = r.last_modified;
  item.webLink = `/#/details/indicators/${r.id}/overview`;
  item.legacyLink = legacyLink(r, owner);
  item.observations = r.observation_count;
  if (r.last_observed !== null) item.lastObserved = r.last_observed;
  item.falsePositives = r.false_positive_count;
  if (r.last_false_positive !== null) item.lastFalsePositive = r.last_false_positive;
  item.owner = owner;
  item.ownerName = owner;
  item.ownerId = r.owner_id;
  return item;
}

function v3Indicators(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const credential = request.credential;
  const query = request.query as ListQuery;
  const match = TAG_AND_GROUP.exec(query.tql?.trim() ?? '');
  if (!match || query.sorting !== undefined) return sendJson(reply, 400, { errCode: '0x1001', message: 'The baseline serves only the benchmark\'s fixed queries.', status: 'Error' });
  const limit = Math.min(10_000, Math.max(1, Number(query.resultLimit ?? 100) || 100));
  const start = Math.max(0, Number(query.resultStart ?? 0) || 0);
  const owners = credential.ownerIds;
  const rows = v3IndicatorStatement(owners.length).all(...owners, ...owners, match[1]!.trim().toLowerCase(), Number(match[2]), ...owners, limit + 1, start) as Row[];
  const hasMore = rows.length > limit;
  if (hasMore) rows.pop();
  const body: Row = { data: rows.map((r) => renderIndicator(r, credential)) };
  if (hasMore) body.next = nextLink(request.raw.url!, start + limit, limit);
  body.status = 'Success';
  return sendJson(reply, 200, body);
}

// ------------------------------------------------------------------ the nested case POST

const CASE_SEVERITIES = ['Low', 'Medium', 'High', 'Critical'];
const CASE_STATUSES = ['Open', 'Closed'];
const TASK_STATUSES = ['Pending', 'Open', 'Reopened', 'Closed'];
const items = (properties: Row, required: string[]) => ({
  type: 'object', required: ['data'], additionalProperties: false,
  properties: { data: { type: 'array', maxItems: 1000, items: { type: 'object', additionalProperties: false, required, properties } } },
});
const CASE_BODY = {
  type: 'object', required: ['name', 'severity', 'status'], additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    description: { type: 'string', maxLength: 1500 },
    severity: { enum: CASE_SEVERITIES },
    status: { enum: CASE_STATUSES },
    tasks: items({ name: { type: 'string', minLength: 1, maxLength: 255 }, description: { type: 'string', maxLength: 1500 }, status: { enum: TASK_STATUSES } }, ['name']),
    notes: items({ text: { type: 'string', minLength: 1, maxLength: 65_500 } }, ['text']),
    tags: items({ name: { type: 'string', minLength: 1, maxLength: 128 } }, ['name']),
  },
};
interface CaseBody {
  name: string; description?: string; severity: string; status: string;
  tasks?: { data: { name: string; description?: string; status?: string }[] };
  notes?: { data: { text: string }[] };
  tags?: { data: { name: string }[] };
}

const insertCase = db.prepare(`insert into cases (owner_id, xid, name, description, severity, status, resolution, case_open_time, case_close_time,
  case_open_user_id, case_close_user_id, created_by_id, date_added, last_updated) values (?, ?, ?, ?, ?, ?, 'Not Specified', ?, ?, ?, ?, ?, ?, ?) returning *`);
const insertTask = db.prepare(`insert into tasks (owner_id, case_id, xid, name, description, status, completed_date, completed_by_id, date_added, last_updated)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
const insertNote = db.prepare(`insert into notes (owner_id, case_id, text, author_id, edited, date_added, last_modified) values (?, ?, ?, ?, 0, ?, ?)`);
const insertEvent = db.prepare(`insert into outbox (owner_id, event_type, subject_type, subject_id, payload, created_at, available_at, attempts)
  values (?, ?, ?, ?, ?, ?, ?, 0)`);
const tagByName = db.prepare('select id from tags where owner_id = ? and normalized = ?').pluck();
const insertTag = db.prepare(`insert into tags (owner_id, name, normalized, technique_id, date_added) values (?, ?, ?, ?, ?)
  on conflict do nothing returning id`).pluck();
const linkTag = db.prepare('insert into case_tags (case_id, tag_id) values (?, ?) on conflict do nothing');
const touchTags = db.prepare('update tags set last_used = ? where id in (select value from json_each(?))');

const createCase = db.transaction((body: CaseBody, credential: Credential): Row => {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const owner = credential.organizationId;
  const user = credential.userId;
  const closed = body.status === 'Closed';
  const row = insertCase.get(owner, crypto.randomUUID(), body.name, body.description ?? null, body.severity, body.status, now,
    closed ? now : null, user, closed ? user : null, user, now, now) as Row;
  const caseId = row.id as number;
  insertEvent.run(owner, 'case.created', 'case', caseId, JSON.stringify({
    id: caseId, xid: row.xid, name: row.name, severity: row.severity, status: row.status, resolution: row.resolution, assigneeUserId: null, actorUserId: user,
  }), now, now);
  for (const task of body.tasks?.data ?? []) {
    const status = task.status ?? 'Pending';
    insertTask.run(owner, caseId, crypto.randomUUID(), task.name, task.description ?? null, status, status === 'Closed' ? now : null, status === 'Closed' ? user : null, now, now);
  }
  for (const note of body.notes?.data ?? []) {
    const noteId = Number(insertNote.run(owner, caseId, note.text, user, now, now).lastInsertRowid);
    insertEvent.run(owner, 'note.added', 'note', noteId, JSON.stringify({
      id: noteId, caseId, taskId: null, artifactId: null, workflowEventId: null, authorUserId: user,
    }), now, now);
  }
  const tagIds = new Set<number>();
  for (const tag of body.tags?.data ?? []) {
    const name = tag.name.trim();
    const normalized = name.toLowerCase();
    const id = (tagByName.get(owner, normalized) ?? insertTag.get(owner, name, normalized, /^T\d{4}(\.\d{3})?$/.test(name) ? name : null, now)
      ?? tagByName.get(owner, normalized)) as number;
    tagIds.add(id);
  }
  for (const id of tagIds) linkTag.run(caseId, id);
  if (tagIds.size > 0) touchTags.run(now, JSON.stringify([...tagIds]));
  return row;
});

// ------------------------------------------------------------------ the server

const app = Fastify({ logger: false });
// Every request is signed: checked before the body is read.
app.decorateRequest('credential', null as unknown as Credential);
app.addHook('onRequest', (request, _reply, done) => {
  try {
    request.credential = authenticate(request);
    done();
  } catch (error) {
    done(error as Error);
  }
});
app.setErrorHandler((error, _request, reply) => {
  if (error instanceof Unauthorized) return sendJson(reply, 401, { errCode: '0x1002', message: error.message, status: 'Error' });
  const status = (error as { statusCode?: number }).statusCode ?? 500;
  return sendJson(reply, status, { errCode: status === 400 ? '0x1001' : '0x1007', message: (error as Error).message, status: 'Error' });
});
app.get('/api/v3/cases', (request, reply) => list('cases', CASE_FILTERS, request, reply));
app.get('/api/v3/tasks', (request, reply) => list('tasks', TASK_FILTERS, request, reply));
app.get('/api/v2/indicators', v2Indicators);
app.get('/api/v3/indicators', v3Indicators);
app.post('/api/v3/cases', { schema: { body: CASE_BODY } }, (request, reply) => {
  const credential = request.credential;
  const row = createCase.immediate(request.body as CaseBody, credential);
  return sendJson(reply, 201, { data: renderCase(row, usersOf([row], CASE_USERS), credential), message: 'Created', status: 'Success' });
});

await app.listen({ host: '127.0.0.1', port });
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void app.close().then(() => { db.close(); process.exit(0); }));
