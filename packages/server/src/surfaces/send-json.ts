import type { FastifyReply } from 'fastify';

const asIs = (payload: unknown) => payload as string;

/**
 * Sends JSON with `Content-Type` exactly `application/json`: tcex runs its error path only on
 * that exact value. Fastify appends `; charset=utf-8` to JSON strings it serializes itself, so
 * the body is serialized here and handed over through an identity serializer (a string, not a
 * Buffer, so Node writes head and body in one syscall).
 */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return sendSerializedJson(reply, status, JSON.stringify(body));
}

/** `sendJson` for a body already serialized (a cached answer). */
export function sendSerializedJson(reply: FastifyReply, status: number, json: string): FastifyReply {
  return reply.code(status).header('Content-Type', 'application/json').serializer(asIs).send(json);
}
