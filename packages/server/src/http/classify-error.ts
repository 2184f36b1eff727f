/** Turns anything thrown while serving a request into a CairnError a surface can render. */
import type { FastifyError } from 'fastify';
import { CairnError, type FieldProblem } from '../core/errors.js';
import { TqlError } from '../tql/errors.js';

export interface ClassifiedError { error: CairnError; unexpected: boolean }

export function classifyError(thrown: unknown, bodyLimitBytes: number): ClassifiedError {
  if (thrown instanceof CairnError) return { error: thrown, unexpected: false };
  if (thrown instanceof TqlError) return { error: new CairnError('tql-parse', thrown.message, { position: thrown.position }), unexpected: false };
  const error = thrown as Partial<FastifyError> & { validation?: unknown[]; validationContext?: string };
  if (Array.isArray(error.validation)) {
    const fields: FieldProblem[] = error.validation.map((v) => {
      const item = v as { instancePath?: string; message?: string; params?: { missingProperty?: string } };
      const field = item.params?.missingProperty ?? (item.instancePath ?? '').split('/').filter(Boolean).join('.');
      return { field: field || error.validationContext || '_', message: item.message ?? 'is invalid' };
    });
    const summary = fields.map((f) => `${f.field} ${f.message}`).join('; ');
    return { error: new CairnError('validation', `Invalid ${error.validationContext ?? 'request'}: ${summary}.`, { fields, ajvErrors: error.validation, context: error.validationContext }), unexpected: false };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { error: new CairnError('payload-too-large', `The request body is larger than the limit of ${bodyLimitBytes} bytes.`, { limit: bodyLimitBytes }), unexpected: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { error: new CairnError('unsupported-media-type', 'Unsupported Content-Type; send application/json.'), unexpected: false };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { error: new CairnError('malformed-body', `The request body is not valid JSON: ${error.message ?? 'unreadable'}`, { detail: error.message }), unexpected: false };
  }
  if (error instanceof SyntaxError || error.name === 'SyntaxError') {
    return { error: new CairnError('malformed-body', `The request body is not valid JSON: ${error.message}`, { detail: error.message }), unexpected: false };
  }
  // PostgreSQL refuses NUL in text (22021) wherever a value reaches it unchecked: the client's
  // input, not a fault of the server.
  if (error.code === '22021' || error.code === '22P05') {
    return { error: new CairnError('bad-request', 'The request contains text that cannot be stored, such as the NUL character (\\u0000).'), unexpected: false };
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status === 404) return { error: new CairnError('route-not-found', 'Not found.'), unexpected: false };
  if (status === 413) return { error: new CairnError('payload-too-large', `The request body is larger than the limit of ${bodyLimitBytes} bytes.`, { limit: bodyLimitBytes }), unexpected: false };
  if (status === 415) return { error: new CairnError('unsupported-media-type', 'Unsupported Content-Type; send application/json.'), unexpected: false };
  if (status >= 400 && status < 500) return { error: new CairnError('bad-request', error.message ?? 'Bad request.'), unexpected: false };
  return { error: new CairnError('internal', 'An internal error occurred; it has been logged.'), unexpected: true };
}
