import type { FastifyRequest } from 'fastify';
import { negotiateLanguage, type WebsupportLanguage } from './messages.js';

export function websupportLanguage(request: FastifyRequest): WebsupportLanguage {
  const header = request.headers['accept-language'];
  return negotiateLanguage(Array.isArray(header) ? header[0] : header);
}
