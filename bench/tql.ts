/**
 * TQL over HTTP against the same work written by hand in SQL, on one SQLite database in one run.
 *
 * Seeds `--cases` cases (default 1,000,000) with ~2 tasks each, 20 tags and ~1.5 tag links per
 * case straight into the SQLite file of a freshly bootstrapped data directory, runs ANALYZE, then
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
 * Prints p50/p95 per query and the ratios API/SQL; flags ratio p50 > 1.5 and, for indexed
 * predicates, API p95 > 50 ms. It also prints the floor under the API side, measured in the same
 * run: a signed round trip of the smallest authenticated answer plus serializing and parsing the
 * query's own JSON page, and the best ratio any API could show with no cost beyond that floor. `--explain` also prints the SQL the API runs (captured from the
 * engine in-process), each statement's own time and EXPLAIN QUERY PLAN for both sides.
 *
 *   npm run bench:tql [-- --cases 1000000 --iterations 50 --warmup 5 --cache --explain]
 *
 * `--cache` keeps the seeded data directory in .bench/tql-<cases>/ and reuses it (pending
 * migrations are applied and new indexes analysed before the server starts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Principal } from '../packages/server/src/auth/principal.js';
import { ResourceEngine } from '../packages/server/src/resources/engine.js';
import { CAIRN_RESOURCES, resourceNamed } from '../packages/server/src/resources/registry.js';
import { exited, freePort, REPOSITORY_ROOT, startCairn, stopChild, waitFor, waitForHealthy } from './support/process.js';
import { describeTarget, meetsTarget, type RatioTarget } from './support/ratio.js';
import { bootstrapFile, readBootstrapCredentials, threatConnectHeaders, type BootstrapCredentials } from './support/signing.js';
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
const SEED_VERSION = 1;

/** The API's p50 over the hand SQL's p50 that a query must stay within. */
const RATIO_TARGET: RatioTarget = { atMost: 1.5 };
const root = REPOSITORY_ROOT;

// ------------------------------------------------------------------ data directory & processes

type Credentials = BootstrapCredentials;

const cacheDir = path.join(root, '.bench', `tql-${CASES}`);
const markerFile = path.join(cacheDir, 'seeded.json');
const dbFile = (dir: string) => path.join(dir, 'cairn.sqlite');

// ------------------------------------------------------------------ seeding

/** mulberry32: a small deterministic PRNG, so every run seeds the same data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Stored time format of v3 data: `YYYY-MM-DDTHH:MM:SSZ`. */
const stored = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().slice(0, 19) + 'Z';

const CASE_KINDS = [
  'Phishing campaign', 'Spear phishing email', 'Ransomware outbreak', 'Ransomware note found', 'Malware beacon', 'Credential stuffing',
  'Brute force login', 'Suspicious login', 'Impossible travel', 'Data exfiltration', 'Insider threat', 'DDoS attack',
  'Business email compromise', 'Lost laptop', 'Vulnerability exploitation', 'Web shell detected', 'Cryptominer on host',
  'Privilege escalation', 'Lateral movement', 'Command and control traffic', 'Malicious attachment', 'Typosquatted domain',
  'Account takeover', 'Cloud storage exposure', 'Unauthorized access', 'Policy violation', 'Supply chain alert', 'DNS tunneling',
  'Suspicious PowerShell', 'Endpoint quarantine',
];
const TASK_NAMES = ['Triage alert', 'Collect evidence', 'Contain host', 'Reset credentials', 'Notify stakeholders', 'Block indicators', 'Eradicate malware', 'Write report'];
const TAGS: [string, number][] = [
  ['Phishing', 10], ['Ransomware', 6], ['Malware', 9], ['Credential Theft', 6], ['APT29', 2], ['APT28', 2], ['FIN7', 1.5], ['Lazarus', 1],
  ['BEC', 4], ['Insider Threat', 2], ['DDoS', 2], ['Data Exfiltration', 3], ['Vulnerability', 5], ['T1566', 3], ['T1486', 2],
  ['T1078', 3], ['T1059', 3], ['False Positive', 8], ['High Priority', 5], ['Customer Reported', 4],
];
const SEVERITIES: [string, number][] = [['Low', 35], ['Medium', 35], ['High', 20], ['Critical', 10]];
const CLOSED_RESOLUTIONS = ['Containment Achieved', 'Deferred / Delayed', 'Escalated', 'False Positive', 'Rejected', 'Restoration Achieved'];
const OPEN_TASK_STATUSES = ['Pending', 'Open', 'Reopened', 'Closed'];
const START = Date.UTC(2024, 6, 1) / 1000; // 2024-07-01 … 2026-07-01
const SPAN = 2 * 365 * 86_400;
const HOUR = 3600;
const DAY = 86_400;

function weighted<T>(items: [T, number][], random: () => number): () => T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  const cumulative = items.map(([item], i) => [item, items.slice(0, i + 1).reduce((s, [, w]) => s + w, 0) / total] as const);
  return () => {
    const x = random();
    for (const [item, upTo] of cumulative) if (x < upTo) return item;
    return cumulative[cumulative.length - 1]![0];
  };
}

function seed(file: string, n: number, credentials: Credentials): void {
  const random = rng(0xca1e5);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const severity = weighted(SEVERITIES, random);
  const tagIndex = weighted(TAGS.map(([, w], i) => [i, w] as [number, number]), random);
  const owner = credentials.organization.id;
  const apiUser = credentials.apiUser.id;
  const db = new Database(file);
  const adminId = (db.prepare(`select id from users where user_name = 'admin'`).pluck().get() as number | undefined) ?? null;
  db.pragma('journal_mode = OFF'); // from WAL; restored below
  db.pragma('synchronous = OFF');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('cache_size = -2000000');
  db.pragma('temp_store = MEMORY');

  const now = stored(Date.now() / 1000 | 0);
  const insertTag = db.prepare('insert into tags (owner_id, name, normalized, description, technique_id, last_used, date_added) values (?, ?, ?, ?, ?, ?, ?)');
  const tagIds = db.transaction(() => TAGS.map(([name]) => Number(insertTag.run(owner, name, name.toLowerCase(), `${name} related activity`,
    /^T\d{4}$/.test(name) ? name : null, now, stored(START)).lastInsertRowid)))();

  const insertCase = db.prepare(`insert into cases (id, owner_id, xid, name, description, severity, status, resolution, case_open_time,
    case_close_time, case_occurrence_time, case_detection_time, case_open_user_id, case_close_user_id, created_by_id, assignee_user_id,
    date_added, last_updated) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertTask = db.prepare(`insert into tasks (id, owner_id, case_id, xid, name, description, status, workflow_phase, workflow_step,
    required, due_date, completed_date, completed_by_id, assignee_user_id, date_added, last_updated) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertLink = db.prepare('insert into case_tags (case_id, tag_id) values (?, ?)');

  let taskId = (db.prepare('select coalesce(max(id), 0) from tasks').pluck().get() as number) + 1;
  const firstCase = (db.prepare('select coalesce(max(id), 0) from cases').pluck().get() as number) + 1;
  let tasks = 0;
  let links = 0;
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = firstCase + i;
      const added = START + Math.floor(((i + random()) / n) * SPAN);
      const open = added - Math.floor(random() * 2 * DAY);
      const closed = random() < 0.75;
      const closeTime = closed ? Math.min(open + HOUR + Math.floor(random() * 20 * DAY), START + SPAN) : null;
      const name = `${pick(CASE_KINDS)} ${100_000 + Math.floor(random() * 900_000)}`;
      insertCase.run(id, owner, crypto.randomUUID(), name,
        random() < 0.6 ? `${name}: reported by ${pick(['the SOC', 'an analyst', 'a customer', 'the EDR', 'the mail gateway'])}, see the timeline.` : null,
        severity(), closed ? 'Closed' : 'Open', closed ? pick(CLOSED_RESOLUTIONS) : pick(['In Progress / Investigating', 'Not Specified']),
        stored(open), closeTime === null ? null : stored(closeTime), stored(open - Math.floor(random() * 5 * DAY)), stored(open - Math.floor(random() * DAY)),
        apiUser, closed ? apiUser : null, apiUser, adminId !== null && random() < 0.4 ? adminId : null,
        stored(added), stored(Math.max(added, closeTime ?? added + Math.floor(random() * 3 * DAY))));
      const taskCount = Math.floor(random() * 5); // 0–4, mean 2
      for (let t = 0; t < taskCount; t++) {
        const status = closed ? 'Closed' : pick(OPEN_TASK_STATUSES);
        const taskAdded = added + t * HOUR;
        insertTask.run(taskId++, owner, id, crypto.randomUUID(), TASK_NAMES[(t + Math.floor(random() * 3)) % TASK_NAMES.length]!, null, status,
          1, t + 1, random() < 0.3 ? 1 : 0, random() < 0.5 ? stored(taskAdded + 3 * DAY) : null,
          status === 'Closed' ? stored(taskAdded + DAY) : null, status === 'Closed' ? apiUser : null,
          adminId !== null && random() < 0.3 ? adminId : null, stored(taskAdded), stored(taskAdded + DAY));
        tasks++;
      }
      const x = random();
      const tagCount = x < 0.15 ? 0 : x < 0.5 ? 1 : x < 0.85 ? 2 : 3; // mean 1.5
      const chosen = new Set<number>();
      while (chosen.size < tagCount) chosen.add(tagIndex());
      for (const t of chosen) insertLink.run(id, tagIds[t]!);
      links += chosen.size;
    }
  });
  const step = 20_000;
  const started = performance.now();
  for (let from = 0; from < n; from += step) {
    batch(from, Math.min(n, from + step));
    if ((from / step) % 10 === 9 || from + step >= n) {
      console.log(`  seeded ${Math.min(n, from + step).toLocaleString('en-US')} cases, ${tasks.toLocaleString('en-US')} tasks, ${links.toLocaleString('en-US')} tag links (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  const t = performance.now();
  db.exec('analyze');
  console.log(`  ANALYZE ${((performance.now() - t) / 1000).toFixed(1)} s`);
  db.pragma('locking_mode = NORMAL');
  db.pragma('journal_mode = WAL');
  db.close();
}

// ------------------------------------------------------------------ the data directory

let dataDir: string;
let seedSeconds: number | undefined;
const marker = args.cache && fs.existsSync(markerFile)
  ? JSON.parse(fs.readFileSync(markerFile, 'utf8')) as { version: number; cases: number; seedSeconds: number } : undefined;
const cached = marker?.version === SEED_VERSION;
if (cached) {
  dataDir = cacheDir;
  console.log(`reusing the seeded data directory ${path.relative(root, cacheDir)} (${CASES.toLocaleString('en-US')} cases, seeded in ${marker.seedSeconds.toFixed(0)} s)`);
} else {
  if (args.cache) fs.rmSync(cacheDir, { recursive: true, force: true });
  dataDir = args.cache ? (fs.mkdirSync(cacheDir, { recursive: true }), cacheDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bench-tql-'));
}
process.on('exit', () => {
  if (!args.cache) fs.rmSync(dataDir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

if (!cached) {
  // First start: migrations and bootstrap (organization, community, users, API credentials).
  const first = startCairn(['serve', '--port', String(await freePort()), '--data-dir', dataDir]);
  await waitFor('The first start (migrate + bootstrap)', 60, () => fs.existsSync(bootstrapFile(dataDir)));
  await new Promise((r) => setTimeout(r, 300));
  await stopChild(first);
  const started = performance.now();
  seed(dbFile(dataDir), CASES, readBootstrapCredentials(dataDir));
  seedSeconds = (performance.now() - started) / 1000;
  console.log(`seeded in ${seedSeconds.toFixed(1)} s (inserts + ANALYZE)`);
  if (args.cache) fs.writeFileSync(markerFile, JSON.stringify({ version: SEED_VERSION, cases: CASES, seedSeconds }) + '\n');
}

// Pending migrations (e.g. new indexes on a cached database) are applied before the measured
// server starts, and any index without statistics is analysed, so both sides plan alike.
{
  const code = await exited(startCairn(['migrate', '--data-dir', dataDir]));
  if (code !== 0) throw new Error(`cairn migrate exited with ${code}.`);
  const db = new Database(dbFile(dataDir));
  const missing = db.prepare(`select name from sqlite_master where type = 'index'
    and tbl_name in ('cases', 'tasks', 'tags', 'case_tags') and name not in (select idx from sqlite_stat1 where idx is not null)`).pluck().all() as string[];
  for (const name of missing) {
    const t = performance.now();
    db.exec(`analyze "${name.replace(/"/g, '""')}"`);
    console.log(`analysed new index ${name} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  db.close();
}

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
  /** Whether the predicate (or sort) has an index to use: the p95 < 50 ms target applies. */
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
    ...(meetsTarget(a50 / s50, RATIO_TARGET) ? [] : ['RATIO>1.5']),
    ...(r.q.indexed && a95 > 50 ? ['P95>50ms'] : []),
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
const flagged = lines.filter((l) => /RATIO|P95/.test(l[16]!));
console.log(`\ntargets: ratio p50 ${describeTarget(RATIO_TARGET)}; API p95 < 50 ms for indexed predicates. ${flagged.length === 0 ? 'All met.' : `${flagged.length} row(s) flagged.`}`
  + (failing.length ? ` ${failing.length} row(s) returned different ids, next or counts.` : '')
  + '\ncount=true: ms of one API request with count=true (outside the timed loop; what asking for the count costs).'
  + `\nfloor: ${roundTrip.toFixed(2)} ms signed GET /api/v2/owners round trip + JSON.stringify and JSON.parse of the page's body;`
  + ' best ratio = (SQL p50 + floor) / SQL p50, the ratio of an API with no cost of its own beyond that floor.');

db.close();
agent.destroy();
await stopChild(server);
process.exit(failing.length > 0 ? 1 : 0);
