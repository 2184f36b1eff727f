/**
 * Server CPU per request, concurrent, for the representative v3 reads of bench:tql and the nested
 * `POST /v3/cases`: a profiling aid for the per-request overhead (the ratio against a hand-written
 * server is bench:floor's job). `--profile dir` writes a V8 CPU profile of the server; with the
 * data directory on tmpfs (TMPDIR=/dev/shm) the profile's wall time is close to CPU time.
 *
 * Copies the data directory seeded by `npm run bench:floor -- --cases <n> --cache` to a temporary
 * one (the POSTs then change nothing later runs read), starts `cairn serve` on it, and for each
 * request runs autocannon (TC-signed once: the signature stays valid for the clock window) for
 * `--seconds`, reading the server's user+system CPU time from /proc/<pid>/stat around the run.
 *
 *   node --import tsx bench/request-cpu.ts [--cases 20000 | --data dir] [--seconds 5 --connections 16 --only POST --profile dir] [--side baseline]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { freePort, processCpuSeconds, REPOSITORY_ROOT, startCairn, stopChild, waitFor, waitForHealthy } from './support/process.js';
import { readBootstrapCredentials, threatConnectHeaders } from './support/signing.js';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    only: { type: 'string' },
    /** A seeded data directory to copy (default: .bench/cases-<cases>, what bench/support/seed.ts keeps with `--cache`). */
    data: { type: 'string' },
    /** Writes a V8 CPU profile of the server into this directory. */
    profile: { type: 'string' },
    /** Which server to measure: cairn (default) or the hand-written baseline of bench:floor (to compare profiles). */
    side: { type: 'string', default: 'cairn' },
  },
});

const seeded = args.data ? path.resolve(args.data) : path.join(REPOSITORY_ROOT, '.bench', `cases-${args.cases}`);
if (!fs.existsSync(path.join(seeded, 'cairn.sqlite'))) throw new Error(`No seeded database in ${seeded}: npm run bench:floor -- --cases ${args.cases} --cache, or name one with --data.`);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-request-cpu-'));
for (const file of fs.readdirSync(seeded)) fs.cpSync(path.join(seeded, file), path.join(dataDir, file), { recursive: true });
process.on('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));

const db = new Database(path.join(dataDir, 'cairn.sqlite'), { readonly: true });
const cases = db.prepare('select count(*) from cases').pluck().get() as number;
const existingName = db.prepare('select name from cases where id >= ? order by id limit 1').pluck().get(Math.floor(cases / 2)) as string;
const caseWithTasks = db.prepare('select case_id from tasks where case_id >= ? order by case_id limit 1').pluck().get(Math.floor(cases / 3)) as number;
db.close();

const credentials = readBootstrapCredentials(dataDir);
const port = await freePort();
if (args.side !== 'cairn' && args.side !== 'baseline') throw new Error('--side takes cairn or baseline.');
const profiling = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args.profile)}`] : [];
let server: ChildProcess;
if (args.side === 'baseline') {
  // The baseline as bench:floor runs it: bundled, bare imports resolved from the repository's node_modules.
  const bundle = path.join(dataDir, 'baseline', 'baseline.mjs');
  await build({
    entryPoints: [path.join(REPOSITORY_ROOT, 'bench/baseline/server.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'esm',
    target: 'node20', packages: 'external', logLevel: 'warning',
  });
  fs.symlinkSync(path.join(REPOSITORY_ROOT, 'node_modules'), path.join(dataDir, 'baseline', 'node_modules'));
  server = spawn(process.execPath, [...profiling, bundle, '--port', String(port), '--data-dir', dataDir], { stdio: ['ignore', 'ignore', 'inherit'] });
} else {
  const serve = ['serve', '--port', String(port), '--data-dir', dataDir];
  server = args.profile
    ? spawn(process.execPath, [...profiling, path.join(REPOSITORY_ROOT, 'packages/server/bin/cairn.js'), ...serve], { env: { ...process.env, CAIRN_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] })
    : startCairn(serve);
}
// The baseline has no /healthz: it is up when it answers anything (a 401 for an unsigned request).
if (args.side === 'baseline') await waitFor('The baseline start', 60, () => new Promise<boolean>((resolve) => {
  http.get({ host: '127.0.0.1', port, path: '/api/v3/cases' }, (r) => { r.resume(); resolve(true); }).on('error', () => resolve(false));
}));
else await waitForHealthy(server, port, 60);

const cpuSeconds = (pid: number) => processCpuSeconds(pid) ?? Number.NaN;

const nestedCase = JSON.stringify({
  name: 'Bench nested case', severity: 'High', status: 'Open',
  tasks: { data: [{ name: 'Triage alert' }, { name: 'Collect evidence' }] },
  notes: { data: [{ text: 'Opened by the request-cpu bench.' }] },
  tags: { data: [{ name: 'Phishing' }, { name: 'Bench' }] },
});

const q = (tql: string) => `tql=${encodeURIComponent(tql)}`;
const REQUESTS: { label: string; method: 'GET' | 'POST'; path: string; body?: string }[] = [
  { label: 'equality (enum)', method: 'GET', path: `/api/v3/cases?${q('severity = "High" and status = "Open"')}` },
  { label: 'equality (name)', method: 'GET', path: `/api/v3/cases?${q(`name = "${existingName}"`)}` },
  { label: 'IN', method: 'GET', path: `/api/v3/cases?${q('severity in ("High","Critical")')}` },
  { label: 'CONTAINS', method: 'GET', path: `/api/v3/cases?${q('name contains "ransom"')}` },
  { label: 'date range', method: 'GET', path: `/api/v3/cases?${q('caseOpenTime >= "2025-06-01" and caseOpenTime < "2025-06-08"')}` },
  { label: 'hasTag()', method: 'GET', path: `/api/v3/cases?${q('hasTag(name = "phishing")')}` },
  { label: 'tasks hasCase()', method: 'GET', path: `/api/v3/tasks?${q(`hasCase(id = ${caseWithTasks})`)}` },
  { label: 'sorted page', method: 'GET', path: '/api/v3/cases?sorting=dateAdded%20desc' },
  { label: 'POST nested case', method: 'POST', path: '/api/v3/cases', body: nestedCase },
];

console.log(`load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${args.connections} connections, ${args.seconds} s each`);
console.log('request            req/s   CPU µs/req  non-2xx');
for (const request of REQUESTS) {
  if (args.only && !request.label.includes(args.only)) continue;
  const headers: Record<string, string> = { ...threatConnectHeaders(credentials.apiUser, request.path, request.method) };
  if (request.body) headers['Content-Type'] = 'application/json';
  const run = (seconds: number) => autocannon({
    url: `http://127.0.0.1:${port}${request.path}`, method: request.method, headers, body: request.body,
    connections: Number(args.connections), duration: seconds,
  });
  await run(1); // warm-up
  const before = cpuSeconds(server.pid!);
  const result = await run(Number(args.seconds));
  const cpu = cpuSeconds(server.pid!) - before;
  const done = result.requests.total;
  console.log(`${request.label.padEnd(17)} ${result.requests.average.toFixed(0).padStart(6)}  ${(cpu * 1e6 / done).toFixed(0).padStart(10)}  ${String(result.non2xx).padStart(7)}`);
}
console.log(`load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
await stopChild(server);
