/**
 * Errors are values: the core raises a CairnError with a closed code; each surface maps codes to
 * its own statuses, envelopes and languages (surfaces/<name>/errors.ts).
 */
export type ErrorCode =
  | 'bad-request'
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'route-not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'not-acceptable'
  | 'malformed-body'
  | 'headers-too-large'
  | 'tql-parse'
  | 'mismatched-items'
  | 'missing-data'
  | 'has-dependents'
  | 'rate-limited'
  | 'internal';

/** The HTTP status each code maps to on every surface (a surface may word it differently). */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  'bad-request': 400, validation: 400, 'malformed-body': 400, 'tql-parse': 400, 'mismatched-items': 400, 'missing-data': 400, 'has-dependents': 400,
  unauthorized: 401, forbidden: 403, 'not-found': 404, 'route-not-found': 404, 'method-not-allowed': 405, conflict: 409,
  'payload-too-large': 413, 'unsupported-media-type': 415, 'not-acceptable': 406, 'headers-too-large': 431, 'rate-limited': 429, internal: 500,
};

export interface FieldProblem {
  /** Field name or path (`tasks[0].name`), `_` for the request as a whole. */
  field: string;
  message: string;
}

export class CairnError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { fields?: FieldProblem[]; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'CairnError';
  }
}

/** Why authentication failed; surfaces choose their exact wording per reason. */
export type AuthFailureReason =
  | 'missing-credentials'
  | 'malformed-credentials'
  | 'unknown-access-id'
  | 'bad-signature'
  | 'missing-timestamp'
  | 'invalid-timestamp'
  | 'timestamp-out-of-range'
  | 'missing-date'
  | 'invalid-date'
  | 'date-out-of-range'
  | 'missing-api-key'
  | 'bad-api-key'
  | 'user-disabled'
  | 'replayed-signature'
  | 'token-invalid'
  | 'token-expired';

export class AuthError extends CairnError {
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super('unauthorized', message, details);
    this.name = 'AuthError';
  }
}

export const notFound = (message: string) => new CairnError('not-found', message);
export const conflict = (message: string) => new CairnError('conflict', message);
export const badRequest = (message: string, fields?: FieldProblem[]) => new CairnError('bad-request', message, fields ? { fields } : {});
export const forbidden = (message: string) => new CairnError('forbidden', message);
