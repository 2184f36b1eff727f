/**
 * Websupport failures: `{"code":…,"message":…}` (validation adds `errors`), worded in the
 * language `Accept-Language` picks (en_us, sk, cs_cz, hu).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, HTTP_STATUS, type CairnError } from '../../core/errors.js';
import { sendJson } from '../send-json.js';
import { websupportLanguage } from './language.js';
import { localizeValidation, translate, type MessageKey } from './messages.js';

function authFailure(error: AuthError): { status: number; key: MessageKey } {
  switch (error.reason) {
    case 'missing-date': return { status: 400, key: 'missingDate' };
    case 'invalid-date': return { status: 400, key: 'invalidDate' };
    case 'date-out-of-range':
    case 'timestamp-out-of-range': return { status: 401, key: 'dateOutOfRange' };
    case 'replayed-signature': return { status: 401, key: 'replayedSignature' };
    case 'user-disabled': return { status: 401, key: 'userDisabled' };
    default: return { status: 401, key: 'incorrectSignature' };
  }
}

/** The failure body for an answer written before routing: no headers read, so no language either. */
export function websupportFailureBody(_path: string, error: CairnError): { code: number; message: string } {
  return { code: HTTP_STATUS[error.code], message: error.message };
}

export function renderWebsupportFailure(request: FastifyRequest, reply: FastifyReply, error: CairnError): FastifyReply {
  const lang = websupportLanguage(request);
  const path = request.url.split('?', 1)[0] ?? '';
  const body = (status: number, message: string, extra: Record<string, unknown> = {}) =>
    sendJson(reply, status, { code: status, message, ...extra });
  if (error instanceof AuthError) {
    const { status, key } = authFailure(error);
    const skew = Number(error.details.skew ?? 0);
    return body(status, translate(lang, key, { value: String(error.details.value ?? ''), skew, window: Number(error.details.window ?? 300) }));
  }
  switch (error.code) {
    case 'route-not-found': return body(404, translate(lang, 'unknownAction', { action: path }));
    case 'method-not-allowed': return body(405, translate(lang, 'methodNotAllowed', { method: request.method, action: path }));
    case 'validation': {
      const ajvErrors = error.details.ajvErrors as Parameters<typeof localizeValidation>[1] | undefined;
      const errors = ajvErrors
        ? localizeValidation(lang, ajvErrors)
        : Object.fromEntries((error.details.fields ?? []).map((f) => [f.field, [f.message]]));
      return body(400, translate(lang, 'validationFailed'), { errors });
    }
    case 'malformed-body': return body(400, translate(lang, 'malformedJson', { detail: String(error.details.detail ?? '') }));
    case 'payload-too-large': return body(413, translate(lang, 'bodyTooLarge', { limit: Number(error.details.limit ?? 0) }));
    case 'unsupported-media-type': return body(415, translate(lang, 'unsupportedMediaType'));
    case 'internal': return body(500, translate(lang, 'internalError'));
    default: return body(HTTP_STATUS[error.code], error.message);
  }
}
