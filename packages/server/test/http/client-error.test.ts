import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.js';

interface RawAnswer { status: number; headers: string; body: string; error?: string }

/**
 * Writes a request head over a raw socket the way a slow client does: in 16 KB pieces, handing
 * control back to the event loop between pieces, so the server has answered before the client
 * has finished sending. Reads whatever comes back until the server closes.
 */
function sendHead(baseUrl: string, head: string): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => { error = e.code ?? e.message; });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const headers = split === -1 ? text : text.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0), headers, body: split === -1 ? '' : text.slice(split + 4), error });
    });
    const bytes = Buffer.from(head, 'latin1');
    const piece = 16 * 1024;
    let at = 0;
    const pump = (): void => {
      while (at < bytes.length && !socket.destroyed) {
        const flushed = socket.write(bytes.subarray(at, at + piece));
        at += piece;
        if (!flushed) { socket.once('drain', pump); return; }
        if (at % (4 * piece) === 0) { setImmediate(pump); return; }
      }
    };
    pump();
  });
}

const head = (target: string, padding: number) => `GET ${target} HTTP/1.1\r\nHost: cairn.test\r\nX-Padding: ${'x'.repeat(padding)}\r\n\r\n`;

describe('request heads larger than the server accepts', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer('sqlite'); });
  after(() => server.close());

  for (const size of [17_000, 200_000, 1_000_000]) {
    it(`a ${size}-byte head gets a readable 431 in the Failure envelope, not a reset`, async () => {
      const answer = await sendHead(server.baseUrl, head('/v2/owners', size));
      assert.equal(answer.status, 431, `no answer (${answer.error ?? 'closed'})`);
      assert.match(answer.headers, /\r\nContent-Type: application\/json\r\n/);
      assert.deepEqual(JSON.parse(answer.body), { status: 'Failure', message: 'The request headers are larger than the 16384 bytes the server accepts.' });
    });
  }

  it('answers in the envelope of the surface the path belongs to', async () => {
    const websupport = await sendHead(server.baseUrl, head('/v1/user/self', 200_000));
    assert.equal(websupport.status, 431);
    assert.deepEqual(JSON.parse(websupport.body), { code: 431, message: 'The request headers are larger than the 16384 bytes the server accepts.' });
    const contrast = await sendHead(server.baseUrl, head('/Contrast/api/ng/profile/organizations', 200_000));
    assert.equal(contrast.status, 431);
    assert.deepEqual(JSON.parse(contrast.body), { success: false, messages: ['The request headers are larger than the 16384 bytes the server accepts.'], errors: [] });
  });

  it('a head that is not HTTP gets a 400 in the envelope of its surface', async () => {
    const answer = await sendHead(server.baseUrl, 'GET /v1/user/self HTTP/1.1\r\nHost: cairn.test\r\nBad Header Line\r\n\r\n');
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.body), { code: 400, message: 'The request could not be parsed as HTTP.' });
  });
});
