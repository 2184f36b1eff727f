/**
 * Answers requests Node's HTTP parser refuses before Fastify sees them (an oversized or malformed
 * head), in the envelope of the surface the request line's path belongs to.
 */
import type { Socket } from 'node:net';
import { CairnError, HTTP_STATUS } from '../core/errors.js';
import { surfaceForPath } from '../surfaces/registry.js';

/** Largest request head Node accepts; beyond it the client gets a 431 from `answerClientError`. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** After answering, how much more of a refused request a connection reads and drops, and for how long. */
const LINGER_MAX_BYTES = 16 * 1024 * 1024;
const LINGER_MAX_MS = 10_000;

const answered = new WeakSet<Socket>();

export function answerClientError(clientError: Error, socket: Socket): void {
  const error = clientError as Error & { code?: string; rawPacket?: unknown };
  // The parser stays in its failed state and reports the same failure for every further piece of
  // the head the client sends: the first report was answered, the connection is being wound down.
  if (answered.has(socket)) return;
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const failure = tooLarge
    ? new CairnError('headers-too-large', `The request headers are larger than the ${MAX_HEADER_BYTES} bytes the server accepts.`)
    : new CairnError('bad-request', 'The request could not be parsed as HTTP.');
  const status = HTTP_STATUS[failure.code];
  const firstLine = (Buffer.isBuffer(error.rawPacket) ? error.rawPacket : Buffer.alloc(0)).subarray(0, 2048).toString('latin1').split('\r\n', 1)[0] ?? '';
  const path = (firstLine.split(' ')[1] ?? '/').split('?', 1)[0] ?? '/';
  const body = JSON.stringify(surfaceForPath(path).earlyFailureBody(path, failure));
  answered.add(socket);
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  dropInputUntilClosed(socket);
}

/**
 * Closing a socket whose input has not all been read makes the kernel send a reset, and a client
 * still writing a large head then loses the answer already sent to it (a 200 KB head did). So the
 * connection keeps reading and dropping what arrives until the client closes its side (the answer
 * said `Connection: close`), within a bound of bytes and time.
 */
function dropInputUntilClosed(socket: Socket): void {
  let dropped = 0;
  const timer = setTimeout(() => socket.destroy(), LINGER_MAX_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_MAX_BYTES) socket.destroy();
  });
  socket.resume();
}
