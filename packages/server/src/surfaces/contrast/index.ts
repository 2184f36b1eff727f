/**
 * Contrast-style surface: v1 "User APIs" at `/Contrast/s/api`, v2 and ng (v3) at `/Contrast/api`.
 * ng answers in `{"success":…,"messages":[…],…}`; failures add `errors`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, HTTP_STATUS, type CairnError } from '../../core/errors.js';
import type { Surface } from '../surface.js';
import { registerProfileRoutes } from './ng-profile.js';
import { sendJson } from '../send-json.js';

function messageFor(error: CairnError): string {
  if (error instanceof AuthError) {
    switch (error.reason) {
      case 'missing-api-key': return 'Authorization failure: the API-Key header is missing.';
      case 'missing-credentials':
      case 'malformed-credentials': return 'Authorization failure: send Authorization: base64(user name:service key) and the organization API-Key.';
      case 'user-disabled': return 'Authorization failure: this user is locked or disabled.';
      default: return 'Authorization failure: the user name, service key or API-Key is not valid.';
    }
  }
  if (error.code === 'route-not-found') return `Resource not found: ${String(error.details.method ?? '')} ${String(error.details.path ?? '')}`.trim();
  if (error.code === 'internal') return 'Server Error';
  return error.message;
}

function renderContrastFailure(_request: FastifyRequest, reply: FastifyReply, error: CairnError): FastifyReply {
  const errors = (error.details.fields ?? []).map((f) => ({ field: f.field, message: f.message }));
  return sendJson(reply, HTTP_STATUS[error.code], { success: false, messages: [messageFor(error)], errors });
}

export const contrastSurface: Surface = {
  name: 'contrast',
  owns: (path) => /^\/Contrast(\/|$)/.test(path),
  register(app, services) {
    registerProfileRoutes(app, services);
  },
  renderFailure: renderContrastFailure,
};
