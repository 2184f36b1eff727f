/** Contrast failures: `{"success":false,"messages":[…],"errors":[{field,message}]}`. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, HTTP_STATUS, type CairnError } from '../../core/errors.js';
import { sendJson } from '../send-json.js';
import type { ContrastFailureBody } from './envelope.js';

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

export function contrastFailureBody(_path: string, error: CairnError): ContrastFailureBody {
  const errors = (error.details.fields ?? []).map((f) => ({ field: f.field, message: f.message }));
  return { success: false, messages: [messageFor(error)], errors };
}

export function renderContrastFailure(request: FastifyRequest, reply: FastifyReply, error: CairnError): FastifyReply {
  return sendJson(reply, HTTP_STATUS[error.code], contrastFailureBody(request.url, error));
}
