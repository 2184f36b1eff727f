/**
 * The shape every signing scheme has (one module each under `schemes/`): it recognises its
 * request headers, parses them, finds the credential and verifies, giving a Principal or
 * throwing an AuthError. What schemes share (admission: disabled users, replayed signatures; one
 * Principal per credential) is the Authenticator's, handed to each scheme as a SchemeContext.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthScheme, Principal } from '../core/principal.js';
import type { Credential, CredentialStore } from './credential-store.js';
import type { TokenService } from './tokens.js';

export interface RequestFacts {
  method: string;
  /** The request target exactly as received (path and query, percent-encoding untouched). */
  rawUrl: string;
  headers: IncomingHttpHeaders;
}

/** How the surface a request is for lets it be signed. */
export interface AuthPolicy {
  /**
   * The Websupport scheme may sign the bare path without the query, and an API user's login
   * window applies: the Websupport surface's real clients need both. Everywhere else a Websupport
   * signature must cover the path and the query exactly as sent, so that a captured signature of
   * `DELETE /api/v3/cases` is not good for `DELETE /api/v3/cases?tql=…`.
   */
  readonly websupportPathOnly: boolean;
  /**
   * Whether `Basic base64(id:secret)` without a Date is plain HTTP Basic (TAXII clients send it so).
   * Not on the Websupport surface, where every `Basic` header is the Websupport HMAC.
   */
  readonly httpBasic: boolean;
  /**
   * Whether every `Basic base64(id:secret)` header is HTTP Basic, a `Date` beside it or not: the
   * TAXII surface, whose clients may send a Date with their Basic credentials and where the
   * Websupport HMAC reading of `Basic` does not apply. Absent: false.
   */
  readonly basicAlwaysHttpBasic?: boolean;
}

/** The policy of the Websupport surface (`/v1`). */
export const WEBSUPPORT_SURFACE_POLICY: AuthPolicy = Object.freeze({ websupportPathOnly: true, httpBasic: false });
/** The policy of the TAXII surface (`/taxii2`): `Basic` is always HTTP Basic there. */
export const TAXII_SURFACE_POLICY: AuthPolicy = Object.freeze({ websupportPathOnly: false, httpBasic: true, basicAlwaysHttpBasic: true });
/** The policy of every other surface. */
export const SIGN_WHOLE_TARGET_POLICY: AuthPolicy = Object.freeze({ websupportPathOnly: false, httpBasic: true });

/** Read-only figures about a scheme's cache, for operators and tests. */
export interface CacheStats {
  entries: number;
  /** Requests answered from the cache since start. */
  hits: number;
}

export interface AuthenticationScheme {
  readonly name: AuthScheme;
  /** Whether the request's headers are this scheme's (cheap: no parsing beyond a prefix). */
  recognises(authorization: string, request: RequestFacts, policy?: AuthPolicy): boolean;
  /**
   * Parses, finds the credential and verifies: the Principal, synchronously when the scheme can
   * (a cached credential), else a Promise; an AuthError when the request is not authentic.
   */
  authenticate(authorization: string, request: RequestFacts, policy: AuthPolicy): Principal | Promise<Principal>;
  cacheStats?(): CacheStats;
}

/** What the Authenticator gives every scheme. */
export interface SchemeContext {
  readonly credentials: CredentialStore;
  readonly tokens: TokenService;
  /** The accepted distance between a signed time and the server clock, in seconds. */
  readonly clockSkewSeconds: number;
  /** Unix seconds. */
  now(): number;
  /**
   * The Principal for a verified credential, after the checks every scheme shares: a disabled
   * user is refused, and so is a repeated signature of a user who opted into replay rejection
   * (`signature` and `signedAt` given for signed schemes).
   */
  admit(credential: Credential, scheme: AuthScheme, signature?: string, signedAt?: number): Principal;
}

/** Makes a scheme for one Authenticator; registered in `schemes/index.ts`. */
export type SchemeFactory = (context: SchemeContext) => AuthenticationScheme;

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Verifying an unknown id costs the same HMAC as a known one, so timing does not reveal ids. */
export const DECOY_SECRET = crypto.randomBytes(30).toString('base64');
