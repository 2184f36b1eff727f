/**
 * Signed `GET /api/v2/owners` (TC HMAC: credential look-up, HMAC-SHA256, constant-time compare,
 * owners, JSON) against unauthenticated `GET /healthz`, on the same server in the same run.
 *
 * The server runs in its own process on SQLite; autocannon loads it over loopback from this
 * process. On a machine with two or more CPUs and `taskset`, the server is pinned to the last CPU
 * and this process to the others, so the two do not take turns on one core and the server is
 * what limits the rate (otherwise the figure mostly measures the load generator). Rounds are short
 * and many; each round runs both endpoints back to back (order alternating, so drift hits both
 * alike) and gives one ratio; the reported ratio is the median of those. The server's CPU time per
 * request (from /proc) is printed too: it is steadier than requests/s on a noisy machine.
 *
 *   npm run bench:auth [-- --seconds 3 --rounds 9 --connections 16 --no-pin]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { cpuPinning, freePort, processCpuSeconds, startCairn, waitFor } from './support/process.js';
import { ratioLine } from './support/ratio.js';
import { bootstrapFile, readBootstrapCredentials, threatConnectHeaders } from './support/signing.js';
import { median } from './support/stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '9' },
    connections: { type: 'string', default: '16' },
    'no-pin': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
if (![seconds, rounds, connections].every((n) => Number.isInteger(n) && n > 0)) throw new Error('--seconds, --rounds and --connections take whole numbers above 0.');

const pinning = cpuPinning(!values['no-pin']);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bench-'));
const port = await freePort();
const server = startCairn(['serve', '--port', String(port), '--data-dir', dataDir], { cpu: pinning.pinned ? pinning.serverCpu : undefined });
const stop = () => { server.kill('SIGTERM'); fs.rmSync(dataDir, { recursive: true, force: true }); };
process.on('exit', stop);

await waitFor('The server start', 30, () => fs.existsSync(bootstrapFile(dataDir)));
await new Promise((r) => setTimeout(r, 200));
const { apiUser } = readBootstrapCredentials(dataDir);

/** User + system CPU seconds of the server so far (taskset execs it, so the spawned pid is the server's). */
const serverCpuSeconds = () => processCpuSeconds(server.pid!);

const signedHeaders = (): Record<string, string> => threatConnectHeaders(apiUser, '/api/v2/owners');

interface Load { rps: number; cpuMicrosPerRequest: number | undefined }
async function load(pathname: string, headers: Record<string, string>, duration: number): Promise<Load> {
  const before = serverCpuSeconds();
  const result = await autocannon({ url: `http://127.0.0.1:${port}${pathname}`, headers, connections, duration, pipelining: 1 });
  const after = serverCpuSeconds();
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${pathname}: ${failed} failed requests (non-2xx ${result.non2xx}, errors ${result.errors}).`);
  const total = result.requests.total;
  return { rps: total / duration, cpuMicrosPerRequest: before === undefined || after === undefined || total === 0 ? undefined : ((after - before) * 1e6) / total };
}

console.log(`${rounds} rounds of ${seconds} s per endpoint, ${connections} connections; `
  + pinning.describe());

// Warm-up: JIT, caches, SQLite page cache.
await load('/healthz', {}, 3);
await load('/api/v2/owners', signedHeaders(), 3);

const health: Load[] = [];
const owners: Load[] = [];
const ratios: number[] = [];
for (let round = 1; round <= rounds; round++) {
  // A fresh signature per round keeps the Timestamp inside the ±300 s window.
  const headers = signedHeaders();
  if (round % 2 === 1) {
    health.push(await load('/healthz', {}, seconds));
    owners.push(await load('/api/v2/owners', headers, seconds));
  } else {
    owners.push(await load('/api/v2/owners', headers, seconds));
    health.push(await load('/healthz', {}, seconds));
  }
  const [h, o] = [health.at(-1)!, owners.at(-1)!];
  ratios.push(o.rps / h.rps);
  const cpu = (l: Load) => (l.cpuMicrosPerRequest === undefined ? '' : ` (${l.cpuMicrosPerRequest.toFixed(1)} µs CPU/request)`);
  console.log(`round ${round}: /healthz ${h.rps.toFixed(0)} req/s${cpu(h)}, signed /api/v2/owners ${o.rps.toFixed(0)} req/s${cpu(o)}, ratio ${ratios.at(-1)!.toFixed(3)}`);
}
const cpuMedian = (loads: Load[]) => (loads.every((l) => l.cpuMicrosPerRequest !== undefined) ? median(loads.map((l) => l.cpuMicrosPerRequest!)) : undefined);
const [healthCpu, ownersCpu] = [cpuMedian(health), cpuMedian(owners)];
const ratio = median(ratios);
console.log(`median: /healthz ${median(health.map((l) => l.rps)).toFixed(0)} req/s, signed /api/v2/owners ${median(owners.map((l) => l.rps)).toFixed(0)} req/s`);
if (healthCpu !== undefined && ownersCpu !== undefined) {
  console.log(`server CPU per request (median): /healthz ${healthCpu.toFixed(1)} µs, signed /api/v2/owners ${ownersCpu.toFixed(1)} µs (ratio ${(healthCpu / ownersCpu).toFixed(3)})`);
}
console.log(ratioLine('signed/healthz', ratio, { atLeast: 0.85 }, `median of ${rounds} round ratios`));
stop();
process.exit(0);
