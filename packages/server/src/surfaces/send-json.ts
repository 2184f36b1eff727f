import type { FastifyReply } from 'fastify';

/**
 * Sends JSON with `Content-Type` exactly `application/json`: tcex runs its error path only on
 * that exact value, and Fastify would append `; charset=utf-8` to a string payload.
 */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('Content-Type', 'application/json').send(Buffer.from(JSON.stringify(body), 'utf8'));
}
