import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CairnError } from '../core/errors.js';
import type { CairnServices } from '../services.js';

/** One wire dialect: its routes, and how it words a failure. */
export interface Surface {
  name: 'threatconnect' | 'websupport' | 'contrast';
  /** True when a request path belongs to this surface (used for 404s and early failures). */
  owns(path: string): boolean;
  register(app: FastifyInstance, services: CairnServices): void;
  renderFailure(request: FastifyRequest, reply: FastifyReply, error: CairnError): FastifyReply;
}
