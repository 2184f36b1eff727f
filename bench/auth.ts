/**
 * Signed `GET /api/v2/owners` (TC HMAC: credential look-up, HMAC-SHA256, constant-time compare,
 * owner query, JSON) against unauthenticated `GET /healthz`, on the same server in the same run.
 * The server runs in its own process on SQLite; autocannon loads it over loopback. Rounds
 * alternate to spread machine noise over both. Prints requests/s and the ratio (target ≥ 0.85).
 *
 *   npm run bench:auth [-- --seconds 10 --rounds 3 --connections 16]
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '16' } } });
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bench-'));
const port = await freePort();
const cli = path.resolve(import.meta.dirname, '../packages/server/bin/cairn.js');
const server = spawn(process.execPath, [cli, 'serve', '--port', String(port), '--data-dir', dataDir], {
  env: { ...process.env, CAIRN_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'],
});
const stop = () => { server.kill('SIGTERM'); fs.rmSync(dataDir, { recursive: true, force: true }); };
process.on('exit', stop);

const credentialsFile = path.join(dataDir, 'bootstrap-credentials.json');
for (let i = 0; !fs.existsSync(credentialsFile); i++) {
  if (i > 300) throw new Error('The server did not start within 30 s.');
  await new Promise((r) => setTimeout(r, 100));
}
await new Promise((r) => setTimeout(r, 200));
const { apiUser } = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as { apiUser: { accessId: string; secret: string } };

function signedHeaders(): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = crypto.createHmac('sha256', apiUser.secret).update(`/api/v2/owners:GET:${timestamp}`).digest('base64');
  return { Timestamp: String(timestamp), Authorization: `TC ${apiUser.accessId}:${signature}` };
}

async function load(pathname: string, headers: Record<string, string>, duration: number): Promise<number> {
  const result = await autocannon({ url: `http://127.0.0.1:${port}${pathname}`, headers, connections, duration, pipelining: 1 });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${pathname}: ${failed} failed requests (non-2xx ${result.non2xx}, errors ${result.errors}).`);
  return result.requests.average;
}

// Warm-up: JIT, caches, SQLite page cache.
await load('/healthz', {}, 2);
await load('/api/v2/owners', signedHeaders(), 2);

const health: number[] = [];
const owners: number[] = [];
for (let round = 1; round <= rounds; round++) {
  // A fresh signature per round keeps the Timestamp inside the ±300 s window.
  health.push(await load('/healthz', {}, seconds));
  owners.push(await load('/api/v2/owners', signedHeaders(), seconds));
  console.log(`round ${round}: /healthz ${health.at(-1)!.toFixed(0)} req/s, signed /api/v2/owners ${owners.at(-1)!.toFixed(0)} req/s`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ratio = median(owners) / median(health);
console.log(`median: /healthz ${median(health).toFixed(0)} req/s, signed /api/v2/owners ${median(owners).toFixed(0)} req/s`);
console.log(`ratio signed/healthz = ${ratio.toFixed(3)} (target >= 0.85) ${ratio >= 0.85 ? 'PASS' : 'BELOW TARGET'}`);
stop();
process.exit(0);
