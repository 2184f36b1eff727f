/**
 * The lifecycle of the long-running commands, as child processes: `cairn serve` finishes a
 * request in flight when told to stop, refuses new connections, stops its jobs, closes the
 * database and exits 0; `cairn worker` runs the jobs without the HTTP server and stops the same way.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CairnProcess, removeTempDirs, startCairnServe, tempDir } from '../support/cli.js';

after(removeTempDirs);

/** Log lines (pino JSON) with the given message. */
function logLines(output: string, message: string): Array<Record<string, unknown>> {
  return output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === message);
}

function tcHeaders(accessId: string, secret: string, pathAndQuery: string, method: string): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = crypto.createHmac('sha256', secret).update(`${pathAndQuery}:${method}:${timestamp}`).digest('base64');
  return `Authorization: TC ${accessId}:${signature}\r\nTimestamp: ${timestamp}\r\n`;
}

describe('cairn serve: graceful stop', () => {
  test('SIGTERM lets the request in flight finish, refuses new connections, stops the jobs, closes the database and exits 0', async () => {
    const dir = tempDir();
    const { server, port } = await startCairnServe(dir);
    try {
      const { apiUser } = JSON.parse(fs.readFileSync(path.join(dir, 'bootstrap-credentials.json'), 'utf8')) as { apiUser: { accessId: string; secret: string } };
      assert.equal(logLines(server.output, 'job started').map((line) => line.job).join(), 'credential-watch,import');

      // A POST whose body is only half sent: the request is in flight when the signal arrives.
      const body = JSON.stringify({ name: 'Sent across a shutdown', severity: 'Low', status: 'Open' });
      const socket = net.connect(port, '127.0.0.1');
      let answer = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => { answer += chunk; });
      const answered = new Promise<void>((resolve, reject) => { socket.once('end', resolve); socket.once('error', reject); });
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write(`POST /api/v3/cases HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
        + `${tcHeaders(apiUser.accessId, apiUser.secret, '/api/v3/cases', 'POST')}\r\n${body.slice(0, 10)}`);
      await server.waitForLog('"url":"/api/v3/cases"'); // Fastify logged "incoming request"

      server.child.kill('SIGTERM');
      await server.waitForLog('shutting down');
      // The listening socket is closed: a new connection is refused.
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
      assert.equal(logLines(server.output, 'closed the database').length, 0, 'the database stays open while a request is in flight');

      socket.end(body.slice(10));
      await answered;
      assert.match(answer, /^HTTP\/1\.1 201 /, answer);
      assert.match(answer, /"name":"Sent across a shutdown"/);

      assert.equal(await server.exited(), 0, server.output);
      const messages = server.output.split('\n').filter((line) => line.startsWith('{')).map((line) => (JSON.parse(line) as { msg: string }).msg);
      const order = ['shutting down', 'stopped taking requests', 'job stopped', 'closed the database'].map((message) => messages.indexOf(message));
      assert.ok(order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1]!)), `shutdown steps in order: ${order}\n${server.output}`);
      assert.deepEqual(logLines(server.output, 'job stopped').map((line) => line.job), ['import', 'credential-watch']);
    } finally {
      await server.stop();
    }
  });

  test('SIGINT stops an idle server the same way', async () => {
    const { server } = await startCairnServe(tempDir());
    assert.equal(await server.stop('SIGINT'), 0, server.output);
    assert.equal(logLines(server.output, 'shutting down')[0]!.signal, 'SIGINT');
    assert.equal(logLines(server.output, 'closed the database').length, 1, server.output);
  });
});

describe('cairn worker', () => {
  test('runs the credential-watch and import jobs without an HTTP server and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const worker = new CairnProcess(['worker', '--data-dir', dir]);
    try {
      await worker.waitForLog('Cairn worker is ready');
      const [ready] = logLines(worker.output, 'Cairn worker is ready');
      assert.deepEqual(ready!.jobs, ['credential-watch', 'import']);
      assert.equal(ready!.database, 'sqlite');
      assert.equal(logLines(worker.output, 'job started')[0]!.job, 'credential-watch');
      assert.doesNotMatch(worker.output, /Server listening/);
      assert.ok(fs.existsSync(path.join(dir, 'cairn.sqlite')), 'the worker opened (and migrated) the database');

      assert.equal(await worker.stop('SIGTERM'), 0, worker.output);
      assert.deepEqual(logLines(worker.output, 'job stopped').map((line) => line.job), ['import', 'credential-watch'], 'stopped in reverse order');
      assert.equal(logLines(worker.output, 'closed the database').length, 1, worker.output);
    } finally {
      await worker.stop();
    }
  });

  test('a bad flag stops it with one line naming the variable', async () => {
    const worker = new CairnProcess(['worker', '--data-dir', tempDir()], { CAIRN_LOG_LEVEL: 'loud' });
    assert.equal(await worker.exited(), 1);
    assert.match(worker.output, /^cairn: CAIRN_LOG_LEVEL must be one of/);
  });
});
