/** CORS: preflights answered before authentication and routing; every answer echoes the Origin. */
import type { FastifyReply, FastifyRequest } from 'fastify';

export const CORS_ALLOWED_HEADERS = [
  'Authorization', 'Timestamp', 'Date', 'X-Date', 'API-Key', 'Content-Type', 'X-Requested-With', 'Accept', 'Accept-Language',
].join(',');
export const CORS_ALLOWED_METHODS = 'GET,POST,PUT,DELETE,OPTIONS,HEAD';

/** True when the request was a preflight, now answered (v3 has OPTIONS routes of its own, so only a real preflight counts). */
export function answerPreflight(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] === undefined) return false;
  reply
    .code(204)
    .header('Access-Control-Allow-Methods', CORS_ALLOWED_METHODS)
    .header('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS)
    .header('Access-Control-Max-Age', '600')
    .send();
  return true;
}

/**
 * Echoes the request's Origin (also `null`) on the answer, failures included: set when the request
 * arrives, so an answer to a request without Origin (most API clients) costs nothing more.
 */
export function echoOrigin(request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  reply.header('Access-Control-Allow-Origin', origin);
  reply.header('Vary', 'Origin');
}
