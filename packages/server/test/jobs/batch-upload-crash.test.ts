/**
 * v2 batch uploads survive kill -9 of `cairn serve` (real processes, a SQLite file and PostgreSQL):
 * an upload cut off by the crash was never acknowledged, leaves its job waiting (held until the
 * hold lapses), and the upload sent again after the restart is applied once, with nothing of the
 * dead upload's chunks; an upload acknowledged (202) just before the kill is not lost: the
 * restarted server's worker completes it.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { tcHeaders } from '../support/http.js';
import { removeTempDirs, startCairnServe, type CairnProcess } from '../support/cli.js';
import { workerDatabase } from '../support/import-workers.js';
import { testDialects } from '../support/server.js';

after(removeTempDirs);

interface Caller { accessId: string; secret: string }

/** A signed request; `pieces` are written one by one, and `between` runs after the first (to kill the server mid-upload). */
function send(port: number, caller: Caller, method: string, target: string, pieces: Buffer[] = [], headers: Record<string, string> = {}, between?: () => Promise<void>): Promise<{ status: number; text: string } | 'cut off'> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, path: target, headers: { ...tcHeaders(caller.accessId, caller.secret, method, target), ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', () => resolve('cut off'));
    });
    request.on('error', (error: NodeJS.ErrnoException) => (['ECONNRESET', 'EPIPE', 'ECONNREFUSED'].includes(error.code ?? '') ? resolve('cut off') : reject(error)));
    (async () => {
      for (const [i, piece] of pieces.entries()) {
        request.write(piece);
        if (i === 0 && between) await between();
      }
      request.end();
    })().catch(reject);
  });
}

const hostsJson = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => JSON.stringify({ summary: `${prefix}-${i}.example.com`, type: 'Host', tag: [{ name: prefix }] }));

for (const dialect of testDialects()) {
  describe(`v2 batch uploads survive kill -9 of the server (${dialect})`, () => {
    it('a cut-off upload is never half-applied; one acknowledged just before the kill completes after the restart', async () => {
      const database = await workerDatabase(dialect);
      const caller = await database.services.tenancy.createApiUser('Import Organization', 'batch crash caller');
      const env = { ...database.env, CAIRN_IMPORT_POLL_MS: '50', CAIRN_IMPORT_LEASE_MS: '2000', CAIRN_BATCH_UPLOAD_HOLD_SECONDS: '1' };
      const scalar = (text: string, params: unknown[] = []) => database.scalar(text, params);
      let server: CairnProcess | undefined;
      try {
        let started = await startCairnServe(database.dataDir, env);
        server = started.server;
        const newJob = async () => {
          const answer = await send(started.port, caller, 'POST', '/api/v2/batch', [Buffer.from('{"version":"V2","haltOnError":"false"}')], { 'Content-Type': 'application/json' });
          assert.ok(answer !== 'cut off' && answer.status === 201, JSON.stringify(answer));
          return JSON.parse(answer.text).data.batchId as number;
        };

        // 1. Cut off mid-upload: 2,500 hosts sent, the server killed once it has stored two chunks.
        const cut = await newJob();
        const first = hostsJson('cut', 2500);
        const outcome = await send(started.port, caller, 'POST', `/api/v2/batch/${cut}`, [Buffer.from(`{"indicator":[${first.join(',')}`), Buffer.from(',{"summary":"late.example.com","type":"Host"}]}')],
          { 'Content-Type': 'application/octet-stream' }, async () => {
            for (let i = 0; i < 2000 && await scalar('select count(*) from import_job_chunks where job_id = ?', [cut]) < 2; i++) await new Promise((r) => setTimeout(r, 10));
            server!.child.kill('SIGKILL');
            assert.equal(await server!.exited(), null);
          });
        assert.equal(outcome, 'cut off', 'never acknowledged');
        assert.equal(await scalar("select count(*) from import_jobs where id = ? and status = 'Created' and claimed_by like 'upload:%'", [cut]), 1, 'left waiting, held by the dead upload');
        assert.ok(await scalar('select count(*) from import_job_chunks where job_id = ?', [cut]) >= 2, 'with what it had stored');

        started = await startCairnServe(database.dataDir, env);
        server = started.server;
        // The hold lapses (1 s); the upload sent again replaces what the dead one stored.
        await new Promise((r) => setTimeout(r, 1100));
        const again = hostsJson('again', 1200);
        const retried = await send(started.port, caller, 'POST', `/api/v2/batch/${cut}`, [Buffer.from(`{"indicator":[${again.join(',')}]}`)], { 'Content-Type': 'application/octet-stream' });
        assert.ok(retried !== 'cut off' && retried.status === 202, JSON.stringify(retried));

        // 2. Acknowledged, then killed at once.
        const acknowledged = await newJob();
        const third = hostsJson('acked', 1500);
        const answer = await send(started.port, caller, 'POST', `/api/v2/batch/${acknowledged}`, [Buffer.from(`[${third.join(',')}]`)], { 'Content-Type': 'application/octet-stream' });
        assert.ok(answer !== 'cut off' && answer.status === 202, JSON.stringify(answer));
        server.child.kill('SIGKILL');
        await server.exited();

        started = await startCairnServe(database.dataDir, env);
        server = started.server;
        for (let i = 0; i < 1200; i++) {
          if (await scalar("select count(*) from import_jobs where id in (?, ?) and status = 'Completed'", [cut, acknowledged]) === 2) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        for (const [id, count] of [[cut, 1200], [acknowledged, 1500]] as const) {
          assert.equal(await scalar("select count(*) from import_jobs where id = ? and status = 'Completed'", [id]), 1, `job ${id} completed`);
          assert.equal(await scalar('select success_count from import_jobs where id = ?', [id]), count);
          assert.equal(await scalar('select error_count from import_jobs where id = ?', [id]), 0);
        }
        // Exactly the uploads acknowledged: nothing of the dead upload, nothing twice.
        assert.equal(await scalar("select count(*) from indicators where owner_id = ? and summary like 'cut-%'", [database.ownerId]), 0);
        assert.equal(await scalar("select count(*) from indicators where owner_id = ? and summary like 'again-%'", [database.ownerId]), 1200);
        assert.equal(await scalar("select count(*) from indicators where owner_id = ? and summary like 'acked-%'", [database.ownerId]), 1500);
        assert.equal(await scalar('select count(*) from indicators where owner_id = ?', [database.ownerId]), 2700);
        assert.equal(await server.stop('SIGTERM'), 0, server.output);
      } finally {
        if (server?.running) await server.stop('SIGKILL').catch(() => undefined);
        await database.close();
      }
    });
  });
}
