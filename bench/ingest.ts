/**
 * bench:ingest — Cairn's bulk import end to end against a hand-written loader writing the same
 * rows, in one run, on SQLite and on PostgreSQL (issue 10, Figures).
 *
 * For each database:
 * 1. Cairn: `cairn serve` (the compiled bundle `npm start` runs, pinned to the last CPU with
 *    taskset where there is one) on a fresh database. `--count` indicators (bench/support/
 *    ingest-items.ts: Address, Host, URL, EmailAddress, File in turn, two tags and a Description
 *    attribute each) are uploaded as import jobs of `--job-size` items (default 5,000, as tcex's Batch
 *    submits them), and the clock runs until
 *    every job is Completed (processed by the server's import worker in the background).
 *    The upload goes through the v2 batch API (`POST /v2/batch`, `POST /v2/batch/{id}` with a V1
 *    body, poll `GET /v2/batch/{id}`) when the server has it; until then (`--upload store`, the
 *    default while the routes are not there) the bench stores the jobs as that API stores them
 *    (core/exchange/jobs.ts: createImportJob, storeImportChunk, queueImportJob) and polls the job
 *    rows. The server's peak RSS (VmHWM from /proc) is read after the import.
 * 2. The baseline: bench/baseline/loader.ts, in its own process (pinned the same way), writes the
 *    same rows into another fresh database of the same schema with prepared statements /
 *    multi-row inserts in large transactions.
 * 3. The two databases are compared before anything is reported: the same number of rows in
 *    every table written, and the same indicators, attributes and tag names for a sample of
 *    values. A difference stops the run (exit 1).
 * 4. Printed: indicators/s of each, the ratio Cairn/baseline (target ≥ 0.5), the server's peak
 *    RSS (target < 300 MiB).
 *
 *   npm run bench:ingest [-- --count 1000000 --db both --pg postgres://postgres@127.0.0.1:5432/postgres]
 *   npm run bench:ingest -- --count 20000 --db sqlite        # a quick run
 *
 * The PostgreSQL URL comes from --pg, else CAIRN_BENCH_PG_URL, else CAIRN_TEST_PG_URL; each side
 * gets a database of its own (created and dropped by the bench).
 *
 * `--stix` (`npm run bench:ingest -- --stix --count 100000`): the same indicators as one STIX 2.1
 * bundle (bench/support/ingest-stix.ts: an `indicator` SDO per item, its pattern the value) read
 * as a stream by the STIX reader and staged into one import job (core/exchange/stix/stage.ts, as
 * `cairn import` does; in the bench's process), then applied by the server's worker; the clock runs
 * from the first byte read to Completed. The loader writes the same rows, and the databases are
 * compared as for the batch upload.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../packages/server/src/config.js';
import { DEFAULT_SETTINGS, type ImportItem } from '../packages/server/src/core/exchange/items.js';
import { createImportJob, ITEMS_PER_CHUNK, queueImportJob, storeImportChunk } from '../packages/server/src/core/exchange/jobs.js';
import { createServices } from '../packages/server/src/services.js';
import { openStore, type Store } from '../packages/server/src/store/database.js';
import { cpuPinning, freePort, REPOSITORY_ROOT, startCairn, stopChild, waitFor, waitForHealthy } from './support/process.js';
import { ingestBatchV1, ingestItem } from './support/ingest-items.js';
import { ratioLine } from './support/ratio.js';
import { inList, run } from '../packages/server/src/core/exchange/bulk-sql.js';
import { bootstrapFile, readBootstrapCredentials, threatConnectHeaders } from './support/signing.js';
import { Readable } from 'node:stream';
import { stageStixImport } from '../packages/server/src/core/exchange/stix/stage.js';
import { ingestStixBundle } from './support/ingest-stix.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    // tcex's Batch submits 5,000 items per job (batch.py `_batch_max_chunk`); the server takes up to 25,000.
    'job-size': { type: 'string', default: '5000' },
    db: { type: 'string', default: 'both' },
    pg: { type: 'string' },
    upload: { type: 'string', default: 'auto' },
    stix: { type: 'boolean', default: false },
  },
});
const COUNT = Number(args.count);
const JOB_SIZE = Number(args['job-size']);
/** A usage mistake: one line on stderr, exit 2 (no stack trace). */
function usage(message: string): never {
  console.error(`bench:ingest: ${message}`);
  process.exit(2);
}
if (!Number.isInteger(COUNT) || COUNT < 1000) usage('--count takes a whole number ≥ 1000.');
if (!Number.isInteger(JOB_SIZE) || JOB_SIZE < 1) usage('--job-size takes a whole number ≥ 1.');
if (!['sqlite', 'pg', 'both'].includes(args.db!)) usage('--db takes sqlite, pg or both.');
if (!['auto', 'api', 'store'].includes(args.upload!)) usage('--upload takes auto, api or store.');
const PG_URL = args.pg ?? process.env.CAIRN_BENCH_PG_URL ?? process.env.CAIRN_TEST_PG_URL;
const DIALECTS = (args.db === 'both' ? ['sqlite', 'pg'] : [args.db!]) as ('sqlite' | 'pg')[];
if (DIALECTS.includes('pg') && !PG_URL) usage('PostgreSQL needs --pg URL (or CAIRN_BENCH_PG_URL / CAIRN_TEST_PG_URL); or run with --db sqlite.');

const TARGET_RATIO = { atLeast: 0.5 } as const;
const TARGET_RSS_MIB = 300;
const pinning = cpuPinning(true);
const cleanups: (() => Promise<void>)[] = [];

interface Side { dataDir: string; env: Record<string, string>; store(): Store; databaseUrl?: string }

/** A fresh data directory and, on PostgreSQL, a fresh database (dropped at the end). */
async function freshSide(dialect: 'sqlite' | 'pg', label: string): Promise<Side> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `cairn-ingest-${label}-`));
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  if (dialect === 'sqlite') return { dataDir, env: { CAIRN_DATA_DIR: dataDir }, store: () => openStore({ sqlitePath: path.join(dataDir, 'cairn.sqlite') }) };
  const name = `cairn_ingest_${label}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_URL!);
  url.pathname = `/${name}`;
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  });
  return { dataDir, env: { CAIRN_DATA_DIR: dataDir, DATABASE_URL: url.toString() }, databaseUrl: url.toString(), store: () => openStore({ databaseUrl: url.toString() }) };
}

const peakRssMiB = (pid: number) => {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN;
};

function request(port: number, method: string, target: string, headers: Record<string, string>, body?: string | Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Cairn end to end; items/s and the server's peak RSS. */
async function runCairn(dialect: 'sqlite' | 'pg'): Promise<{ seconds: number; uploadSeconds: number; rssMiB: number; side: Side; ownerId: number; upload: string }> {
  const side = await freshSide(dialect, 'cairn');
  const port = await freePort();
  // CAIRN_BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"): node flags for the server, for diagnosis.
  const nodeArgs = process.env.CAIRN_BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean);
  const server = startCairn(['serve', '--port', String(port)], { cpu: pinning.pinned ? pinning.serverCpu : undefined, nodeArgs, env: { ...side.env, CAIRN_IMPORT_POLL_MS: '100', CAIRN_BODY_LIMIT_BYTES: '100000000' } });
  cleanups.push(() => stopChild(server));
  await waitForHealthy(server, port, 120);
  await waitFor('The first start\'s bootstrap', 60, () => fs.existsSync(bootstrapFile(side.dataDir)));
  const credentials = readBootstrapCredentials(side.dataDir);
  const ownerId = credentials.organization.id;
  const signed = (method: string, target: string) => threatConnectHeaders(credentials.apiUser, target, method);
  const probe = await request(port, 'POST', '/api/v2/batch', { ...signed('POST', '/api/v2/batch'), 'Content-Type': 'application/json' }, '{}');
  const hasApi = probe.status !== 404;
  const upload = args.stix ? 'stix' : args.upload === 'auto' ? (hasApi ? 'api' : 'store') : args.upload!;
  if (upload === 'api' && !hasApi) throw new Error('--upload api: this server has no POST /v2/batch yet.');
  const store = side.store();
  const jobIds: number[] = [];
  const started = performance.now();
  if (upload === 'stix') {
    const staged = await stageStixImport(store.db, { ownerId, userId: credentials.apiUser.id, origin: 'cli', settings: DEFAULT_SETTINGS }, Readable.from(ingestStixBundle(COUNT)), { maxBytes: Number.MAX_SAFE_INTEGER });
    if (staged.itemCount !== COUNT) throw new Error(`The STIX reader gave ${staged.itemCount} items for ${COUNT} objects.`);
    jobIds.push(staged.jobId);
  }
  for (let first = 0; upload !== 'stix' && first < COUNT; first += JOB_SIZE) {
    const end = Math.min(COUNT, first + JOB_SIZE);
    if (upload === 'api') {
      const created = await request(port, 'POST', '/api/v2/batch', { ...signed('POST', '/api/v2/batch'), 'Content-Type': 'application/json' },
        JSON.stringify({ owner: 'Exemplary Organization', action: 'Create', attributeWriteType: 'Replace', haltOnError: false }));
      if (created.status !== 201) throw new Error(`POST /v2/batch → ${created.status} ${created.body.slice(0, 300)}`);
      const id = Number(JSON.parse(created.body).data.batchId);
      const body = Buffer.from(JSON.stringify(Array.from({ length: end - first }, (_, k) => ingestBatchV1(first + k))));
      const target = `/api/v2/batch/${id}`;
      const uploaded = await request(port, 'POST', target, { ...signed('POST', target), 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) }, body);
      if (uploaded.status !== 202) throw new Error(`POST ${target} → ${uploaded.status} ${uploaded.body.slice(0, 300)}`);
      jobIds.push(id);
    } else {
      const id = await createImportJob(store.db, { ownerId, userId: credentials.apiUser.id, format: 'tc-batch', origin: 'tc-batch-api', settings: DEFAULT_SETTINGS });
      let seq = 0;
      for (let start = first; start < end; start += ITEMS_PER_CHUNK) {
        await storeImportChunk(store.db, id, seq++, Array.from({ length: Math.min(ITEMS_PER_CHUNK, end - start) }, (_, k) => ingestItem(start + k) as unknown as ImportItem));
      }
      await queueImportJob(store.db, id, { itemCount: end - first, chunkCount: seq, uploadSize: 0 });
      jobIds.push(id);
    }
  }
  const uploadSeconds = (performance.now() - started) / 1000;
  const pending = async () => {
    if (upload === 'api') {
      for (const id of jobIds) {
        const target = `/api/v2/batch/${id}`;
        const answer = await request(port, 'GET', target, signed('GET', target));
        if (JSON.parse(answer.body)?.data?.batchStatus?.status !== 'Completed') return true;
      }
      return false;
    }
    const open = await inList(store.db, jobIds, (list) => `select id from import_jobs where status <> 'Completed' and id in (${list})`);
    return open.length > 0;
  };
  await waitFor('The import', 24 * 3600, async () => !(await pending()), 200);
  const seconds = (performance.now() - started) / 1000;
  const rssMiB = peakRssMiB(server.pid!);
  const spans = await inList<{ started_at: string; completed_at: string }>(store.db, jobIds, (list) => `select started_at, completed_at from import_jobs where id in (${list})`);
  const busySeconds = spans.reduce((sum, j) => sum + (Date.parse(j.completed_at) - Date.parse(j.started_at)) / 1000, 0);
  console.log(`  (the worker was busy with jobs ${busySeconds.toFixed(1)} s of ${seconds.toFixed(1)} s)`);
  await stopChild(server);
  await store.close();
  return { seconds, uploadSeconds, rssMiB, side, ownerId, upload };
}

/** The loader on its own fresh database (migrated, with an organization and a user); its seconds. */
async function runBaseline(dialect: 'sqlite' | 'pg'): Promise<{ seconds: number; side: Side; ownerId: number }> {
  const side = await freshSide(dialect, 'loader');
  const services = await createServices(loadConfig({ ...side.env, CAIRN_LOG_LEVEL: 'silent' }));
  const organization = await services.tenancy.createOrganization('Exemplary Organization');
  const user = await services.tenancy.createApiUser(organization.name, 'Loader');
  await services.close();
  const target = dialect === 'sqlite' ? ['--sqlite', path.join(side.dataDir, 'cairn.sqlite')] : ['--pg', side.databaseUrl!];
  const command = [process.execPath, '--import', 'tsx', path.join(REPOSITORY_ROOT, 'bench/baseline/loader.ts'), ...target, '--count', String(COUNT), '--owner', String(organization.id), '--user', String(user.id)];
  const [file, ...rest] = pinning.pinned ? ['taskset', '-c', String(pinning.serverCpu), ...command] : command;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(file!, rest, { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`the loader exited with ${code}`))));
  });
  const { ms } = JSON.parse(output.trim().split('\n').pop()!) as { ms: number };
  return { seconds: ms / 1000, side, ownerId: organization.id };
}

/** Both databases hold the same rows (ids and times aside), or the run stops. */
async function compare(a: { side: Side; ownerId: number }, b: { side: Side; ownerId: number }): Promise<void> {
  const [x, y] = [a.side.store(), b.side.store()];
  try {
    const problems: string[] = [];
    const count = async (s: Store, table: string) => Number((await run<{ n: unknown }>(s.db, `select count(*) as n from ${table}`, []))[0]!.n);
    for (const table of ['indicators', 'indicator_values', 'indicator_tags', 'indicator_attributes', 'tags', 'indicator_labels', 'file_occurrences', 'indicator_groups']) {
      const [cx, cy] = [await count(x, table), await count(y, table)];
      if (cx !== cy) problems.push(`${table}: ${cx} rows in Cairn's database, ${cy} in the loader's`);
    }
    const indicators = await count(x, 'indicators');
    if (indicators !== COUNT) problems.push(`Cairn's database has ${indicators} indicators, not ${COUNT}`);
    // A sample of indicators with what hangs off them, in value order (ids and times aside).
    const sample = async (s: Store, ownerId: number) => (await run<Record<string, unknown>>(s.db, `select i.type, i.summary, i.value1, i.value2, i.value3, i.rating, i.confidence, i.active, i.dns_active, i.whois_active, i.description, i.source, i.size,
        (select count(*) from indicator_attributes a where a.indicator_id = i.id and a.type = 'Description' and a.value = i.description and a.displayed = 1 and a.is_default = 0) as attributes,
        (select min(g.name) || '|' || max(g.name) from indicator_tags t join tags g on g.id = t.tag_id where t.indicator_id = i.id) as tags,
        (select count(*) from indicator_values v where v.indicator_id = i.id and v.value = i.summary and v.type = i.type) as claims
      from indicators i where i.owner_id = ? order by i.summary limit 2000`, [ownerId]))
      .map((r) => JSON.stringify({ ...r, rating: Number(r.rating), confidence: Number(r.confidence), attributes: Number(r.attributes), claims: Number(r.claims), active: Number(r.active), dns_active: Number(r.dns_active), whois_active: Number(r.whois_active) }));
    const [sx, sy] = [await sample(x, a.ownerId), await sample(y, b.ownerId)];
    const differing = sx.findIndex((row, i) => row !== sy[i]);
    if (differing >= 0 || sx.length !== sy.length) problems.push(`the indicators differ, e.g. Cairn ${sx[differing] ?? '(none)'} vs loader ${sy[differing] ?? '(none)'}`);
    if (problems.length > 0) {
      console.error(`The two databases differ; nothing is reported:\n- ${problems.join('\n- ')}`);
      process.exitCode = 1;
      throw new Error('The databases differ.');
    }
  } finally {
    await x.close();
    await y.close();
  }
}

try {
  console.log(`bench:ingest: ${COUNT} indicators (Address, Host, URL, EmailAddress, File; 2 tags and 1 attribute each), ${args.stix ? 'as one STIX 2.1 bundle' : `jobs of ${JOB_SIZE}`}; ${pinning.describe()}`);
  for (const dialect of DIALECTS) {
    const cairn = await runCairn(dialect);
    const baseline = await runBaseline(dialect);
    await compare(cairn, baseline);
    const cairnRate = COUNT / cairn.seconds;
    const baseRate = COUNT / baseline.seconds;
    const name = dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    const how = cairn.upload === 'stix' ? `a STIX bundle of ${COUNT} objects read and staged` : cairn.upload === 'api' ? 'upload through the v2 batch API' : 'upload stored as the batch API stores it';
    console.log(`${name}: Cairn (${how} → Completed) ${cairn.seconds.toFixed(1)} s (the upload done after ${cairn.uploadSeconds.toFixed(1)} s), ${cairnRate.toFixed(0)} indicators/s; loader ${baseline.seconds.toFixed(1)} s, ${baseRate.toFixed(0)} indicators/s`);
    console.log(ratioLine(`ingest ${name} Cairn/loader indicators/s`, cairnRate / baseRate, TARGET_RATIO, 'same run, same rows'));
    console.log(`peak RSS of the Cairn server (VmHWM) = ${cairn.rssMiB.toFixed(0)} MiB (target < ${TARGET_RSS_MIB} MiB) ${cairn.rssMiB < TARGET_RSS_MIB ? 'PASS' : 'ABOVE TARGET'}`);
  }
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}
