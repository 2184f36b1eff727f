/**
 * TAXII 2.1 failures: the error message of spec §3.6.1, `{"title":…,"description":…,
 * "error_code":…,"http_status":"<status>"}`, sent as application/taxii+json;version=2.1. A 401
 * names the scheme TAXII clients use (`WWW-Authenticate: Basic realm="Cairn TAXII"`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { AuthError, HTTP_STATUS, type CairnError } from '../../core/errors.js';
import { sendTaxii, TAXII_MEDIA_TYPE } from './media.js';

export const TaxiiError = Type.Object({
  title: Type.String({ description: 'A short human-readable summary of the error' }),
  description: Type.Optional(Type.String({ description: 'What went wrong and what to do about it' })),
  error_id: Type.Optional(Type.String()),
  error_code: Type.Optional(Type.String({ description: 'Cairn\'s code of the error (not-found, unauthorized, …)' })),
  http_status: Type.Optional(Type.String({ description: 'The HTTP status, as a string' })),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
}, { description: 'A TAXII 2.1 error message' });

const TITLES: Partial<Record<number, string>> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  409: 'Conflict', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error',
};

function descriptionOf(error: CairnError, path: string): string {
  if (error instanceof AuthError) {
    if (error.reason === 'user-disabled') return 'This user is disabled.';
    if (error.reason === 'missing-credentials') return 'Send HTTP Basic credentials: Authorization: Basic base64(<access id>:<secret>).';
    return 'The credentials are not valid: send Authorization: Basic base64(<access id>:<secret>) of an enabled API user.';
  }
  if (error.code === 'route-not-found') return `There is no TAXII resource at ${path}.`;
  if (error.code === 'internal') return 'An internal error occurred; it has been logged.';
  return error.message;
}

export function taxiiFailureBody(path: string, error: CairnError): Record<string, unknown> {
  const status = HTTP_STATUS[error.code];
  const fields = error.details.fields;
  return {
    title: TITLES[status] ?? 'Error',
    description: descriptionOf(error, path),
    error_code: error.code,
    http_status: String(status),
    ...(fields && fields.length > 0 ? { details: { fields: fields.map((f) => ({ field: f.field, message: f.message })) } } : {}),
  };
}

export function renderTaxiiFailure(request: FastifyRequest, reply: FastifyReply, error: CairnError): FastifyReply {
  const path = request.url.split('?', 1)[0] ?? '';
  if (error.code === 'unauthorized') reply.header('WWW-Authenticate', 'Basic realm="Cairn TAXII", charset="UTF-8"');
  return sendTaxii(reply, HTTP_STATUS[error.code], taxiiFailureBody(path, error));
}

/** The TAXII failure answers of a route, by status, for its schema. */
export function taxiiFailures(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, { description: TITLES[status] ?? 'Error', content: { [TAXII_MEDIA_TYPE]: { schema: TaxiiError } } } as unknown as TSchema]));
}
