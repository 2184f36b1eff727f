/**
 * ThreatConnect failures. v2: `{"status":"Failure","message":…}` (XML when asked);
 * v3: `{"errCode":"0x…","message":…,"status":"Error"}` with the code table of the v3 docs.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, HTTP_STATUS, type CairnError, type ErrorCode } from '../../core/errors.js';
import { sendJson, sendXml, wantsXml } from './envelope.js';

const V3_CODE: Record<ErrorCode, string> = {
  'bad-request': '0x1001', 'payload-too-large': '0x1001', 'headers-too-large': '0x1001', 'rate-limited': '0x1001',
  unauthorized: '0x1002', forbidden: '0x1003', 'not-found': '0x1004', 'route-not-found': '0x1004', 'method-not-allowed': '0x1005',
  conflict: '0x1006', internal: '0x1007', 'tql-parse': '0x2001', 'mismatched-items': '0x2002', 'missing-data': '0x2003',
  validation: '0x2005', 'malformed-body': '0x2005', 'unsupported-media-type': '0x2005', 'not-acceptable': '0x1001', 'has-dependents': '0x2006',
};

/** The exact texts ThreatConnect's servers send for authentication failures. */
function authMessage(error: AuthError): string {
  switch (error.reason) {
    case 'bad-signature': return 'Signature data did not match expected result';
    case 'timestamp-out-of-range':
    case 'date-out-of-range': return 'Timestamp out of acceptable time range';
    case 'missing-timestamp':
    case 'invalid-timestamp':
    case 'missing-date':
    case 'invalid-date': return 'Invalid timestamp';
    case 'token-expired':
    case 'token-invalid': return 'Unauthorized';
    case 'replayed-signature': return 'Signature data has already been used; sign each request with a new Timestamp';
    default: return 'Access Denied';
  }
}

function isV3Path(path: string): boolean {
  return /^(\/api)?\/v3(\/|$)/.test(path);
}

function messageFor(error: CairnError, path: string): string {
  if (error instanceof AuthError) return authMessage(error);
  if (error.code === 'route-not-found') {
    if (/^\/api\/v1(\/|$)/.test(path)) return 'Version 1 of the API is no longer available; use /v2 or /v3.';
    return 'The requested resource was not found';
  }
  if (error.code === 'internal') return 'An unknown error occurred';
  return error.message;
}

/** The JSON failure body for a path: the v3 envelope under `/v3`, the v2 one elsewhere. */
export function threatConnectFailureBody(path: string, error: CairnError): Record<string, unknown> {
  const message = messageFor(error, path);
  return isV3Path(path) ? { errCode: V3_CODE[error.code], message, status: 'Error' } : { status: 'Failure', message };
}

export function renderThreatConnectFailure(request: FastifyRequest, reply: FastifyReply, error: CairnError): FastifyReply {
  const path = request.url.split('?', 1)[0] ?? '';
  const status = HTTP_STATUS[error.code];
  if (!isV3Path(path) && wantsXml(request)) return sendXml(reply, status, { errorResponse: { Status: 'Failure', Message: messageFor(error, path) } });
  return sendJson(reply, status, threatConnectFailureBody(path, error));
}
