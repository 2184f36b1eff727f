/**
 * The request target as the client sent it. A surface may serve a path under an alias
 * (ThreatConnect's `/api/v3/…` is `/v3/…`): the alias is rewritten before routing, so one route
 * serves both, and Fastify keeps the target as sent in `originalUrl`. Signatures cover that target,
 * and links repeat it.
 */
import type { FastifyRequest } from 'fastify';

export function requestTarget(request: FastifyRequest): string {
  const raw = request.raw as FastifyRequest['raw'] & { originalUrl?: string };
  return raw.originalUrl ?? raw.url ?? request.url;
}
