/**
 * TQL over HTTP against the same work written by hand in SQL, on one SQLite database in one run:
 * a diagnosis tool (which statement, which plan, how far above the SQL); the verdict against the
 * targets is bench:floor's, which compares Cairn with a hand-written server doing the same work.
 *
 * Seeds `--cases` cases (default 1,000,000; bench/support/seed.ts, shared with bench:floor), then
 * starts the real server (`cairn serve`) in its own process on it. Each query is timed through
 * `GET /api/v3/…` (TC HMAC signed, keep-alive, body read and parsed) and as hand-written SQL run
 * by better-sqlite3 on a read-only connection in this process, alternating one API request and
 * one hand run after a warm-up. The hand side does the work the API has to do for that request:
 *
 *   - the page: `select * … where owner_id in (<visible owners>) and <predicate> order by … limit 101`
 *     (ResourceEngine.list reads one row more than the page to decide on `next`, and counts only
 *     for `count=true`, which is not part of the timed requests; change `hand()` with the engine)
 *   - the user look-up (`users ⨝ owners where users.id in (…)`, from the page's user columns)
 *     and the owner look-up (`owners where id in (…)`)
 *
 * Statements are prepared once; the hand side does not render JSON. The predicates are written
 * the way a person would write them (LIKE for CONTAINS, IN (sub-select) for has…()), so the ratio
 * shows both the HTTP/render overhead and any cost of the SQL shape the compiler chose. The ids
 * the API returns must equal the hand SQL's ids, in order, `next` must agree with the extra row,
 * and `count=true` must match a hand count (that request is timed once, shown as `count=true`).
 *
 * Prints p50/p95 per query and the ratios API/SQL, marking predicates without an index. It also prints the floor under the API side, measured in the same
 * run: a signed round trip of the smallest authenticated answer plus serializing and parsing the
 * query's own JSON page, and the best ratio any API could show with no cost beyond that floor. `--explain` also prints the SQL the API runs (captured from the
 * engine in-process), each statement's own time and EXPLAIN QUERY PLAN for both sides.
 *
 *   npm run bench:tql [-- --cases 1000000 --iterations 50 --warmup 5 --cache --explain]
 *
 * `--cache` keeps the seeded data directory in .bench/cases-<cases>/ and reuses it (pending
 * migrations are applied and new indexes analysed before the server starts).
 */
import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Principal } from '../packages/server/src/core/principal.js';
import { ResourceEngine } from '../packages/server/src/resources/engine.js';
import { CAIRN_RESOURCES, resourceNamed } from '../packages/server/src/resources/registry.js';
import { freePort, startCairn, stopChild, waitForHealthy } from './support/process.js';
import { databaseFile, seededDataDirectory } from './support/seed.js';
import { readBootstrapCredentials, threatConnectHeaders } from './support/signing.js';
import { percentile } from './support/stats.js';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000000' },
    iterations: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '5' },
    cache: { type: 'boolean', default: false },
    explain: { type: 'boolean', default: false },
  },
});
const CASES = Number(args.cases);
const ITERATIONS = Number(args.iterations);
const WARMUP = Number(args.warmup);
if (!Number.isInteger(CASES) || CASES < 1000) throw new Error('--cases takes a whole number ≥ 1000.');
const PAGE = 100;

// ------------------------------------------------------------------ the data directory

const { dataDir, seedSeconds } = await seededDataDirectory(CASES, { cache: args.cache });
const dbFile = databaseFile;

// ------------------------------------------------------------------ the measured server

const credentials = readBootstrapCredentials(dataDir);
const port = await freePort();
const server = startCairn(['serve', '--port', String(port), '--data-dir', dataDir]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

interface Answer { status: number; text: string; body: { data?: { id: number }[]; next?: string; count?: number; message?: string } }

/** Signed GET of `pathAndQuery` (TC HMAC over exactly the target sent), body read and parsed. */
function apiGet(pathAndQuery: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1', port, path: pathAndQuery, method: 'GET', agent,
      headers: threatConnectHeaders(credentials.apiUser, pathAndQuery),
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, text, body: JSON.parse(text) });
        } catch (error) {
          reject(error);
        }
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

await waitForHealthy(server, port, 120);

// ------------------------------------------------------------------ the queries

const db = new Database(dbFile(dataDir), { readonly: true, fileMustExist: true });
const visibleOwners = [credentials.organization.id,
  ...(db.prepare('select community_id from community_members where organization_id = ? order by community_id').pluck().all(credentials.organization.id) as number[])]
  .sort((a, b) => a - b);
const ownersIn = visibleOwners.join(', ');
const counts = db.prepare(`select (select count(*) from cases) as cases, (select count(*) from tasks) as tasks,
  (select count(*) from tags) as tags, (select count(*) from case_tags) as links`).get() as Record<string, number>;
console.log(`database: ${Object.entries(counts).map(([k, v]) => `${v.toLocaleString('en-US')} ${k}`).join(', ')}; `
  + `${(fs.statSync(dbFile(dataDir)).size / 2 ** 20).toFixed(0)} MiB; visible owners (${ownersIn})`);

const middleCase = Math.floor(counts.cases! / 2);
const existingName = db.prepare('select name from cases where id >= ? order by id limit 1').pluck().get(middleCase) as string;
const caseWithTasks = db.prepare('select case_id from tasks where case_id >= ? order by case_id limit 1').pluck().get(Math.floor(counts.cases! / 3)) as number;

type Row = Record<string, unknown>;
interface Query {
  label: string;
  resource: 'cases' | 'tasks';
  /** Query string after `?` (values encoded). */
  params: Record<string, string>;
  /** Whether the predicate (or sort) has an index to use (marked in the table when not). */
  indexed: boolean;
  /** The hand-written WHERE (after the owner filter) and ORDER BY, with their parameters. */
  where: string;
  order: string;
  args: unknown[];
}

const QUERIES: Query[] = [
  { label: 'equality (enum)', resource: 'cases', indexed: true, params: { tql: 'severity = "High" and status = "Open"' },
    where: `severity = 'High' and status = 'Open'`, order: 'id', args: [] },
  { label: 'equality (name)', resource: 'cases', indexed: true, params: { tql: `name = "${existingName}"` },
    where: 'name = ?', order: 'id', args: [existingName] },
  { label: 'IN', resource: 'cases', indexed: true, params: { tql: 'severity in ("High","Critical")' },
    where: `severity in ('High', 'Critical')`, order: 'id', args: [] },
  { label: 'CONTAINS', resource: 'cases', indexed: false, params: { tql: 'name contains "ransom"' },
    where: `name like '%ransom%'`, order: 'id', args: [] },
  { label: 'date range', resource: 'cases', indexed: true, params: { tql: 'caseOpenTime >= "2025-06-01" and caseOpenTime < "2025-06-08"' },
    where: `case_open_time >= '2025-06-01T00:00:00Z' and case_open_time < '2025-06-08T00:00:00Z'`, order: 'id', args: [] },
  { label: 'hasTag()', resource: 'cases', indexed: true, params: { tql: 'hasTag(name = "phishing")' },
    where: `id in (select l.case_id from case_tags l join tags g on g.id = l.tag_id where g.owner_id in (${ownersIn}) and g.normalized = 'phishing')`, order: 'id', args: [] },
  { label: 'tasks hasCase()', resource: 'tasks', indexed: true, params: { tql: `hasCase(id = ${caseWithTasks})` },
    where: `case_id in (select id from cases where id = ? and owner_id in (${ownersIn}))`, order: 'id', args: [caseWithTasks] },
  { label: 'sorted page', resource: 'cases', indexed: true, params: { sorting: 'dateAdded desc' },
    where: '1 = 1', order: 'date_added desc, id', args: [] },
];

const USER_COLUMNS = { cases: ['case_open_user_id', 'case_close_user_id', 'created_by_id', 'assignee_user_id'], tasks: ['completed_by_id', 'assignee_user_id'] };
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
const lookupStatements = new Map<string, Database.Statement>();
function lookup(kind: 'users' | 'owners', ids: number[]): Row[] {
  if (ids.length === 0) return [];
  const key = `${kind}:${ids.length}`;
  let statement = lookupStatements.get(key);
  if (!statement) {
    statement = db.prepare(kind === 'users'
      ? `select users.id, users.user_name, users.first_name, users.last_name, users.pseudonym, owners.name as owner
         from users join owners on owners.id = users.organization_id where users.id in (${placeholders(ids.length)})`
      : `select id, name from owners where id in (${placeholders(ids.length)})`);
    lookupStatements.set(key, statement);
  }
  return statement.all(...ids) as Row[];
}

interface Prepared { page: Database.Statement; count: Database.Statement }
const prepared = new Map<Query, Prepared>();
function handStatements(q: Query): Prepared {
  let p = prepared.get(q);
  if (!p) {
    const where = `owner_id in (${ownersIn}) and ${q.where}`;
    p = {
      page: db.prepare(`select * from ${q.resource} where ${where} order by ${q.order} limit ${PAGE + 1}`),
      count: db.prepare(`select count(*) from ${q.resource} where ${where}`).pluck(),
    };
    prepared.set(q, p);
  }
  return p;
}

/** The hand-written SQL for what the API does for this request: the page (+1 row for `next`), look-ups. */
function hand(q: Query): { ids: number[]; hasMore: boolean } {
  const rows = handStatements(q).page.all(...q.args) as Row[];
  const hasMore = rows.length > PAGE;
  if (hasMore) rows.pop();
  const users = new Set<number>();
  const owners = new Set<number>();
  for (const row of rows) {
    for (const column of USER_COLUMNS[q.resource]) if (row[column] !== null) users.add(row[column] as number);
    owners.add(row.owner_id as number);
  }
  lookup('users', [...users]);
  lookup('owners', [...owners]);
  return { ids: rows.map((r) => r.id as number), hasMore };
}

const target = (q: Query, extra: Record<string, string> = {}) => {
  const query = Object.entries({ ...q.params, resultLimit: String(PAGE), ...extra }).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `/api/v3/${q.resource}?${query}`;
};

async function apiAnswer(q: Query, extra?: Record<string, string>): Promise<Answer> {
  const answer = await apiGet(target(q, extra));
  if (answer.status !== 200) throw new Error(`${q.label}: HTTP ${answer.status} ${answer.body.message ?? ''}`);
  return answer;
}
const api = async (q: Query, extra?: Record<string, string>): Promise<Answer['body']> => (await apiAnswer(q, extra)).body;

// ------------------------------------------------------------------ the floor

/**
 * What any HTTP API must spend on a request even if its SQL took no time: a signed round trip of
 * the smallest authenticated answer (GET /api/v2/owners, measured here), plus serializing the
 * query's JSON page on one side and parsing it on the other (timed here on this very body; the
 * bytes on the wire are not even counted). `best ratio` = (SQL + floor) / SQL is the lowest ratio
 * an implementation with zero overhead of its own could show for that query.
 */
async function signedRoundTrip(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const t = performance.now();
    const answer = await apiGet('/api/v2/owners');
    if (answer.status !== 200) throw new Error(`GET /api/v2/owners: HTTP ${answer.status}`);
    if (i >= WARMUP) times.push(performance.now() - t);
  }
  return percentile(times, 50);
}
function jsonCost(text: string): number {
  const value = JSON.parse(text) as unknown;
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    JSON.parse(JSON.stringify(value));
    times.push(performance.now() - t);
  }
  return percentile(times, 50);
}

// ------------------------------------------------------------------ --explain

function plan(statement: string, parameters: readonly unknown[]): string {
  const rows = db.prepare(`explain query plan ${statement}`).all(...parameters) as { id: number; parent: number; detail: string }[];
  const depth = new Map<number, number>([[0, 0]]);
  return rows.map((r) => {
    const d = (depth.get(r.parent) ?? 0) + 1;
    depth.set(r.id, d);
    return `${'  '.repeat(d)}${r.detail}`;
  }).join('\n');
}

function timeStatement(statement: string, parameters: readonly unknown[]): number {
  const s = db.prepare(statement);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    if (s.reader) s.all(...parameters); else throw new Error('not a read');
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[2]!;
}

async function explain(): Promise<void> {
  const captured: { sql: string; parameters: readonly unknown[] }[] = [];
  const kysely = new Kysely<any>({
    dialect: new SqliteDialect({ database: new Database(dbFile(dataDir), { readonly: true, fileMustExist: true }) }),
    log: (event) => { if (event.level === 'query') captured.push({ sql: event.query.sql, parameters: event.query.parameters }); },
  });
  const engine = new ResourceEngine(kysely, 'sqlite', CAIRN_RESOURCES);
  const owners = db.prepare(`select id, name, type from owners where id in (${ownersIn}) order by id`).all() as { id: number; name: string; type: string }[];
  const principal = {
    visibleOwnerIds: new Set(visibleOwners), visibleOwners: owners, organizationId: credentials.organization.id, userId: credentials.apiUser.id,
  } as unknown as Principal;
  for (const q of QUERIES) {
    captured.length = 0;
    await engine.list(resourceNamed(q.resource), principal, { tql: q.params.tql, sorting: q.params.sorting, fields: [], resultStart: 0, resultLimit: PAGE, count: false });
    console.log(`\n=== ${q.label}: GET ${decodeURIComponent(target(q))}`);
    for (const { sql: statement, parameters } of captured) {
      console.log(`API  ${statement}\n     params ${JSON.stringify(parameters)}  — ${timeStatement(statement, parameters).toFixed(2)} ms`);
      console.log(plan(statement, parameters));
    }
    const { page, count } = handStatements(q);
    for (const statement of [page, count]) { // the count: what `count=true` adds
      console.log(`HAND ${statement.source}\n     params ${JSON.stringify(q.args)}  — ${timeStatement(statement.source, q.args).toFixed(2)} ms`);
      console.log(plan(statement.source, q.args));
    }
  }
  await kysely.destroy();
  console.log('');
}

// ------------------------------------------------------------------ run

if (args.explain) await explain();

const roundTrip = await signedRoundTrip();

interface Result { q: Query; rows: number; hasMore: boolean; total: number; countMs: number; api: number[]; sql: number[]; idsMatch: boolean; countMatch: boolean; bytes: number; floor: number }
const results: Result[] = [];
for (const q of QUERIES) {
  // Correctness first: same ids in the same order, and the same total.
  const reference = hand(q);
  const first = await apiAnswer(q);
  const body = first.body;
  const floor = roundTrip + jsonCost(first.text);
  const ids = (body.data ?? []).map((item) => item.id);
  const idsMatch = ids.length === reference.ids.length && ids.every((id, i) => id === reference.ids[i]) && (body.next !== undefined) === reference.hasMore;
  const total = handStatements(q).count.get(...q.args) as number;
  const t0 = performance.now();
  const counted = await api(q, { count: 'true' });
  const countMs = performance.now() - t0;
  const countMatch = counted.count === total;

  const apiTimes: number[] = [];
  const sqlTimes: number[] = [];
  for (let i = 0; i < WARMUP; i++) { await api(q); hand(q); }
  for (let i = 0; i < ITERATIONS; i++) {
    let t = performance.now();
    await api(q);
    apiTimes.push(performance.now() - t);
    t = performance.now();
    hand(q);
    sqlTimes.push(performance.now() - t);
  }
  results.push({ q, rows: reference.ids.length, hasMore: reference.hasMore, total, countMs, api: apiTimes, sql: sqlTimes, idsMatch, countMatch, bytes: Buffer.byteLength(first.text), floor });
  console.log(`  ${q.label}: API p50 ${percentile(apiTimes, 50).toFixed(2)} ms, SQL p50 ${percentile(sqlTimes, 50).toFixed(2)} ms`);
}

const header = ['query', 'rows', 'next', 'matches', 'count=true', 'API p50', 'API p95', 'SQL p50', 'SQL p95', 'API-SQL p50', 'ratio p50', 'ratio p95', 'KiB', 'floor', 'best ratio', 'ids', 'flags'];
const lines = results.map((r) => {
  const [a50, a95, s50, s95] = [percentile(r.api, 50), percentile(r.api, 95), percentile(r.sql, 50), percentile(r.sql, 95)];
  const flags = [
    ...(r.q.indexed ? [] : ['(not indexed)']),
  ];
  return [r.q.label, String(r.rows), r.hasMore ? 'yes' : 'no', String(r.total), r.countMs.toFixed(1), a50.toFixed(2), a95.toFixed(2), s50.toFixed(2), s95.toFixed(2),
    (a50 - s50).toFixed(2), (a50 / s50).toFixed(2), (a95 / s95).toFixed(2), (r.bytes / 1024).toFixed(1), r.floor.toFixed(2), ((s50 + r.floor) / s50).toFixed(2), r.idsMatch && r.countMatch ? 'same' : `DIFFER${r.idsMatch ? '' : ' ids'}${r.countMatch ? '' : ' count'}`, flags.join(' ')];
});
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
const format = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 2 || i >= 15 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
console.log(`\nTQL via HTTP vs hand SQL — ${counts.cases!.toLocaleString('en-US')} cases, ${ITERATIONS} iterations after ${WARMUP} warm-up, times in ms`
  + (seedSeconds !== undefined ? `, seeded in ${seedSeconds.toFixed(0)} s` : ''));
console.log(format(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const l of lines) console.log(format(l));
const failing = results.filter((r) => !r.idsMatch || !r.countMatch);
console.log((failing.length ? `\n${failing.length} row(s) returned different ids, next or counts.` : '\nEvery query returned the hand SQL\'s ids, next and count.')
  + ' These columns are for diagnosis; the verdict against the targets is npm run bench:floor\'s.'
  + '\ncount=true: ms of one API request with count=true (outside the timed loop; what asking for the count costs).'
  + `\nfloor: ${roundTrip.toFixed(2)} ms signed GET /api/v2/owners round trip + JSON.stringify and JSON.parse of the page's body;`
  + ' best ratio = (SQL p50 + floor) / SQL p50, the ratio of an API with no cost of its own beyond that floor.');

db.close();
agent.destroy();
await stopChild(server);
process.exit(failing.length > 0 ? 1 : 0);
